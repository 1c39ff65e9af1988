"""Hacking audit: rewardsmith vs reward-doctor on the same verifiers, in one run.

Verifiers: TRL's ``accuracy_reward`` (trl==1.16.0), verl's GSM8K and MATH ``compute_score``
(verl==0.9.1: the wheel is fetched with ``pip download verl==0.9.1 --no-deps`` and only the two
dependency-free modules ``verl/utils/reward_score/{gsm8k,math_reward}.py`` are executed from it,
without installing verl), a substring match, a last-number match, and rewardsmith's
``math.answer``. reward-doctor (``pip install reward-doctor``) runs its 87-case corpus;
rewardsmith runs its probes on the records below, its corpus and the attack search.

    python benchmarks/audit_bench.py [--quick] [--budget 600] [--seed 0]

reward-doctor's attack names are mapped to rewardsmith's classes (shotgun → hedge, echo →
echo_question, padding → length_inflation, judge_injection → injection, judge_bias →
self_praise, empty → empty/format_only, format_farming → format_only/format_farming).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
import types
import zipfile
from pathlib import Path

import rewardsmith
from rewardsmith.audit.probes import audit_hacking

RD_TO_RS = {
    "shotgun": {"hedge"}, "negation": {"negation"}, "contradiction": {"contradiction"},
    "empty": {"empty", "format_only"}, "echo": {"echo_question"}, "padding": {"length_inflation"},
    "judge_injection": {"injection"}, "judge_bias": {"self_praise"},
    "format_farming": {"format_only", "format_farming"},
}
#: Written for this benchmark: a correct completion per problem, in the styles models produce.
RECORDS = [
    ("Tom has 3 boxes of 12 pens. How many pens?", "3 boxes of 12 is 3 * 12 = 36 pens.\n#### 36", "36"),
    ("A bus carries 45 people; 17 get off. How many remain?", "45 - 17 = 28, so \\boxed{28}.", "28"),
    ("Half of a 9 m rope is cut off. How long is the piece?", "9 / 2 = 4.5 m.\nThe answer is \\boxed{4.5}.", "4.5"),
    ("What fraction of 8 is 2?", "<think>2 / 8 reduces to 1/4.</think>\n<answer>\\frac{1}{4}</answer>", "1/4"),
    ("Solve 2x + 5 = 17.", "2x = 12, so x = 6.\n#### 6", "6"),
    ("A shirt costs $20 after a $5 discount. Original price?", "20 + 5 = 25 dollars.\n#### 25", "25"),
    ("How many minutes are in 3 hours?", "3 * 60 = 180.\nThe final answer is $\\boxed{180}$.", "180"),
    ("Sum of angles in a triangle, in degrees?", "Angles of a triangle add to 180.\n#### 180", "180"),
    ("What is 7 squared minus 10?", "7^2 = 49 and 49 - 10 = 39. \\boxed{39}", "39"),
    ("A tank holds 250 L and is 40% full. Litres inside?", "0.4 * 250 = 100 litres.\n#### 100", "100"),
    ("Product of 12 and 11?", "12 * 11 = 132.\n\nAnswer: \\boxed{132}", "132"),
    ("Average of 4, 8 and 12?", "(4 + 8 + 12) / 3 = 24 / 3 = 8.\n#### 8", "8"),
]


def verl_modules(cache: Path) -> tuple[types.ModuleType, types.ModuleType]:
    """verl's GSM8K and MATH scorers, executed from the downloaded wheel (verl is not installed)."""
    wheels = sorted(cache.glob("verl-0.9.1-*.whl"))
    if not wheels:
        subprocess.run([sys.executable, "-m", "pip", "download", "verl==0.9.1", "--no-deps", "-q", "-d",
                        str(cache)], check=True)
        wheels = sorted(cache.glob("verl-0.9.1-*.whl"))
    out = []
    with zipfile.ZipFile(wheels[0]) as wheel:
        for name in ("gsm8k", "math_reward"):
            module = types.ModuleType(f"verl_{name}")
            exec(compile(wheel.read(f"verl/utils/reward_score/{name}.py"), name, "exec"), module.__dict__)
            out.append(module)
    return out[0], out[1]


def verifiers(cache: Path) -> dict[str, object]:
    from trl.rewards import accuracy_reward

    gsm8k, math_reward = verl_modules(cache)

    def trl_accuracy(completion, reference):
        return accuracy_reward([[{"role": "assistant", "content": completion}]], [reference])[0]

    def verl_gsm8k(solution_str, ground_truth):
        return gsm8k.compute_score(solution_str, ground_truth)

    def verl_math(solution_str, ground_truth):
        return math_reward.compute_score(solution_str, ground_truth)

    def substring(completion, reference):
        return float(reference in completion)

    def last_number(completion, reference):
        numbers = re.findall(r"-?\d+(?:\.\d+)?", completion)
        return float(bool(numbers) and numbers[-1] == reference)

    math_answer = rewardsmith.load({"type": "math.answer"})

    def math_answer_fn(completion, reference):
        return math_answer(completion, reference).value

    return {
        "trl accuracy_reward": trl_accuracy, "verl gsm8k": verl_gsm8k, "verl math": verl_math,
        "substring": substring, "last number": last_number, "math.answer": math_answer_fn,
    }


def run_reward_doctor(fn) -> dict:
    from reward_doctor import audit

    start = time.perf_counter()
    result = audit(fn)
    return {"classes": sorted(result.attacks_that_work), "fp": result.false_positive_rate,
            "fn": result.false_negative_rate, "time": time.perf_counter() - start}


def run_rewardsmith(fn, budget: int, seed: int) -> dict:
    records = [{"id": i, "prompt": p, "completion": c, "reference": r} for i, (p, c, r) in enumerate(RECORDS)]
    start = time.perf_counter()
    result = audit_hacking(fn, records, probes="all", search_budget=budget, seed=seed)
    probes = {n for n, p in result["probes"].items() if p["exploit_rate"] > 0}
    probes |= {c for e in result["search"]["exploits"] for c in e["classes"]}
    corpus = result["corpus"]
    return {"corpus": set(corpus["exploit_classes"]), "probes": probes, "fp": corpus["false_positive_rate"],
            "fn": corpus["false_negative_rate"], "search": len(result["search"]["exploits"]),
            "relative": result["search"]["relative_reward"], "time": time.perf_counter() - start}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller search budget (~1 min in all)")
    parser.add_argument("--budget", type=int, default=600, help="attack-search evaluations per verifier")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "rewardsmith-bench")
    args = parser.parse_args()
    budget = 150 if args.quick else args.budget
    args.cache.mkdir(parents=True, exist_ok=True)
    header = (f"{'verifier':<20} {'reward-doctor classes':<44} {'rewardsmith classes (corpus+probes+search)':<70} "
              f"{'covers':<6} {'RD FP/FN':<11} {'RS FP/FN':<11} {'search':<12} {'RD s':>6} {'RS s':>6}")
    print(header)
    print("-" * len(header))
    for name, fn in verifiers(args.cache).items():
        rd = run_reward_doctor(fn)
        rs = run_rewardsmith(fn, budget, args.seed)
        found = rs["corpus"] | rs["probes"]
        covers = all(RD_TO_RS[c] & found for c in rd["classes"])
        relative = "–" if rs["relative"] is None else f"{rs['relative']:.2f}"
        print(f"{name:<20} {','.join(rd['classes']) or '-':<44} {','.join(sorted(found)) or '-':<70} "
              f"{'yes' if covers else 'NO':<6} {rd['fp']:.2f}/{rd['fn']:.2f}   {rs['fp']:.2f}/{rs['fn']:.2f}   "
              f"{rs['search']} rel {relative:<4} {rd['time']:>6.2f} {rs['time']:>6.2f}")
    print(f"\nsearch: exploits found / highest reward without a correct answer relative to correct "
          f"(budget {budget}, seed {args.seed}); FP/FN on each tool's own corpus (contested cases excluded).")


if __name__ == "__main__":
    main()
