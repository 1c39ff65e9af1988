"""Ray scale-out throughput on a CPU-bound reward: in-process scoring vs 1 and 2 Ray workers.

    .venv/bin/python benchmarks/ray_bench.py [--quick] [--workers 1 2 4]

The reward burns a fixed amount of pure-Python CPU per sample (it holds the GIL, like a sympy
check), so threads cannot help and only processes scale. Ray's start-up is paid once, outside
the timed part, after a warm-up batch has loaded the reward on every actor. Every run's results
are checked against in-process scoring.
"""

from __future__ import annotations

import argparse
import os
import time

import ray

from rewardsmith.core import RewardResult, Sample
from rewardsmith.core.reward import Reward
from rewardsmith.integrations.ray import score_batches_on_ray


class Burn(Reward):
    """A deterministic CPU-bound reward: ``work`` rounds of integer hashing per sample."""

    name = "bench.burn"

    def __init__(self, work: int = 20_000) -> None:
        self.work = work

    def score_one(self, sample: Sample) -> RewardResult:
        state = len(sample.text) + 1
        for _ in range(self.work):
            state = (state * 1103515245 + 12345) % 2_147_483_648
        return RewardResult.ok(state / 2_147_483_648)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples (about a minute)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    count = 512 if args.quick else 4096
    reward = Burn()
    samples = [Sample(f"completion {i} " + "x" * (i % 37)) for i in range(count)]
    batches = [samples[i : i + args.batch_size] for i in range(0, count, args.batch_size)]

    started = time.perf_counter()
    expected = [reward.score(batch) for batch in batches]
    local_seconds = time.perf_counter() - started
    rows = [("in-process", 1, local_seconds)]

    ray.init(num_cpus=max(args.workers), include_dashboard=False, log_to_driver=False)
    try:
        for workers in args.workers:
            list(score_batches_on_ray(reward, batches[:workers], num_workers=workers))  # warm-up
            started = time.perf_counter()
            out = dict(score_batches_on_ray(reward, batches, num_workers=workers))
            seconds = time.perf_counter() - started
            assert [out[i] for i in range(len(batches))] == expected, "Ray results differ from local scoring"
            rows.append((f"ray ({workers} worker{'s' if workers > 1 else ''})", workers, seconds))
    finally:
        ray.shutdown()

    print(f"{count} samples, batch size {args.batch_size}, {os.cpu_count()} CPUs visible, Burn(work={reward.work})")
    print(f"{'runner':<18}{'workers':>8}{'seconds':>10}{'samples/s':>12}{'vs in-process':>15}")
    for label, workers, seconds in rows:
        print(f"{label:<18}{workers:>8}{seconds:>10.2f}{count / seconds:>12.0f}{local_seconds / seconds:>14.2f}x")


if __name__ == "__main__":
    main()
