"""``length.overlong``, ``length.cosine`` and ``length.group``: rewards shaped by completion length."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from rewardsmith.core import RewardResult, Sample, register
from rewardsmith.core.composition import child_labels, component_entry, group_indices, value_array
from rewardsmith.core.reward import Reward

from .measure import Unit, check_unit, measure, tokenizer_requirements


@register("length.overlong")
class Overlong(Reward):
    """DAPO soft overlong punishment, by completion length |y| (L_max = ``max_length``, L_cache = ``cache``).

    *DAPO: An Open-Source LLM Reinforcement Learning System at Scale* (Yu et al., 2025):
    R = 0 if |y| ≤ L_max − L_cache; ((L_max − L_cache) − |y|) / L_cache if
    L_max − L_cache < |y| ≤ L_max; −1 if |y| > L_max. Add it to the correctness reward.

    >>> [Overlong(max_length=10, cache=4, unit="words")(" ".join(["w"] * n)).value for n in (6, 8, 11)]
    [0.0, -0.5, -1.0]
    """

    example: ClassVar[dict[str, Any]] = {"type": "length.overlong", "max_length": 10, "cache": 4}

    value_range = (-1.0, 0.0)
    @classmethod
    def requirements(cls, params: Mapping[str, Any]) -> Mapping[str, str]:
        """A token count needs a tokenizer library (see :func:`tokenizer_requirements`)."""
        return tokenizer_requirements(params)

    def __init__(self, max_length: int, cache: int, unit: Unit = "words", tokenizer: str | None = None) -> None:
        if not 0 < cache <= max_length:
            raise ValueError(f"cache: must be in (0, max_length], got {cache} with max_length {max_length}")
        check_unit(unit, tokenizer)
        self.max_length = max_length
        self.cache = cache
        self.unit = unit
        self.tokenizer = tokenizer

    def score_batch(self, samples: list[Sample]) -> list[RewardResult]:
        length = measure(samples, self.unit, self.tokenizer)
        soft = self.max_length - self.cache
        reward = np.where(length <= soft, 0.0, (soft - length) / self.cache)
        reward = np.where(length > self.max_length, -1.0, reward)
        return [RewardResult.ok(r, length=int(n)) for r, n in zip(reward.tolist(), length.tolist(), strict=True)]


class _LengthWithCorrectness(Reward):
    """Shared: score the correctness child and measure lengths, then shape per sample."""

    correctness: Reward
    threshold: float
    unit: Unit
    tokenizer: str | None

    @classmethod
    def requirements(cls, params: Mapping[str, Any]) -> Mapping[str, str]:
        """A token count needs a tokenizer library (see :func:`tokenizer_requirements`)."""
        return tokenizer_requirements(params)

    def shape(self, correct: np.ndarray, length: np.ndarray, samples: list[Sample]) -> np.ndarray:
        raise NotImplementedError

    def score_batch(self, samples: list[Sample]) -> list[RewardResult]:
        results = self.correctness.score(samples)
        values = value_array(results)
        length = measure(samples, self.unit, self.tokenizer)
        with np.errstate(invalid="ignore"):
            correct = values >= self.threshold
        shaped = self.shape(correct, length, samples)
        label = child_labels([self.correctness])[0]
        out = []
        for index, result in enumerate(results):
            details = {"components": {label: component_entry(result)}, "length": int(length[index])}
            if result.value is None:
                out.append(RewardResult(None, result.error and f"{label}: {result.error}", details, result.error_kind))
            else:
                details["correct"] = bool(correct[index])
                out.append(RewardResult(float(shaped[index]), None, details))
        return out


@register("length.cosine")
class CosineLength(_LengthWithCorrectness):
    """Cosine length scaling conditioned on correctness (``correctness`` ≥ ``threshold``).

    *Demystifying Long Chain-of-Thought Reasoning in LLMs* (Yeo et al., 2025): with t = |y| and
    T = L_max, r = r_T + ½(r_0 − r_T)(1 + cos(π t / T)), going from r_0 at t = 0 to r_T at
    t = T; (r_0, r_T) = (``correct_start``, ``correct_end``) for a correct answer (short is
    better) and (``wrong_start``, ``wrong_end``) for a wrong one (thinking longer is less
    bad); beyond T the reward is ``exceed``. Defaults are the paper's (2, 1, −10, 0, −10).

    >>> from rewardsmith.verifiers.text.exact import TextExact
    >>> reward = CosineLength(TextExact(), max_length=4, unit="words")
    >>> reward("4", reference="4").value, reward("so it is 5", reference="4").value
    (1.8535533905932737, 0.0)
    """

    example: ClassVar[dict[str, Any]] = {
        "type": "length.cosine",
        "correctness": {"type": "text.exact"},
        "max_length": 8,
    }

    def __init__(
        self,
        correctness: Reward,
        max_length: int,
        correct_start: float = 2.0,
        correct_end: float = 1.0,
        wrong_start: float = -10.0,
        wrong_end: float = 0.0,
        exceed: float = -10.0,
        threshold: float = 1.0,
        unit: Unit = "words",
        tokenizer: str | None = None,
    ) -> None:
        if max_length <= 0:
            raise ValueError(f"max_length: must be positive, got {max_length}")
        check_unit(unit, tokenizer)
        self.correctness = correctness
        self.max_length = max_length
        self.correct_start = correct_start
        self.correct_end = correct_end
        self.wrong_start = wrong_start
        self.wrong_end = wrong_end
        self.exceed = exceed
        self.threshold = threshold
        self.unit = unit
        self.tokenizer = tokenizer

    def shape(self, correct: np.ndarray, length: np.ndarray, samples: list[Sample]) -> np.ndarray:
        start = np.where(correct, self.correct_start, self.wrong_start)
        end = np.where(correct, self.correct_end, self.wrong_end)
        cosine = end + 0.5 * (start - end) * (1.0 + np.cos(np.pi * length / self.max_length))
        return np.where(length > self.max_length, self.exceed, cosine)


@register("length.group")
class GroupLength(_LengthWithCorrectness):
    """Kimi k1.5 length reward within a prompt's group (``group``; none: a group of one).

    *Kimi k1.5: Scaling Reinforcement Learning with LLMs* (2025):
    λ_i = 0.5 − (len_i − min_len) / (max_len − min_len) over the group's completions (λ = 0 when
    all lengths are equal); a correct answer earns λ_i, a wrong one min(0, λ_i), so short
    correct answers gain and long wrong ones lose. Add it to the correctness reward.

    >>> from rewardsmith.verifiers.text.exact import TextExact
    >>> group = [Sample(c, reference="4", group="q") for c in ["4", "well it is 4", "no 5"]]
    >>> [r.value for r in GroupLength(TextExact(), unit="chars").score(group)]
    [0.5, -0.5, 0.0]
    """

    example: ClassVar[dict[str, Any]] = {"type": "length.group", "correctness": {"type": "text.exact"}}
    own_batch_scope = "group"

    value_range = (-0.5, 0.5)

    def __init__(
        self, correctness: Reward, threshold: float = 1.0, unit: Unit = "words", tokenizer: str | None = None
    ) -> None:
        check_unit(unit, tokenizer)
        self.correctness = correctness
        self.threshold = threshold
        self.unit = unit
        self.tokenizer = tokenizer

    def shape(self, correct: np.ndarray, length: np.ndarray, samples: list[Sample]) -> np.ndarray:
        lam = np.zeros(length.shape)
        for indices in group_indices(samples):
            low, high = length[indices].min(), length[indices].max()
            if high > low:
                lam[indices] = 0.5 - (length[indices] - low) / (high - low)
        return np.where(correct, lam, np.minimum(0.0, lam))
