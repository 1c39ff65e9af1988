"""What the audit scores: a Reward, a spec, or any existing reward function, and its components."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from rewardsmith.core import Reward, RewardResult, Sample, load
from rewardsmith.core.functions import call_function, detect_convention, import_function


class FunctionReward(Reward):
    """A plain callable in TRL, verl or plain convention, detected from its signature.

    >>> reward = FunctionReward(lambda completion, reference: completion == reference)
    >>> reward("42", "42").value
    1.0
    """

    name = "function"

    def __init__(self, function: Callable[..., Any], reference_as: str | None = None) -> None:
        self.function = function
        self.reference_as = reference_as
        self.convention = detect_convention(function)
        self.name = getattr(function, "__name__", "function")

    def score_batch(self, samples: list[Sample]) -> list[RewardResult]:
        return call_function(self.function, self.convention, samples, self.reference_as)


def as_reward(target: Reward | str | dict | Callable[..., Any]) -> Reward:
    """A Reward from a Reward, a spec (name, path, dict), ``module:function`` or a callable."""
    if isinstance(target, Reward):
        return target
    if isinstance(target, dict):
        return load(target)
    if isinstance(target, str):
        if ":" in target and not target.endswith((".yaml", ".yml")):
            return FunctionReward(import_function(target))
        return load(target)
    if callable(target):
        return FunctionReward(target)
    raise TypeError(f"cannot audit {type(target).__name__}: expected a Reward, spec or function")


def as_samples(samples: Sequence[Sample | dict[str, Any]]) -> list[Sample]:
    """Records or samples, as samples."""
    return [s if isinstance(s, Sample) else Sample.from_record(s) for s in samples]


def with_text(sample: Sample, text: str) -> Sample:
    """A copy of ``sample`` whose completion is ``text``, in the original's shape (chat or not)."""
    completion: Any = text
    if isinstance(sample.completion, list | dict):
        completion = [{"role": "assistant", "content": text}]
    return dataclasses.replace(sample, completion=completion, extra=dict(sample.extra))


def components(reward: Reward, prefix: str = "") -> Iterator[tuple[str, Reward]]:
    """Every sub-reward of a composed reward, labelled by name (``sum/format.regex``).

    A name that repeats among siblings is numbered (``text.exact#2``).
    """
    seen: dict[str, int] = {}
    for _, child in reward.children():
        seen[child.name] = seen.get(child.name, 0) + 1
        count = seen[child.name]
        label = prefix + child.name + (f"#{count}" if count > 1 else "")
        yield label, child
        yield from components(child, label + "/")
