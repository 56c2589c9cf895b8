"""BM25 term weights and scoring in numpy alone.

The Lucene form of BM25, as bm25s computes it (to the bit, under NumPy 2): a term's weight in
a document is ``idf * tf / (tf + k1 * (1 - b + b * len / avg_len))`` with
``idf = log(1 + (N - df + 0.5) / (df + 0.5))``, stored in float32, and a
document's score is the float32 sum of its weights over the query's terms, in
the query's order. The weights sit by term (a compressed sparse column), so
scoring a question touches only the documents holding its terms.

Its own module rather than bm25s because bm25s imports scipy.sparse and tqdm
(a fifth of a second), which a one-question process cannot afford, and scoring
a stored matrix needs neither.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import chain

import numpy as np


class BM25:
    def __init__(self, docs: Sequence[Sequence[int]], vocab_size: int, *, k1: float = 1.2, b: float = 0.75):
        """``docs``: each document's token ids, all below ``vocab_size``."""
        n = len(docs)
        lengths = np.array([len(d) for d in docs], dtype=np.int64)
        flat = np.fromiter(chain.from_iterable(docs), dtype=np.int64, count=int(lengths.sum()))
        # Term frequencies as counts of distinct (document, term) keys: numpy's loop, not a Counter per document.
        keys, counts = np.unique(
            np.repeat(np.arange(n, dtype=np.int64), lengths) * vocab_size + flat, return_counts=True
        )
        doc, term = keys // vocab_size, keys % vocab_size
        tf = counts.astype(np.float32)
        avg_len = lengths.mean() if len(keys) else 1.0  # no terms: no weights to compute
        df = np.bincount(term, minlength=vocab_size)
        idf = np.zeros(vocab_size, dtype=np.float64)
        used = np.flatnonzero(df)
        # math.log, not np.log, whose vectorised kernels may differ in the last bit.
        idf[used] = [math.log(1 + (n - f + 0.5) / (f + 0.5)) for f in df[used].tolist()]
        # In float64 and then rounded once to float32, as bm25s does (its idf in float32).
        norm = k1 * ((1 - b) + b * lengths.astype(np.float64) / avg_len)
        weight = (idf.astype(np.float32)[term] * (tf / (norm[doc] + tf))).astype(np.float32)
        order = np.argsort(term, kind="stable")
        self.docs = n
        self.df = df  # documents holding each term
        self.idf = idf  # each term's IDF, in float64 (0 for a term no document holds)
        self.indptr = np.concatenate(([0], np.cumsum(df)))
        self.doc = doc[order]
        self.weight = weight[order]

    def scores(self, ids: Sequence[int]) -> np.ndarray:
        """Score of every document for a question's token ids (distinct, each below ``vocab_size``)."""
        out = np.zeros(self.docs, dtype=np.float32)
        for t in ids:
            a, b = self.indptr[t], self.indptr[t + 1]
            out[self.doc[a:b]] += self.weight[a:b]  # a term is in a document once: no repeated index
        return out
