"""The expensive tail, run only inside a worker process of :mod:`.pool`: sympy equivalence.

The worker raises the cheap path's limits (bigger numbers, deeper nesting, longer inputs) and
lets sympy decide what floats could not. It builds sympy objects from the tuple AST directly,
never through ``eval``/``parse_expr``, so an answer cannot run code.
"""

from __future__ import annotations

import sys
from typing import Any

from .expr import LIMITS, Node

WORKER_LIMITS = {
    "depth": 3000,
    "tokens": 10**6,
    "exponent": 10**6,
    "bits": 10**7,
    "braces": 2000,
    "length": 10**6,
}


def to_sympy(node: Node) -> Any:
    """The sympy expression of an AST node."""
    import sympy

    kind = node[0]
    if kind == "num":
        return sympy.Rational(node[1].numerator, node[1].denominator)
    if kind == "sym":
        return sympy.Symbol(node[1])
    if kind == "const":
        return {"pi": sympy.pi, "e": sympy.E, "i": sympy.I, "oo": sympy.oo}[node[1]]
    if kind == "neg":
        return -to_sympy(node[1])
    if kind == "fact":
        return sympy.factorial(to_sympy(node[1]))
    if kind in ("add", "sub", "mul", "div", "pow"):
        a, b = to_sympy(node[1]), to_sympy(node[2])
        if kind == "add":
            return a + b
        if kind == "sub":
            return a - b
        if kind == "mul":
            return a * b
        return a / b if kind == "div" else a**b
    args = [to_sympy(arg) for arg in node[2:]]
    name = node[1]
    if name == "log" and len(args) == 2:
        return sympy.log(args[1], args[0])
    if name == "root":
        return sympy.root(args[0], args[1])
    functions = {
        "ln": sympy.log,
        "log": sympy.log,
        "sqrt": sympy.sqrt,
        "abs": sympy.Abs,
        "binom": sympy.binomial,
        "arcsin": sympy.asin,
        "arccos": sympy.acos,
        "arctan": sympy.atan,
    }
    function = functions.get(name) or getattr(sympy, name)
    return function(*args)


def sympy_equal(gold: Node, pred: Node, mode: str) -> bool:
    """Equal (or, for equations, proportional by a non-zero constant) according to sympy."""
    import sympy

    a, b = to_sympy(gold), to_sympy(pred)
    if mode == "proportional":
        ratio = sympy.simplify(a / b)
        return bool(ratio.is_constant() and ratio != 0)
    if a == b:
        return True
    difference = sympy.simplify(a - b)
    return bool(difference == 0 or difference.equals(0))


def judge_in_worker(gold: str, pred: str, rel_tol: float, allow_hedging: bool) -> dict[str, Any]:
    """:func:`.judge.judge` with the worker's limits and sympy."""
    from .judge import judge

    LIMITS.update(WORKER_LIMITS)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20000))
    return judge(gold, pred, rel_tol, allow_hedging, symbolic=sympy_equal)
