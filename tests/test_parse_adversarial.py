"""Hostile guides parse in time that grows with their size, not its square or cube.

Each class is a shape that once made a pattern or loop backtrack or copy
without bound: a 4 KB heading line of spaces kept ``faqrag build`` busy for
minutes. The time bounds here are loose on purpose (a shared, busy machine);
what they catch is the quadratic case, which takes hours at these sizes.
``bench/parse_adversarial.py`` shows the growth per doubling.
"""

from __future__ import annotations

import random
import time

import pytest

from faqrag.ingest.parse import parse_guide
from faqrag.search.answer_type import numbers_in, value_kinds
from faqrag.text import split_sentences, tokenize

N = 100_000  # characters in each adversarial line
LINES = 200_000  # lines in each many-line file: a quadratic pass over them takes hours
BOUND_S = 30.0  # a linear pass takes a second or so; a quadratic one, hours
FILE_BOUND_S = 90.0  # for these lines: a second or two on an idle machine

LINE_CLASSES = {
    "spaces": " " * N,
    "md heading, spaces": "# a" + " " * N + "b",
    "label, spaces": "Phone: 1" + " " * N + "x",
    "bullet, spaces": "-" + " " * N + "!",
    "numbered, spaces": "1." + " " * N + "!",
    "question prefix, spaces": "Q:" + " " * N + "!",
    "colons": ":" * N,
    "label, colons": "a:" * (N // 2),
    "open brackets": "[" * N,
    "close brackets": "]" * N,
    "links unclosed": "[a](" * (N // 4),
    "bold unclosed": "**a" * (N // 3),
    "digits": "1" * N,
    "digits, spaces": "1 " * (N // 2) + "x",
    "digits, dots": "1." * (N // 2),
    "phone-like, parentheses": "(1) " * (N // 4) + "x",
    "dots": "." * N,
    "abbreviations": "a. B " * (N // 5),
    "domain-like": "aa." * (N // 3),
    "hyphenated": "a-" * (N // 2),
    "at signs": "a@" * (N // 2),
    "mixed": "".join(random.Random(7).choice(" :[]()#*_-.1aA?!@+") for _ in range(N)),
}


def _text_pass(text: str, markdown: bool) -> list:
    """Parse, then what a build and a question do to each block's text."""
    _, blocks = parse_guide(text, markdown=markdown)
    # A section (a heading with a short body) is checked as the blocks it holds.
    flat = [m for b in blocks for m in (b.members or (b,))]
    for b in blocks + flat:
        split_sentences(b.text)
        tokenize(b.text)
        value_kinds(b.text)
        numbers_in(b.text)
    return flat


@pytest.mark.parametrize("markdown", [False, True], ids=["plain", "markdown"])
@pytest.mark.parametrize("name", list(LINE_CLASSES))
def test_a_long_hostile_line_parses_in_linear_time(name, markdown):
    line = LINE_CLASSES[name]
    text = f"Guide Title\n\nA Section\n\n{line}\n\nThe end of the guide.\n"
    t0 = time.perf_counter()
    blocks = _text_pass(text, markdown)
    elapsed = time.perf_counter() - t0
    assert elapsed < BOUND_S, f"{name}: {elapsed:.1f} s"
    # Nothing is lost and every block points into the source.
    assert blocks and blocks[-1].text == "The end of the guide."
    for b in blocks:
        assert 0 <= b.span[0] < b.span[1] <= len(text)
    if line.strip():  # the line is in a block, or a heading over the next one
        start, end = text.index(line), text.index(line) + len(line)
        in_block = any(b.span[0] < end and b.span[1] > start for b in blocks)
        assert in_block or line.strip("# ")[:20] in blocks[-1].trail[-1], name


def test_a_heading_line_too_long_for_one_is_prose_kept_whole():
    # No heading is 100,000 characters long, and a heading heads everything under it.
    for text, markdown in (
        ("# Guide\n\n# a" + " " * N + "b ##\n\nText under it.\n", True),
        ("# Guide\n\n## " + "word " * 200 + "\n\nText under it.\n", True),
        ("# Guide\n\n" + "word " * 200 + "\n-----\n\nText under it.\n", True),
    ):
        _, blocks = parse_guide(text, markdown=markdown)
        assert [b.trail for b in blocks] == [(), ()], text[:20]
        assert blocks[0].text.strip("# ").startswith(("a", "word")) and blocks[1].text == "Text under it."
    _, (block,) = parse_guide("# Guide\n\n## " + "w" * 500 + "\n\nText.\n", markdown=True)
    assert block.trail == ("w" * 500,)  # up to MAX_HEADING_CHARS it is a heading


def test_a_long_label_line_reads_as_prose_and_a_short_one_as_an_entry():
    _, blocks = parse_guide("Phones\n\nPhone: 1" + " " * N + "x  \n\nFax:" + " " * N + "2\n")
    assert [(b.kind, b.text[:8], b.label, b.value) for b in blocks] == [
        ("passage", "Phone: 1", "", ""),  # a value this long is prose, as any 140+ characters are
        ("entry", "Fax:    ", "Fax", "2"),
    ]


def test_links_among_many_brackets_are_still_unwrapped():
    line = "[" * N + "[see](https://x.example/a) and [b](c)" + "]" * 10
    _, blocks = parse_guide(f"Links\n\n{line}\n", markdown=True)
    assert blocks[0].text.endswith("[see (https://x.example/a) and b (c)" + "]" * 10)


# ------------------------------------------------------ many short lines


def _parse_timed(text: str, markdown: bool = False):
    t0 = time.perf_counter()
    result = parse_guide(text, markdown=markdown)
    assert time.perf_counter() - t0 < FILE_BOUND_S
    return result


def test_many_soft_wrapped_lines_are_one_paragraph():
    _, blocks = _parse_timed("Title\n\nSection\n\n" + "some words here\n" * LINES)
    (block,) = blocks
    assert block.kind == "passage" and block.text == " ".join(["some words here"] * LINES)


def test_many_directory_lines_are_one_block_of_entries():
    # A quarter: entries are the slowest lines to parse, and one block of them was quadratic.
    n = LINES // 4
    text = (
        "Offices\n\n" + "".join(f"Office {i}: 555-{i:07d}\n" for i in range(n)) + "Hours: 9-5\n\nMore\n\nHours: 8-4\n"
    )
    _, blocks = _parse_timed(text)
    assert len(blocks) == n + 2
    assert {(b.kind, b.group) for b in blocks[:n]} == {("entry", 0)}
    assert blocks[-3].label == f"Office {n - 1}" and blocks[-3].value == f"555-{n - 1:07d}"
    # "Hours" recurs in two blocks, so it travels with every entry of the first one.
    assert blocks[0].context == ("Hours: 9-5",) and blocks[-2].context == ()


def test_many_bullets_are_one_list():
    _, blocks = _parse_timed("Title\n\nThe items are:\n" + "- an item\n" * LINES)
    (block,) = blocks
    assert block.kind == "list" and block.lead == "The items are:" and len(block.items) == LINES


def test_many_lines_of_markdown_sections():
    text = "# Title\n\n" + "".join(f"## Part {i}\n\nText of part {i}.\n\n" for i in range(LINES // 4))
    _, blocks = _parse_timed(text, markdown=True)
    assert len(blocks) == LINES // 4
    assert blocks[-1].trail == (f"Part {LINES // 4 - 1}",) and blocks[-1].text == f"Text of part {LINES // 4 - 1}."


def test_many_enumerator_families_do_not_nest_without_end():
    # Each "Bxx 1" heading starts a new family one level deeper; the trail stays bounded.
    words = [f"B{chr(97 + i // 26 % 26)}{chr(97 + i % 26)}{chr(97 + i // 676)}" for i in range(20_000)]
    text = "Title\n\n" + "".join(f"{w} 1\n\nSome text under it here.\n\n" for w in words)
    _, blocks = _parse_timed(text)
    assert len(blocks) == len(words)
    assert max(len(b.trail) for b in blocks) <= 12
    assert blocks[0].trail == (f"{words[0]} 1",)
