"""Rows of JSON lines and CSV files, each with the line it starts on.

FAQ files and evaluation question files are read the same way, so a message
can always name the file and the line a person has to fix.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from .errors import FaqragError


def jsonl_rows(text: str, path: Path, error: type[FaqragError] = FaqragError) -> list[tuple[int, dict]]:
    rows = []
    # Split on "\n" only: str.splitlines() also breaks at U+2028 and friends,
    # which JSON allows inside strings.
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            raise error(f"{path}, line {n}: not valid JSON ({err.msg}); fix or remove the line") from None
        if not isinstance(obj, dict):
            raise error(f"{path}, line {n}: expected a JSON object with a 'question'")
        # Field names as CSV headers are read: "Question" is "question".
        rows.append((n, {str(k).strip().lower(): v for k, v in obj.items()}))
    return rows


def csv_rows(
    text: str, path: Path, required: tuple[str, ...], error: type[FaqragError] = FaqragError
) -> list[tuple[int, dict]]:
    # csv.reader rather than DictReader: DictReader skips blank lines silently,
    # which would make the line numbers in our messages point at the wrong row.
    reader = csv.reader(io.StringIO(text))
    try:
        fields = [f.strip().lower() for f in next(reader, [])]
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
        raise error(f"{path}, line {reader.line_num}: {err}") from None
    return rows
