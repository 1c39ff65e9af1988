"""Score the audited records: whole groups per batch, each batch timed, a sample scored twice.

Groups stay together because group-level rewards (normalisation, in-group win rates) read the
whole group. Each record's time is its batch's time divided by the batch size; with the default
batch size of one the times are per record (or per group).
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from typing import Any

from rewardsmith.core import RewardResult, Sample
from rewardsmith.core.reward import Reward
from rewardsmith.runner import plan_batches


def score_all(reward: Reward, samples: Sequence[Sample], batch_size: int = 1) -> tuple[list[RewardResult], list[float]]:
    """Every sample's result and seconds, scored whole groups per batch."""
    results: list[RewardResult | None] = [None] * len(samples)
    seconds = [0.0] * len(samples)
    planned = plan_batches(list(enumerate(samples)), max(batch_size, 1))
    for batch in ([index for index, _ in members] for members in planned):
        start = time.perf_counter()
        batch_results = reward.score([samples[i] for i in batch])
        elapsed = time.perf_counter() - start
        for i, result in zip(batch, batch_results, strict=True):
            results[i] = result
            seconds[i] = elapsed / len(batch)
    return [r for r in results if r is not None], seconds


def same(first: RewardResult, second: RewardResult, tolerance: float = 1e-9) -> bool:
    """Two results agree: same status and, for values, within ``tolerance``.

    >>> same(RewardResult.ok(1.0), RewardResult.ok(1.0 + 1e-12)), same(RewardResult.ok(1), RewardResult.fail("x"))
    (True, False)
    """
    if first.status != second.status:
        return False
    if first.value is None or second.value is None:
        return True
    return abs(first.value - second.value) <= tolerance * max(1.0, abs(first.value))


def recheck(
    reward: Reward, samples: Sequence[Sample], first: list[RewardResult], size: int, seed: int
) -> dict[str, Any]:
    """Score a random sample of about ``size`` records again (whole groups) and compare."""
    unit_list = [[index for index, _ in unit] for unit in plan_batches(list(enumerate(samples)), 1)]
    random.Random(seed).shuffle(unit_list)
    chosen: list[list[int]] = []
    for unit in unit_list:
        if sum(len(u) for u in chosen) >= size:
            break
        chosen.append(unit)
    differing = []
    for batch in chosen:
        again = reward.score([samples[i] for i in batch])
        for i, result in zip(batch, again, strict=True):
            if not same(first[i], result):
                differing.append(
                    {
                        "record": i,
                        "id": samples[i].id,
                        "first": first[i].value,
                        "second": result.value,
                        "first_error": first[i].error,
                        "second_error": result.error,
                    }
                )
    return {"n": sum(len(u) for u in chosen), "differing": len(differing), "examples": differing[:10]}
