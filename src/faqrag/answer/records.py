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
    # The FAQ question or question heading this answer answers, when the answer
    # does not open with it and what was asked does not nearly restate it
    # (answer/framing.py): "Is it a scam?" answered from "Is the program legitimate?".
    question_answered: str | None = None
    url: str | None = None  # the page the answer comes from, when its document names one


@dataclass(frozen=True)
class Handoff:
    """The way to a person, for a visitor the guide did not help (after "No", under a
    decline): a link or e-mail address from the settings, else the guide's own contact
    section (answer/handoff.py)."""

    kind: str  # link | email | section
    target: str  # the URL, the e-mail address, or the contact section's chunk id
    label: str  # what to call it: the settings' label, or the section's source
    text: str = ""  # the contact section's short answer (kind section)
    url: str | None = None  # the contact section's page, when its document names one


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
    timings_ms: dict[str, float] = field(default_factory=dict)
    handoff: Handoff | None = None  # the way to a person (the same for every answer of one index)
    # Why an answer given with confidence may still be wrong (answer/support.py): a name
    # the question gives that the answer lacks, a second unit scoring about as high, a
    # place read from the question that the answer is not about. Empty when declined.
    weak_support: list[str] = field(default_factory=list)
    ref: str | None = None  # the server's reference for this answer's log row (POST /v1/feedback)
    # How far to trust an answer, from measured precision (settings.high_from, medium_from):
    # "High", "Medium" or "Low"; None when declined.
    label: str | None = None
    reason: str | None = None  # why a question was declined, when more is known than "not covered"

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
            handoff=Handoff(**d["handoff"]) if d.get("handoff") else None,
            weak_support=[str(w) for w in d.get("weak_support") or []],
            ref=d.get("ref"),
        )
