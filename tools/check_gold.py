"""Check a question set's gold strings against the documents they come from.

Usage: python tools/check_gold.py QUESTIONS.jsonl DOC_OR_FOLDER [...] [--verbose]

Every gold string must occur in the documents after the matcher's
normalisation (faqrag.text.normalize); the count of places is printed for
golds found more than once (all with --verbose), since a gold that occurs
in many places can be matched by a wrong passage. Also checks that ids are
unique. Exit status 1 if any gold is missing or an id repeats.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from faqrag.text import normalize

DOC_SUFFIXES = {".txt", ".md", ".markdown", ".csv", ".jsonl"}


def _documents(paths: list[Path]) -> str:
    texts = []
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.suffix in DOC_SUFFIXES) if path.is_dir() else [path]
        texts.extend(f.read_text(encoding="utf-8") for f in files)
    # A separator no gold can span, so a match never joins two files.
    return "\n\x00\n".join(normalize(t) for t in texts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("docs", type=Path, nargs="+")
    parser.add_argument("--verbose", action="store_true", help="print the count of every gold")
    args = parser.parse_args(argv)

    haystack = _documents(args.docs)
    bad = 0
    seen: set[str] = set()
    covered = uncovered = 0
    for number, line in enumerate(args.questions.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        qid = row.get("id", f"line {number}")
        if qid in seen:
            print(f"{qid}: id repeated")
            bad += 1
        seen.add(qid)
        golds = row.get("answers", [])
        covered += bool(golds)
        uncovered += not golds
        for gold in golds:
            count = haystack.count(normalize(gold))
            if count == 0:
                print(f"{qid}: MISSING {gold!r}")
                bad += 1
            elif count > 1 or args.verbose:
                print(f"{qid}: {count}x {gold!r}")
    print(f"{covered} covered, {uncovered} uncovered, {bad} problem(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
