"""``ensemble``: several reward models for the same property, combined against over-optimisation."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np

from rewardsmith.core import register
from rewardsmith.core.reward import Reward

from .base import Combinator, OnError


@register("ensemble")
class Ensemble(Combinator):
    """Mean, worst case or uncertainty-weighted combination of member rewards.

    From *Reward Model Ensembles Help Mitigate Overoptimization* (Coste et al., ICLR 2024) and
    *Helping or Herding? Reward Model Ensembles Mitigate but do not Eliminate Reward Hacking*
    (Eisenstein et al., 2023), over the k members that have a value:

    * ``mean``: R = (1/k) Σ_i r_i;
    * ``wco`` (worst-case optimisation): R = min_i r_i;
    * ``uwo`` (uncertainty-weighted optimisation): R = (1/k) Σ_i r_i − λ · Var_i r_i, with the
      population variance (1/k) Σ_i (r_i − mean)².

    Members should be on a common scale (normalise them first, e.g. with ``running_norm``).

    >>> from rewardsmith.verifiers.format.regex import FormatRegex
    >>> members = [FormatRegex("a"), FormatRegex("b"), FormatRegex("c")]
    >>> round(Ensemble(members, method="uwo", lam=1.5)("ab").value, 12)  # 2/3 − 1.5 · 2/9
    0.333333333333
    >>> Ensemble(members, method="wco")("ab").value
    0.0
    """

    example: ClassVar[dict[str, Any]] = {
        "type": "ensemble",
        "method": "uwo",
        "terms": [{"type": "text.exact"}, {"type": "field", "field": "score"}],
    }

    def __init__(
        self,
        terms: list[Reward],
        method: Literal["mean", "wco", "uwo"] = "mean",
        lam: float = 1.0,
        on_error: OnError = "error",
    ) -> None:
        super().__init__(terms, None, on_error)
        self.method = method
        self.lam = lam

    def reduce(self, values: np.ndarray, weights: np.ndarray) -> np.ndarray:
        if self.method == "wco":
            return np.nanmin(values, axis=0)
        mean = np.nanmean(values, axis=0)
        if self.method == "mean":
            return mean
        return mean - self.lam * np.nanvar(values, axis=0)
