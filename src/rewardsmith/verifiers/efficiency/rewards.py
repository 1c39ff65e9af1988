"""``efficiency.correct_short`` (ShorterBetter) and ``efficiency.overthinking`` (outcome efficiency)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

import numpy as np

from rewardsmith.core import RewardResult, Sample, register
from rewardsmith.core.composition import component_entry, group_indices
from rewardsmith.core.reward import Reward

from ..length.measure import Unit, check_unit, measure, tokenizer_requirements
from .common import child_failed, judged


@register("efficiency.correct_short")
class CorrectShort(Reward):
    """ShorterBetter's reward: correctness minus the distance to the group's sample-optimal length.

    *ShorterBetter: Guiding Reasoning Models to Find Optimal Inference Length for Efficient
    Reasoning* (Yi et al., 2025): within a prompt's group (``group``; none: a group of one), the
    sample-optimal length ℓ_SOL is the length of the shortest correct completion, or the mean
    length of the group when none is correct, and r_i = α·1[y_i correct] − β·|ℓ_i − ℓ_SOL|
    (α = ``alpha``, β = ``beta``; ``correct`` ≥ ``threshold`` decides correctness). Shorter is
    better only down to the shortest correct answer: being shorter than that costs too.

    ``penalise_wrong: false`` pays wrong completions 0 instead (shorter is better only among the
    correct ones).

    >>> from rewardsmith.verifiers.text.exact import TextExact
    >>> group = [Sample(c, reference="4", group="q") for c in ["4", "well it is 4", "no 5"]]
    >>> [round(r.value, 6) for r in CorrectShort(TextExact(), beta=0.1, unit="chars").score(group)]
    [2.0, -1.1, -0.3]
    """

    example: ClassVar[dict[str, Any]] = {"type": "efficiency.correct_short", "correct": {"type": "math.answer"}}
    own_batch_scope = "group"

    @classmethod
    def requirements(cls, params: Mapping[str, Any]) -> Mapping[str, str]:
        """A token count needs a tokenizer library (see :func:`tokenizer_requirements`)."""
        return tokenizer_requirements(params)

    def __init__(
        self,
        correct: Reward,
        alpha: float = 2.0,
        beta: float = 0.001,
        penalise_wrong: bool = True,
        threshold: float = 1.0,
        unit: Unit = "words",
        tokenizer: str | None = None,
    ) -> None:
        if beta < 0:
            raise ValueError(f"beta: must not be negative, got {beta}")
        check_unit(unit, tokenizer)
        self.correct = correct
        self.alpha = alpha
        self.beta = beta
        self.penalise_wrong = penalise_wrong
        self.threshold = threshold
        self.unit = unit
        self.tokenizer = tokenizer

    def score_batch(self, samples: list[Sample]) -> list[RewardResult]:
        results, correct, label = judged(self.correct, samples, self.threshold)
        length = measure(samples, self.unit, self.tokenizer)
        scored = np.array([r.value is not None for r in results])
        optimal = np.full(len(samples), np.nan)
        for indices in group_indices(samples):
            known = indices[scored[indices]]
            right = known[correct[known]]
            if len(right):
                optimal[indices] = length[right].min()
            elif len(known):
                optimal[indices] = length[known].mean()
        out = []
        for index, result in enumerate(results):
            details = {"components": {label: component_entry(result)}, "length": int(length[index])}
            if result.value is None:
                out.append(child_failed(result, label, details))
                continue
            details.update(correct=bool(correct[index]), optimal_length=float(optimal[index]))
            if not correct[index] and not self.penalise_wrong:
                out.append(RewardResult.ok(0.0, **details))
                continue
            value = self.alpha * float(correct[index]) - self.beta * abs(length[index] - optimal[index])
            out.append(RewardResult.ok(float(value), **details))
        return out


_BOUNDARIES = {"lines": re.compile(r"\n"), "paragraphs": re.compile(r"\n\s*\n")}


def step_ends(text: str, steps: Literal["lines", "paragraphs"]) -> list[int]:
    """Where each step of a completion ends (the last one at the end of the text).

    >>> step_ends("a\\nb\\n\\nc", "lines"), step_ends("a\\nb\\n\\nc", "paragraphs")
    ([1, 3, 6], [3, 6])
    """
    ends = [m.start() for m in _BOUNDARIES[steps].finditer(text) if text[: m.start()].strip()]
    ends = [e for i, e in enumerate(ends) if i == 0 or text[ends[i - 1] : e].strip()]
    return [*ends, len(text)] if not ends or ends[-1] != len(text) else ends


@register("efficiency.overthinking")
class Overthinking(Reward):
    """Outcome efficiency: the share of a correct completion spent before its answer first appears.

    *Do NOT Think That Much for 2+3=? On the Overthinking of o1-Like LLMs* (Chen et al., 2024)
    measures overthinking by the outcome efficiency ξ = σ · T̂ / T, with σ = 1[final answer
    correct], T the completion's length and T̂ the length up to the end of the first solution
    that reaches the correct answer; T − T̂ tokens were spent after the answer was already found.
    Here the first solution ends at the first step boundary (``steps``: lines or paragraphs)
    whose prefix the ``correct`` reward already accepts. r = T̂ / T in (0, 1] for a correct
    completion, 0 for a wrong one; ``details["tokens_after"]`` = T − T̂ (in ``unit``) and
    ``details["first_correct_chars"]`` is where that first correct prefix ends.

    It costs one checker call per step of each correct completion (one batch for all of them).
    A prefix the checker cannot judge (an error, a timeout) before the first accepted one makes
    the result an error of the same kind: T̂ is unknown then, never guessed. Each prefix is
    judged by ``correct`` as it stands: ``{type: math.answer, last_number: false}``
    counts only an answer the text states, not a number that happens to equal it.

    >>> from rewardsmith.verifiers.math.reward import MathAnswer
    >>> reward = Overthinking(MathAnswer(), unit="words")
    >>> result = reward("2 + 2 = 4\\nlet me check again\\nThe answer is 4.", reference="4")
    >>> round(result.value, 4), result.details["tokens_after"]  # 5 of 13 words, 8 after
    (0.3846, 8)
    """

    example: ClassVar[dict[str, Any]] = {"type": "efficiency.overthinking", "correct": {"type": "math.answer"}}

    @classmethod
    def requirements(cls, params: Mapping[str, Any]) -> Mapping[str, str]:
        """A token count needs a tokenizer library (see :func:`tokenizer_requirements`)."""
        return tokenizer_requirements(params)

    def __init__(
        self,
        correct: Reward,
        steps: Literal["lines", "paragraphs"] = "lines",
        threshold: float = 1.0,
        unit: Unit = "words",
        tokenizer: str | None = None,
    ) -> None:
        check_unit(unit, tokenizer)
        self.correct = correct
        self.steps = steps
        self.threshold = threshold
        self.unit = unit
        self.tokenizer = tokenizer

    def score_batch(self, samples: list[Sample]) -> list[RewardResult]:
        results, correct, label = judged(self.correct, samples, self.threshold)
        length = measure(samples, self.unit, self.tokenizer)
        prefixes: list[Sample] = []
        owners: list[tuple[int, int]] = []
        for index, sample in enumerate(samples):
            if correct[index]:
                text = sample.text
                for end in step_ends(text, self.steps)[:-1]:
                    prefixes.append(dataclasses.replace(sample, completion=text[:end]))
                    owners.append((index, end))
        first: dict[int, tuple[int, int] | RewardResult] = {}
        if prefixes:
            prefix_results, prefix_correct, _ = judged(self.correct, prefixes, self.threshold)
            prefix_length = measure(prefixes, self.unit, self.tokenizer)
            for (index, end), prefix, ok, n in zip(owners, prefix_results, prefix_correct, prefix_length, strict=True):
                if index in first:
                    continue
                if prefix.error is not None:  # undecided here, so the first correct step is unknown
                    first[index] = prefix
                elif ok:
                    first[index] = (int(n), end)
        out = []
        for index, result in enumerate(results):
            total = int(length[index])
            details = {"components": {label: component_entry(result)}, "length": total}
            if result.value is None:
                out.append(child_failed(result, label, details))
                continue
            if not correct[index]:
                out.append(RewardResult.ok(0.0, correct=False, **details))
                continue
            found = first.get(index, (total, len(samples[index].text)))
            if isinstance(found, RewardResult):
                failed = child_failed(found, label, details)
                out.append(RewardResult(None, f"judging a prefix: {failed.error}", details, failed.error_kind))
                continue
            reached, end = found
            details.update(correct=True, first_correct_length=reached, first_correct_chars=end)
            details["tokens_after"] = total - reached
            out.append(RewardResult.ok(reached / total if total else 1.0, **details))
        return out
