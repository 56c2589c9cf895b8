"""What the answers of a tuning run came to (tools/tune.py): the label cuts,
answers by label, and covered questions by what happened to them.

Rows are tune.py's: one per question, with ``set``, ``covered``, ``right``
(gold in the short answer), ``unit1`` (the first unit holds it), ``hit5`` and
the confidence ``features``.
"""

from __future__ import annotations

import math

import numpy as np

from faqrag.settings import Settings


def confidences(rows: list[dict], w: np.ndarray) -> np.ndarray:
    """The confidence of each row under weights ``w`` (bias last)."""
    x = np.array([r["features"] for r in rows])
    return 1 / (1 + np.exp(-(np.hstack([x, np.ones((len(x), 1))]) @ w)))


# An answer's label is High where at least this share of answers was right on
# every set tuned on, Medium where this share was right on average over the sets.
HIGH_PRECISION, MEDIUM_PRECISION = 0.95, 0.80


def answered(rows: list[dict], settings: Settings) -> list[tuple[str, float, bool]]:
    """(set, confidence, right) of each question answered rather than declined;
    an answered uncovered question is a wrong answer."""
    conf = confidences(rows, np.r_[settings.conf_weights, settings.conf_bias])
    return [
        (r["set"], float(c), bool(r["covered"] and r["right"]))
        for r, c in zip(rows, conf)
        if c >= settings.abstain_below
    ]


def label_cuts(rows: list[dict], settings: Settings) -> tuple[float, float]:
    """The confidences from which an answer is labelled High and Medium: the
    lowest at which answers above it were at least HIGH_PRECISION right on every
    set, and MEDIUM_PRECISION right averaged over the sets (each set the same)."""
    ans = answered(rows, settings)
    high = medium = 1.0
    for t in sorted({c for _, c, _ in ans}, reverse=True):
        per: dict[str, list[bool]] = {}
        for name, c, ok in ans:
            if c >= t:
                per.setdefault(name, []).append(ok)
        if all(np.mean(v) >= HIGH_PRECISION for v in per.values()):
            high = t
        if np.mean([np.mean(v) for v in per.values()]) >= MEDIUM_PRECISION:
            medium = t
    # Cut at 4 places, down, so the answer the cut was measured at stays above it.
    return math.floor(high * 1e4) / 1e4, math.floor(min(medium, high) * 1e4) / 1e4


KINDS = ("right", "composition", "declined, unit@1 right", "declined, unit@1 wrong", "ranking", "retrieval")


def kinds(rows: list[dict], conf: np.ndarray, settings: Settings) -> list[int]:
    """What happened to each covered question, counted by KINDS: right; the first
    unit holds the gold but the short answer does not (composition); declined,
    with the first unit right or wrong; gold in the top 5 but not first
    (ranking); not in the top 5 (retrieval)."""
    out = dict.fromkeys(KINDS, 0)
    for r, c in zip(rows, conf):
        if not r["covered"]:
            continue
        if c < settings.abstain_below:
            out["declined, unit@1 right" if r["unit1"] else "declined, unit@1 wrong"] += 1
        elif r["right"]:
            out["right"] += 1
        else:
            out["composition" if r["unit1"] else "ranking" if r["hit5"] else "retrieval"] += 1
    return list(out.values())


def bands(rows: list[dict], settings: Settings) -> dict[str, tuple[int, int]]:
    """Answers by label: (answered, right) for High, Medium and Low."""
    out = {"High": [0, 0], "Medium": [0, 0], "Low": [0, 0]}
    for _name, c, ok in answered(rows, settings):
        band = "High" if c >= settings.high_from else "Medium" if c >= settings.medium_from else "Low"
        out[band][0] += 1
        out[band][1] += ok
    return {k: (n, right) for k, (n, right) in out.items()}


def print_reliability(title: str, table: dict[str, dict]) -> None:
    """Answers by label and how many were right, per set: what High, Medium and Low meant."""
    print(f"\n{title}")
    print(f"{'set':20s}" + "".join(f"{b:>22s}" for b in ("High", "Medium", "Low")))
    for name, f in table.items():
        cells = []
        for b in ("High", "Medium", "Low"):
            n, right = f["bands"][b]
            cells.append(f"{right}/{n}" + (f" ({right / n * 100:.1f}%)" if n else ""))
        print(f"{name:20s}" + "".join(f"{c:>22s}" for c in cells))
