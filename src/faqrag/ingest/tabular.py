"""Rows of JSON lines and CSV files, each with the line it starts on.

FAQ files and evaluation question files are read the same way, so a message
can always name the file and the line a person has to fix.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path

from faqrag.errors import FaqragError
from faqrag.limits import loads


def jsonl_rows(text: str, path: Path, error: type[FaqragError] = FaqragError) -> list[tuple[int, dict]]:
    rows = []
    # Split on "\n" only: str.splitlines() also breaks at U+2028 and friends,
    # which JSON allows inside strings.
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            obj = loads(line)
        except json.JSONDecodeError as err:
            raise error(f"{path}, line {n}: not valid JSON ({err.msg}); fix or remove the line") from None
        if not isinstance(obj, dict):
            raise error(f"{path}, line {n}: expected a JSON object with a 'question'")
        rows.append((n, _fold_names(obj.items(), path, n, error)))
    return rows


def _fold_names(items: Iterable[tuple], path: Path, line: int, error: type[FaqragError]) -> dict:
    """Field names read in any case ("Question" is "question"), as CSV headers are;
    two names that fold together would leave one value silently unused."""
    out: dict = {}
    spelled: dict[str, str] = {}
    for key, value in items:
        name = str(key).strip().lower()
        if name in spelled and name:  # unnamed columns (trailing commas) are only left out
            raise error(f"{path}, line {line}: fields {spelled[name]!r} and {key!r} both read as {name!r}; keep one")
        spelled[name] = key
        out[name] = value
    return out


def csv_rows(
    text: str, path: Path, required: tuple[str, ...], error: type[FaqragError] = FaqragError
) -> list[tuple[int, dict]]:
    # csv.reader rather than DictReader: DictReader skips blank lines silently,
    # which would make the line numbers in our messages point at the wrong row.
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, [])
        _fold_names(((h, None) for h in header), path, 1, error)
        fields = [h.strip().lower() for h in header]
        missing = [c for c in required if c not in fields]
        if missing:
            names = " and ".join(f"'{c}'" for c in missing)
            raise error(f"{path}, line 1: no {names} column (found: {', '.join(fields) or 'none'})")
        rows, prev = [], reader.line_num
        for values in reader:
            line = prev + 1  # where this record starts; it may span lines
            prev = reader.line_num
            if not values or not any(v.strip() for v in values):
                continue
            if len(values) != len(fields):
                raise error(
                    f"{path}, line {line}: {len(values)} values for {len(fields)} columns; "
                    "quote values that contain commas"
                )
            rows.append((line, dict(zip(fields, values))))
    except csv.Error as err:
        raise error(
            f"{path}, line {reader.line_num}: {err}; fix the CSV's quoting, or use JSON lines for long fields"
        ) from None
    return rows
