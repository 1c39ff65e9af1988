"""Rewards that misbehave on purpose, and adapter calls run in other threads and processes.

Module-level so that spawned children and Ray workers can import them by reference.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from rewardsmith.core import RewardResult, Sample
from rewardsmith.core.reward import Reward
from rewardsmith.verifiers.text.exact import TextExact


class Raising(Reward):
    """Raises on every record whose completion contains "bad"; exact match otherwise."""

    name = "test.raising"

    def score_one(self, sample: Sample) -> RewardResult:
        if "bad" in sample.text:
            raise RuntimeError(f"boom on {sample.text!r}")
        return TextExact().score_one(sample)


class Hanging(Reward):
    """Sleeps ``seconds`` on records containing "hang" (longer than any adapter timeout)."""

    name = "test.hanging"

    def __init__(self, seconds: float = 3.0) -> None:
        self.seconds = seconds

    def score_one(self, sample: Sample) -> float:
        if "hang" in sample.text:
            time.sleep(self.seconds)
        return 1.0


class NaNValues(Reward):
    """Overrides ``score`` itself and returns NaN for records containing "nan"."""

    name = "test.nan"

    def score(self, samples: Any) -> list[Any]:
        return [float("nan") if "nan" in s.text else 1.0 for s in samples]


class WrongLength(Reward):
    """Overrides ``score`` itself and returns one result too few."""

    name = "test.wrong_length"

    def score(self, samples: Any) -> list[Any]:
        return [1.0] * (len(samples) - 1)


class BatchRaises(Reward):
    """``score`` itself raises (not caught by the Reward base class)."""

    name = "test.batch_raises"

    def score(self, samples: Any) -> list[Any]:
        raise MemoryError("out of memory in the reward")


def call_trl(adapter: Callable[..., Any]) -> Any:
    """One TRL-shaped call; awaits the result when the adapter is async."""
    result = adapter(
        prompts=["Q1", "Q1", "Q2"], completions=["Paris", "bad answer", "rome"], solution=["paris", "paris", "Rome"]
    )
    return asyncio.run(result) if asyncio.iscoroutine(result) else result


def call_verl(function: Callable[..., Any]) -> Any:
    """Three verl-shaped per-sample keyword calls; awaits an ``async def``."""
    rows = [("qa", "Paris", "paris", {"index": 0}), ("qa", "bad", "paris", {"index": 1}), ("qa", "x", "y", {})]
    out = []
    for source, solution, truth, extra in rows:
        result = function(data_source=source, solution_str=solution, ground_truth=truth, extra_info=extra)
        out.append(asyncio.run(result) if asyncio.iscoroutine(result) else result)
    return out


def call_openrlhf(function: Callable[..., Any]) -> Any:
    """Two OpenRLHF-shaped one-sample calls."""
    return [function(["Q: cap?\nA: Paris</s>"], ["Q: cap?\nA:"], ["paris"]), function(["Q:\nbad"], ["Q:\n"], ["x"])]
