"""The question as the corpus would word it: misspellings corrected, places
resolved. One rewrite, made before the single model call, feeds both the
embedding and BM25; the answer says what was read differently."""

from __future__ import annotations

import re
from dataclasses import dataclass

from faqrag.records import Chunk
from faqrag.search.places import Places, Resolution
from faqrag.search.spelling import Correction, Speller, english_words

_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Rewritten:
    text: str  # what is embedded
    corrections: tuple[Correction, ...] = ()
    places: tuple[Resolution, ...] = ()
    lexical: str = ""  # what BM25 matches: the places in place of the names the corpus does not use

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
        places = tuple(self.places.resolve(text, is_common_word=lambda w: w in english_words()))
        if not places:
            return Rewritten(text, corrections)
        lexical = text
        for p in places:
            lexical = re.sub(rf"(?<!\w){re.escape(p.mentioned)}(?!\w)", p.place, lexical)
        # The model knows the mentioned place too: it keeps it, with the corpus's name beside it.
        return Rewritten(f"{text} ({', '.join(dict.fromkeys(p.place for p in places))})", corrections, places, lexical)
