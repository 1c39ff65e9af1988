"""``code.tests``: run the program in a completion against tests, in a sandbox, and reward it."""

from __future__ import annotations

import sys
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

from rewardsmith.core import ErrorKind, RewardResult, Sample, kind_of, register
from rewardsmith.core.reward import Reward

from .formats import Extract, TestPlan, extract_code, plan_tests, program_for, verdicts
from .isolation import Limits
from .sandbox import SandboxError, SandboxPool, default_workers

_pools: dict[tuple[int, bool], SandboxPool] = {}
_pools_lock = threading.Lock()


def get_pool(workers: int | None = None, namespaces: bool = True) -> SandboxPool:
    """The process-wide pool for these settings, created on first use (servers start lazily)."""
    key = (workers or default_workers(), namespaces)
    with _pools_lock:
        if key not in _pools:
            _pools[key] = SandboxPool(*key)
        return _pools[key]


def difficulty_weights(passes: list[list[bool]]) -> list[float]:
    """VeRPO-style test weights from a group's pass matrix (rows: samples, columns: tests).

    w_j = (1 − p_j) / Σ_k (1 − p_k), where p_j is the share of the group that passes test j:
    tests that few rollouts pass weigh more (our reading of *VeRPO: Verifiable Dense Reward
    Policy Optimization for Code Generation*; check the paper before relying on the exact form).
    When every test is passed by everyone the weights are uniform.

    >>> difficulty_weights([[True, False], [True, True]])
    [0.0, 1.0]
    >>> difficulty_weights([[True, True]])
    [0.5, 0.5]
    """
    columns = len(passes[0])
    difficulty = [1.0 - sum(row[j] for row in passes) / len(passes) for j in range(columns)]
    total = sum(difficulty)
    return [d / total for d in difficulty] if total > 0 else [1.0 / columns] * columns


@register("code.tests")
class CodeTests(Reward):
    """Run the completion's program against tests in an isolated sandbox.

    Why: code rewards are only as good as the sandbox; programs under RL learn to exit early,
    return objects that equal anything, print success markers, patch the harness or read the
    tests from the interpreter. Here each check runs in fresh user/network/mount/PID namespaces
    (no network, read-only file system, private /tmp), under rlimits, with no process creation;
    the program runs in a process of its own that never holds a test, and the tests, in a trusted
    process, reach it only through proxies that carry plain values (see docs/code.md for the
    threat model, every attack and what it gets).

    The program is the last fenced ```python block of the completion (``extract="auto"`` falls
    back to the whole text; ``"block"`` requires a block; ``"whole"`` takes the whole text).
    ``reference`` holds HumanEval tests, an assert list or stdin/stdout pairs. Modes, with
    t tests of which the set P passed:

    * ``all``: 1 if |P| = t else 0;  ``fraction``: |P| / t;
    * ``weighted``: Σ_{j∈P} w_j with Σ w_j = 1; weights from ``reference["weights"]``
      (normalised) or estimated from the pass rates of the samples sharing a ``group``
      (VeRPO, *Verifiable Dense Reward Policy Optimization for Code Generation*).

    A failure of the sandbox itself is an error result, never a 0.

    >>> reward = CodeTests(mode="fraction", workers=1)
    >>> completion = "```python\\ndef add(a, b):\\n    return a + b\\n```"
    >>> reward(completion, {"asserts": ["assert add(1, 2) == 3", "assert add(1, 1) == 3"]}).value
    0.5
    """

    value_range = (0.0, 1.0)
    #: How many sandboxes run at once, never what they find: left out of ``spec_hash``.
    runtime_params = frozenset({"workers"})

    def __init__(
        self,
        mode: Literal["all", "fraction", "weighted"] = "all",
        extract: Extract = "auto",
        timeout: float = 3.0,
        wall_timeout: float | None = None,
        memory_mb: int = 1024,
        float_tolerance: float | None = None,
        workers: int | None = None,
        namespaces: bool = True,
    ) -> None:
        self.mode = mode
        self.extract = extract
        self.timeout = timeout
        self.wall_timeout = wall_timeout
        self.memory_mb = memory_mb
        self.float_tolerance = float_tolerance
        self.workers = workers
        self.namespaces = namespaces

    @classmethod
    def describe_environment(cls) -> str:
        """The isolation the sandbox gets on this machine (starts one server)."""
        return isolation_report(get_pool(1))

    def _job(self, plan: TestPlan, program: str) -> dict[str, Any]:
        cpu = max(1, int(self.timeout * (len(plan.tests) + 1)) + 1)
        wall = self.wall_timeout or min(self.timeout * (len(plan.tests) + 1) + 2.0, 600.0)
        limits = Limits(cpu_seconds=cpu, memory_mb=self.memory_mb)
        return {"kind": plan.kind, "code": program, "tests": plan.tests, "timeout": self.timeout,
                "wall_timeout": wall, "limits": vars(limits), "max_report": 64 << 20,
                "max_output": 8 << 20}

    def _check(self, sample: Sample) -> tuple[TestPlan | None, dict[str, Any] | RewardResult]:
        try:
            plan = plan_tests(sample.reference)
        except ValueError as exc:
            return None, RewardResult.fail(f"code.tests: {exc}", kind=ErrorKind.BAD_INPUT)
        if sys.platform != "linux":
            return plan, RewardResult.fail("code.tests: the sandbox needs Linux (namespaces, seccomp, memfd)",
                                           kind=ErrorKind.DEPENDENCY)
        code = extract_code(sample.text, self.extract)
        if code is None:
            return plan, {"tests": [], "code_found": False}
        pool = get_pool(self.workers, self.namespaces)
        try:
            reply = pool.run(self._job(plan, program_for(plan, code, sample.reference)))
        except SandboxError as exc:
            return plan, RewardResult.fail(f"code.tests: sandbox failure: {exc}", kind=kind_of(exc))
        if not any(r.get("phase") == "ready" for r in reply["records"]):
            return plan, RewardResult.fail("code.tests: sandbox failure: the runner never became ready")
        tests = verdicts(plan, reply, self.float_tolerance)
        unusable = [test["error"] for test in tests if test["status"] == "unsupported"]
        if unusable:  # the test cannot be run this way: an error of the record, never a verdict
            return plan, RewardResult.fail(f"code.tests: {unusable[0]}", kind=ErrorKind.BAD_INPUT, tests=tests)
        outcome = {"tests": tests, "code_found": True, "forged_lines": reply["forged"],
                   "seconds": round(reply["seconds"], 6)}
        if "calls" in reply:
            outcome["calls"] = reply["calls"]
        return plan, outcome

    def score_batch(self, samples: list[Sample]) -> list[RewardResult]:
        workers = get_pool(self.workers, self.namespaces).workers
        with ThreadPoolExecutor(max_workers=min(workers, len(samples))) as executor:
            checked = list(executor.map(self._check, samples))
        group_weights = self._group_weights(samples, checked) if self.mode == "weighted" else {}
        results = []
        for index, (plan, outcome) in enumerate(checked):
            if isinstance(outcome, RewardResult):
                results.append(outcome)
                continue
            assert plan is not None
            passed = _passed(plan, outcome)
            details = {**outcome, "format": plan.kind, "passed": sum(passed), "total": len(passed)}
            if self.mode == "all":
                value = float(all(passed))
            elif self.mode == "fraction":
                value = sum(passed) / len(passed)
            else:
                uniform = [1 / len(passed)] * len(passed)
                weights = group_weights.get(index) or _normalised(plan.weights) or uniform
                details["weights"] = weights
                value = min(1.0, sum(w for w, ok in zip(weights, passed, strict=True) if ok))
            results.append(RewardResult.ok(value, **details))
        return results

    def _group_weights(self, samples: list[Sample], checked: list[Any]) -> dict[int, list[float]]:
        """Weights estimated per group, for samples whose reference gives none."""
        groups: dict[Any, list[int]] = defaultdict(list)
        for index, (sample, (plan, outcome)) in enumerate(zip(samples, checked, strict=True)):
            if sample.group is not None and plan is not None and plan.weights is None \
                    and not isinstance(outcome, RewardResult):
                groups[(sample.group, len(plan.tests))].append(index)
        weights: dict[int, list[float]] = {}
        for members in groups.values():
            matrix = [_passed(checked[i][0], checked[i][1]) for i in members]
            estimated = difficulty_weights(matrix)
            weights.update({i: estimated for i in members})
        return weights


def _passed(plan: TestPlan, outcome: dict[str, Any]) -> list[bool]:
    if not outcome["code_found"]:
        return [False] * len(plan.tests)
    return [test["status"] == "passed" for test in outcome["tests"]]


def _normalised(weights: list[float] | None) -> list[float] | None:
    if not weights or sum(weights) <= 0:
        return None
    total = sum(weights)
    return [w / total for w in weights]


def isolation_report(pool: SandboxPool) -> str:
    """Human-readable isolation status of ``pool`` (starts a server if none is running)."""
    pool.run({"kind": "function", "code": "", "tests": [], "timeout": 1.0, "wall_timeout": 10.0,
              "limits": vars(Limits()), "max_report": 1 << 20, "max_output": 1 << 20})
    info = pool.isolation or {}
    lines = ["code sandbox isolation:"]
    for key in ("user_namespace", "network_namespace", "pid_namespace", "fresh_proc", "read_only_root",
                "private_tmp", "seccomp"):
        lines.append(f"  {key.replace('_', ' ')}: {'yes' if info.get(key) else 'NO'}")
    lines.append(f"  host uid: {info.get('host_uid')}")
    for warning in info.get("warnings", []):
        lines.append(f"  WARNING: {warning}")
    if not info.get("network_namespace"):
        lines.append("  FALLBACK in use: programs can reach the network; install a kernel that allows "
                     "unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1)")
    return "\n".join(lines)
