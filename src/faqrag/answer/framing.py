"""What frames an answer for a reader: the question it answers, when that is not
what was asked, and the page it comes from.

An FAQ entry answers its own question. Asked something else ("Is it a scam?")
and answered from "Is the program legitimate?", a bare "Yes." misleads unless
the reader sees which question it answers; asked the entry's own question in
other words, repeating it is noise. So the unit's question is shown only when
the answer does not open with it and what was asked does not nearly restate it.
"""

from __future__ import annotations

from collections.abc import Collection

from faqrag.answer.records import Passage, Response
from faqrag.records import QUESTION, Chunk, Document
from faqrag.search.answer_type import numbers_in
from faqrag.search.retrieve import Evidence
from faqrag.text import normalize, tokenize

# Cosine of the asked question to the unit's own question (its QUESTION view, or a
# linked phrasing nearly restating it) from which the one restates the other: read
# on the labelled FAQ sets, pairs above it differ in wording only, pairs below it
# often ask something narrower or next to it. On eight labelled sets 173 of the 243
# answers from a unit with a question of its own show it (tools/framing_figures.py).
RESTATED = 0.85
SAME_WORDS = 0.8  # share of words two questions share (of the larger set) that restates too
# Passages scoring more than this below the best are listed apart, as weaker matches.
# On eight labelled sets, of the 59 covered questions answered wrongly whose gold was
# in a passage, the gold passage stood within 0.15 of the best in 56, while 61% of
# all passages under an answer stood further below (tools/framing_figures.py).
PASSAGE_MARGIN = 0.15


def unit_question(c: Chunk) -> str:
    """The question a unit answers: an FAQ entry's, or its heading when phrased as one."""
    if c.kind == "faq":
        return c.question
    for text, role in c.views:
        if role == QUESTION:
            return text
    if c.trail and c.trail[-1].rstrip().endswith("?"):
        return c.trail[-1]
    return ""


def question_answered(asked: str, ev: Evidence, answer_text: str) -> str | None:
    """The question ``ev``'s unit answers, when the reader needs to see it (see the module doc)."""
    q = unit_question(ev.chunk)
    if not q or normalize(answer_text).startswith(normalize(q)):
        return None
    return None if restates(asked, q, ev.hit.question_sim) else q


def restates(asked: str, question: str, cosine: float) -> bool:
    if cosine >= RESTATED:
        return True
    a, b = set(tokenize(asked)), set(tokenize(question))
    return bool(a and b) and len(a & b) / max(len(a), len(b)) >= SAME_WORDS


def page_url(doc: Document | None) -> str | None:
    """The document's web address, when it has one a browser can open."""
    url = doc.url if doc is not None else None
    return url if url and url.startswith(("https://", "http://")) else None


def passages_to_list(resp: Response, shown: Collection[str] = ()) -> tuple[list[Passage], list[Passage]]:
    """The passages worth listing under an answer, as (close, weaker): not the unit the
    answer comes from, nor one in ``shown`` (listed already, as an FAQ entry), nor one
    repeating the answer's phone numbers (a second list of the same directory); weaker:
    more than PASSAGE_MARGIN below the best. Under a decline all are "closest" alike."""
    answer = resp.answer if not resp.abstained else None
    numbers = numbers_in(answer.text) if answer else set()
    keep = []
    for p in resp.passages:
        if p.chunk_id in shown or (answer is not None and p.chunk_id == answer.chunk_id):
            continue
        if numbers and (own := numbers_in(p.text)) and own <= numbers:
            continue
        keep.append(p)
    if answer is None:
        return keep, []
    top = max((p.score for p in resp.passages), default=0.0)
    return [p for p in keep if p.score >= top - PASSAGE_MARGIN], [p for p in keep if p.score < top - PASSAGE_MARGIN]
