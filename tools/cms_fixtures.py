"""Write a text guide as a CMS-made web page and as a saved multi-page help site.

    python tools/cms_fixtures.py corpus/GUIDE.txt OUT_DIR

makes ``OUT_DIR/cms/`` and ``OUT_DIR/site/``, each a corpus folder holding the
guide in one more form, beside the clean ones of ``make_format_fixtures.py``:

* cms: the page a help-centre editor makes: the article's title is the only
  heading (``<h1>``); the text's headings are short paragraphs, the top ones
  large and bold (``<p><span style="font-size: 20px"><strong>``), the next
  bold, the deepest bold italic; each directory block is one ``<p>`` whose
  lines are parted by ``<br>``; a list's lead-in is ``<p><strong>…:</strong></p>``
  before the ``<ul>``; FAQ questions are bold paragraphs; no ``<main>``, and
  the chrome around the article carries no telling class names;
* site: the guide split at its top headings into pages (headings h2-h6 in
  them), as ``wget -r`` saves a help centre: ``index.html`` (the title and the text before the first
  heading) and ``<section>/index.html`` per top heading, its heading the
  page's ``<h1>``, every page in the same chrome (a top bar, a side column
  listing every page, a footer, and inside the article's own block a
  breadcrumb over the title and a "Was this article helpful? Still need
  help?" box under the text) named by nothing but repetition, with a
  stylesheet, a script and an image beside them.

Binaries are not made; the pages are written from faqrag's own parse of the
guide, as the clean forms are.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from make_format_fixtures import _headings, sections  # noqa: E402

from faqrag.ingest.parse import Block, parse_guide  # noqa: E402

e = html.escape

CHROME_TOP = """<div class="top-wrap"><div class="inner">
<a href="{root}index.html" class="brand">Help Centre</a>
<ul class="links"><li><a href="{root}index.html">Home</a></li><li><a href="/community">Community</a></li>
<li><a href="/requests/new">Submit a request</a></li><li><a href="/signin">Sign in</a></li></ul>
</div>
<p class="strap">Service status: all systems operational. Some answers below may change without notice.</p>
</div>"""
CHROME_SIDE = """<div class="col-side">
<p class="col-title">Articles in this section</p>
<ul>{links}</ul>
<div class="box"><p>Popular: reset a password, change an email address, close an account.</p></div>
</div>"""
CHROME_BOTTOM = """<div class="bottom-wrap">
<p>© 2025 Example Help Centre. All rights reserved. Prices, numbers and opening hours may change without notice.</p>
<ul class="links"><li><a href="/privacy">Privacy</a></li><li><a href="/terms">Terms</a></li><li><a href="/cookies">Cookies</a></li></ul>
</div>"""
PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title} – Help Centre</title>
<link rel="stylesheet" href="{root}assets/site.css"><link rel="icon" href="{root}favicon.ico">
<script src="{root}assets/app.js"></script></head>
<body>
{top}
<div class="page-wrap">
<div class="col-main">
<div class="crumbs"><a href="{root}index.html">Help Centre</a> › <a href="{root}index.html">Guides and contact numbers</a></div>
<h1>{title}</h1>
<div class="article-text">
{body}
</div>
<div class="after">
<p>Was this article helpful? <a href="#yes">Yes</a> <a href="#no">No</a></p>
<p>Still need help? Our support team answers every message within one working day, in English and Japanese.</p>
</div>
</div>
{side}
</div>
{bottom}
</body></html>
"""
HEADING_STYLE = {2: ('<span style="font-size: 20px;"><strong>', "</strong></span>"), 3: ("<strong>", "</strong>")}
DEEPER = ("<strong><em>", "</em></strong>")


def body_html(blocks: list[Block], cms: bool = True) -> str:
    """The blocks as a CMS editor writes them (``cms``), or with real headings (a page of a site)."""
    out = []
    for item in sections(blocks):
        if _headings(item):
            for lv, t in item:
                opening, closing = HEADING_STYLE.get(lv, DEEPER) if cms else (f"<h{min(lv, 6)}>", f"</h{min(lv, 6)}>")
                out.append(f"<p>{opening}{e(t)}{closing}</p>" if cms else f"{opening}{e(t)}{closing}")
            continue
        if item[0].kind == "entry":
            lines = "<br>\n".join(f"<strong>{e(b.label)}:</strong> {e(b.value)}" for b in item)
            out.append(f"<p>{lines}</p>")
            continue
        for b in item:
            if b.kind == "passage":
                out.append(f"<p>{e(b.text)}</p>")
            elif b.kind == "list":
                if b.lead:
                    out.append(f"<p><strong>{e(b.lead)}</strong></p>")
                out.append("<ul>" + "".join(f"<li>{e(it)}</li>" for it in b.items) + "</ul>")
            elif b.kind == "faq":
                out.append(f"<p><strong>{e(b.question)}</strong></p>\n<p>{e(b.text)}</p>")
            elif b.kind == "code":
                out.append(f"<pre>{e(b.text)}</pre>")
    return "\n".join(out)


def page(title: str, body: str, root: str = "", links: str = "") -> str:
    return PAGE.format(
        title=e(title),
        body=body,
        root=root,
        top=CHROME_TOP.format(root=root),
        side=CHROME_SIDE.format(links=links),
        bottom=CHROME_BOTTOM,
    )


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "page"


def split_at_top_headings(blocks: list[Block]) -> list[tuple[str | None, list[Block]]]:
    """(top heading, its blocks with that heading taken off their trails); the blocks before any heading first."""
    pages: list[tuple[str | None, list[Block]]] = [(None, [])]
    flat = [m for b in blocks for m in (b.members or (b,))]
    for b in flat:
        top = b.trail[0] if b.trail else None
        if top != pages[-1][0]:
            pages.append((top, []))
        pages[-1][1].append(b)
    from dataclasses import replace

    # The home page (the text before the first heading, if any) is always written: a mirror has one.
    return [(top, [replace(b, trail=b.trail[1:]) for b in bs]) for top, bs in pages]


def write_site(title: str, blocks: list[Block], folder: Path) -> list[Path]:
    pages = split_at_top_headings(blocks)
    names = [(top, slug(top) if top else "") for top, _ in pages]
    written = []
    for top, page_blocks in pages:
        depth = 1 if top else 0
        root = "../" * depth
        links = "".join(
            f'<li><a href="{root}{name}/index.html">{e(heading)}</a></li>' for heading, name in names if heading
        )
        body = body_html(page_blocks, cms=False)
        if not top:
            body += "\n<ul>" + links + "</ul>"  # the home page lists the articles
        target = folder / (f"{slug(top)}/index.html" if top else "index.html")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page(top or title, body, root, links), encoding="utf-8")
        written.append(target)
    assets = folder / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    (assets / "site.css").write_text("body { font-family: sans-serif; }\n.col-side { float: right; }\n")
    (assets / "app.js").write_text("document.documentElement.classList.add('js');\n")
    (assets / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(32))
    (folder / "favicon.ico").write_bytes(bytes(64))
    return written


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
    cms = args.out / "cms" / f"{args.guide.stem}.html"
    cms.parent.mkdir(parents=True, exist_ok=True)
    cms.write_text(page(title, body_html(blocks)), encoding="utf-8")
    print(cms)
    for path in write_site(title, blocks, args.out / "site"):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
