"""Per-corpus calibration: the decline threshold refitted on the corpus's own
reviewed questions, stored with its index.

Only the threshold moves (the confidence model's weights stay as shipped: a
few dozen reviewed questions can place a cut-off, not refit nine weights). It
is chosen as tools/tune.py chooses it: decline at most 5% of the covered
questions the index answers right, cut in the middle of the gap below the
lowest one it must answer. Its figures are cross-validated (k folds, each
class spread over them), so the report says how it does on questions it was
not fitted on. ``calibration.json`` beside the manifest is read when the index
is opened; without it the shipped settings apply.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from faqrag.errors import FaqragError
from faqrag.files import write_atomically
from faqrag.index.manifest import CALIBRATION
from faqrag.records import ALTERNATE, QUESTION
from faqrag.settings import Settings
from faqrag.text import normalize

if TYPE_CHECKING:  # evaluate (and statistics) only for fitting, not for every question's calibrated()
    from faqrag.evaluation.questions import EvalQuestion

FILE = CALIBRATION  # in the index folder, read by index/calibration.py
BUDGET = 0.05  # share of rightly answered covered questions a threshold may decline
MIN_COVERED, MIN_UNCOVERED = 5, 3
FOLDS = 5


@dataclass(frozen=True)
class Calibration:
    abstain_below: float
    covered: int
    uncovered: int
    shipped: dict  # figures of the shipped threshold on every reviewed question
    cross_validated: dict  # figures of thresholds fitted without the questions they are judged on
    fitted_at: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Scored:
    covered: bool
    right: bool  # gold in the answer, had it not been declined
    confidence: float


def threshold(rows: list[Scored], budget: float = BUDGET) -> float | None:
    """The highest cut that declines at most ``budget`` of the rightly answered
    covered questions, in the middle of the gap below the lowest one it keeps."""
    must = sorted(r.confidence for r in rows if r.covered and r.right)
    if not must:
        return None
    k = math.floor(budget * len(must))
    keep = must[k]
    below = [r.confidence for r in rows if r.confidence < keep]
    return round((keep + max(below)) / 2, 4) if below else round(keep, 4)


def figures(rows: list[Scored], cuts: list[float]) -> dict:
    covered = [(r, t) for r, t in zip(rows, cuts) if r.covered]
    uncovered = [(r, t) for r, t in zip(rows, cuts) if not r.covered]

    def share(items, key):
        return round(sum(1 for r, t in items if key(r, t)) / len(items), 4) if items else None

    return {
        "answer_right": share(covered, lambda r, t: r.right and r.confidence >= t),
        "uncovered_declined": share(uncovered, lambda r, t: r.confidence < t),
        "covered_declined": share(covered, lambda r, t: r.confidence < t),
    }


def score(engine, questions: list[EvalQuestion]) -> list[Scored]:
    """Each question's confidence and whether its answer is right, nothing declined,
    on the index as it was before these questions were linked to answers."""
    from faqrag.evaluation.metrics import judge

    engine = _undeclining(engine, _without_own_alternates(engine.stored, questions))
    resps = engine.ask_many([q.question for q in questions])
    return [Scored(q.covered, judge(q, r.to_dict())["hit_answer"], r.confidence) for q, r in zip(questions, resps)]


def _undeclining(engine, stored):
    from faqrag.engine import Engine

    return Engine(stored, engine.embedder, replace(engine.settings, abstain_below=0.0))


def _without_own_alternates(stored, questions: list[EvalQuestion]):
    """The index with the views that are these very questions (linked as
    alternates) zeroed: each would match its question at cosine 1, and a
    threshold fitted on such foregone answers is far too high for new questions."""
    import faiss

    asked = {normalize(q.question) for q in questions}
    mask, v = [], 0
    for c in stored.chunks:
        own = normalize(c.question)
        for text, role in c.views:
            if role in (QUESTION, ALTERNATE) and normalize(text) in asked and normalize(text) != own:
                mask.append(v)
            v += 1
    if not mask:
        return stored
    vectors = stored.vectors.copy()
    vectors[mask] = 0.0
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    return replace(stored, vectors=vectors, faiss_index=index)


def fit(engine, questions: list[EvalQuestion], shipped: float | None = None) -> Calibration:
    rows = score(engine, questions)
    covered = sum(r.covered for r in rows)
    uncovered = len(rows) - covered
    if covered < MIN_COVERED or uncovered < MIN_UNCOVERED:
        raise FaqragError(
            f"{covered} covered and {uncovered} uncovered reviewed questions; calibration needs at least "
            f"{MIN_COVERED} and {MIN_UNCOVERED}: review more questions first"
        )
    shipped = Settings().abstain_below if shipped is None else shipped
    # Folds: each class dealt round-robin in order of appearance, so every fold has both.
    fold = {}
    for cls in (True, False):
        for n, i in enumerate(i for i, r in enumerate(rows) if r.covered is cls):
            fold[i] = n % FOLDS
    cuts = [0.0] * len(rows)
    for f in range(FOLDS):
        train = [r for i, r in enumerate(rows) if fold[i] != f]
        t = threshold(train)
        for i in range(len(rows)):
            if fold[i] == f:
                cuts[i] = shipped if t is None else t
    t = threshold(rows)
    return Calibration(
        abstain_below=shipped if t is None else t,
        covered=covered,
        uncovered=uncovered,
        shipped=figures(rows, [shipped] * len(rows)),
        cross_validated=figures(rows, cuts),
        fitted_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )


def save(index_dir: Path, cal: Calibration) -> Path:
    path = index_dir / FILE
    write_atomically(path, json.dumps(cal.to_dict(), indent=2), within=index_dir)
    return path
