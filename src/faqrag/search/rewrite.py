"""The question as the corpus would word it: misspellings corrected, places
resolved. One rewrite, made before the single model call, feeds both the
embedding and BM25; the answer says what was read differently."""

from __future__ import annotations

import re
from dataclasses import dataclass

from faqrag.records import Chunk
from faqrag.search.places import Mention, Places, Resolution
from faqrag.search.spelling import Correction, Speller, english_words

_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Rewritten:
    text: str  # what is embedded
    corrections: tuple[Correction, ...] = ()
    places: tuple[Resolution, ...] = ()
    lexical: str = ""  # what BM25 matches: the places in place of the names the corpus does not use
    asked: frozenset[str] = frozenset()  # the countries the question is about (GeoNames' names, lower case)

    @property
    def lexical_text(self) -> str:
        return self.lexical or self.text

    @property
    def note(self) -> str | None:
        """ "Frnace" read as "France"; "Lyon" as in "France"."""
        parts = [f"{c.typed} \u2192 {c.corrected}" for c in self.corrections]
        parts += [f"{p.mentioned} \u2192 {p.place}" for p in self.places]
        return "; ".join(parts) or None

    @property
    def resolved_words(self) -> frozenset[str]:
        return frozenset(w for p in self.places for w in _WORD.findall(p.mentioned))


class Rewriter:
    def __init__(self, chunks: list[Chunk]):
        texts = [" ".join((*c.trail, c.text)) for c in chunks]
        self.speller = Speller(w for t in texts for w in _WORD.findall(t))
        self.places = Places(texts)

    def warm_up(self) -> None:
        """Load the word list and, when the corpus names places, the gazetteer."""
        english_words()
        self.speller.warm_up()
        self.places.warm_up()

    def rewrite(self, question: str) -> Rewritten:
        corrections = tuple(self.speller.corrections(question))
        text = question
        for c in corrections:
            text = re.sub(rf"(?<!\w){re.escape(c.typed)}(?!\w)", c.corrected, text)
        mentions = self.places.mentions(text, is_common_word=lambda w: w in english_words())
        asked = frozenset(m.country for m in mentions)
        places = tuple(_resolutions(mentions))
        if not places:
            return Rewritten(text, corrections, asked=asked)
        lexical = text
        for p in places:
            lexical = re.sub(rf"(?<!\w){re.escape(p.mentioned)}(?!\w)", p.place, lexical)
        # The model knows the mentioned place too: it keeps it, with the corpus's name beside it.
        shown = ", ".join(dict.fromkeys(p.place for p in places))
        return Rewritten(f"{text} ({shown})", corrections, places, lexical, asked)


# How a place the corpus does not list is read: as the corpus would speak of it
# ("for countries not listed above, call ..."), never as its continent, whose
# other countries' lines are not its own.
UNLISTED = "a country not listed"


def _resolutions(mentions: list[Mention]) -> list[Resolution]:
    """The places the corpus names differently: a city by its country; a place
    whose country it does not list, as one not listed."""
    out = []
    for m in mentions:
        if not m.listed:
            out.append(Resolution(m.mentioned, UNLISTED))
        elif m.place and m.place.lower() != m.mentioned.lower():
            out.append(Resolution(m.mentioned, m.place))
    return out
