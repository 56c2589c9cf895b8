"""BM25 in numpy: the Lucene formula by hand, and bm25s's scores to the bit."""

import math
import random

import numpy as np
import pytest

from faqrag.search.bm25 import BM25


def lucene(docs, query, k1=1.2, b=0.75):
    """The formula written out, in float64, one document at a time."""
    n, avg = len(docs), sum(map(len, docs)) / len(docs)
    out = []
    for d in docs:
        s = 0.0
        for t in query:
            tf, df = d.count(t), sum(t in e for e in docs)
            if tf:
                idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
                s += idf * tf / (tf + k1 * (1 - b + b * len(d) / avg))
        out.append(s)
    return out


CORPORA = [
    [[0, 1, 2], [1, 1, 3], [4]],
    [[0] * 40, [0, 1], [1, 2, 2, 2, 2]],
    [[0], [], [0, 1]],  # an empty document (a block of stop-words only)
    [[5, 4, 3, 2, 1, 0]] * 3,  # every term in every document
]


@pytest.mark.parametrize("docs", CORPORA)
def test_scores_follow_the_lucene_formula(docs):
    vocab = 1 + max(t for d in docs for t in d)
    bm = BM25(docs, vocab)
    queries = [[t] for t in range(vocab)] + [list(range(vocab)), [vocab - 1, 0]]
    for q in queries:
        got = bm.scores(q)
        assert got.dtype == np.float32 and got.shape == (len(docs),)
        assert got.tolist() == pytest.approx(lucene(docs, q), rel=1e-6, abs=1e-7)


def test_no_terms_and_unused_terms_score_nothing():
    bm = BM25([[0, 1], [1]], vocab_size=4)  # ids 2 and 3 are in no document
    assert bm.scores([]).tolist() == [0.0, 0.0]
    assert bm.scores([2, 3]).tolist() == [0.0, 0.0]


def test_a_rarer_term_weighs_more_and_a_longer_document_less():
    bm = BM25([[0, 1], [0, 2], [0, 1, 3, 3, 3, 3]], vocab_size=4)
    assert bm.scores([2])[1] > bm.scores([0])[1]  # 2 is in one document, 0 in all
    assert bm.scores([1])[0] > bm.scores([1])[2]  # same term, the longer document scores less


def test_agrees_with_bm25s_to_the_bit():
    """The weights bm25s computed before this module replaced it (float32 sums
    in the question's order), so answers and confidences did not move."""
    bm25s = pytest.importorskip("bm25s")
    rng = random.Random(7)
    for _ in range(20):
        vocab = rng.randint(1, 60)
        docs = [[rng.randrange(vocab) for _ in range(rng.randint(0, 30))] for _ in range(rng.randint(1, 40))]
        ref = bm25s.BM25(k1=1.2, b=0.75)
        ids = {str(i): i for i in range(vocab)}
        ref.index((docs, {**ids, "": vocab}), show_progress=False)
        mine = BM25(docs, vocab)
        for _ in range(30):
            q = rng.sample(range(vocab), rng.randint(1, min(8, vocab)))
            assert mine.scores(q).tobytes() == ref.get_scores_from_ids(q).tobytes()
