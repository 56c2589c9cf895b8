"""Typed records that flow through the pipeline: documents and chunks."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# View roles: which text of a chunk an embedding vector stands for.
WHOLE = -1  # the chunk with its heading
QUESTION = -2  # an FAQ entry's question alone, or a heading phrased as one (question-to-question matching)
HEADING = -3  # a section's heading alone (a topic or a problem: "App crashes on startup")
# A question a maintainer linked to a unit (alternates.py). It matches like the
# unit's own question only when nearly restated: a short phrasing from traffic
# ("What to do if people around me get infected?") is close to many other questions.
ALTERNATE = -4
# A role >= 0 is the index of one of the chunk's parts (a sentence, a list item).

# What a part is, which decides the context it needs in an answer.
SENTENCE, LEAD, ITEM, CODE = "sentence", "lead", "item", "code"


@dataclass(frozen=True)
class Document:
    """One corpus file, read and checked."""

    doc_id: str  # file name relative to the corpus folder
    title: str
    kind: str  # guide | faq
    text: str
    sha256: str
    url: str | None = None
    notice: str | None = None
    date: str | None = None  # published or last modified, as the document or its sidecar gives it


@dataclass(frozen=True)
class Chunk:
    """The unit we index and return, with where it came from."""

    id: str
    doc: str
    kind: str  # faq | entry | passage | list | section
    trail: tuple[str, ...]
    text: str
    span: tuple[int, int]
    question: str = ""  # faq only
    answer: str = ""  # faq only
    lead: str = ""  # list only: the sentence introducing the items
    context: tuple[str, ...] = ()  # entry only: shared lines of its block
    parts: tuple[tuple[int, int], ...] = ()  # spans in ``text`` that can stand alone as an answer
    part_roles: tuple[str, ...] = ()  # per part: SENTENCE, LEAD, ITEM or CODE
    part_groups: tuple[int, ...] = ()  # per part: which block of the chunk it belongs to (a list, a paragraph)
    views: tuple[tuple[str, int], ...] = field(default=())  # (text to embed, role)

    def part_text(self, i: int) -> str:
        s, e = self.parts[i]
        return self.text[s:e]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["trail"] = list(self.trail)
        d["span"] = list(self.span)
        d["context"] = list(self.context)
        d["parts"] = [list(p) for p in self.parts]
        d["views"] = [list(v) for v in self.views]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Chunk:
        return cls(
            id=d["id"],
            doc=d["doc"],
            kind=d["kind"],
            trail=tuple(d["trail"]),
            text=d["text"],
            span=(d["span"][0], d["span"][1]),
            question=d.get("question", ""),
            answer=d.get("answer", ""),
            lead=d.get("lead", ""),
            context=tuple(d.get("context", ())),
            parts=tuple((p[0], p[1]) for p in d.get("parts", ())),
            part_roles=tuple(d.get("part_roles", ())),
            part_groups=tuple(int(g) for g in d.get("part_groups", ())),
            views=tuple((v[0], int(v[1])) for v in d.get("views", ())),
        )
