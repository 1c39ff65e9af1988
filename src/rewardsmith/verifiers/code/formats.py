"""Test formats and verdicts: what to run (from ``reference``) and what each run means.

Three formats, all common in RL data sets:

1. HumanEval: ``{"test": "def check(candidate): ...", "entry_point": "f", "prompt": "..."}``;
2. assert list (MBPP): ``{"asserts": ["assert f(1) == 2", ...], "setup": "import math"}``;
3. standard input/output (APPS, CodeContests, LiveCodeBench):
   ``{"inputs": ["1 2\\n"], "outputs": ["3\\n"]}``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Literal

_BLOCK = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
Extract = Literal["auto", "block", "whole"]


def extract_code(text: str, extract: Extract = "auto") -> str | None:
    """The program in a completion: the last fenced python block, else (``auto``) the whole text.

    >>> extract_code("Sure:\\n```python\\nprint(1)\\n```\\nand\\n```python\\nprint(2)\\n```")
    'print(2)\\n'
    >>> extract_code("x = 1", "block") is None, extract_code("x = 1")
    (True, 'x = 1')
    """
    if extract == "whole":
        return text
    blocks = [(lang.lower(), body) for lang, body in _BLOCK.findall(text)]
    python = [body for lang, body in blocks if lang in ("python", "py", "python3")]
    untagged = [body for lang, body in blocks if not lang]
    if python or untagged:
        return (python or untagged)[-1]
    return text if extract == "auto" else None


@dataclass
class TestPlan:
    """What to send to the sandbox, and what only the verdict may see (expected outputs)."""

    kind: Literal["function", "stdio"]
    tests: list[dict[str, Any]]
    prefix: str = ""
    expected: list[str] = field(default_factory=list)
    weights: list[float] | None = None


def _prompt_prefix(prompt: str, code: str, entry_point: str) -> str:
    """The whole prompt when the code continues it; only its imports when the code is complete."""
    if re.search(rf"^\s*def\s+{re.escape(entry_point)}\s*\(", code, re.MULTILINE):
        imports = [line for line in prompt.splitlines() if re.match(r"(import|from)\s+\w", line)]
        return "\n".join(imports) + "\n" if imports else ""
    return prompt


def plan_tests(reference: Any) -> TestPlan:
    """Read the tests from a reference; ValueError names what is missing.

    >>> plan_tests({"asserts": ["assert f(1) == 2"]}).tests
    [{'code': 'assert f(1) == 2'}]
    >>> plan_tests({"inputs": ["1\\n"], "outputs": ["1\\n"]}).kind
    'stdio'
    """
    if not isinstance(reference, dict):
        raise ValueError(f"reference must be a dict of tests, got {type(reference).__name__}")
    weights = reference.get("weights")
    if "test" in reference and "entry_point" in reference:
        test = {"code": reference["test"], "call": reference["entry_point"]}
        if reference.get("prompt"):
            test["prompt"] = str(reference["prompt"])  # its helpers are the tests' own (see harness)
        plan = TestPlan("function", [test])
    elif "asserts" in reference:
        setup = reference.get("setup") or ""
        asserts = list(reference["asserts"])
        plan = TestPlan("function", [{"code": f"{setup}\n{a}" if setup else a} for a in asserts])
    elif "inputs" in reference and "outputs" in reference:
        inputs, outputs = list(reference["inputs"]), list(reference["outputs"])
        if len(inputs) != len(outputs):
            raise ValueError(f"{len(inputs)} inputs but {len(outputs)} outputs")
        plan = TestPlan("stdio", [{"input": str(i)} for i in inputs], expected=[str(o) for o in outputs])
    else:
        raise ValueError("reference has no tests: expected 'test'+'entry_point', 'asserts', "
                         "or 'inputs'+'outputs'")
    if not plan.tests:
        raise ValueError("reference has an empty list of tests")
    if weights is not None:
        if len(weights) != len(plan.tests):
            raise ValueError(f"{len(weights)} weights for {len(plan.tests)} tests")
        plan.weights = [float(w) for w in weights]
    return plan


def program_for(plan: TestPlan, code: str, reference: dict[str, Any]) -> str:
    """The program to run: the code, after the prompt prefix for HumanEval continuations."""
    if plan.kind == "function" and reference.get("prompt") and reference.get("entry_point"):
        return _prompt_prefix(str(reference["prompt"]), code, str(reference["entry_point"])) + code
    return code


def _lines(text: str) -> list[str]:
    lines = [" ".join(line.split()) for line in text.strip().splitlines()]
    return lines


def _token_equal(a: str, b: str, tolerance: float) -> bool:
    if a == b:
        return True
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    return math.isclose(x, y, rel_tol=tolerance, abs_tol=tolerance)


def outputs_match(actual: str, expected: str, float_tolerance: float | None = None) -> bool:
    """Equal after whitespace normalisation; numbers within ``float_tolerance`` when given.

    >>> outputs_match("3 \\n\\n", "3"), outputs_match("1  2\\n", "1 2"), outputs_match("0.3334", "1/3")
    (True, True, False)
    >>> outputs_match("0.33333", "0.333333", float_tolerance=1e-4)
    True
    """
    got, want = _lines(actual), _lines(expected)
    if got == want:
        return True
    if float_tolerance is None or len(got) != len(want):
        return False
    for line_got, line_want in zip(got, want, strict=True):
        tokens_got, tokens_want = line_got.split(), line_want.split()
        if len(tokens_got) != len(tokens_want):
            return False
        if not all(_token_equal(a, b, float_tolerance) for a, b in zip(tokens_got, tokens_want, strict=True)):
            return False
    return True


def verdicts(plan: TestPlan, reply: dict[str, Any], float_tolerance: float | None) -> list[dict[str, Any]]:
    """One verdict per test: status passed / failed / timed_out / crashed, error, stderr, seconds.

    A test without a signed result never passes: it timed out when the wall limit was hit,
    otherwise the program crashed or exited before reporting.
    """
    load = next((r for r in reply["records"] if r.get("phase") == "load"), None)
    by_index = {}
    for record in reply["records"]:
        if isinstance(record.get("i"), int) and record["i"] not in by_index:
            by_index[record["i"]] = record
    if reply["timed_out"]:
        missing = {"status": "timed_out", "error": "the program ran past the overall wall-time limit"}
    else:
        missing = {"status": "crashed",
                   "error": f"no signed result: the program ended (exit {reply['exit']}) before reporting"}
    results = []
    for index in range(len(plan.tests)):
        record = by_index.get(index)
        if load is not None and load["s"] != "passed":
            status = "timed_out" if load["s"] == "timed_out" else "failed"
            verdict = {"status": status, "error": f"program did not load: {load['e']}",
                       "stderr": load.get("stderr", "")}
        elif record is None:
            verdict = dict(missing, stderr=reply.get("stderr", ""))
        elif plan.kind == "stdio":
            verdict = _stdio_verdict(record, plan.expected[index], float_tolerance)
        else:
            verdict = {"status": record["s"], "error": record["e"], "stderr": record.get("stderr", "")}
        verdict["seconds"] = round(float(record["t"]) if record else 0.0, 6)
        results.append(verdict)
    return results


def _stdio_verdict(record: dict[str, Any], expected: str, float_tolerance: float | None) -> dict[str, Any]:
    status, stderr = record["s"], record.get("stderr", "")
    if status == "ran":
        if outputs_match(record["out"], expected, float_tolerance):
            return {"status": "passed", "error": "", "stderr": stderr}
        return {"status": "failed", "error": f"wrong output: {record['out'][-200:]!r}", "stderr": stderr}
    if status == "output_limit":
        return {"status": "failed", "error": "output limit exceeded", "stderr": stderr}
    if status == "timed_out":
        return {"status": "timed_out", "error": "took longer than the per-test limit", "stderr": stderr}
    return {"status": "crashed", "error": f"exit status {record.get('rc')}", "stderr": stderr}
