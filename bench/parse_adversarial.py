"""Parse time against input size for adversarial guides: it must grow linearly.

Each class is one hostile shape (a line that is one long run of spaces, colons,
brackets, digits, dots or a mix; a file of a million short lines of one kind)
at doubling sizes. For each size the script times what a build does to corpus
text before the model sees it: ``parse_guide`` (as Markdown and as plain text),
then sentence splitting, tokenizing and value detection of every block. The
ratio is the time against the previous size: about 2 means linear, 4 quadratic,
8 cubic. A class stops doubling once one run takes longer than --max-seconds,
so an unfixed parser cannot hang the benchmark.

    .venv/bin/python bench/parse_adversarial.py [--start 100000] [--start-lines 31250] [--steps 4]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import time
from collections.abc import Callable

# One long line: n characters of a shape between a little ordinary text.
LINES: dict[str, Callable[[int], str]] = {
    "md heading, spaces": lambda n: "# a" + " " * n + "b",
    "label, spaces": lambda n: "Phone: 1" + " " * n + "x",
    "bullet, spaces": lambda n: "-" + " " * n,
    "numbered, spaces": lambda n: "1." + " " * n,
    "colons": lambda n: ":" * n,
    "label, colons": lambda n: "a:" * (n // 2),
    "open brackets": lambda n: "[" * n,
    "links unclosed": lambda n: "[a](" * (n // 4),
    "bold unclosed": lambda n: "**a" * (n // 3),
    "digits, spaces": lambda n: "1 " * (n // 2) + "x",
    "digits, dots": lambda n: "1." * (n // 2),
    "dots": lambda n: "." * n,
    "abbreviations": lambda n: "a. B " * (n // 5),
    "domain-like": lambda n: "aa." * (n // 3),
    "hyphenated": lambda n: "a-" * (n // 2),
    "mixed": lambda n: "".join(random.Random(n).choice(" :[]()#*_-.1aA?!@+") for _ in range(n)),
}
# Many short lines: about n lines of one kind.
FILES: dict[str, Callable[[int], str]] = {
    "soft-wrapped prose": lambda n: "Some words of a paragraph\n" * n,
    "directory lines": lambda n: "".join(f"Office {i}: 555-{i:07d}\n" for i in range(n)),
    "bullets": lambda n: "- an item\n" * n,
    "questions": lambda n: "".join(f"Is this question {i}?\nYes it is.\n\n" for i in range(n // 3)),
    "plain headings": lambda n: "".join(f"Section Number {i}\n\nSome text under it here.\n\n" for i in range(n // 4)),
    "md headings": lambda n: "".join(f"## Heading {i}\n\ntext\n\n" for i in range(n // 4)),
    "nested families": lambda n: "".join(f"{_word(i)} 1\n\nSome text under it here.\n\n" for i in range(n // 4)),
}


def _word(i: int) -> str:
    """A distinct capitalised word per number: each starts a new enumerator family ("Bab 1")."""
    letters = ""
    while True:
        i, r = divmod(i, 26)
        letters += "abcdefghijklmnopqrstuvwxyz"[r]
        if not i:
            return "B" + letters


def process(text: str) -> int:
    """What a build does to a guide's text before embedding; returns the block count."""
    from faqrag.ingest.parse import parse_guide
    from faqrag.search.answer_type import numbers_in, value_kinds
    from faqrag.text import split_sentences, tokenize

    n = 0
    for markdown in (True, False):
        _, blocks = parse_guide(text, markdown=markdown)
        for b in blocks:
            split_sentences(b.text)
            tokenize(b.text)
            value_kinds(b.text)
            numbers_in(b.text)
        n += len(blocks)
    return n


def timed(text: str, repeat: int = 2) -> float:
    """Best of ``repeat`` runs: other work on a shared machine only ever adds time."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        process(text)
        best = min(best, time.perf_counter() - t0)
    return best


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, load {os.getloadavg()[0]:.2f}"


def run_class(name: str, make: Callable[[int], str], sizes: list[int], unit: str, limit: float) -> list[float]:
    times: list[float] = []
    for n in sizes:
        t = timed(make(n))
        ratio = f"{t / times[-1]:5.2f}x" if times and times[-1] > 0 else "     -"
        times.append(t)
        print(f"  {name:<20} {n:>9,} {unit:<6} {t:8.3f} s   {ratio}", flush=True)
        if t > limit:
            print(f"  {name:<20} stopped: over {limit:.0f} s")
            break
    return times


def growth(times: list[float]) -> float | None:
    """Mean time ratio per doubling over the sizes long enough to time (>= 20 ms)."""
    if len(times) < 2:
        return float("inf")  # stopped after one size: far too slow
    pairs = [(a, b) for a, b in zip(times, times[1:]) if a >= 0.02]
    if not pairs:
        return None
    product = 1.0
    for a, b in pairs:
        product *= b / a
    return product ** (1 / len(pairs))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--start", type=int, default=100_000, help="characters of the smallest long line")
    ap.add_argument("--start-lines", type=int, default=31_250, help="lines of the smallest file")
    ap.add_argument("--steps", type=int, default=4, help="sizes per class, each double the last")
    ap.add_argument("--max-seconds", type=float, default=20.0, help="stop a class after a run this slow")
    args = ap.parse_args()
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {machine()}")
    summary = []
    for group, classes, start, unit in (
        ("one long line", LINES, args.start, "chars"),
        ("many short lines", FILES, args.start_lines, "lines"),
    ):
        print(f"\n{group}: time of parse + sentence split + tokenize + value detection")
        sizes = [start * 2**i for i in range(args.steps)]
        for name, make in classes.items():
            summary.append((name, run_class(name, make, sizes, unit, args.max_seconds)))
    print("\nGrowth per doubling of the input (2.0 = linear, 4.0 = quadratic):")
    worst = 0.0
    for name, times in summary:
        g = growth(times)
        worst = max(worst, g or 0.0)
        shown = "too fast to tell" if g is None else "too slow to go on" if g == float("inf") else f"{g:.2f}x"
        print(f"  {name:<20} {shown:>16}   largest: {times[-1]:.3f} s")
    print(f"\nworst growth {worst:.2f}x per doubling: {'linear' if worst < 2.6 else 'NOT linear'}")


if __name__ == "__main__":
    main()
