"""Rewards the monitor tests train on: a deliberately hackable proxy and a gold it cannot fool.

``Repeat`` pays for the share of the completion taken by its most repeated word, so a policy
that says one word over and over earns its maximum; ``Distinct`` (the gold of these tests) is
the share of distinct words, which that same policy drives towards its minimum.
"""

from __future__ import annotations

from collections import Counter

from rewardsmith.core import Reward, RewardResult, Sample


class Repeat(Reward):
    """max_w count(w) / #words; not applicable to an empty completion."""

    name = "repeat"

    def score_one(self, sample: Sample) -> RewardResult:
        words = sample.text.split()
        if not words:
            return RewardResult.not_applicable()
        return RewardResult.ok(max(Counter(words).values()) / len(words))


class Distinct(Reward):
    """#distinct words / #words; not applicable to an empty completion."""

    name = "distinct"

    def score_one(self, sample: Sample) -> RewardResult:
        words = sample.text.split()
        if not words:
            return RewardResult.not_applicable()
        return RewardResult.ok(len(set(words)) / len(words))
