"""Write a text guide as a saved web page, a Word document and a PDF, to test the converters.

    python tools/make_format_fixtures.py corpus/GUIDE.txt OUT_DIR

makes ``OUT_DIR/{text,html,docx,pdf}/``, each a corpus folder holding the same
guide in one format (with the guide's sidecar metadata copied), so that
``faqrag build --corpus OUT_DIR/html`` and ``faqrag eval`` can be compared
across formats. The structure comes from faqrag's own parse of the guide
(headings, paragraphs, lists with lead-ins, directory blocks, FAQ pairs), and
each format writes it the way that format usually does:

* HTML: a typical page around it (cookie banner, navigation, sidebar, footer,
  scripts), headings h1-h6, directory blocks as two-column tables, FAQ pairs
  as ``<details>`` plus the same pairs as schema.org FAQPage JSON-LD;
* DOCX (python-docx): Title/Heading styles, List Bullet paragraphs, directory
  blocks as tables, FAQ questions in bold;
* PDF (fpdf2, DejaVu fonts): headings by size and bold, bullets, a running
  header from page 2 on and a "Page N of M" footer on every page.

Binaries are not committed: tests and measurements make them in a temporary folder.
"""

from __future__ import annotations

import argparse
import html
import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from faqrag.ingest.parse import Block, parse_guide  # noqa: E402

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


def sections(blocks: list[Block]):
    """(new headings as (level, text), run of blocks) in order; level 2 is a top section."""
    prev: tuple[str, ...] = ()
    run: list[Block] = []
    # A section (a heading with a short body) is written as the blocks it holds.
    for b in (m for block in blocks for m in (block.members or (block,))):
        if (
            b.trail != prev
            or (run and (run[-1].kind == "entry") != (b.kind == "entry"))
            or (run and b.kind == "entry" and b.group != run[-1].group)
        ):
            if run:
                yield run
            run = []
            if b.trail != prev:
                k = 0
                while k < min(len(prev), len(b.trail)) and prev[k] == b.trail[k]:
                    k += 1
                yield [(k + i + 2, t) for i, t in enumerate(b.trail[k:])]
                prev = b.trail
        run.append(b)
    if run:
        yield run


def _headings(item) -> bool:
    return bool(item) and isinstance(item[0], tuple)


# --------------------------------------------------------------------- HTML

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} | Help Centre</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="canonical" href="https://help.example.com/articles/{slug}">
<meta property="og:title" content="{title}">
<meta property="article:modified_time" content="2025-10-30T10:31:00Z">
<link rel="stylesheet" href="/static/site.css">
<script>window.dataLayer = window.dataLayer || []; function gtag(){{dataLayer.push(arguments);}}</script>
<script type="application/ld+json">{json_ld}</script>
</head>
<body>
<div id="cookie-consent" class="cookie-banner" role="dialog">
  <p>We use cookies to improve your experience. By continuing you accept our cookie policy.</p>
  <button>Accept all</button> <button>Manage preferences</button>
</div>
<a class="skip-link" href="#content">Skip to content</a>
<header class="site-header">
  <a href="/" class="logo">Help Centre</a>
  <nav aria-label="Main">
    <ul><li><a href="/">Home</a></li><li><a href="/topics">Topics</a></li>
    <li><a href="/contact">Contact us</a></li><li><a href="/status">Service status</a></li></ul>
  </nav>
  <form role="search"><input type="search" placeholder="Search help articles"><button>Search</button></form>
</header>
<div class="breadcrumbs"><a href="/">Home</a> › <a href="/topics">Topics</a> › {title}</div>
<div class="layout">
<main id="content">
<article>
{body}
<p class="article-votes">Was this article helpful? <button>Yes</button> <button>No</button></p>
</article>
</main>
<aside class="sidebar">
  <h2>Related articles</h2>
  <ul><li><a href="/a1">Changing your password</a></li><li><a href="/a2">Updating your email address</a></li>
  <li><a href="/a3">Closing your account</a></li></ul>
</aside>
</div>
<footer class="site-footer">
  <ul><li><a href="/privacy">Privacy</a></li><li><a href="/terms">Terms of use</a></li><li><a href="/cookies">Cookies</a></li></ul>
  <p>© 2025 Example Help Centre. All rights reserved.</p>
</footer>
<script src="/static/app.js"></script>
<script>document.querySelector('.cookie-banner button').onclick = () => {{}};</script>
</body>
</html>
"""


def to_html(title: str, blocks: list[Block], slug: str) -> str:
    e = html.escape
    out = [f"<h1>{e(title)}</h1>"]
    faqs = []
    for item in sections(blocks):
        if _headings(item):
            out += [f"<h{min(lv, 6)}>{e(t)}</h{min(lv, 6)}>" for lv, t in item]
            continue
        if item[0].kind == "entry":
            rows = "".join(f"<tr><td>{e(b.label)}</td><td>{e(b.value)}</td></tr>" for b in item)
            out.append(f'<table class="directory"><tbody>{rows}</tbody></table>')
            continue
        for b in item:
            if b.kind == "passage":
                out.append(f"<p>{e(b.text)}</p>")
            elif b.kind == "list":
                if b.lead:
                    out.append(f"<p>{e(b.lead)}</p>")
                out.append("<ul>" + "".join(f"<li>{e(it)}</li>" for it in b.items) + "</ul>")
            elif b.kind == "faq":
                faqs.append(b)
                out.append(f'<details class="faq"><summary>{e(b.question)}</summary><p>{e(b.text)}</p></details>')
    json_ld = {
        "@context": "https://schema.org",
        "@type": "FAQPage",
        "mainEntity": [
            {
                "@type": "Question",
                "name": b.question,
                "acceptedAnswer": {"@type": "Answer", "text": f"<p>{e(b.text)}</p>"},
            }
            for b in faqs
        ],
    }
    return PAGE.format(
        title=e(title),
        slug=slug,
        body="\n".join(out),
        json_ld=json.dumps(json_ld, ensure_ascii=False).replace("</", "<\\/"),
    )


# --------------------------------------------------------------------- DOCX


def to_docx(title: str, blocks: list[Block], path: Path) -> None:
    import docx

    d = docx.Document()
    d.core_properties.title = title
    d.add_heading(title, level=0)
    for item in sections(blocks):
        if _headings(item):
            for lv, t in item:
                d.add_heading(t, level=min(lv - 1, 9))
            continue
        if item[0].kind == "entry":
            table = d.add_table(rows=0, cols=2)
            table.style = "Table Grid"
            for b in item:
                cells = table.add_row().cells
                cells[0].text, cells[1].text = b.label, b.value
            continue
        for b in item:
            if b.kind == "passage":
                d.add_paragraph(b.text)
            elif b.kind == "list":
                if b.lead:
                    d.add_paragraph(b.lead)
                for it in b.items:
                    d.add_paragraph(it, style="List Bullet")
            elif b.kind == "faq":
                d.add_paragraph().add_run(b.question).bold = True
                d.add_paragraph(b.text)
    d.save(str(path))


# ---------------------------------------------------------------------- PDF

SIZES = {1: 20, 2: 16, 3: 14, 4: 12.5}  # deeper headings: body size in bold
BODY = 10.5


def to_pdf(title: str, blocks: list[Block], path: Path) -> None:  # noqa: C901  # one branch per block kind, drawn with fpdf2
    from fpdf import FPDF

    # DejaVu covers the guide's typographic quotes and dashes; without it, the
    # built-in Helvetica (Latin-1 only) stands in.
    unicode_font = (FONT_DIR / "DejaVuSans.ttf").exists() and (FONT_DIR / "DejaVuSans-Bold.ttf").exists()
    family = "DejaVu" if unicode_font else "helvetica"
    bullet = "\u2022" if unicode_font else "-"

    def latin(text: str) -> str:
        return text if unicode_font else text.encode("latin-1", "replace").decode("latin-1")

    class Pdf(FPDF):
        def header(self):
            if self.page_no() == 1:
                return  # Word's "different first page": the title page has no running header
            self.set_font(family, "", 8)
            self.cell(0, 8, latin(f"{title[:60]} - saved copy"), new_x="LMARGIN", new_y="NEXT", align="R")
            self.ln(2)

        def footer(self):
            self.set_y(-12)
            self.set_font(family, "", 8)
            self.cell(0, 8, f"Page {self.page_no()} of {{nb}}", align="C")

    pdf = Pdf(format="A4")
    pdf.set_title(latin(title))
    if unicode_font:
        pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
        pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()

    def para(text: str, size: float = BODY, style: str = "", after: float = 2.5) -> None:
        pdf.set_font(family, style, size)
        pdf.multi_cell(0, size * 0.5, latin(text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(after)

    para(title, SIZES[1], "B", 4)
    for item in sections(blocks):
        if _headings(item):
            for lv, t in item:
                pdf.ln(2)
                para(t, SIZES.get(lv, BODY), "B", 2)
            continue
        if item[0].kind == "entry":
            for b in item:
                para(b.text, after=0.5)
            pdf.ln(2)
            continue
        for b in item:
            if b.kind == "passage":
                para(b.text)
            elif b.kind == "list":
                if b.lead:
                    para(b.lead, after=1)
                pdf.set_font(family, "", BODY)
                for it in b.items:
                    pdf.cell(5, BODY * 0.5, bullet)
                    pdf.multi_cell(0, BODY * 0.5, latin(it), new_x="LMARGIN", new_y="NEXT")
                    pdf.ln(0.5)
                pdf.ln(2)
            elif b.kind == "faq":
                para(b.question, style="B", after=1)
                para(b.text)
    pdf.output(str(path))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("guide", type=Path)
    ap.add_argument("out", type=Path)
    args = ap.parse_args(argv)
    text = args.guide.read_text(encoding="utf-8")
    parsed_title, blocks = parse_guide(text, markdown=args.guide.suffix.lower() in (".md", ".markdown"))
    side = args.guide.with_name(args.guide.name + ".meta.json")
    meta = json.loads(side.read_text(encoding="utf-8")) if side.exists() else {}
    title = meta.get("title") or parsed_title or args.guide.stem
    stem = args.guide.stem
    made = {
        "text": args.guide.name,
        "html": f"{stem}.html",
        "docx": f"{stem}.docx",
        "pdf": f"{stem}.pdf",
    }
    for fmt, name in made.items():
        folder = args.out / fmt
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / name
        if fmt == "text":
            shutil.copyfile(args.guide, target)
        elif fmt == "html":
            target.write_text(to_html(title, blocks, stem), encoding="utf-8")
        elif fmt == "docx":
            to_docx(title, blocks, target)
        else:
            to_pdf(title, blocks, target)
        if meta:
            (folder / f"{name}.meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        print(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
