"""Why faqrag reads Markdown with its own line reader and not markdown-it-py: the measurement.

    .venv/bin/python bench/markdown_reader.py [--start 25000] [--steps 4]

Two readers of the same Markdown: faqrag's (``markdown_prep.prepare`` then
``parse_guide``: blocks with character spans) and markdown-it-py (``MarkdownIt
("commonmark").parse``: tokens with line ranges only, before anything is made of
them). Part 1 times both on the Markdown documents of the real-documents suite;
part 2 times both on hostile shapes at doubling sizes (ratio per doubling: about
2 is linear, 4 quadratic), stopping a shape once one run passes --max-seconds.
markdown-it-py is needed only here (it comes with the venv through rich).
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHAPES = {
    "open brackets": lambda n: "[" * n,
    "links unclosed": lambda n: "[a](" * (n // 4),
    "emphasis unclosed": lambda n: "**a _b " * (n // 7),
    "nested quotes": lambda n: "> " * (n // 2) + "a",
    "nested lists": lambda n: "".join("  " * min(i, 400) + "- a\n" for i in range(n // 40)),
    "reference definitions": lambda n: "".join(f"[a{i}]: /u{i}\n" for i in range(n // 12)),
    "html tags": lambda n: "<a " * (n // 3),
    "admonitions": lambda n: '!!! note "Title"\n\n    Body text.\n\n' * (n // 30),
    "definition lists": lambda n: "Term\n: definition\n\n" * (n // 20),
}


def ours(text: str) -> None:
    from faqrag.ingest.parse import parse_guide

    parse_guide(text, markdown=True)


def markdown_it(text: str) -> None:
    from markdown_it import MarkdownIt

    MarkdownIt("commonmark").enable("table").parse(text)


def timed(fn, text: str) -> float:
    t0 = time.perf_counter()
    fn(text)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--start", type=int, default=25_000, help="characters in the first hostile text")
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--max-seconds", type=float, default=20.0)
    args = ap.parse_args(argv)
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print("\n1. The suite's Markdown documents (ms; best of 3)\n")
    print(f"{'document':44} {'chars':>7} {'faqrag':>8} {'markdown-it':>12}")
    for path in sorted((ROOT / "eval" / "realdocs").glob("*/*.md")):
        text = path.read_text(encoding="utf-8")
        a = min(timed(ours, text) for _ in range(3)) * 1000
        b = min(timed(markdown_it, text) for _ in range(3)) * 1000
        print(f"{path.parent.name:44} {len(text):7,} {a:8.1f} {b:12.1f}")
    print("\n2. Hostile shapes at doubling sizes (s, and the ratio to the size before)\n")
    for name, make in SHAPES.items():
        for label, fn in (("faqrag", ours), ("markdown-it", markdown_it)):
            cells, prev = [], None
            for step in range(args.steps):
                n = args.start * 2**step
                took = timed(fn, make(n))
                ratio = f" x{took / prev:.1f}" if prev and prev > 0.01 else ""
                cells.append(f"{n // 1000}k {took:.2f}{ratio}")
                prev = took
                if took > args.max_seconds:
                    break
            print(f"{name:22} {label:11} " + " | ".join(cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
