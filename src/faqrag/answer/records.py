"""What an answer is: the records every shell shows and the API sends.

Defined once here. ``Response.to_dict`` is the answer JSON (``ask --json``,
``POST /v1/ask``, ``eval --output``); ``Response.from_dict`` reads it back (the
HTTP client); the API's schema is derived from these classes (serve/schema.py).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Answer:
    """The short answer and where it comes from."""

    text: str
    source: str  # document title and heading trail: "Guide › Section › Subsection"
    kind: str  # faq | entry | list | section | passage
    doc: str
    chunk_id: str
    span: tuple[int, int]  # the unit's character range in its document's text


@dataclass(frozen=True)
class Passage:
    """A ranked unit shown under the answer."""

    text: str
    score: float
    source: str
    kind: str
    doc: str
    chunk_id: str
    highlight: str  # its part that best matches the question
    span: tuple[int, int]


@dataclass(frozen=True)
class FaqMatch:
    """An FAQ entry scoring close to the best hit."""

    question: str
    answer: str
    score: float
    source: str
    doc: str
    chunk_id: str


@dataclass(frozen=True)
class Response:
    """The answer JSON, as ``faqrag ask --json`` prints it."""

    question: str
    abstained: bool
    confidence: float
    answer: Answer | None
    passages: list[Passage]
    faq: list[FaqMatch]
    suggestions: list[str]
    notice: str | None
    read_as: str | None = None  # words read differently: "Frnace → France; Lyon → France"
    # How far to trust an answer, from measured precision (settings.high_from, medium_from):
    # "High", "Medium" or "Low"; None when declined.
    label: str | None = None
    reason: str | None = None  # why a question was declined, when more is known than "not covered"
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for p in d["passages"]:
            p["span"] = list(p["span"])
        if d["answer"]:
            d["answer"]["span"] = list(d["answer"]["span"])
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Response:
        """The inverse of ``to_dict``; a KeyError, TypeError or ValueError for another shape."""
        a = d["answer"]
        return cls(
            question=d["question"],
            abstained=bool(d["abstained"]),
            confidence=float(d["confidence"]),
            answer=Answer(**{**a, "span": tuple(a["span"])}) if a else None,
            passages=[Passage(**{**p, "span": tuple(p["span"])}) for p in d["passages"]],
            faq=[FaqMatch(**f) for f in d["faq"]],
            suggestions=list(d["suggestions"]),
            notice=d.get("notice"),
            read_as=d.get("read_as"),
            label=d.get("label"),
            reason=d.get("reason"),
            timings_ms=dict(d.get("timings_ms") or {}),
        )
