"""``steps.aggregate``, ``steps.clip`` and ``steps.delta``: process (step-level) rewards.

A process reward model reports one value per reasoning step in its result's details (key
``step_scores`` by default); with no ``reward``, the step values are read from the record's
field of that name (scores stored with the data). ``steps.clip`` and ``steps.delta`` write the
transformed steps back under the same key, so they chain into ``steps.aggregate``.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np

from rewardsmith.core import RewardResult, Sample, register
from rewardsmith.core.composition import Composite, Plan, child_labels, component_entry
from rewardsmith.core.reward import Reward


class StepTransform(Composite):
    """Turns the step values of one sample into a reward (and transformed steps)."""

    def __init__(self, reward: Reward | None = None, key: str = "step_scores") -> None:
        self.reward = reward
        self.key = key

    def apply(self, steps: np.ndarray) -> tuple[float, list[float] | None]:
        """(value, transformed steps or None) for a non-empty array of step values."""
        raise NotImplementedError

    def plan(self, samples: list[Sample]) -> Plan:
        if self.reward is None:
            return [self._one(sample.extra.get(self.key), {}) for sample in samples]
        label = child_labels([self.reward])[0]
        (results,) = yield [(self.reward, samples)]
        out = []
        for result in results:
            details = {"components": {label: component_entry(result)}}
            if result.error is not None:
                out.append(RewardResult(None, f"{label}: {result.error}", details, result.error_kind))
            elif result.value is None:
                out.append(RewardResult.not_applicable(**details))
            else:
                out.append(self._one(result.details.get(self.key), details))
        return out

    def _one(self, raw: Any, details: dict[str, Any]) -> RewardResult:
        if not isinstance(raw, list | tuple) or not raw:
            return RewardResult.fail(f"no step values under {self.key!r}", **details)
        try:
            steps = np.asarray(raw, dtype=float)
        except (TypeError, ValueError):
            return RewardResult.fail(f"step values under {self.key!r} are not numbers", **details)
        if not np.isfinite(steps).all():
            return RewardResult.fail(f"step values under {self.key!r} are not all finite", **details)
        value, transformed = self.apply(steps)
        if transformed is not None:
            details[self.key] = transformed
        if not math.isfinite(value):
            return RewardResult.fail(f"{self.name}: aggregated value is not finite", **details)
        return RewardResult.ok(value, **details)


@register("steps.aggregate")
class StepsAggregate(StepTransform):
    """One reward from T step values: ``min``, ``last``, ``mean``, ``product`` or ``geometric``.

    The choices discussed in *The Lessons of Developing Process Reward Models in Mathematical
    Reasoning* (Zhang et al., 2025) and *What Are Step-Level Reward Models Rewarding?*:
    min_t r_t (a chain is as good as its worst step), r_T, (1/T) Σ_t r_t, Π_t r_t (the
    probability that every step is correct) and (Π_t r_t)^{1/T}.

    >>> StepsAggregate(method="min")("", step_scores=[0.9, 0.2, 0.8]).value
    0.2
    >>> StepsAggregate(method="geometric")("", step_scores=[0.5, 0.5]).value
    0.5
    """

    def __init__(
        self,
        reward: Reward | None = None,
        key: str = "step_scores",
        method: Literal["min", "last", "mean", "product", "geometric"] = "min",
    ) -> None:
        super().__init__(reward, key)
        self.method = method

    def apply(self, steps: np.ndarray) -> tuple[float, list[float] | None]:
        if self.method == "min":
            return float(steps.min()), None
        if self.method == "last":
            return float(steps[-1]), None
        if self.method == "mean":
            return float(steps.mean()), None
        product = float(np.prod(steps))
        if self.method == "product":
            return product, None
        return float(product ** (1.0 / steps.size)) if product >= 0 else math.nan, None


@register("steps.clip")
class StepsClip(StepTransform):
    """Clip: r̃_t = min(r_t − η, 0), and the reward is Σ_t r̃_t ≤ 0.

    *On Designing Effective RL Reward at Training Time for LLM Reasoning* (Gao et al., 2024):
    a learned step reward is hacked by adding correct but useless steps; once no step earns a
    positive reward, more steps can only cost, so the return stays bounded above by 0.

    >>> StepsClip(eta=0.5)("", step_scores=[0.9, 0.2, 0.8]).value  # min(0.4,0)+min(-0.3,0)+min(0.3,0)
    -0.3
    """

    value_range = (float("-inf"), 0.0)

    def __init__(self, reward: Reward | None = None, key: str = "step_scores", eta: float = 0.0) -> None:
        super().__init__(reward, key)
        self.eta = eta

    def apply(self, steps: np.ndarray) -> tuple[float, list[float] | None]:
        clipped = np.minimum(steps - self.eta, 0.0)
        return float(clipped.sum()), clipped.tolist()


@register("steps.delta")
class StepsDelta(StepTransform):
    """Delta: r̃_t = r_t − r_{t+1} for t < T and r̃_T = r_T, so Σ_{k ≥ t} r̃_k = r_t.

    *On Designing Effective RL Reward at Training Time for LLM Reasoning* (Gao et al., 2024):
    the return telescopes to the first step's reward, so repeating steps earns nothing. The
    value is the return Σ_t r̃_t = r_1; the per-step rewards for a step-level trainer are in
    the details.

    >>> result = StepsDelta()("", step_scores=[0.5, 0.75, 1.0])
    >>> result.value, result.details["step_scores"]
    (0.5, [-0.25, -0.25, 1.0])
    """

    def apply(self, steps: np.ndarray) -> tuple[float, list[float] | None]:
        delta = np.append(steps[:-1] - steps[1:], steps[-1])
        return float(delta.sum()), delta.tolist()
