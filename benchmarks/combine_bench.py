"""What composition costs: a 1,000-node spec tree over 10,000 samples against its leaves alone.

The leaves (rule rewards: exact match, regex, R1 tags, token F1, DAPO overlong) are timed one
by one on the whole batch; the tree of sums, products, min/max, ensembles, clips, affine maps,
centring and GRPO group normalisation around them is then timed as one reward. The
difference is what the combinators and transforms cost; the target is < 5% of the leaves.

    python benchmarks/combine_bench.py            # 1,000 nodes x 10,000 samples
    python benchmarks/combine_bench.py --quick    # 1,000 nodes x 1,000 samples (~1 min)
"""

from __future__ import annotations

import argparse
import gc
import itertools
import random
import time
from typing import Any

import rewardsmith
from rewardsmith.core import Sample
from rewardsmith.core.reward import Reward

LEAVES: list[dict[str, Any]] = [
    {"type": "text.exact"},
    {"type": "format.regex", "pattern": r"<answer>\d+</answer>"},
    {"type": "format.tags"},
    {"type": "text.f1"},
    {"type": "length.overlong", "max_length": 40, "cache": 10, "unit": "words"},
]
COMBINATORS = ["sum", "product", "min", "max", "ensemble"]
TRANSFORMS = [
    {"type": "clip", "low": -1.0, "high": 1.0},
    {"type": "affine", "scale": 0.5, "shift": 0.1},
    {"type": "centre"},
    {"type": "group_norm", "method": "grpo"},
]


def build(nodes: int, branching: int, counter: itertools.count) -> dict[str, Any]:
    """A spec with exactly ``nodes`` nodes: leaves cycle through LEAVES, every 4th inner node is a transform."""
    step = next(counter)
    if nodes == 1:
        return dict(LEAVES[step % len(LEAVES)])
    if step % 4 == 3:
        return {**TRANSFORMS[step % len(TRANSFORMS)], "reward": build(nodes - 1, branching, counter)}
    children = min(branching, nodes - 1)
    sizes = [(nodes - 1) // children + (i < (nodes - 1) % children) for i in range(children)]
    return {"type": COMBINATORS[step % len(COMBINATORS)], "terms": [build(s, branching, counter) for s in sizes]}


def walk(reward: Reward) -> list[Reward]:
    found = [reward]
    for _, child in reward.children():
        found.extend(walk(child))
    return found


def make_samples(count: int, group_size: int = 8, seed: int = 0) -> list[Sample]:
    rng = random.Random(seed)
    samples = []
    for index in range(count):
        answer = rng.randint(0, 20)
        guess = answer if rng.random() < 0.5 else answer + 1
        filler = " ".join(rng.choice(["so", "then", "we", "add", "carry", "check"]) for _ in range(rng.randint(3, 50)))
        completion = f"<think>{filler}</think> <answer>{guess}</answer>"
        samples.append(Sample(completion, reference=f"<think></think> <answer>{answer}</answer>",
                              id=index, group=index // group_size))
    return samples


def timed(function: Any, collector: bool) -> float:
    gc.collect()
    if not collector:
        gc.disable()
    try:
        start = time.perf_counter()
        function()
        return time.perf_counter() - start
    finally:
        gc.enable()


def measure(tree: Reward, leaves: list[Reward], samples: list[Sample], collector: bool) -> tuple[float, float]:
    """(leaves' own time, tree time); leaf results are kept alive, as the tree and any caller keep them."""
    kept: list[Any] = []
    leaf_time = timed(lambda: kept.extend(leaf.score(samples) for leaf in leaves), collector)
    kept.clear()
    tree_time = timed(lambda: kept.append(tree.score(samples)), collector)
    return leaf_time, tree_time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--branching", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="1,000 samples instead of 10,000")
    args = parser.parse_args()
    count = 1000 if args.quick else args.samples

    tree = rewardsmith.load(build(args.nodes, args.branching, itertools.count()))
    nodes = walk(tree)
    leaves = [node for node in nodes if not list(node.children())]
    inner = len(nodes) - len(leaves)
    samples = make_samples(count)
    print(f"\ncombine_bench: {len(nodes)}-node tree ({inner} combinators/transforms, {len(leaves)} leaves)"
          f" x {count} samples\n")
    header = f"{'garbage collector':<18} {'leaves':>9} {'tree':>9} {'overhead':>9} {'per node·sample':>16} {'ratio':>8}"
    print(header)
    print("-" * len(header))
    for collector in (True, False):
        leaf_time, tree_time = measure(tree, leaves, samples, collector)
        overhead = tree_time - leaf_time
        print(f"{'on' if collector else 'off (paused)':<18} {leaf_time:>8.2f}s {tree_time:>8.2f}s {overhead:>8.2f}s"
              f" {1e6 * overhead / (inner * count):>14.2f}µs {100 * overhead / leaf_time:>7.2f}%")
    print("\nratio = (tree − leaves) / leaves; target < 5 %. `rewardsmith score` scores each batch with the"
          "\ncyclic collector paused (runner.score_batch_paused), so the 'off (paused)' row is how it runs;"
          "\nthe 'on' row shows what CPython's full collections over the tree's live results would add.")


if __name__ == "__main__":
    main()
