"""Misspelt words corrected against the corpus's own vocabulary.

A misspelt name ("Frnace") shares no word with a guide that says "France", so
neither BM25 nor the model (which splits an unknown word into pieces) finds
the entry. A question word is corrected only when it is neither a corpus word
nor an English word (SymSpell's English frequency dictionary, shipped with
symspellpy), and a corpus word lies within one edit (two for long words):
"taxes" is an English word and is never turned into the corpus's "faxes".
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from faqrag.text import STOPWORDS

_WORD = re.compile(r"[^\W\d_]+")  # letters only: codes and numbers are never corrected
MIN_LEN = 4  # shorter words have too many neighbours to correct safely


@dataclass(frozen=True)
class Correction:
    typed: str
    corrected: str


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    from importlib import resources

    path = resources.files("symspellpy") / "frequency_dictionary_en_82_765.txt"
    # Every line is "word count": the words are every other field (a third faster
    # than splitting line by line, and a cold question may be waiting on it).
    return frozenset(path.read_text(encoding="utf-8").split()[::2])


class Speller:
    def __init__(self, words: Iterable[str]):
        self.counts = Counter(w.lower() for w in words if len(w) >= MIN_LEN)
        self._symspell = None  # built on the first word that needs it

    def warm_up(self):
        """Build the lookup structure now (seconds for a very large vocabulary)."""
        from symspellpy import SymSpell

        if self._symspell is None:
            sym = SymSpell(max_dictionary_edit_distance=2)
            for w, n in self.counts.items():
                sym.create_dictionary_entry(w, n)
            self._symspell = sym
        return self._symspell

    def _lookup(self, word: str, distance: int) -> str | None:
        from symspellpy import Verbosity

        found = self.warm_up().lookup(word, Verbosity.CLOSEST, max_edit_distance=distance)
        # Two corpus words equally near: the more frequent one, unless they tie.
        if not found or (len(found) > 1 and found[0].count == found[1].count):
            return None
        return found[0].term

    def corrections(self, question: str) -> list[Correction]:
        out = []
        # A word before an apostrophe is half a contraction ("doesn't"), not a typo.
        words = (m.group(0) for m in _WORD.finditer(question) if question[m.end() : m.end() + 1] not in ("'", "\u2019"))
        for w in dict.fromkeys(words):
            low = w.lower()
            if len(low) < MIN_LEN or low in self.counts or low in STOPWORDS or low in english_words():
                continue
            fixed = self._lookup(low, 1 if len(low) < 8 else 2)
            if fixed and fixed != low:
                out.append(Correction(w, fixed.capitalize() if w[:1].isupper() else fixed))  # a name stays a name
        return out
