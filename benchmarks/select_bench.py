"""`rewardsmith select` against the same operation written with pandas, on already-scored records.

Two operations over a scored JSONL file (groups of 8 completions of one prompt; completions are
real GSM8K model solutions, cycled; 1% of rows are reward errors):

* filter: ``reward >= 0.5 and not error`` (rejection sampling);
* pairs: best vs worst per group with margin > 0, written as TRL/OpenRLHF pair records.

The pandas versions are what a careful user writes (``read_json(lines=True)``, a boolean mask,
``groupby().idxmax()/idxmin()``, ``to_json(lines=True)``) and are checked to produce the same
rows. Each case runs in a fresh process, which reports its own peak memory (max RSS): a
streaming selection must stay flat as the input grows, pandas holds the whole table.

    python benchmarks/select_bench.py                     # 100k and 1M records
    python benchmarks/select_bench.py --sizes 100000      # quick
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
MODELS = ("6b_finetuning", "6b_verification", "175b_finetuning", "175b_verification")
FILTER = "reward >= 0.5 and not error"


def make_file(path: Path, count: int, seed: int = 0) -> None:
    """``count`` scored rows in groups of 8, completions cycled from GSM8K model solutions."""
    solutions = []
    with (DATA / "gsm8k" / "example_model_solutions.jsonl").open() as handle:
        for line in handle:
            record = json.loads(line)
            solutions.extend((record[m]["solution"], int(record[m]["is_correct"])) for m in MODELS)
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for index in range(count):
            text, label = solutions[index % len(solutions)]
            group = index // 8
            row = {"id": index, "group": group, "prompt": f"problem {group}", "completion": text, "label": label}
            if rng.random() < 0.01:
                row.update(reward=None, reward_error="timeout", reward_error_kind="timeout", reward_details={})
            else:
                value = round(0.7 * label + 0.3 * rng.random(), 6)
                row.update(reward=value, reward_error=None, reward_error_kind=None, reward_details={
                    "components": {"rm": {"value": value, "error": None, "details": {"extracted": text[-4:]}}}})
            out.write(json.dumps(row) + "\n")


def run_rewardsmith(operation: str, data: Path, out: Path) -> int:
    from rewardsmith.select import Options, parse, select_file

    if operation == "filter":
        options = Options(mode="filter", expression=parse(FILTER))
    else:
        options = Options(mode="pairs")
    return select_file(data, out, options).kept


def run_pandas(operation: str, data: Path, out: Path) -> int:
    import pandas as pd

    frame = pd.read_json(data, lines=True)
    ok = frame[frame["reward"].notna() & frame["reward_error"].isna()]
    if operation == "filter":
        kept = ok[ok["reward"] >= 0.5]
    else:
        groups = ok.groupby("group", sort=False)["reward"]
        best, worst = ok.loc[groups.idxmax()], ok.loc[groups.idxmin()]
        kept = pd.DataFrame({
            "prompt": best["prompt"].to_numpy(), "chosen": best["completion"].to_numpy(),
            "rejected": worst["completion"].to_numpy(),
            "margin": best["reward"].to_numpy() - worst["reward"].to_numpy(),
        })
        kept = kept[kept["margin"] > 0]
    kept.to_json(out, orient="records", lines=True, force_ascii=False)
    return len(kept)


def child(tool: str, operation: str, data: Path, out: Path) -> None:
    start = time.perf_counter()
    kept = (run_rewardsmith if tool == "rewardsmith" else run_pandas)(operation, data, out)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "kept": kept, "peak_mb": peak_mb}))


def same_rows(a: Path, b: Path, operation: str) -> bool:
    with a.open() as left, b.open() as right:
        for x, y in zip(left, right, strict=True):
            x, y = json.loads(x), json.loads(y)
            keys = ("id",) if operation == "filter" else ("chosen", "rejected")
            if any(x[k] != y[k] for k in keys) or (operation == "pairs" and abs(x["margin"] - y["margin"]) > 1e-9):
                return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--child", nargs=4, metavar=("TOOL", "OPERATION", "DATA", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        tool, operation, data, out = args.child
        child(tool, operation, Path(data), Path(out))
        return
    print(f"{'records':>9} {'operation':<7} {'tool':<12} {'seconds':>8} {'records/s':>10} {'peak MB':>8} {'kept':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            data = Path(tmp) / f"scored_{size}.jsonl"
            make_file(data, size)
            for operation in ("filter", "pairs"):
                outputs = {}
                for tool in ("rewardsmith", "pandas"):
                    outputs[tool] = Path(tmp) / f"{tool}_{operation}_{size}.jsonl"
                    result = subprocess.run(
                        [sys.executable, __file__, "--child", tool, operation, str(data), str(outputs[tool])],
                        capture_output=True, text=True, check=True,
                    )
                    m = json.loads(result.stdout.strip().splitlines()[-1])
                    print(f"{size:>9} {operation:<7} {tool:<12} {m['seconds']:>8.2f} {size / m['seconds']:>10,.0f} "
                          f"{m['peak_mb']:>8.0f} {m['kept']:>8}", flush=True)
                agree = same_rows(outputs["rewardsmith"], outputs["pandas"], operation)
                print(f"{'':>9} {operation:<7} same rows as pandas: {agree}", flush=True)
            data.unlink()


if __name__ == "__main__":
    main()
