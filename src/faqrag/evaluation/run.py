"""Answering a labelled set with an engine: each question's answer JSON, judged."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from faqrag.engine import Engine
from faqrag.evaluation.metrics import judge
from faqrag.evaluation.questions import EvalQuestion


def answer_all(
    engine: Engine, questions: Sequence[EvalQuestion], k: int = 5, on_batch: Callable[[int], None] | None = None
) -> list[dict]:
    """The answer JSON of every question plus its judgement (see ``metrics.judge``),
    the questions embedded in batches; ``on_batch`` hears how many were answered."""
    responses = engine.ask_many([q.question for q in questions], k=k, on_batch=on_batch)
    return [judge(q, r.to_dict()) for q, r in zip(questions, responses)]
