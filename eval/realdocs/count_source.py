"""Count the structure a source document visibly has, independently of faqrag.

Usage (from the repo root):

    python eval/realdocs/count_source.py                 # table: counted vs manifest
    python eval/realdocs/count_source.py --json SLUG     # the counts of one document
    python eval/realdocs/count_source.py --path FILE_OR_FOLDER

Reads `eval/realdocs/manifest.json` and, for each document (a file, or a folder
of saved pages whose counts are summed), counts what a reader sees in the main
content: headings, list blocks and their items, tables and their body rows,
question/answer pairs, and the length of the visible text. Nothing of faqrag is
imported; only the standard library, selectolax (lexbor), python-docx and
pypdfium2. The manifest's `expect` holds these counts, corrected by hand where a
`note` says so; `--check` exits 1 if a count differs from the manifest without
such a note.

What is counted, per format:

- HTML: inside the page's main content element (first of MAIN_SELECTORS that
  exists), after dropping navigation, scripts, header links, tab buttons and
  "edit this page" links: h1-h6; every <ul>/<ol> (nested ones too) and every
  <li>; <table>s other than code-line tables and their body rows (rows with a
  <td>); FAQ pairs = <details> with a <summary> + <dt> terms ending in "?" +
  headings ending in "?" + schema.org FAQPage JSON-LD questions.
- Markdown (.md/.mdx): front matter (--- or +++) skipped, fenced code skipped;
  ATX headings; list blocks (a nested list is a block of its own) and items;
  pipe tables (a header row followed by a rule) and their body rows; FAQ pairs
  = headings ending in "?" + <details> blocks.
- DOCX: paragraphs styled Title or Heading N; list paragraphs (numbering or a
  List style) in runs; tables and their rows less the first (header) row; FAQ
  pairs = short paragraphs ending in "?" followed by a paragraph that is not a
  question.
- PDF: only list items (lines starting with a bullet glyph) and text length
  are counted; headings, tables and FAQ pairs are null (left to the manifest,
  counted by eye, with a note).

min_chars is 80% of the visible text length (white space collapsed), a floor a
converter should reach without counting navigation.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

MAIN_SELECTORS = [
    "div.theme-doc-markdown",  # Docusaurus
    "article.md-content__inner",  # MkDocs Material
    "article.bd-article",  # Sphinx, pydata theme
    "div[role=main]",  # Sphinx, basic/alabaster/RTD themes
    "div.col-md-9",  # Sphinx, bootstrap theme (iperf3)
    "div.content-container",  # Hugo, numpy.org theme
    "main article",
    "article",
    "main",
    "body",
]
DROP_SELECTORS = [
    "script", "style", "noscript", "template", "nav", "button",
    "a.headerlink", "a.hash-link", "ul[role=tablist]", "div.improve",
    "div.tabs > div.automatic", ".md-source-file", ".theme-doc-toc-mobile",
    ".md-content__button", "form",
]
HEADINGS = ["h1", "h2", "h3", "h4", "h5", "h6"]
_SPACE = re.compile(r"\s+")
_ANCHOR_JUNK = "¶#\u200b \t\n"


def _collapse(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _is_question(text: str) -> bool:
    text = _collapse(text).rstrip(_ANCHOR_JUNK)
    return text.endswith("?") or text.endswith("？")


# ---------------------------------------------------------------- HTML

def count_html(raw: bytes) -> dict:
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(raw.decode("utf-8", "replace"))
    json_ld = 0
    for node in tree.css('script[type="application/ld+json"]'):
        try:
            data = json.loads(node.text() or "")
        except ValueError:
            continue
        items = data if isinstance(data, list) else data.get("@graph", [data]) if isinstance(data, dict) else []
        for item in items:
            if isinstance(item, dict) and item.get("@type") == "FAQPage":
                json_ld += len(item.get("mainEntity") or [])
    root = None
    for selector in MAIN_SELECTORS:
        root = tree.css_first(selector)
        if root is not None:
            break
    for selector in DROP_SELECTORS:
        for node in root.css(selector):
            node.decompose()
    headings = [n for tag in HEADINGS for n in root.css(tag)]
    tables = [t for t in root.css("table") if "highlighttable" not in (t.attributes.get("class") or "")]
    rows = sum(1 for t in tables for tr in t.css("tr") if tr.css_first("td") is not None)
    details = sum(1 for d in root.css("details") if d.css_first("summary") is not None)
    dt_q = sum(1 for dt in root.css("dt") if _is_question(dt.text() or ""))
    h_q = sum(1 for h in headings if _is_question(h.text() or ""))
    text = _collapse(root.text(separator=" ") or "")
    return {
        "headings": len(headings),
        "lists": len(root.css("ul")) + len(root.css("ol")),
        "list_items": len(root.css("li")),
        "tables": len(tables),
        "table_rows": rows,
        "faq_pairs": details + dt_q + h_q + json_ld,
        "text_chars": len(text),
    }


# ---------------------------------------------------------------- Markdown

_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})")
_ATX = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^(\s*)([-*+]|\d+[.)])\s+\S")
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_ATTR = re.compile(r"\s*\{[#.][^}]*\}\s*$")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def _strip_front_matter(text: str) -> str:
    lines = text.split("\n")
    if lines and lines[0].strip() in ("---", "+++"):
        mark = lines[0].strip()
        for j in range(1, len(lines)):
            if lines[j].strip() == mark:
                return "\n".join(lines[j + 1:])
    return text


def count_markdown(raw: bytes) -> dict:  # noqa: C901  # one pass over the lines, a branch per block kind, kept apart from the parser it checks
    text = _strip_front_matter(raw.decode("utf-8"))
    lines = text.splitlines()
    headings = faq = lists = items = tables = rows = details = 0
    fence = None
    stack: list[int] = []  # indents of the open lists
    in_table = False
    prev_blank = True
    visible = []
    for i, line in enumerate(lines):
        m = _FENCE.match(line)
        if fence:
            if m and m.group(2)[0] == fence[0] and len(m.group(2)) >= len(fence):
                fence = None
            continue
        if m:
            fence = m.group(2)
            prev_blank = False
            continue
        stripped = line.strip()
        if not stripped:
            in_table = False
            prev_blank = True
            continue
        was_blank, prev_blank = prev_blank, False
        visible.append(stripped)
        if "<details" in line:
            details += 1
        if in_table:
            if "|" in line:
                rows += 1
                continue
            in_table = False
        if "|" in line and i + 1 < len(lines) and _TABLE_RULE.match(lines[i + 1]) and "-" in lines[i + 1]:
            tables += 1
            in_table = True
            stack.clear()
            continue
        if _TABLE_RULE.match(line) and "|" in line:
            continue
        h = _ATX.match(line)
        if h:
            headings += 1
            title = _LINK.sub(r"\1", _ATTR.sub("", h.group(2)))
            faq += _is_question(title)
            stack.clear()
            continue
        if _RULE.match(line):
            stack.clear()
            continue
        it = _ITEM.match(line)
        if it:
            indent = len(it.group(1).expandtabs(4))
            while stack and stack[-1] > indent:
                stack.pop()
            if not stack or stack[-1] < indent:
                stack.append(indent)
                lists += 1
            items += 1
            continue
        # Any other line: at the margin after a blank line it ends every open
        # list (without a blank line it is a lazy continuation); indented, it
        # continues the innermost list item it is indented under.
        indent = len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())
        if indent == 0:
            if was_blank:
                stack.clear()
        else:
            while stack and stack[-1] >= indent:
                stack.pop()
    return {
        "headings": headings,
        "lists": lists,
        "list_items": items,
        "tables": tables,
        "table_rows": rows,
        "faq_pairs": faq + details,
        "text_chars": len(_collapse(" ".join(visible))),
    }


# ---------------------------------------------------------------- DOCX

def count_docx(path: Path) -> dict:  # noqa: C901  # one pass over the body, a branch per element kind, kept apart from the converter it checks
    import docx
    from docx.oxml.ns import qn

    document = docx.Document(str(path))

    # numId -> ilvl -> number format, so that numbering whose format is
    # "none" (used to hang headings or notes on a list without showing a
    # number) is not taken for a list.
    formats: dict[str, dict[str, str]] = {}
    try:
        numbering = document.part.numbering_part.element
    except (KeyError, NotImplementedError):
        numbering = None
    if numbering is not None:
        abstract = {}
        for a in numbering.findall(qn("w:abstractNum")):
            abstract[a.get(qn("w:abstractNumId"))] = {
                lvl.get(qn("w:ilvl")): (lvl.find(qn("w:numFmt")).get(qn("w:val")) if lvl.find(qn("w:numFmt")) is not None else "decimal")
                for lvl in a.findall(qn("w:lvl"))
            }
        for num in numbering.findall(qn("w:num")):
            ref = num.find(qn("w:abstractNumId"))
            if ref is not None:
                formats[num.get(qn("w:numId"))] = abstract.get(ref.get(qn("w:val")), {})

    def _shown(num_pr) -> bool | None:
        if num_pr is None:
            return None
        num_id = num_pr.find(qn("w:numId"))
        ilvl = num_pr.find(qn("w:ilvl"))
        nid = num_id.get(qn("w:val")) if num_id is not None else None
        lvl = ilvl.get(qn("w:val")) if ilvl is not None else "0"
        if nid in (None, "0"):
            return False
        return formats.get(nid, {}).get(lvl, "decimal") != "none"

    def numbered(p) -> bool:
        ppr = p._p.pPr
        shown = _shown(ppr.find(qn("w:numPr")) if ppr is not None else None)
        if shown is not None:
            return shown
        style = p.style
        while style is not None:
            spr = style.element.pPr
            shown = _shown(spr.find(qn("w:numPr")) if spr is not None else None)
            if shown is not None:
                return shown
            style = style.base_style
        return False

    headings = lists = items = 0
    paras = [p for p in document.paragraphs]
    in_list = False
    texts = []
    questions = []
    for p in paras:
        text = _collapse(p.text)
        name = p.style.name if p.style is not None else ""
        if not text:
            continue
        texts.append(text)
        if name == "Title" or name.startswith("Heading"):
            headings += 1
        is_item = numbered(p) or (name.startswith("List") and name != "List Paragraph")
        if name.startswith("toc") or name == "Title" or name.startswith("Heading"):
            is_item = False
        if is_item:
            items += 1
            if not in_list:
                lists += 1
            in_list = True
        else:
            in_list = False
        questions.append(len(text) < 200 and _is_question(text))
    faq = sum(1 for a, b in zip(questions, questions[1:]) if a and not b)
    rows = 0
    for table in document.tables:
        rows += max(len(table.rows) - 1, 0)
        texts.extend(_collapse(c.text) for r in table.rows for c in r.cells)
    return {
        "headings": headings,
        "lists": lists,
        "list_items": items,
        "tables": len(document.tables),
        "table_rows": rows,
        "faq_pairs": faq,
        "text_chars": len(" ".join(t for t in texts if t)),
    }


# ---------------------------------------------------------------- PDF

_BULLET = re.compile(r"^\s*[•●○◦▪■□‣∙·]\s*")


def count_pdf(path: Path) -> dict:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    items = lists = 0
    chars = 0
    for page in pdf:
        text = page.get_textpage().get_text_range()
        in_list = False
        for line in text.splitlines():
            if _BULLET.match(line):
                items += 1
                lists += not in_list
                in_list = True
            elif line.strip():
                in_list = in_list and line.startswith(" ")
        chars += len(_collapse(text))
    return {
        "headings": None,
        "lists": lists,
        "list_items": items,
        "tables": None,
        "table_rows": None,
        "faq_pairs": None,
        "text_chars": chars,
    }


# ---------------------------------------------------------------- driver

KEYS = ["headings", "lists", "list_items", "tables", "table_rows", "faq_pairs"]


def count_path(path: Path) -> dict:
    if path.is_dir():
        total: dict = {}
        for f in sorted(path.rglob("*")):
            if f.suffix.lower() in {".html", ".htm", ".md", ".mdx", ".docx", ".pdf"}:
                for key, value in count_path(f).items():
                    if value is None or total.get(key, 0) is None:
                        total[key] = None
                    else:
                        total[key] = total.get(key, 0) + value
        return total
    suffix = path.suffix.lower()
    if suffix in {".html", ".htm"}:
        return count_html(path.read_bytes())
    if suffix in {".md", ".mdx", ".markdown"}:
        return count_markdown(path.read_bytes())
    if suffix == ".docx":
        return count_docx(path)
    if suffix == ".pdf":
        return count_pdf(path)
    raise SystemExit(f"{path}: unknown format")


def expected(counts: dict) -> dict:
    out = {k: counts[k] for k in KEYS}
    out["min_chars"] = int(counts["text_chars"] * 0.8) // 100 * 100
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", type=Path, default=HERE / "manifest.json")
    parser.add_argument("--json", metavar="SLUG")
    parser.add_argument("--path", type=Path)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    if args.path:
        print(json.dumps(expected(count_path(args.path)) | {"text_chars": count_path(args.path)["text_chars"]}))
        return 0
    manifest = json.loads(args.manifest.read_text(encoding="utf-8"))
    bad = 0
    for doc in manifest:
        if args.json and doc["slug"] != args.json:
            continue
        got = expected(count_path(HERE / doc["path"]))
        if args.json:
            print(json.dumps(got))
            continue
        want = doc.get("expect", {})
        diff = [f"{k} {got[k]}->{want.get(k)}" for k in got if want.get(k) != got[k]]
        flag = "" if not diff else ("  (hand-corrected: see note)" if doc.get("note") else "  DIFFERS")
        bad += bool(diff) and not doc.get("note")
        print(f"{doc['slug']:40} " + " ".join(f"{k}={got[k]}" for k in got) + (f"  [{'; '.join(diff)}]{flag}" if diff else ""))
    return 1 if (args.check and bad) else 0


if __name__ == "__main__":
    sys.exit(main())
