"""One validator for every settings record (answering, chunking, the server).

A record's fields say their type by annotation and their range by
``bounded(default, lo, hi)``; ``check_fields`` runs over them once, at start,
so a value out of range is a one-line error naming the setting, its range and
what was given, never an OverflowError or a busy loop later. Hand-written
(about 60 lines) rather than pydantic: importing pydantic and building a model
costs about 95 ms, a third of a cold ``faqrag ask``.
"""

from __future__ import annotations

import math
from dataclasses import field, fields
from typing import Any

from faqrag.errors import FaqragError
from faqrag.limits import bad_character, shown


def bounded(default: Any, lo: float | None = None, hi: float | None = None, *, length: int | None = None) -> Any:
    """A dataclass field with a range (for a tuple of numbers: each item's, and its length)."""
    return field(default=default, metadata={"range": (lo, hi), "length": length})


def is_number(value: object) -> bool:
    """A finite int or float: NaN and infinities pass every comparison wrongly and print as invalid JSON."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return isinstance(value, int) or math.isfinite(value)


def check_fields(record: Any, what: str = "setting") -> None:  # noqa: C901  # one branch per field type, each with its own message
    """Raise a FaqragError for the first field of ``record`` of the wrong type or out of range."""
    for f in fields(record):
        value = getattr(record, f.name)
        lo, hi = f.metadata.get("range", (None, None))
        name = f"{what} {f.name}"
        if f.type == "bool":
            if not isinstance(value, bool):
                raise FaqragError(f"{name} must be true or false, not {shown(value)}")
        elif f.type == "int":
            if not (isinstance(value, int) and not isinstance(value, bool) and _within(value, lo, hi)):
                raise FaqragError(f"{name} must be a whole number{_span(lo, hi, whole=True)}, not {shown(value)}")
        elif f.type == "float":
            if not is_number(value):
                raise FaqragError(f"{name} must be a number{_span(lo, hi)}, not {shown(value)}")
            if not _within(value, lo, hi):
                raise FaqragError(f"{name} must be{_span(lo, hi)}, not {shown(value)}")
        elif f.type.startswith("tuple[float"):
            n = f.metadata.get("length")
            ok = isinstance(value, tuple) and (n is None or len(value) == n)
            if not (ok and all(is_number(v) and _within(v, lo, hi) for v in value)):
                count = f"{n} numbers" if n else "numbers"
                raise FaqragError(f"{name} must be a list of {count}{_span(lo, hi, each=True)}, not {shown(value)}")
        elif f.type == "str":
            n = f.metadata.get("length")
            if not isinstance(value, str) or (n is not None and len(value) > n):
                raise FaqragError(
                    f"{name} must be text{f' of at most {n:,} characters' if n else ''}, not {shown(value)}"
                )
            # Shown to visitors and sent in every answer: a lone surrogate would make each
            # answer's JSON fail to encode, a control character would garble a line.
            if bad := bad_character(value):
                raise FaqragError(f"{name} holds {bad}; remove it")
        elif f.type.startswith("tuple[str"):
            if not (isinstance(value, tuple) and all(isinstance(v, str) and v.strip() for v in value)):
                raise FaqragError(f"{name} must be a list of non-empty strings, not {shown(value)}")


def _within(value: float, lo: float | None, hi: float | None) -> bool:
    return (lo is None or value >= lo) and (hi is None or value <= hi)


def _span(lo: float | None, hi: float | None, *, each: bool = False, whole: bool = False) -> str:
    """ " from 1 to 100,000" for whole numbers, " between 0 and 1" for others."""

    def num(v: float) -> str:
        return f"{v:,}" if isinstance(v, int) else f"{v:g}"

    prefix = " each" if each else ""
    if lo is not None and hi is not None:
        return f"{prefix} from {num(lo)} to {num(hi)}" if whole else f"{prefix} between {num(lo)} and {num(hi)}"
    if lo is not None:
        return f"{prefix} of at least {num(lo)}"
    return f"{prefix} of at most {num(hi)}" if hi is not None else ""
