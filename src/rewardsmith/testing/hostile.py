"""Hostile inputs for the conformance battery: a sample that explodes when read, and children
that fail, abstain or dawdle, to put in place of each child of a composite reward."""

from __future__ import annotations

import time
from typing import Any

from rewardsmith.core import Reward, RewardResult, Sample

#: What the raising child and the exploding sample say, so a check can find it in an error.
BOOM = "hostile: boom"


class Explosion(RuntimeError):
    """Raised by :class:`ExplodingSample` and :class:`Raising`."""


class ExplodingSample(Sample):
    """A sample whose every field raises when read: any component that looks at it fails inside.

    >>> ExplodingSample().completion
    Traceback (most recent call last):
    ...
    rewardsmith.testing.hostile.Explosion: hostile: boom
    """

    def __getattribute__(self, name: str) -> Any:
        if name in ("completion", "prompt", "reference", "id", "group", "label", "extra", "text", "prompt_text"):
            raise Explosion(BOOM)
        return object.__getattribute__(self, name)


class Raising(Reward):
    """A child that raises on every batch."""

    name = "hostile.raising"

    def score_batch(self, samples: list[Sample]) -> list[RewardResult]:
        raise Explosion(BOOM)


class Abstaining(Reward):
    """A child that is "not applicable" to every sample."""

    name = "hostile.abstaining"

    def score_one(self, sample: Sample) -> RewardResult:
        return RewardResult.not_applicable()


class Constant(Reward):
    """A child with the same value for every sample, optionally after sleeping ``delay`` seconds."""

    name = "hostile.constant"

    def __init__(self, value: float = 0.25, delay: float = 0.0) -> None:
        self.value = value
        self.delay = delay

    def score_batch(self, samples: list[Sample]) -> list[RewardResult]:
        if self.delay:
            time.sleep(self.delay)
        return [RewardResult.ok(self.value) for _ in samples]
