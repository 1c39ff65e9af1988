"""Throughput of a composed trajectory reward on tau-bench's real trajectories.

The reward: agent.actions (read-only tools ignored) x agent.protocol, plus agent.efficiency and a
per-turn format check (turns.each over format.regex), scored on the 200 GPT-4o airline
trajectories of ../shared/data/tau_bench repeated to 10,000. The comparison: the same per-turn
format check run on every assistant message as a single completion (what scoring the messages
one by one costs) — the overhead is what the trajectory machinery adds on top of its leaves.

    python benchmarks/agents_bench.py [--trajectories 10000]
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import os
import time
from pathlib import Path

import rewardsmith
from rewardsmith.core import Sample
from rewardsmith.runner import score_batch_paused

READ_ONLY = ["get_*", "search_*", "list_*", "calculate", "think", "transfer_to_human_agents"]
FORMAT = {"type": "format.regex", "pattern": r"\S"}
SPEC = {
    "type": "sum",
    "terms": [
        {"type": "product", "terms": [{"type": "agent.actions", "ignore": READ_ONLY}, {"type": "agent.protocol"}]},
        {"type": "agent.efficiency", "max_tool_calls": 20, "weight": 0.1},
        {"type": "turns.each", "reward": FORMAT, "weight": 0.1},
    ],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trajectories", type=int, default=10_000)
    args = parser.parse_args()
    data = Path(os.environ.get("REWARDSMITH_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
    with gzip.open(data / "tau_bench" / "gpt-4o-airline.json.gz", "rt") as handle:
        runs = json.load(handle)
    base = [
        Sample(
            run["traj"][1:],
            run["traj"][:1],
            {"actions": run["info"]["task"]["actions"]},
            f"{run['task_id']}-{run['trial']}",
        )
        for run in runs
    ]
    samples = [base[i % len(base)] for i in range(args.trajectories)]
    messages = [
        Sample([m]) for s in samples for m in s.completion if isinstance(m, dict) and m.get("role") == "assistant"
    ]
    reward = rewardsmith.load(SPEC)
    leaf = rewardsmith.load(FORMAT)
    gc.collect()
    start = time.perf_counter()
    for offset in range(0, len(samples), 1000):
        score_batch_paused(reward, samples[offset : offset + 1000])
    composed = time.perf_counter() - start
    start = time.perf_counter()
    for offset in range(0, len(messages), 1000):
        score_batch_paused(leaf, messages[offset : offset + 1000])
    single = time.perf_counter() - start
    print(f"{len(samples)} trajectories ({len(messages)} assistant messages)")
    print("| scoring | seconds | per second |")
    print("|---|---|---|")
    print(f"| composed trajectory reward | {composed:.2f} | {len(samples) / composed:,.0f} trajectories |")
    print(f"| format.regex on each assistant message alone | {single:.2f} | {len(messages) / single:,.0f} messages |")
    print(f"trajectory reward / message-by-message format check: {composed / single:.1f}x the time")


if __name__ == "__main__":
    main()
