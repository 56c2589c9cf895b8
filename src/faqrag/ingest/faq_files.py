"""FAQ files: CSV with a header ``question,answer[,category]``, or JSON lines with
``question``, ``answer`` and an optional ``category`` (``section`` may stand for it;
an ``id`` is allowed). Other fields and rows without an answer are left out, and
the build says which."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from faqrag.errors import CorpusError
from faqrag.ingest.parse import Block
from faqrag.ingest.tabular import csv_rows, jsonl_rows
from faqrag.limits import bad_character

FAQ_FIELDS = ("question", "answer", "category", "section", "id")


def faq_blocks(text: str, path: Path, warn: Callable[[str], None], *, jsonl: bool) -> list[Block]:
    line_starts = [0]
    for m in re.finditer(r"\n", text):
        line_starts.append(m.end())

    def span(first: int, last: int) -> tuple[int, int]:  # 1-based inclusive line numbers
        end = line_starts[last] - 1 if last < len(line_starts) else len(text)
        return line_starts[first - 1], max(end, line_starts[first - 1])

    rows = jsonl_rows(text, path, CorpusError) if jsonl else csv_rows(text, path, ("question", "answer"), CorpusError)
    blocks, blank = [], []
    for first, row in rows:
        for key in ("question", "answer", "category", "section"):
            if row.get(key) is not None and not isinstance(row[key], str):
                raise CorpusError(f"{path}, line {first}: '{key}' must be a string")
            bad = row.get(key) and bad_character(row[key])  # a JSON escape such as \u0000 or \ud800
            if bad:
                raise CorpusError(f"{path}, line {first}: '{key}' holds {bad}; remove it")
        q, a = row.get("question") or "", row.get("answer") or ""
        if not q.strip() or not a.strip():
            blank.append(first)  # exports often hold a few; one should not sink the rest
            continue
        category = (row.get("category") or row.get("section") or "").strip()
        last = first + q.count("\n") + a.count("\n") if not jsonl else first
        blocks.append(
            Block(
                "faq",
                " ".join(a.split()),
                span(first, last),
                (category,) if category else (),
                question=" ".join(q.split()),
            )
        )
    # Extra fields (a link, a language, an HTML copy) are common in public FAQ
    # files: leave them out, but say so, in case one was meant as a known field.
    extra = sorted({k for _, row in rows for k in row} - set(FAQ_FIELDS))
    if extra:
        warn(f"{path}: left out field(s) {_names(extra)}; faqrag reads {', '.join(FAQ_FIELDS)}")
    if blank:
        lines = ", ".join(map(str, blank[:5])) + (f" and {len(blank) - 5} more" if len(blank) > 5 else "")
        where = "line" if len(blank) == 1 else "lines"
        warn(f"{path}: left out {len(blank)} row(s) without a question or an answer ({where} {lines})")
    if not rows:
        raise CorpusError(f"{path}: no question/answer rows; add some or remove the file")
    if not blocks:
        found = _names(dict.fromkeys(k for _, row in rows for k in row))
        raise CorpusError(
            f"{path}: no row has both a question and an answer (fields: {found}); "
            "name the fields 'question' and 'answer', or fill them in"
        )
    return blocks


def _names(fields) -> str:
    # repr: a name from a file may be empty (a trailing comma) or hold a line break.
    return ", ".join(repr(f) if f else "(unnamed)" for f in fields) or "none"
