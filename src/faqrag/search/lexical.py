"""BM25 over the chunks (bm25.py), with scores put on a 0-1 scale.

Raw BM25 scores are not comparable across questions, which makes them useless
for fusion with cosine similarity and for confidence. We divide a chunk's score
by the score a chunk would get for matching every question term once at
average length: the sum of the terms' IDFs over (1 + k1), the Lucene form of
BM25, where a term the corpus never uses
counts with the largest IDF. A 1.0 then means "all of the question's weight is
here", and a question about something the corpus never mentions cannot score
high however common its other words are.

The index is built at load time from the stored chunks, so the index folder
holds only FAISS and JSON files; at our corpus sizes this takes milliseconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import chain

import numpy as np

from faqrag.records import Chunk
from faqrag.search.answer_type import cue_words
from faqrag.search.bm25 import BM25
from faqrag.text import names_in, tokenize


def lexical_texts(chunk: Chunk) -> list[str]:
    """What BM25 sees of a chunk: its text under its heading trail, so "Europe"
    finds Europe's lines. A section is seen block by block (each paragraph,
    list or code block under the heading), and scores by its best block: one
    specific fact inside a section should not be diluted by the section's length."""
    if chunk.kind != "section" or not chunk.part_groups:
        return [" ".join((*chunk.trail, chunk.text))]
    blocks: dict[int, list[str]] = {}
    for i, g in enumerate(chunk.part_groups):
        blocks.setdefault(g, []).append(chunk.part_text(i))
    return [" ".join((*chunk.trail, *texts)) for texts in blocks.values()]


@dataclass(frozen=True)
class QueryTerms:
    ids: np.ndarray  # vocabulary ids of the question's known terms
    weight: float  # sum of IDFs of all question terms, known or not
    known_weight: float  # sum of IDFs of the terms the corpus uses
    names: frozenset[str] = frozenset()  # tokens of the names, codes and numbers it mentions
    ask: tuple[tuple[str, float], ...] = ()  # the other content terms (what is asked about them), with IDFs
    known_names: float = 1.0  # share of its names (words, not numbers) the corpus uses at all
    idf_by_id: dict[int, float] = field(default_factory=dict)  # IDF of each of ``ids``
    places: frozenset[str] = frozenset()  # the countries it is about (search/places.py), lower case

    @property
    def coverage(self) -> float:
        """Share of the question's term weight that the corpus uses at all."""
        return self.known_weight / self.weight if self.weight else 0.0

    def ask_support(self, chunk_terms: frozenset[str]) -> float:
        """Share of the weight of what the question asks (its terms other than
        names and words naming the answer's form) that a chunk uses; 1.0 when
        it asks nothing beyond names. "What is the population of <a listed
        town>?" asks "population", which the town's directory line does not use."""
        total = sum(w for _, w in self.ask)
        return sum(w for t, w in self.ask if t in chunk_terms) / total if total else 1.0

    def name_support(self, chunk_terms: frozenset[str]) -> float:
        """Share of the question's names that a chunk mentions; 1.0 when it names nothing."""
        return len(self.names & chunk_terms) / len(self.names) if self.names else 1.0


class LexicalIndex:
    def __init__(self, chunks: list[Chunk], *, k1: float = 1.2, b: float = 0.75):
        units = [(i, text) for i, c in enumerate(chunks) for text in lexical_texts(c)]
        docs = [tokenize(text) for _, text in units]
        self.unit_chunk = np.array([i for i, _ in units], dtype=np.int64)
        terms_of: list[set[str]] = [set() for _ in chunks]
        for (i, _), toks in zip(units, docs):
            terms_of[i].update(toks)
        self.chunk_terms = [frozenset(t) for t in terms_of]
        self.chunks = len(chunks)
        # Ids in order of first use; the document frequencies are the ones BM25 counts.
        self.vocab: dict[str, int] = {t: i for i, t in enumerate(dict.fromkeys(chain.from_iterable(docs)))}
        n = len(docs)
        self._k1 = k1
        self._bm25 = BM25([[self.vocab[t] for t in toks] for toks in docs], len(self.vocab), k1=k1, b=b)
        self.idf = dict(zip(self.vocab, self._bm25.idf.tolist()))  # every vocabulary term is in a document
        self.max_idf = math.log(1 + (n + 0.5) / 0.5)

    def terms(
        self, question: str, not_names: frozenset[str] = frozenset(), places: frozenset[str] = frozenset()
    ) -> QueryTerms:
        toks = list(dict.fromkeys(tokenize(question)))
        # Words naming the form of the answer ("URL", "phone") are not its topic:
        # a guide may never say "URL" yet hold the address asked for.
        form = cue_words()
        toks = [t for t in toks if t in self.idf or t not in form]
        weight = sum(self.idf.get(t, self.max_idf) for t in toks)
        known = [t for t in toks if t in self.idf]
        known_weight = sum(self.idf[t] for t in known)
        names = frozenset(t for w in names_in(question) if w not in not_names for t in tokenize(w))
        ask = tuple(
            (t, self.idf.get(t, self.max_idf)) for t in toks if t not in names and t not in form and not t.isdigit()
        )
        # A name the corpus never uses ("Can I transfer my <other service> balance?")
        # means the question is about something else, however well the rest matches.
        words = [t for t in names if not t.isdigit()]
        known_names = sum(t in self.idf for t in words) / len(words) if words else 1.0
        return QueryTerms(
            np.array([self.vocab[t] for t in known], dtype=np.int64),
            weight,
            known_weight,
            names,
            ask,
            known_names,
            {self.vocab[t]: self.idf[t] for t in known},
            places=places,
        )

    def scores(self, terms: QueryTerms) -> np.ndarray:
        """Normalised BM25 score of every chunk (see module docstring)."""
        if not len(terms.ids) or not terms.weight:
            return np.zeros(self.chunks, dtype=np.float32)
        raw = self._bm25.scores(terms.ids.tolist())
        per_chunk = np.zeros(self.chunks, dtype=np.float32)
        np.maximum.at(per_chunk, self.unit_chunk, (raw * (1 + self._k1) / terms.weight).astype(np.float32))
        return per_chunk
