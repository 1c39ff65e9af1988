"""The micro-batcher in process: merging, order, timeouts, and a blocked reward never blocking the loop."""

from __future__ import annotations

import asyncio
import threading

from rewardsmith import Reward, RewardResult, Sample
from rewardsmith.serve.batching import MicroBatcher, score_safely


class Recording(Reward):
    """Value = length of the completion; records the size of every batch it sees."""

    name = "recording"

    def __init__(self) -> None:
        self.batches: list[int] = []
        self.release = threading.Event()
        self.release.set()

    def score_batch(self, samples: list[Sample]) -> list[RewardResult]:
        self.batches.append(len(samples))
        self.release.wait(10)
        return [RewardResult.ok(len(s.text)) for s in samples]


def test_concurrent_requests_are_merged_and_answered_in_order() -> None:
    reward = Recording()

    async def main() -> list[list[RewardResult]]:
        batcher = MicroBatcher(reward, max_batch=64, max_wait=0.05, concurrency=1)
        await batcher.start()
        requests = [[Sample("x" * (i + j)) for j in range(3)] for i in range(10)]
        answers = await asyncio.gather(*(batcher.score(r) for r in requests))
        await batcher.stop()
        return answers

    answers = asyncio.run(main())
    assert [[r.value for r in a] for a in answers] == [[i, i + 1, i + 2] for i in range(10)]
    assert sum(reward.batches) == 30
    assert len(reward.batches) < 10


def test_batches_never_exceed_max_batch() -> None:
    reward = Recording()

    async def main() -> None:
        batcher = MicroBatcher(reward, max_batch=4, max_wait=0.01, concurrency=2)
        await batcher.start()
        await batcher.score([Sample("a")] * 10)
        await batcher.stop()

    asyncio.run(main())
    assert sum(reward.batches) == 10 and max(reward.batches) <= 4


def test_event_loop_keeps_running_while_the_reward_blocks() -> None:
    reward = Recording()
    reward.release.clear()

    async def main() -> tuple[int, list[RewardResult]]:
        batcher = MicroBatcher(reward, max_batch=8, max_wait=0, concurrency=1)
        await batcher.start()
        pending = asyncio.create_task(batcher.score([Sample("abc")], timeout=5))
        ticks = 0
        for _ in range(20):
            await asyncio.sleep(0.005)
            ticks += 1
        reward.release.set()
        results = await pending
        await batcher.stop()
        return ticks, results

    ticks, results = asyncio.run(main())
    assert ticks == 20
    assert results[0].value == 3.0


def test_timeout_gives_error_results_for_late_samples_only() -> None:
    reward = Recording()
    reward.release.clear()

    async def main() -> list[RewardResult]:
        batcher = MicroBatcher(reward, max_batch=8, max_wait=0, concurrency=1)
        await batcher.start()
        results = await batcher.score([Sample("a"), Sample("b")], timeout=0.2)
        reward.release.set()
        await batcher.stop()
        return results

    assert asyncio.run(main()) == [RewardResult.fail("timed out after 0.2 s", kind="timeout")] * 2


def test_score_safely_turns_a_raising_reward_into_error_results() -> None:
    class Broken(Reward):
        name = "broken"

        def score(self, samples):
            raise KeyError("model")

    results = score_safely(Broken(), [Sample("a"), Sample("b")])
    assert [r.value for r in results] == [None, None]
    assert results[0].error.startswith("broken: KeyError: 'model'")


def test_a_batch_dependent_reward_sees_each_request_whole_never_merged_nor_cut() -> None:
    from rewardsmith.combine.group import GroupNorm

    reward = GroupNorm(Recording(), method="dr_grpo")
    assert reward.batch_dependent

    async def main() -> list[list[RewardResult]]:
        batcher = MicroBatcher(reward, max_batch=2, max_wait=0.05, concurrency=1)
        await batcher.start()
        first = [Sample("x" * n, group=0) for n in (1, 2, 3)]
        second = [Sample("x" * n, group=0) for n in (10, 20)]
        answers = await asyncio.gather(batcher.score(first), batcher.score(second))
        await batcher.stop()
        return answers

    first, second = asyncio.run(main())
    assert [r.value for r in first] == [-1.0, 0.0, 1.0]
    assert [r.value for r in second] == [-5.0, 5.0]
    assert sorted(reward.reward.batches) == [2, 3]
