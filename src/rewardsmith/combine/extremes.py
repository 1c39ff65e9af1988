"""``min`` and ``max``: the worst or best of the (weighted) child rewards."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from rewardsmith.core import register

from .base import Combinator


@register("min")
class Min(Combinator):
    """R = min_i w_i · r_i over the terms that have a value.

    The pessimistic combination: the reward is as good as its weakest part (the worst-case
    objective WCO of *Reward Model Ensembles Help Mitigate Overoptimization*, Coste et al. 2024,
    applied to different properties).

    >>> from rewardsmith.verifiers.format.regex import FormatRegex
    >>> Min([FormatRegex("a"), FormatRegex("b", value=0.5)])("ab").value
    0.5
    """

    example: ClassVar[dict[str, Any]] = {
        "type": "min",
        "terms": [{"type": "text.exact"}, {"type": "format.regex", "pattern": "Paris"}],
    }

    def reduce(self, values: np.ndarray, weights: np.ndarray) -> np.ndarray:
        return np.nanmin(weights[:, None] * values, axis=0)


@register("max")
class Max(Combinator):
    """R = max_i w_i · r_i over the terms that have a value: any one good part is enough (an OR).

    >>> from rewardsmith.verifiers.format.regex import FormatRegex
    >>> Max([FormatRegex("a"), FormatRegex("b", value=0.5)])("b").value
    0.5
    """

    example: ClassVar[dict[str, Any]] = {
        "type": "max",
        "terms": [{"type": "text.exact"}, {"type": "format.regex", "pattern": "Paris"}],
    }

    def reduce(self, values: np.ndarray, weights: np.ndarray) -> np.ndarray:
        return np.nanmax(weights[:, None] * values, axis=0)
