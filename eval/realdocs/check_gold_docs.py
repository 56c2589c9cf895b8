"""Check a question set's gold strings against web pages, PDFs and Word files.

Usage (from the repo root, with faqrag importable):

    python eval/realdocs/check_gold_docs.py QUESTIONS.jsonl CORPUS_FOLDER [--converted]

`tools/check_gold.py` reads only .txt/.md/.csv/.jsonl, so it cannot check the
sets whose corpus is HTML or PDF. This does the same checks on those: every
gold must occur, after faqrag's matcher normalisation (`faqrag.text.normalize`:
case, white space, quotes, dashes), in the visible text of the main content of
the documents, as `count_source.py` reads it (selectolax for HTML, pypdfium2
for PDF, python-docx for Word) - that is, in the source, not in faqrag's
reading of it. Golds that occur more than once are listed with their count;
golds outside 15-60 characters are flagged; ids must be unique.

With --converted the golds are checked instead against the text faqrag's own
converters extract (`faqrag.convert.convert_file`), to see whether a gold was
lost in conversion. Exit status 1 if a gold is missing or an id repeats.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import count_source as cs  # noqa: E402

from faqrag.text import normalize  # noqa: E402

SUFFIXES = {".html", ".htm", ".pdf", ".docx", ".md"}


def visible_text(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in {".html", ".htm"}:
        from selectolax.lexbor import LexborHTMLParser

        tree = LexborHTMLParser(path.read_bytes().decode("utf-8", "replace"))
        root = next(r for r in (tree.css_first(s) for s in cs.MAIN_SELECTORS) if r is not None)
        for selector in cs.DROP_SELECTORS:
            for node in root.css(selector):
                node.decompose()
        return root.text(separator=" ")
    if suffix == ".pdf":
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(str(path))
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    if suffix == ".docx":
        import docx

        document = docx.Document(str(path))
        cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    return path.read_text(encoding="utf-8")


def converted_text(path: Path) -> str:
    from faqrag.convert import convert_file

    if path.suffix.lower() == ".md":
        return path.read_text(encoding="utf-8")
    result = convert_file(path, path.read_bytes(), lambda message: None)
    return result.text if result else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--converted", action="store_true", help="check against faqrag's converted text")
    args = parser.parse_args(argv)
    read = converted_text if args.converted else visible_text
    files = sorted(f for f in args.corpus.rglob("*") if f.suffix.lower() in SUFFIXES) if args.corpus.is_dir() else [args.corpus]
    haystack = "\n\x00\n".join(normalize(read(f)) for f in files)
    bad = covered = uncovered = 0
    seen: set[str] = set()
    for line in args.questions.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if row["id"] in seen:
            print(f"{row['id']}: id repeated")
            bad += 1
        seen.add(row["id"])
        golds = row.get("answers", [])
        covered += bool(golds)
        uncovered += not golds
        for gold in golds:
            count = haystack.count(normalize(gold))
            if not 15 <= len(gold) <= 60:
                print(f"{row['id']}: {len(gold)} characters {gold!r}")
            if count == 0:
                print(f"{row['id']}: MISSING {gold!r}")
                bad += 1
            elif count > 1:
                print(f"{row['id']}: {count}x {gold!r}")
    print(f"{covered} covered, {uncovered} uncovered, {bad} problem(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
