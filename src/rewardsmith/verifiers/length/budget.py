"""``length.budget``: L1's reward for keeping to a token budget given per sample."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

import numpy as np

from rewardsmith.core import ErrorKind, RewardResult, Sample, register
from rewardsmith.core.composition import component_entry
from rewardsmith.core.reward import Reward

from .measure import Unit, check_unit, measure, tokenizer_requirements


@register("length.budget")
class Budget(Reward):
    """L1's length-controlled reward: correctness traded against a per-sample token budget n_gold.

    *L1: Controlling How Long A Reasoning Model Thinks With Reinforcement Learning* (Aggarwal &
    Welleck, 2025), LCPO: with n_y the completion's length and c = 1[correct]
    (``correct`` ≥ ``threshold``; c = 1 when no ``correct`` reward is given),

    * ``mode: exact`` (L1-Exact, the length should equal the target):
      r = c − α·|n_gold − n_y|;
    * ``mode: max`` (L1-Max, the length should stay under the budget):
      r = c · clip(α·(n_gold − n_y) + δ, 0, 1),

    with the paper's α = 0.0003 and δ = 0.5. n_gold is the record's ``budget_field`` (the
    target the prompt states), else ``budget``. L1 counts tokens: set ``unit: tokens`` and the
    policy's own ``tokenizer`` (a local ``tokenizer.json`` or folder) for the paper's α to mean
    what it meant there (the default, words, matches the other length rewards).

    >>> reward = Budget(mode="max", budget=1000, alpha=0.001, unit="words")
    >>> [round(reward("word " * n).value, 6) for n in (900, 1400, 2000)]
    [0.6, 0.1, 0.0]
    >>> Budget(mode="exact", unit="words")("word " * 900, budget=1000).value
    0.97
    """

    example: ClassVar[dict[str, Any]] = {"type": "length.budget", "budget": 8, "correct": {"type": "math.answer"}}

    @classmethod
    def requirements(cls, params: Mapping[str, Any]) -> Mapping[str, str]:
        """A token count needs a tokenizer library (see :func:`tokenizer_requirements`)."""
        return tokenizer_requirements(params)

    def __init__(
        self,
        mode: Literal["exact", "max"] = "max",
        budget: int | None = None,
        budget_field: str = "budget",
        alpha: float = 0.0003,
        delta: float = 0.5,
        correct: Reward | None = None,
        threshold: float = 1.0,
        unit: Unit = "words",
        tokenizer: str | None = None,
    ) -> None:
        if budget is not None and budget <= 0:
            raise ValueError(f"budget: must be positive, got {budget}")
        if alpha <= 0:
            raise ValueError(f"alpha: must be positive, got {alpha}")
        check_unit(unit, tokenizer)
        self.mode = mode
        self.budget = budget
        self.budget_field = budget_field
        self.alpha = alpha
        self.delta = delta
        self.correct = correct
        self.threshold = threshold
        self.unit = unit
        self.tokenizer = tokenizer
        self.value_range = (0.0, 1.0) if mode == "max" else None

    def _target(self, sample: Sample) -> float | str:
        raw = sample.extra.get(self.budget_field, self.budget)
        if raw is None:
            return f"no token budget: the record has no {self.budget_field!r} field and no budget is set"
        try:
            target = float(raw)
        except (TypeError, ValueError):
            return f"{self.budget_field}: not a number: {raw!r}"
        return target if target > 0 else f"{self.budget_field}: must be positive, got {raw!r}"

    def score_batch(self, samples: list[Sample]) -> list[RewardResult]:
        length = measure(samples, self.unit, self.tokenizer)
        child = self.correct.score(samples) if self.correct is not None else None
        label = self.correct.name if self.correct is not None else ""
        out = []
        for index, sample in enumerate(samples):
            target = self._target(sample)
            if isinstance(target, str):
                out.append(RewardResult.fail(target, kind=ErrorKind.BAD_INPUT))
                continue
            n_y = float(length[index])
            details: dict = {"length": int(n_y), "budget": target}
            c = 1.0
            if child is not None:
                result = child[index]
                details["components"] = {label: component_entry(result)}
                if result.value is None:
                    error = result.error and f"{label}: {result.error}"
                    out.append(RewardResult(None, error, details, result.error_kind if error else None))
                    continue
                c = 1.0 if result.value >= self.threshold else 0.0
                details["correct"] = bool(c)
            if self.mode == "exact":
                value = c - self.alpha * abs(target - n_y)
            else:
                value = c * float(np.clip(self.alpha * (target - n_y) + self.delta, 0.0, 1.0))
            out.append(RewardResult.ok(value, **details))
        return out
