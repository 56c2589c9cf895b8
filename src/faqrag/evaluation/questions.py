"""Labelled question files: JSON lines or CSV with ``question`` and optionally
``id``, ``type`` and ``answers`` (gold strings, any of which counts; in CSV
separated by ``|``; an empty list means the right behaviour is to decline).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from faqrag.errors import FaqragError
from faqrag.ingest.tabular import csv_rows, jsonl_rows
from faqrag.limits import MAX_QUESTION_FILE_BYTES, MAX_QUESTIONS, line_at, loads, mib, read_bytes_capped


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    type: str
    question: str
    answers: tuple[str, ...]

    @property
    def covered(self) -> bool:
        return bool(self.answers)


def load_questions(path: Path) -> list[EvalQuestion]:  # noqa: C901  # one branch per way a labelled file can be wrong, each with its own one-line message
    try:
        if path.is_dir():
            raise FaqragError(f"{path} is a folder; pass a .jsonl or .csv file of questions")
        raw = read_bytes_capped(path, MAX_QUESTION_FILE_BYTES, regular=False)  # a device never ends
    except ValueError:
        raise FaqragError(f"{path}: over the {mib(MAX_QUESTION_FILE_BYTES)} limit; split it") from None
    except FileNotFoundError:
        raise FaqragError(f"{path}: file not found; check the path") from None
    except OSError as err:
        raise FaqragError(f"{path}: cannot be read ({err.strerror}); check its permissions") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise FaqragError(
            f"{path}, line {line_at(raw, err.start)}: not UTF-8 text (offset {err.start}); save it as UTF-8"
        ) from None
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = csv_rows(text, path, ("question",))
    elif suffix in (".jsonl", ".json"):
        _refuse_one_value(text, path)
        rows = jsonl_rows(text, path)
    else:
        raise FaqragError(f"{path}: use a .jsonl or .csv file")
    if len(rows) > MAX_QUESTIONS:
        raise FaqragError(f"{path}: {len(rows):,} questions, over the limit of {MAX_QUESTIONS:,}; split the file")
    out, seen = [], set()
    for line, row in rows:
        q = row.get("question")
        if q is not None and not isinstance(q, str):
            raise FaqragError(f"{path}, line {line}: 'question' must be a string, not {type(q).__name__}")
        if q is None or not q.strip():
            raise FaqragError(f"{path}, line {line}: 'question' is missing or empty")
        answers = row.get("answers", [])
        if isinstance(answers, str):
            answers = [a.strip() for a in answers.split("|") if a.strip()]
        if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
            raise FaqragError(f"{path}, line {line}: 'answers' must be a list of strings")
        for key in ("id", "type"):
            value = row.get(key)
            if isinstance(value, bool) or not isinstance(value, (str, int, float, type(None))):
                kind = "true/false" if isinstance(value, bool) else type(value).__name__
                raise FaqragError(f"{path}, line {line}: '{key}' must be a string or a number, not {kind}")
            if isinstance(value, float) and not math.isfinite(value):
                raise FaqragError(f"{path}, line {line}: '{key}' must be a finite number")
        raw_id = row.get("id")
        qid = f"{raw_id:g}" if isinstance(raw_id, float) else str(raw_id or f"q{line}")
        if qid in seen:
            raise FaqragError(f"{path}, line {line}: id '{qid}' is used twice; ids must be unique")
        seen.add(qid)
        out.append(EvalQuestion(qid, str(row.get("type") or "untyped"), q.strip(), tuple(answers)))
    if not out:
        raise FaqragError(f"{path}: no questions found")
    return out


def _refuse_one_value(text: str, path: Path) -> None:
    """One JSON array, or one object printed over several lines, is a common first try at
    JSON lines: say so, rather than "line 1: not valid JSON"."""
    head = text.lstrip()[:1]
    if head == "[" or (head == "{" and "\n" in text.strip()):
        whole = _whole(text)
        if isinstance(whole, (list, dict)):
            what = "one JSON array" if isinstance(whole, list) else "one JSON object written over several lines"
            raise FaqragError(
                f"{path}: must be JSON lines (one object per line), not {what}; write a line per question"
            )


def _whole(text: str) -> object:
    """The file read as one JSON value, or None when it is not one."""
    try:
        return loads(text)
    except ValueError:
        return None
