"""Agreement of rewards with labels: ranks, AUROC, Spearman, thresholds, calibration.

Pure functions on sequences of numbers, no dependency beyond numpy, each one tested against the
reference implementation where one exists (scikit-learn's ``roc_auc_score``, scipy's
``spearmanr``). A metric that is undefined on its input (one class only, a constant vector)
returns None, never a made-up 0 or 0.5.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

Numbers = Sequence[float] | np.ndarray  # a list of numbers or a 1-d array (a column of a table)


def rankdata(values: Numbers) -> np.ndarray:
    """Ranks 1..n with ties given their average rank (scipy's ``rankdata(method="average")``).

    >>> rankdata([10, 20, 20, 5]).tolist()
    [2.0, 3.5, 3.5, 1.0]
    """
    x = np.asarray(values, dtype=float)
    order = np.argsort(x, kind="mergesort")
    sorted_x = x[order]
    ranks = np.empty(len(x), dtype=float)
    start = 0
    while start < len(x):
        end = start
        while end + 1 < len(x) and sorted_x[end + 1] == sorted_x[start]:
            end += 1
        ranks[order[start : end + 1]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def pearson(x: Numbers, y: Numbers) -> float | None:
    """Pearson correlation; None when either side is constant or there are fewer than 2 points.

    >>> pearson([1, 2, 3], [2, 4, 7])
    0.9933992677987828
    """
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(a) < 2 or np.all(a == a[0]) or np.all(b == b[0]):
        return None
    a, b = a - a.mean(), b - b.mean()
    return float(np.clip((a @ b) / math.sqrt((a @ a) * (b @ b)), -1.0, 1.0))


def spearman(x: Numbers, y: Numbers) -> float | None:
    """Spearman's ρ: the Pearson correlation of average ranks (as scipy's ``spearmanr``).

    >>> spearman([1, 2, 3, 4], [10, 30, 20, 40])
    0.8
    """
    if len(x) < 2:
        return None
    return pearson(rankdata(x), rankdata(y))


def auroc(scores: Sequence[float], labels: Sequence[float]) -> float | None:
    """Area under the ROC curve via the Mann–Whitney U statistic, ties counted one half.

    AUROC = (Σ rank(positives) − n₊(n₊ + 1)/2) / (n₊ · n₋): the probability that a random
    positive outscores a random negative. None when only one class is present.

    >>> auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])
    0.75
    """
    y = np.asarray(labels, dtype=bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = rankdata(scores)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def confusion(scores: Sequence[float], labels: Sequence[float], threshold: float) -> dict[str, int]:
    """Counts of true/false positives/negatives when ``score >= threshold`` predicts 1."""
    s, y = np.asarray(scores, dtype=float), np.asarray(labels, dtype=bool)
    predicted = s >= threshold
    return {
        "tp": int((predicted & y).sum()),
        "fp": int((predicted & ~y).sum()),
        "tn": int((~predicted & ~y).sum()),
        "fn": int((~predicted & y).sum()),
    }


def classification_at(scores: Sequence[float], labels: Sequence[float], threshold: float) -> dict[str, Any]:
    """Accuracy, precision, recall and F1 when ``score >= threshold`` predicts a positive label.

    Precision (recall) is None when nothing is predicted (nothing is) positive.

    >>> m = classification_at([0.9, 0.2, 0.7, 0.1], [1, 0, 0, 1], threshold=0.5)
    >>> m["accuracy"], m["precision"], m["recall"]
    (0.5, 0.5, 0.5)
    """
    c = confusion(scores, labels, threshold)
    n = sum(c.values())
    precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else None
    recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else None
    f1 = None
    if precision is not None and recall is not None:
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "threshold": float(threshold),
        "accuracy": (c["tp"] + c["tn"]) / n if n else None,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        **c,
    }


def best_threshold(scores: Sequence[float], labels: Sequence[float]) -> tuple[float, float]:
    """The threshold with the highest accuracy (``score >= t`` predicts 1) and that accuracy.

    Candidates are every distinct score and one above the maximum (predict all negative); the
    lowest threshold wins a tie. This is an optimistic figure: it is fitted on the data it
    scores, so the report shows it beside the accuracy at a threshold fixed in advance.

    >>> best_threshold([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])
    (0.35, 0.75)
    """
    s, y = np.asarray(scores, dtype=float), np.asarray(labels, dtype=bool)
    if len(s) == 0:
        raise ValueError("best_threshold needs at least one score")
    candidates = np.unique(s)
    order = np.argsort(s)
    sorted_s, sorted_y = s[order], y[order]
    # below[i]: negatives strictly below candidates[i]; positives at or above it
    cut = np.searchsorted(sorted_s, candidates, side="left")
    negatives_below = np.concatenate([[0], np.cumsum(~sorted_y)])[cut]
    positives_above = int(y.sum()) - np.concatenate([[0], np.cumsum(sorted_y)])[cut]
    correct = negatives_below + positives_above
    all_negative = int((~y).sum())
    best = int(np.argmax(correct))
    if all_negative > correct[best]:
        return float(sorted_s[-1] + 1.0), all_negative / len(s)
    return float(candidates[best]), float(correct[best] / len(s))


def calibration(scores: Sequence[float], labels: Sequence[float], bins: int = 10) -> dict[str, Any]:
    """Reliability table: per score bin, how many records, their mean score, the positive share.

    Scores inside [0, 1] use equal-width bins and give the expected calibration error
    ECE = Σ_b (n_b / n) · |mean score_b − positive share_b| (Guo et al., 2017). Other scores
    (a reward model's logits) use equal-count bins and no ECE: the table then shows whether
    the positive share rises with the score.

    >>> table = calibration([0.05, 0.15, 0.95, 0.85], [0, 0, 1, 0], bins=2)
    >>> table["ece"], [b["n"] for b in table["bins"]]
    (0.25, [2, 2])
    """
    s, y = np.asarray(scores, dtype=float), np.asarray(labels, dtype=float)
    probability_like = bool(len(s)) and s.min() >= 0.0 and s.max() <= 1.0
    if probability_like:
        edges = np.linspace(0.0, 1.0, bins + 1)
    else:
        edges = np.unique(np.quantile(s, np.linspace(0.0, 1.0, bins + 1))) if len(s) else np.array([0.0])
    index = np.clip(np.searchsorted(edges, s, side="right") - 1, 0, max(len(edges) - 2, 0))
    table, ece = [], 0.0
    for b in range(max(len(edges) - 1, 1)):
        members = index == b
        n = int(members.sum())
        if n == 0:
            continue
        mean_score, positive_share = float(s[members].mean()), float(y[members].mean())
        ece += n / len(s) * abs(mean_score - positive_share)
        table.append(
            {
                "low": float(edges[b]),
                "high": float(edges[min(b + 1, len(edges) - 1)]),
                "n": n,
                "mean_score": mean_score,
                "positive_share": positive_share,
            }
        )
    return {
        "bins": table,
        "ece": round(ece, 12) if probability_like else None,
        "kind": "equal-width" if probability_like else "equal-count",
    }
