"""Dump what ``parse_guide`` makes of some files, to compare two versions of the parser.

    PYTHONPATH=OLD/src python tools/parse_dump.py FILES... > old.json
    PYTHONPATH=src     python tools/parse_dump.py FILES... > new.json
    cmp old.json new.json

Each file is parsed both as plain text and as Markdown, whatever its suffix, so
one run exercises both readers.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

from faqrag.ingest.parse import parse_guide


def dump(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    out = {}
    for markdown in (False, True):
        title, blocks = parse_guide(text, markdown=markdown)
        out["markdown" if markdown else "plain"] = {"title": title, "blocks": [dataclasses.asdict(b) for b in blocks]}
    return out


def main(argv: list[str]) -> int:
    result = {str(p): dump(Path(p)) for p in argv}
    json.dump(result, sys.stdout, indent=1, ensure_ascii=False, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
