"""math.answer vs math-verify, in one run: accuracy against real labels and throughput.

Workloads: (a) GSM8K, 5,276 real model solutions with correctness labels; (b) a MATH-style GRPO
workload: 100 gold LaTeX answers x 8 sampled completions (qwen-math-bon), repeated; (c) the
held-out-style suite of ``tests/verifiers/test_math_heldout_style.py`` (gold, completion, the
verdict a careful grader gives), contested cases left out. Each repetition uses a fresh
MathAnswer, so its per-instance cache starts empty every time. ``agree`` is the share of
completions on which math.answer and math-verify give the same verdict; throughput is the fastest
of ``--repeat`` runs of each side (the machine is shared; one run is noisy);
``--disagreements`` lists every one of them (workloads b and c).

    .venv/bin/python benchmarks/math_bench.py            # full
    .venv/bin/python benchmarks/math_bench.py --quick    # ~1 min

Data is read in place from $REWARDSMITH_DATA (default: ../shared/data next to the repo).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

from rewardsmith.core import Sample
from rewardsmith.verifiers.math import MathAnswer

MODELS = ("6b_finetuning", "6b_verification", "175b_finetuning", "175b_verification")


def data_dir() -> Path:
    default = Path(__file__).resolve().parents[1].parent / "shared" / "data"
    return Path(os.environ.get("REWARDSMITH_DATA", default))


def gsm8k(limit: int | None) -> tuple[list[tuple[str, str]], list[bool]]:
    rows = [json.loads(line) for line in (data_dir() / "gsm8k/example_model_solutions.jsonl").open()]
    pairs, labels = [], []
    for row in rows[:limit]:
        gold = re.search(r"A:\s*(.+)\s*$", row["ground_truth"]).group(1).strip()
        for model in MODELS:
            pairs.append((row[model]["solution"], gold))
            labels.append(bool(row[model]["is_correct"]))
    return pairs, labels


def math_grpo(repeats: int) -> tuple[list[tuple[str, str]], list[bool]]:
    rows = [json.loads(line) for line in (data_dir() / "qwen-math-bon/math_cot_100.jsonl").open()]
    pairs = [(code, row["gt"]) for row in rows for code in row["code"]] * repeats
    labels = [bool(s) for row in rows for s in row["score"]] * repeats
    return pairs, labels


def heldout_suite() -> tuple[list[tuple[str, str]], list[bool]]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.verifiers import test_math_heldout_style as suite

    cases = [tuple(param.values) for param in suite._wrapped()] + list(suite.COMPLETIONS)
    cases += [case for table in suite.UNMARKED.values() for case in table]
    return [(completion, gold) for gold, completion, _ in cases], [expected == 1.0 for *_, expected in cases]


def run_rewardsmith(pairs: list[tuple[str, str]], group: int) -> tuple[list[bool], float]:
    reward = MathAnswer()
    reward("\\boxed{1}", "1")  # import-time costs are not per-sample costs
    samples = [Sample(completion, reference=gold) for completion, gold in pairs]
    start = time.perf_counter()
    results = []
    for i in range(0, len(samples), group * 8):
        results += reward.score(samples[i : i + group * 8])
    return [r.value == 1.0 for r in results], time.perf_counter() - start


def run_math_verify(pairs: list[tuple[str, str]]) -> tuple[list[bool], float]:
    from math_verify import parse, verify

    verify(parse("$1$"), parse("$1$"))
    start = time.perf_counter()
    verdicts = []
    for completion, gold in pairs:
        try:
            verdicts.append(bool(verify(parse(f"${gold}$"), parse(completion))))
        except Exception:  # noqa: BLE001 - a crash counts as "not correct", as in TRL
            verdicts.append(False)
    return verdicts, time.perf_counter() - start


def accuracy(verdicts: list[bool], labels: list[bool]) -> float:
    return sum(v == label for v, label in zip(verdicts, labels, strict=True)) / len(labels)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a subset, ~1 minute")
    parser.add_argument("--disagreements", action="store_true", help="list where math.answer and math-verify differ")
    parser.add_argument("--repeat", type=int, default=None, help="timed runs per side, the fastest kept (3; quick: 1)")
    args = parser.parse_args()
    workloads = {
        "GSM8K (5,276 labelled)": gsm8k(300 if args.quick else None),
        "MATH GRPO (100 golds x 8)": math_grpo(1 if args.quick else 3),
        "held-out-style suite": heldout_suite(),
    }
    header = (
        f"{'workload':28} {'n':>6} {'acc rs':>8} {'acc mv':>8} {'agree':>7} {'rs /s':>9} {'mv /s':>8} {'speed-up':>9}"
    )
    print(header)
    print("-" * len(header))
    listed = []
    for name, (pairs, labels) in workloads.items():
        repeat = args.repeat or (1 if args.quick else 3)
        rs_runs = [run_rewardsmith(pairs, group=8) for _ in range(repeat)]
        mv_runs = [run_math_verify(pairs) for _ in range(repeat)]
        rs, rs_time = rs_runs[0][0], min(t for _, t in rs_runs)
        mv, mv_time = mv_runs[0][0], min(t for _, t in mv_runs)
        n = len(pairs)
        print(
            f"{name:28} {n:>6} {accuracy(rs, labels):>8.4f} {accuracy(mv, labels):>8.4f} {accuracy(rs, mv):>7.4f} "
            f"{n / rs_time:>9.0f} {n / mv_time:>8.0f} {mv_time / rs_time:>8.1f}x"
        )
        if not name.startswith("GSM8K"):
            seen = set()
            for (completion, gold), r, m, label in zip(pairs, rs, mv, labels, strict=True):
                if r != m and (completion, gold) not in seen:
                    seen.add((completion, gold))
                    listed.append((name, gold, completion, r, m, label))
    if args.disagreements:
        for name, gold, completion, r, m, label in listed:
            tail = completion[-160:].replace("\n", " ")
            print(f"\n[{name}] gold={gold!r} label={label} rs={r} mv={m}\n  …{tail}")


if __name__ == "__main__":
    main()
