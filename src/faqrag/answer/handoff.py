"""The way to a person, for a visitor the guide did not help: shown after "No"
and under a decline, and logged as a hand-off.

From the settings when they name one (a web page or form, or an e-mail
address); else the guide's own contact section, when it has one: the engine
asks its own content how to reach a person (``CONTACT_QUESTIONS``) and takes
the answer only when it is given with confidence and quotes contact details
(a phone number, an e-mail or web address). Nothing here knows any guide.
"""

from __future__ import annotations

from faqrag.answer.compose import SEP
from faqrag.answer.records import Handoff, Response
from faqrag.search.answer_type import quotes_contact_details
from faqrag.settings import HANDOFF_OFF, Settings, handoff_kind

# What a visitor who wants a person would ask any help content. The e-mail one
# finds a way that serves every visitor where a guide gives phone lines per region.
CONTACT_QUESTIONS = (
    "How do I contact customer support?",
    "How can I talk to a person?",
    "How do I e-mail customer support?",
)
DEFAULT_LABELS = {"link": "Contact the help team", "email": "E-mail the help team"}
NEARBY = 0.1  # a unit this close below the answer to a contact question is about contact too
# The guide's own contact section is taken only from an answer at least this confident:
# a guessed one would send people astray. A cut of its own, above where the "Medium"
# label starts (settings.medium_from): a Medium answer below it is not taken.
MIN_CONFIDENCE = 0.65


def from_settings(settings: Settings) -> Handoff | None | str:
    """The hand-off the settings name; ``HANDOFF_OFF`` when turned off; None when
    they leave it to the guide's own contact section."""
    kind = handoff_kind(settings.handoff)
    if kind is None or kind == HANDOFF_OFF:
        return kind
    target = settings.handoff.strip()
    if kind == "email" and target[:7].lower() == "mailto:":  # a URL scheme is read in any case
        target = target[7:]
    return Handoff(kind, target, settings.handoff_label.strip() or DEFAULT_LABELS[kind])


def from_answer(resp: Response) -> tuple[Handoff, str] | None:
    """The contact section an answer to one of ``CONTACT_QUESTIONS`` points at, with
    the kind of unit it is: the answer when it quotes contact details, else the first
    unit close below it that does ("Phone support: dial your region's number"
    answers; the e-mail option beside it is the way to a person)."""
    a = resp.answer
    if resp.abstained or a is None or resp.confidence < MIN_CONFIDENCE:
        return None
    if quotes_contact_details(a.text):
        label = heading_of(a.source)
        return Handoff("section", a.chunk_id, label, _body(a.text, label), a.url), a.kind
    top = max((p.score for p in resp.passages), default=0.0)
    for p in resp.passages:
        if p.chunk_id != a.chunk_id and p.score >= top - NEARBY and quotes_contact_details(p.text):
            url = a.url if p.doc == a.doc else None
            label = heading_of(p.source)
            return Handoff("section", p.chunk_id, label, _body(p.text, label), url), p.kind
    return None


def _body(text: str, label: str) -> str:
    """A section's text without its heading line: the hand-off shows the heading as its label."""
    first, sep, rest = text.partition("\n")
    return rest.strip() if sep and rest.strip() and first.strip().casefold() == label.casefold() else text


def heading_of(source: str) -> str:
    """A section named by its own heading ("Support lines"), not its whole trail."""
    return source.rsplit(SEP, 1)[-1].strip()


def best(candidates: list[Response]) -> Handoff | None:
    """The contact section of the surest answer among ``candidates`` that has one;
    one place's line of a directory ("France: 555-0301") only when nothing else is
    found, since it is the way to a person for visitors from that place alone."""
    found = [(kind != "entry", r.confidence, h) for r in candidates if (f := from_answer(r)) for h, kind in [f]]
    return max(found, key=lambda x: x[:2])[2] if found else None


def link_of(h: Handoff) -> str | None:
    """Where a browser goes for it: the web address, a mailto: link, or the section's page."""
    if h.kind == "link":
        return h.target
    if h.kind == "email":
        return f"mailto:{h.target}"
    return h.url
