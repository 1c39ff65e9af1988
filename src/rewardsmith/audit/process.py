"""ProcessBench's earliest-error metric for process rewards (step scores) and step critics.

*ProcessBench: Identifying Process Errors in Mathematical Reasoning* (Zheng et al., 2024): each
solution has the index of its earliest wrong step, or −1 when every step is right. A model
predicts that index; the score is the harmonic mean of the exact-match accuracy on erroneous
solutions and on correct ones,

    F1 = 2 · acc_err · acc_correct / (acc_err + acc_correct).

A process reward model gives scalar step scores instead; the predicted index is the first step
whose score falls below a threshold τ. ProcessBench picks τ for each PRM by search; this module
searches it exactly (see :func:`search_threshold`) and also reports F1 at a fixed τ.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np


def earliest_error(step_scores: Sequence[float], threshold: float) -> int:
    """Index of the first step scored below ``threshold``, or −1 when none is.

    >>> earliest_error([0.9, 0.8, 0.3, 0.1], 0.5), earliest_error([0.9], 0.5)
    (2, -1)
    """
    for index, score in enumerate(step_scores):
        if score < threshold:
            return index
    return -1


def earliest_error_f1(labels: Sequence[int], predictions: Sequence[int]) -> dict[str, Any]:
    """Accuracy on erroneous solutions (label ≥ 0), on correct ones (label −1), and their F1.

    >>> earliest_error_f1([2, 0, -1, -1], [2, 1, -1, 0])
    {'acc_erroneous': 0.5, 'acc_correct': 0.5, 'f1': 0.5, 'n_erroneous': 2, 'n_correct': 2}
    """
    y, p = np.asarray(labels, dtype=int), np.asarray(predictions, dtype=int)
    erroneous, correct = y >= 0, y == -1
    acc_err = float((p[erroneous] == y[erroneous]).mean()) if erroneous.any() else None
    acc_cor = float((p[correct] == -1).mean()) if correct.any() else None
    f1 = None
    if acc_err is not None and acc_cor is not None:
        f1 = 2 * acc_err * acc_cor / (acc_err + acc_cor) if acc_err + acc_cor else 0.0
    return {
        "acc_erroneous": acc_err,
        "acc_correct": acc_cor,
        "f1": f1,
        "n_erroneous": int(erroneous.sum()),
        "n_correct": int(correct.sum()),
    }


def _interval(label: int, scores: Sequence[float]) -> tuple[float, float]:
    """The thresholds (a, b] at which the prediction for this solution is right.

    An erroneous solution (label L) is predicted right when step L scores below τ and every
    earlier step does not: s_L < τ ≤ min(s_0..s_{L−1}). A correct one when τ ≤ min(s). An
    empty interval (never right) is (∞, ∞).
    """
    if label < 0:
        return -math.inf, min(scores, default=math.inf)
    if label >= len(scores):
        return math.inf, math.inf
    low, high = scores[label], min(scores[:label], default=math.inf)
    return (low, high) if low < high else (math.inf, math.inf)


def search_threshold(labels: Sequence[int], step_scores: Sequence[Sequence[float]]) -> dict[str, Any]:
    """The threshold τ with the best earliest-error F1, found exactly.

    Each solution is predicted right on an interval (a, b] of τ, so both accuracies only grow
    when τ moves up to the next interval end b: the optimum lies at one of the b. Every b is
    tried (O(n log n)); a tie goes to the lowest τ.

    >>> result = search_threshold([1, -1], [[0.9, 0.2], [0.8, 0.7]])
    >>> result["threshold"], result["f1"]
    (0.7, 1.0)
    """
    intervals = [_interval(int(y), list(s)) for y, s in zip(labels, step_scores, strict=True)]
    erroneous = np.array([int(y) >= 0 for y in labels], dtype=bool)
    lows = np.array([a for a, _ in intervals], dtype=float)
    highs = np.array([b for _, b in intervals], dtype=float)
    finite = highs[np.isfinite(highs)]
    candidates = np.unique(finite) if len(finite) else np.array([0.0])

    def accuracy(members: np.ndarray) -> np.ndarray:
        if not members.any():
            return np.full(len(candidates), np.nan)
        low, high = np.sort(lows[members]), np.sort(highs[members])
        # right at τ: a < τ ≤ b, counted as #(a < τ) − #(b < τ)
        right = np.searchsorted(low, candidates, "left") - np.searchsorted(high, candidates, "left")
        return right / members.sum()

    acc_err, acc_cor = accuracy(erroneous), accuracy(~erroneous)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(acc_err + acc_cor > 0, 2 * acc_err * acc_cor / (acc_err + acc_cor), 0.0)
    index = 0 if np.all(np.isnan(f1)) else int(np.nanargmax(f1))

    def value(array: np.ndarray) -> float | None:
        return None if np.isnan(array[index]) else float(array[index])

    return {
        "threshold": float(candidates[index]),
        "f1": value(f1),
        "acc_erroneous": value(acc_err),
        "acc_correct": value(acc_cor),
    }
