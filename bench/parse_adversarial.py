"""Parse time and output against input size for adversarial input: both must grow linearly.

Three groups of hostile shapes, each at doubling sizes:

* one long line of a shape (a run of spaces, colons, brackets, digits, dots or
  a mix) and many short lines of one kind, timed through what a build does to
  a guide's text before the model sees it: ``parse_guide`` (as Markdown and as
  plain text), then sentence splitting, tokenizing and value detection;
* a corpus file of every format (Markdown, text, CSV, JSON lines, HTML, PDF,
  Word; ``bench/adversarial_shapes.py``) shaped to make a build do or produce
  more than the file is big: text grown by concatenation, a long heading or
  lead-in repeated in every view, line numbers counted from the file's start,
  deep nesting, compressed content that expands. Each is read as a build
  reads a corpus (``read_corpus``) and chunked, and the text it produces (the
  document, the chunks and every view) is measured as well as the time.

Growth is per doubling of the input (each shape doubles its content: the
lines, rows, items or nesting, which for PDF and Word files is what their
compression stores, not the file's bytes): about 2 means linear, 4
quadratic, 8 cubic. A class stops doubling once one run takes longer than
--max-seconds, so an unfixed parser cannot hang the benchmark. The script
exits 1 when any class grows faster than --fail-above (2.2) in time or in
what it produces.

    .venv/bin/python bench/parse_adversarial.py [--steps 3] [--only NAME ...] [--group lines|files|corpus]

(about 6 minutes on 2 cores; each size is timed three times, in turns with the others).
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import random
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from adversarial_shapes import SHAPES, START  # noqa: E402

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


def read_file(suffix: str, raw: bytes) -> int:
    """What a build does to one corpus file before embedding; returns the characters it produced
    (the document's text, and each chunk's text and views), or -1 when the file is refused."""
    from faqrag.errors import FaqragError
    from faqrag.ingest.chunking import chunk_document
    from faqrag.ingest.corpus import read_corpus
    from faqrag.settings import ChunkSettings

    folder = Path(tempfile.mkdtemp(prefix="faqrag-adversarial-"))
    try:
        (folder / f"file{suffix}").write_bytes(raw)
        try:
            corpus = read_corpus(folder)
        except FaqragError:
            return -1  # refused, with a one-line error: what a bound does
        produced = 0
        for doc, blocks in corpus.loaded:
            produced += len(doc.text)
            for c in chunk_document(doc, blocks, ChunkSettings()):
                produced += len(c.text) + sum(len(v) for v, _ in c.views)
        return produced
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def timed(work: Callable[[], object]) -> tuple[float, object]:
    """One run's seconds and result, the cyclic garbage collector off (as timeit does): its
    passes over every object alive grow with what earlier classes left in the process,
    not with the input, and read as growth that is not the parser's."""
    gc.collect()
    gc.disable()
    try:
        t0 = time.perf_counter()
        result = work()
        return time.perf_counter() - t0, result
    finally:
        gc.enable()


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, load {os.getloadavg()[0]:.2f}"


class Run:
    """One class at doubling sizes: (size, seconds, characters produced or -1 if refused)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.points: list[tuple[int, float, int]] = []
        self.largest = 0  # bytes of the largest input

    def add(self, size: int, seconds: float, produced: int, unit: str, n: int) -> None:
        prev = self.points[-1] if self.points else None
        self.points.append((n, seconds, produced))
        self.largest = size
        ratio = f"{seconds / prev[1]:5.2f}x" if prev and prev[1] > 0 else "     -"
        out = "refused" if produced < 0 else f"{produced:,} chars out" if produced else ""
        print(f"  {self.name:<28} {n:>9,} {unit:<6} {size:>11,} B {seconds:8.3f} s  {ratio}  {out}", flush=True)

    def growth(self) -> float | None:
        """Time per doubling of the input, over sizes long enough to time (>= 50 ms);
        None when every size is too quick to tell, inf when it stopped after one size."""
        if len(self.points) < 2:
            return math.inf
        return _per_doubling([(n, t) for n, t, _ in self.points], floor=0.05)

    def output_growth(self) -> float | None:
        """What is produced per doubling of the input, over the sizes not refused."""
        return _per_doubling([(n, p) for n, _, p in self.points if p > 0], floor=1)


def _per_doubling(points: list[tuple[int, float]], floor: float) -> float | None:
    pairs = [(a, b) for a, b in zip(points, points[1:]) if a[1] >= floor and b[0] > a[0]]
    if not pairs:
        return None
    exponents = [math.log(b[1] / a[1]) / math.log(b[0] / a[0]) for a, b in pairs]
    return 2 ** (sum(exponents) / len(exponents))


ROUNDS = 3  # each size is timed this often, in turns with the other sizes, and the best kept


def run_class(name: str, works: list[tuple[int, int, Callable[[], int]]], unit: str, limit: float) -> Run:
    """Time each (n, bytes, work) in turn, smallest first, stopping at a run over ``limit``;
    then again in ROUNDS - 1 more rounds over the sizes that ran, keeping each one's best.
    Timing the sizes in turns, not one after the other, spreads the load of other work on
    a shared machine over all of them (a burst during the largest size alone once made a
    linear class read 2.4x)."""
    best: list[float] = []
    produced: list[int] = []
    for n, _size, work in works:
        try:
            t, out = timed(work)
        except Exception as err:  # noqa: BLE001  # MemoryError past --max-memory, or a parser's crash
            print(f"  {name:<28} stopped: {type(err).__name__} at {n:,} {unit}")
            best.append(math.inf)
            produced.append(0)
            break
        best.append(t)
        produced.append(out)
        if t > limit:
            print(f"  {name:<28} stopped: over {limit:.0f} s at {n:,} {unit}")
            break
    if max(best) < limit / 2:
        for _ in range(ROUNDS - 1):
            for i in range(len(best)):
                best[i] = min(best[i], timed(works[i][2])[0])
    run = Run(name)
    for (n, size, _work), t, out in zip(works, best, produced):
        run.add(size, t, out, unit, n)
    return run


def run_text_class(name: str, make: Callable[[int], str], sizes: list[int], unit: str, limit: float) -> Run:
    works = []
    for n in sizes:
        text = make(n)
        works.append((n, len(text.encode("utf-8")), lambda text=text: process(text) * 0))
    return run_class(name, works, unit, limit)


def run_file_class(name: str, steps: int, limit: float) -> Run:
    suffix, make = SHAPES[name]
    works = []
    for n in (START[name] * 2**i for i in range(steps)):
        raw = make(n)
        works.append((n, len(raw), lambda raw=raw: read_file(suffix, raw)))
    return run_class(name, works, suffix[1:], limit)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--start", type=int, default=100_000, help="characters of the smallest long line")
    ap.add_argument("--start-lines", type=int, default=15_625, help="lines of the smallest file of short lines")
    ap.add_argument("--steps", type=int, default=3, help="sizes per class, each double the last")
    ap.add_argument("--max-seconds", type=float, default=20.0, help="stop a class after a run this slow")
    ap.add_argument("--fail-above", type=float, default=2.2, help="growth per doubling that fails the run")
    ap.add_argument("--max-memory", type=float, default=6.0, help="GB this process may map (a class past it stops)")
    ap.add_argument("--group", choices=("lines", "files", "corpus"), action="append", help="only these groups")
    ap.add_argument("--only", nargs="+", metavar="NAME", help="only the classes of these names")
    args = ap.parse_args()
    # An unbounded parser (one that repeats a long text per item) once built 23 GB here and
    # was killed by the kernel: bounded, it is a MemoryError the class reports.
    cap = int(args.max_memory * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {machine()}")
    groups = args.group or ["lines", "files", "corpus"]
    runs: list[Run] = []
    for group, classes, start, unit in (
        ("lines", LINES, args.start, "chars"),
        ("files", FILES, args.start_lines, "lines"),
    ):
        chosen = {k: v for k, v in classes.items() if not args.only or k in args.only}
        if group not in groups or not chosen:
            continue
        print(f"\n{'one long line' if group == 'lines' else 'many short lines'}: parse + sentence split + tokenize")
        sizes = [start * 2**i for i in range(args.steps)]
        runs += [run_text_class(name, make, sizes, unit, args.max_seconds) for name, make in chosen.items()]
    chosen = [name for name in SHAPES if not args.only or name in args.only]
    if "corpus" in groups and chosen:
        print("\ncorpus files of every format: read_corpus + chunking (time, and characters produced)")
        runs += [run_file_class(name, args.steps, args.max_seconds) for name in chosen]
    return report(runs, args.fail_above)


def report(runs: list[Run], fail_above: float) -> int:
    print(f"\nGrowth per doubling of the input (2.0 = linear, 4.0 = quadratic; fails above {fail_above}):")
    print(f"  {'class':<28} {'time':>16} {'produced':>10}   largest input, time")
    worst = 0.0
    for run in runs:
        g, out = run.growth(), run.output_growth()
        worst = max(worst, g or 0.0, out or 0.0)
        shown = "too fast to tell" if g is None else "too slow to go on" if g == math.inf else f"{g:.2f}x"
        t = run.points[-1][1]
        print(
            f"  {run.name:<28} {shown:>16} {'-' if out is None else f'{out:.2f}x':>10}   {run.largest:,} B, {t:.3f} s"
        )
    verdict = "linear" if worst <= fail_above else "NOT linear"
    print(f"\nworst growth {worst:.2f}x per doubling: {verdict}")
    return 0 if worst <= fail_above else 1


if __name__ == "__main__":
    sys.exit(main())
