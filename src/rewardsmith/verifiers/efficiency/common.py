"""Shared by the efficiency rewards: score the correctness child once and report it per sample."""

from __future__ import annotations

from typing import Any

import numpy as np

from rewardsmith.core import RewardResult, Sample
from rewardsmith.core.composition import child_labels, value_array
from rewardsmith.core.reward import Reward


def judged(correct: Reward, samples: list[Sample], threshold: float) -> tuple[list[RewardResult], np.ndarray, str]:
    """(the child's results, correct[i] = value ≥ threshold (False without a value), its label)."""
    results = correct.score(samples)
    values = value_array(results)
    with np.errstate(invalid="ignore"):
        flags = np.nan_to_num(values, nan=-np.inf) >= threshold
    return results, flags, child_labels([correct])[0]


def child_failed(result: RewardResult, label: str, details: dict[str, Any]) -> RewardResult:
    """The child's error (or "not applicable") passed up, with its kind, never read as a 0."""
    if result.error is None:
        return RewardResult(None, None, details)
    return RewardResult(None, f"{label}: {result.error}", details, result.error_kind)
