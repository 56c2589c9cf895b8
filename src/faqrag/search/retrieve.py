"""Hybrid retrieval: dense views (FAISS) and BM25 chunks, fused per chunk.

Candidates come from both sides (the top views by cosine, the top chunks by
BM25); every candidate then gets both scores exactly, so neither side's
cut-off can hide a chunk the other side found. The fused score is a weighted
sum of the best view cosine and the normalised BM25 score (capped at 1): both
are on a 0-1 scale that means the same thing from one question to the next,
which rank-based fusion (RRF) throws away, and which confidence needs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from faqrag.index.store import StoredIndex
from faqrag.records import ALTERNATE, HEADING, QUESTION, Chunk, Document
from faqrag.search.answer_type import numbers_in, value_kinds
from faqrag.search.lexical import LexicalIndex, QueryTerms
from faqrag.search.places import Places
from faqrag.search.spelling import english_words
from faqrag.settings import Settings
from faqrag.text import tokenize


@dataclass(frozen=True)
class Hit:
    chunk: int  # row in StoredIndex.chunks
    score: float  # fused
    dense: float  # best cosine over the chunk's views
    lexical: float  # normalised BM25, capped at 1
    role: int  # role of the best view
    question_sim: float  # cosine to the FAQ question view; 0 for other kinds
    head_sim: float = 0.0  # cosine to the unit's own question or heading view; 0 without one
    # Cosine to each part's view (role >= 0), as search computed it; None: not computed.
    part_dense: Mapping[int, float] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Evidence:
    """A hit with everything answering reads of it, so the answer stage needs
    neither the index nor the retriever: its chunk and document, the lexical
    terms and kinds of value the chunk holds, and per part the question's
    cosine and the part's own terms and kinds of value."""

    hit: Hit
    chunk: Chunk
    doc: Document
    terms: frozenset[str]  # the chunk's lexical terms (which names and asks it supports)
    kinds: frozenset[str]  # kinds of value it holds (phone, url, ...)
    part_dense: Mapping[int, float]  # cosine of the question to each part's view
    part_facts: Sequence[tuple[frozenset[int], frozenset[str]]]  # per part: its term ids, its kinds of value
    # A directory line whose number exactly one fuller entry (one with its block's
    # shared lines) also quotes: that entry, which answers in its place.
    fuller: Evidence | None = None
    head_terms: frozenset[int] = frozenset()  # term ids of the unit's own question or heading
    places: frozenset[str] = frozenset()  # the countries the unit is about (places.unit_places)

    def rescored(self, score: float) -> Evidence:
        return replace(self, hit=replace(self.hit, score=score))


class Retriever:
    def __init__(self, stored: StoredIndex, settings: Settings, places: Places | None = None):
        self.stored = stored
        self.settings = settings
        self.places = places
        self.lexical = LexicalIndex(stored.chunks)
        n = len(stored.chunks)
        # Views of one chunk are contiguous rows: chunk i owns rows [start[i], start[i+1]).
        self.view_start = np.searchsorted(stored.view_chunk, np.arange(n + 1)).astype(np.int64)
        # Which kinds of value (phone, url, ...) each chunk holds, found once here.
        self.chunk_kinds = [value_kinds(c.text) for c in stored.chunks]
        self._part_facts: dict[int, list[tuple[frozenset[int], frozenset[str]]]] = {}
        # The views a chunk is ranked by: all but an FAQ answer's sentences, which
        # are there for choosing its short answer (chunking._faq).
        is_faq = np.array([c.kind == "faq" for c in stored.chunks] or [False])
        self.ranks = ~((stored.view_role >= 0) & is_faq[stored.view_chunk]) if n else np.ones(0, dtype=bool)
        # Directory entries with shared lines (hours, languages), by the numbers
        # they quote: another line quoting the same number can borrow them.
        self.entries_by_number: dict[str, list[int]] = {}
        for i, c in enumerate(stored.chunks):
            if c.kind == "entry" and c.context:
                for number in numbers_in(c.part_text(0)):
                    self.entries_by_number.setdefault(number, []).append(i)

    def search(self, qvec: np.ndarray, terms: QueryTerms, k: int, types: frozenset[str] = frozenset()) -> list[Hit]:
        s = self.settings
        stored = self.stored
        n_views = stored.vectors.shape[0]
        c = min(s.candidates, n_views)
        _, view_ids = stored.faiss_index.search(qvec.reshape(1, -1), c)
        lex = self.lexical.scores(terms)
        # In numpy, not per candidate in Python: under load the server does this for every question.
        ids = view_ids[0]
        chunks = stored.view_chunk[ids[ids >= 0]]
        if lex.any():
            top = np.argpartition(-lex, min(c, len(lex) - 1))[:c]
            chunks = np.concatenate((chunks, top[lex[top] > 0]))
        if not len(chunks):
            return []
        chunks = np.unique(chunks).astype(np.int64)  # sorted
        starts, ends = self.view_start[chunks], self.view_start[chunks + 1]
        offsets = np.concatenate(([0], np.cumsum(ends - starts)[:-1]))
        rows = np.arange(int((ends - starts).sum())) + np.repeat(starts - offsets, ends - starts)  # each chunk's views
        sims = stored.vectors[rows] @ qvec
        ranking = np.where(self.ranks[rows], sims, -np.inf)
        dense = np.maximum.reduceat(ranking, offsets)
        lexical = np.minimum(lex[chunks], 1.0)
        fused = s.dense_weight * dense + s.lexical_weight * lexical
        if types:
            has = np.fromiter((bool(types & self.chunk_kinds[i]) for i in chunks), dtype=bool, count=len(chunks))
            fused = fused + s.type_bonus * has
        if terms.names and s.name_bonus:
            # The names a question gives ("Northville", "iOS", "5pm") are its most
            # specific constraints: a chunk that mentions them is preferred.
            ct = self.lexical.chunk_terms
            named = np.fromiter((terms.name_support(ct[i]) for i in chunks), dtype=np.float64, count=len(chunks))
            fused = fused + s.name_bonus * named
        order = np.argsort(-fused, kind="stable")[:k]
        # The top hits' best view, read from Python lists: numpy's per-call cost on
        # slices of a few views was most of this loop's time.
        sims_l, roles_l, lens = sims.tolist(), stored.view_role[rows].tolist(), (ends - starts).tolist()
        ranking_l = ranking.tolist()
        hits = []
        for j in order.tolist():
            lo = int(offsets[j])
            seg, seg_roles = sims_l[lo : lo + lens[j]], roles_l[lo : lo + lens[j]]
            rank_seg = ranking_l[lo : lo + lens[j]]
            best = max(range(len(seg)), key=rank_seg.__getitem__)  # the first of equals, as np.argmax
            question = [
                x for x, r in zip(seg, seg_roles) if r == QUESTION or (r == ALTERNATE and x >= s.alternate_threshold)
            ]
            hits.append(
                Hit(
                    chunk=int(chunks[j]),
                    score=float(fused[j]),
                    dense=float(dense[j]),
                    lexical=float(lexical[j]),
                    role=seg_roles[best],
                    question_sim=max(question) if question else 0.0,
                    head_sim=max((x for x, r in zip(seg, seg_roles) if r in (QUESTION, HEADING)), default=0.0),
                    part_dense={r: x for x, r in zip(seg, seg_roles) if r >= 0},
                )
            )
        return hits

    def evidence(self, hits: list[Hit], qvec: np.ndarray) -> list[Evidence]:
        """What answering needs of each hit (see ``Evidence``)."""
        return [self._evidence(h, qvec, with_fuller=True) for h in hits]

    def _evidence(self, h: Hit, qvec: np.ndarray, *, with_fuller: bool) -> Evidence:
        c = self.stored.chunks[h.chunk]
        fuller = None
        if with_fuller:
            unit = self.fuller_entry(h.chunk)
            if unit != h.chunk:
                # An entry is one part (its line), so its ranking needs no cosines.
                fuller = self._evidence(replace(h, chunk=unit, part_dense={}), qvec, with_fuller=False)
        return Evidence(
            h,
            c,
            self.stored.documents[c.doc],
            self.lexical.chunk_terms[h.chunk],
            self.chunk_kinds[h.chunk],
            self.part_scores(h.chunk, qvec) if h.part_dense is None else h.part_dense,
            self.part_facts(h.chunk),
            fuller,
            self.head_terms(h.chunk),
            self.unit_places(h.chunk),
        )

    def fuller_entry(self, chunk: int) -> int:
        """A directory entry quoting the same number with its block's shared lines.

        A guide may list a number twice: once in a bare list, once in a directory
        block with its hours and languages. Whichever line matched, the answer is
        the fuller entry, cited from its own place (never lines of two places under
        one source).
        """
        c = self.stored.chunks[chunk]
        if c.kind != "entry" or c.context:
            return chunk
        # Only when exactly one entry quotes the number: a number shared by several
        # regions' entries says nothing about which region's hours apply.
        others = {i for n in numbers_in(c.part_text(0)) for i in self.entries_by_number.get(n, ()) if i != chunk}
        return others.pop() if len(others) == 1 else chunk

    def part_facts(self, chunk: int) -> list[tuple[frozenset[int], frozenset[str]]]:
        """Per part of a chunk: its lexical token ids and the kinds of value it
        holds. Worked out on first use and kept, so answering a question does
        no tokenising."""
        facts = self._part_facts.get(chunk)
        if facts is None:
            c = self.stored.chunks[chunk]
            vocab = self.lexical.vocab
            facts = [
                (
                    frozenset(vocab[t] for t in tokenize(c.part_text(i)) if t in vocab),
                    value_kinds(c.part_text(i)),
                )
                for i in range(len(c.parts))
            ]
            self._part_facts[chunk] = facts
        return facts

    def unit_places(self, chunk: int) -> frozenset[str]:
        """The countries a unit is about (none without a gazetteer or places in the corpus)."""
        if self.places is None or not self.places.corpus_places:
            return frozenset()
        return self.places.unit_places(self.stored.chunks, is_common_word=lambda w: w in english_words())[chunk]

    def head_terms(self, chunk: int) -> frozenset[int]:
        """Term ids of a unit's own question or heading (FAQ entries and sections)."""
        c = self.stored.chunks[chunk]
        vocab = self.lexical.vocab
        return frozenset(vocab[t] for t in tokenize(c.question) if t in vocab) if c.question else frozenset()

    def part_scores(self, chunk: int, qvec: np.ndarray) -> dict[int, float]:
        """Cosine of the question to each part view of a chunk (role >= 0)."""
        a, b = self.view_start[chunk], self.view_start[chunk + 1]
        roles = self.stored.view_role[a:b]
        sims = self.stored.vectors[a:b] @ qvec
        return {int(r): float(x) for r, x in zip(roles, sims) if r >= 0}
