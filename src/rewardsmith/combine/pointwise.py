"""``clip`` and ``affine``: transforms of one sample's reward at a time."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from rewardsmith.core import RewardResult, Sample, register
from rewardsmith.core.reward import Reward

from .transform import Transform, Transformed


@register("clip")
class Clip(Transform):
    """r̃ = min(max(r, low), high): a bounded reward cannot be farmed without limit.

    *Reward Shaping to Mitigate Reward Hacking in RLHF* (Fu et al., 2025) states the first
    design principle: the RL reward should be bounded. Either bound may be left open.

    >>> from rewardsmith.verifiers.format.regex import FormatRegex
    >>> Clip(FormatRegex("a", value=3.0), high=1.0)("a").value
    1.0
    """

    example: ClassVar[dict[str, Any]] = {
        "type": "clip",
        "reward": {"type": "field", "field": "score"},
        "low": 0.0,
        "high": 1.0,
    }
    # An open bound may be written as -inf / inf as well as left out (never NaN).
    infinite_params: ClassVar[frozenset[str]] = frozenset({"low", "high"})

    def __init__(self, reward: Reward, low: float | None = None, high: float | None = None) -> None:
        super().__init__(reward)
        if low is not None and high is not None and low > high:
            raise ValueError(f"low: {low} is above high {high}")
        self.low = low
        self.high = high
        if low is not None and high is not None:
            self.value_range = (low, high)

    def transform(self, values: np.ndarray, samples: list[Sample], results: list[RewardResult]) -> Transformed:
        return Transformed(np.clip(values, self.low, self.high))


@register("affine")
class Affine(Transform):
    """r̃ = scale · r + shift, e.g. to map a {0, 1} verifier onto {−1, 1}.

    >>> from rewardsmith.verifiers.format.regex import FormatRegex
    >>> Affine(FormatRegex("a"), scale=2.0, shift=-1.0)("b").value
    -1.0
    """

    example: ClassVar[dict[str, Any]] = {
        "type": "affine",
        "reward": {"type": "text.exact"},
        "scale": 2.0,
        "shift": -1.0,
    }

    def __init__(self, reward: Reward, scale: float = 1.0, shift: float = 0.0) -> None:
        super().__init__(reward)
        self.scale = scale
        self.shift = shift

    def transform(self, values: np.ndarray, samples: list[Sample], results: list[RewardResult]) -> Transformed:
        return Transformed(self.scale * values + self.shift)
