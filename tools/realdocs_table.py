"""How faqrag handles each document of the real-documents suite: one Markdown table.

    .venv/bin/python tools/realdocs_table.py [--fake] [--out build/realdocs]

Builds every document of ``eval/realdocs/manifest.json`` as its own corpus
(with the real model, or ``--fake``: a hashing embedder, to time parsing
alone) and prints, per document: the build (chunks, seconds, warnings), the
blocks of each kind, and what came through against what the source visibly has
(``expect``): headings / list items / table rows / FAQ pairs, and
definition-list entries where the manifest counts them. The same counting holds
``tests/test_realdocs.py``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / "eval" / "realdocs"
CHECKED = ("headings", "list_items", "table_rows", "faq_pairs", "definitions")
_DEFINED = re.compile(r"^[^\s:][^:\n]{0,58}:\s")  # "Term: definition", as a definition list comes through
KINDS = (("passage", "passages"), ("list", "lists"), ("faq", "FAQ"), ("entry", "entries"), ("code", "code"))


def came_through(loaded) -> dict[str, int]:
    """What faqrag made of a document, in the manifest's terms (and its blocks' characters)."""
    heads: set[str] = set()
    got = dict.fromkeys(CHECKED, 0) | {"chars": 0}
    for doc, blocks in loaded:
        heads.add(doc.title)
        for b in blocks:
            heads.update(b.trail)
            got["chars"] += len(" ".join(b.text.split())) + len(b.question)
            if b.kind == "section" and b.question.endswith("?"):
                got["faq_pairs"] += 1  # a question heading over a short answer
            for m in b.members or (b,):
                _count(m, got, heads)
    got["headings"] = len(heads)
    return got


def _count(m, got: dict[str, int], heads: set[str]) -> None:
    if m.kind == "faq":
        got["faq_pairs"] += 1
        heads.add(m.question)  # a question heading is a heading too
        got["list_items"] += sum(1 for line in m.text.split("\n") if line.startswith("\u2022 ") or _numbered(line))
    elif m.kind in ("passage", "entry") and _DEFINED.match(m.text) and " | " not in m.text:
        got["definitions"] += 1
    elif m.kind == "list" and "|" in m.lead:
        got["table_rows"] += len(m.items)  # a Markdown table: rows under their header row
    elif m.kind == "list":
        got["list_items"] += len(m.items)
    if m.kind in ("entry", "passage") and " | " in m.text and m.text.count(": ") >= 2:
        got["table_rows"] += 1  # a table row written with its column names


def _numbered(line: str) -> bool:
    head = line.split(" ", 1)[0]
    return len(head) >= 2 and head[-1] in ".)" and head[:-1].isdigit()


def block_kinds(loaded) -> str:
    counts = Counter(m.kind for _, blocks in loaded for b in blocks for m in (b.members or (b,)))
    sections = sum(1 for _, blocks in loaded for b in blocks if b.kind == "section")
    parts = [f"{counts[k]} {name}" for k, name in KINDS if counts[k]]
    return ", ".join(parts + ([f"({sections} sections)"] if sections else [])) or "none"


def compare(got: dict[str, int], want: dict) -> str:
    cells = []
    for key in CHECKED:
        if key == "definitions" and "definitions" not in want:
            continue
        expected = want.get(key)
        cells.append(f"{got[key]}/{'-' if expected is None else expected}")
    return " ".join(cells)


def main(argv: list[str] | None = None) -> int:
    from faqrag.index.build import build_index
    from faqrag.ingest.corpus import read_corpus

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fake", action="store_true", help="a hashing embedder: parsing and chunking alone")
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "realdocs")
    args = ap.parse_args(argv)
    if args.fake:
        sys.path.insert(0, str(ROOT / "tests"))
        from conftest import FakeEmbedder

        embedder = FakeEmbedder()
    else:
        from faqrag.models.torch_embedder import SentenceTransformerEmbedder

        embedder = SentenceTransformerEmbedder("all-MiniLM-L6-v2")
    manifest = json.loads((SUITE / "manifest.json").read_text(encoding="utf-8"))
    rows, total = [], 0.0
    for entry in manifest:
        folder, said = SUITE / entry["slug"], []
        t0 = time.perf_counter()
        try:
            summary = build_index(folder, args.out / entry["slug"], embedder, warn=said.append)
            build = f"{summary.chunks} chunks, {time.perf_counter() - t0:.1f} s"
        except Exception as err:  # the table says what failed; the test holds the one-line messages
            build = f"**fails**: {err}"
        total += time.perf_counter() - t0
        loaded = read_corpus(folder).loaded
        note = f" ({len(said)} warning{'s' * (len(said) != 1)})" if said else ""
        rows.append(
            f"| `{entry['slug']}` | {build}{note} | {block_kinds(loaded)} | "
            f"{compare(came_through(loaded), entry['expect'])} |"
        )
    print("| slug | build | blocks | came through / expected: h li rows faq [defs] |")
    print("| --- | --- | --- | --- |")
    print("\n".join(rows))
    print(f"\n{len(manifest)} documents built in {total:.1f} s ({'fake' if args.fake else 'real'} embedder)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
