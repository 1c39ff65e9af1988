"""Stage three: is a predicted answer mathematically equal to the gold one, and what decided.

Cheapest test first: identical normalised text; exact rational arithmetic; complex-float
evaluation with a relative tolerance; for expressions with variables, evaluation at fixed
random complex points (a polynomial identity test in the spirit of Schwartz–Zippel: distinct
expressions agree at random points with probability ~0). Only what these cannot decide (huge
numbers, unsupported functions, overflow) goes to sympy through ``symbolic``, which the reward
runs in a killable worker process.

>>> from .parse import parse_answer
>>> compare(parse_answer("\\\\frac{1}{2}"), parse_answer("0.5"))
(True, 'exact')
>>> compare(parse_answer("(x+1)^2"), parse_answer("x^2+2x+1"))
(True, 'identity')
"""

from __future__ import annotations

from collections.abc import Callable

from .expr import Node, TooComplex, evaluate, evaluate_exact, free_symbols, has_infinity
from .parse import Answer

#: ``symbolic(gold, pred, mode)``: mode "equal", or "proportional" (equations, lhs - rhs).
Symbolic = Callable[[Node, Node, str], bool]

#: Fixed sample points for identity tests: reproducible, and away from 0, ±1 and the reals.
_POINTS = (0.5377 + 0.3188j, -1.3077 + 0.4336j, 0.8622 - 1.2141j, 1.7254 + 0.7147j, -0.2050 - 0.1241j)
#: Agreement needed at each sample point of an identity test.
EXACT_TOL = 1e-10


class NeedsSymbolic(Exception):
    """The cheap path cannot decide; the comparison must go to sympy."""


def _close(a: complex, b: complex, tol: float) -> bool:
    return abs(a - b) <= tol * max(abs(a), abs(b), 1e-300) or abs(a - b) <= 1e-13


def _infinity_sign(node: Node) -> int:
    """+1 or -1 for ±∞, 0 for a finite expression."""
    if node == ("const", "oo"):
        return 1
    if node[0] == "neg" and node[1] == ("const", "oo"):
        return -1
    if has_infinity(node):
        raise TooComplex("infinity inside an expression")
    return 0


def compare_expr(gold: Node, pred: Node, rel_tol: float, symbolic: Symbolic | None) -> tuple[bool, str]:
    """Equality of two expression ASTs, and the name of the test that decided it."""
    if gold == pred:
        return True, "string"
    try:
        if has_infinity(gold) or has_infinity(pred):
            return _infinity_sign(gold) == _infinity_sign(pred), "infinity"
        symbols = free_symbols(gold)
        if symbols != free_symbols(pred):
            return False, "variables differ"
        if not symbols:
            exact_gold, exact_pred = evaluate_exact(gold), evaluate_exact(pred)
            if exact_gold is not None and exact_pred is not None:
                return exact_gold == exact_pred, "exact"
            return _close(evaluate(gold, {}), evaluate(pred, {}), rel_tol), "numeric"
        names = sorted(symbols)
        for shift, _point in enumerate(_POINTS):
            env = {name: _POINTS[(shift + k) % len(_POINTS)] * (1 + k) for k, name in enumerate(names)}
            if not _close(evaluate(gold, env), evaluate(pred, env), EXACT_TOL):
                return False, "identity"
        return True, "identity"
    except TooComplex:
        if symbolic is None:
            raise NeedsSymbolic from None
        return symbolic(gold, pred, "equal"), "sympy"


def _equation(gold: tuple[Node, Node], pred: tuple[Node, Node], symbolic: Symbolic | None) -> bool:
    """Two equations are equal when lhs - rhs of one is a constant non-zero multiple of the other."""
    d_gold, d_pred = ("sub", *gold), ("sub", *pred)
    names = sorted(free_symbols(d_gold) | free_symbols(d_pred))
    try:
        ratios = []
        for shift in range(len(_POINTS)):
            env = {name: _POINTS[(shift + k) % len(_POINTS)] * (1 + k) for k, name in enumerate(names)}
            a, b = evaluate(d_gold, env), evaluate(d_pred, env)
            if abs(b) < 1e-12 or abs(a) < 1e-12:
                return abs(a) < 1e-12 and abs(b) < 1e-12 and not names
            ratios.append(a / b)
        return all(_close(r, ratios[0], EXACT_TOL) for r in ratios)
    except TooComplex:
        if symbolic is None:
            raise NeedsSymbolic from None
        return symbolic(d_gold, d_pred, "proportional")


Answers = tuple[Answer, ...]


def _sequence(gold: Answers, pred: Answers, rel_tol: float, symbolic: Symbolic | None) -> bool:
    if len(gold) != len(pred):
        return False
    return all(compare(g, p, rel_tol, symbolic)[0] for g, p in zip(gold, pred, strict=True))


def _unordered(gold: Answers, pred: Answers, rel_tol: float, symbolic: Symbolic | None) -> bool:
    """Sets: every predicted element matches a distinct gold element and none is left over."""
    gold_left = list(gold)
    distinct_pred: list[Answer] = []
    for item in pred:
        if not any(compare(item, seen, rel_tol, symbolic)[0] for seen in distinct_pred):
            distinct_pred.append(item)
    for item in distinct_pred:
        match = next((g for g in gold_left if compare(g, item, rel_tol, symbolic)[0]), None)
        if match is None:
            return False
        gold_left.remove(match)
    return not any(all(not compare(g, p, rel_tol, symbolic)[0] for p in distinct_pred) for g in gold_left)


def _ratio(gold: Answer, pred: Answer, rel_tol: float, symbolic: Symbolic | None) -> bool:
    """``a:b`` equals ``c:d`` when a·d = b·c (the same ratio, ``6:8`` is ``3:4``), and equals the
    number ``a/b``; a three-part ratio equals only a proportional three-part ratio."""
    if gold.kind == pred.kind:
        first, second = gold.value, pred.value
        if len(first) != len(second):
            return False
        return all(
            compare_expr(("mul", a.value, second[0].value), ("mul", b.value, first[0].value), rel_tol, symbolic)[0]
            for a, b in zip(first, second, strict=True)
        )
    ratio, other = (gold, pred) if gold.kind == "ratio" else (pred, gold)
    if len(ratio.value) != 2 or other.kind != "expr":
        return False
    quotient = ("div", ratio.value[0].value, ratio.value[1].value)
    return compare_expr(quotient, other.value, rel_tol, symbolic)[0]


def _intervals(answer: Answer) -> tuple[Answer, ...] | None:
    if answer.kind == "interval":
        return (answer,)
    if answer.kind == "union" or (answer.kind == "set" and all(a.kind == "interval" for a in answer.value)):
        return answer.value
    return None


def compare(
    gold: Answer, pred: Answer, rel_tol: float = 1e-6, symbolic: Symbolic | None = None
) -> tuple[bool, str]:
    """(equal, method). Raises :class:`NeedsSymbolic` when only sympy can decide and
    ``symbolic`` is None."""
    if gold.text == pred.text and gold.kind == pred.kind:
        return True, "string"
    if gold.kind == "expr" and pred.kind == "expr":
        return compare_expr(gold.value, pred.value, rel_tol, symbolic)
    if gold.kind in ("letter", "text") or pred.kind in ("letter", "text"):
        return gold.kind == pred.kind and gold.value == pred.value, gold.kind
    if gold.kind == "set" and len(gold.value) == 1 and pred.kind != "set":
        return compare(gold.value[0], pred, rel_tol, symbolic)
    if pred.kind == "set" and len(pred.value) == 1 and gold.kind != "set":
        return compare(gold, pred.value[0], rel_tol, symbolic)
    gold_intervals, pred_intervals = _intervals(gold), _intervals(pred)
    if gold_intervals is not None and pred_intervals is not None:
        if len(gold_intervals) == 1 and len(pred_intervals) == 1:
            g_lo, g_hi, g_lc, g_hc = gold_intervals[0].value
            p_lo, p_hi, p_lc, p_hc = pred_intervals[0].value
            same = (g_lc, g_hc) == (p_lc, p_hc) and _sequence((g_lo, g_hi), (p_lo, p_hi), rel_tol, symbolic)
            return same, "interval"
        return _unordered(gold_intervals, pred_intervals, rel_tol, symbolic), "interval"
    if {gold.kind, pred.kind} == {"tuple", "interval"}:
        interval, pair = (gold, pred) if gold.kind == "interval" else (pred, gold)
        lo, hi, lc, hc = interval.value
        return (not lc and not hc and _sequence((lo, hi), pair.value, rel_tol, symbolic)), "tuple"
    if "ratio" in (gold.kind, pred.kind):
        return _ratio(gold, pred, rel_tol, symbolic), "ratio"
    if {gold.kind, pred.kind} == {"tuple", "set"}:
        labelled, listed = (gold, pred) if gold.kind == "tuple" else (pred, gold)
        return labelled.labelled and _sequence(labelled.value, listed.value, rel_tol, symbolic), "labelled"
    if {gold.kind, pred.kind} == {"tuple", "matrix"}:
        matrix, vector = (gold, pred) if gold.kind == "matrix" else (pred, gold)
        column = len(matrix.value) > 1 and all(len(row) == 1 for row in matrix.value)
        cells = tuple(row[0] for row in matrix.value)
        return column and _sequence(cells, vector.value, rel_tol, symbolic), "matrix"
    if gold.kind != pred.kind:
        return False, "kinds differ"
    if gold.kind == "tuple":
        return _sequence(gold.value, pred.value, rel_tol, symbolic), "tuple"
    if gold.kind == "set":
        return _unordered(gold.value, pred.value, rel_tol, symbolic), "set"
    if gold.kind == "matrix":
        same_shape = len(gold.value) == len(pred.value)
        rows = zip(gold.value, pred.value, strict=True)
        return same_shape and all(_sequence(g, p, rel_tol, symbolic) for g, p in rows), "matrix"
    if gold.kind == "eq":
        return _equation(gold.value, pred.value, symbolic), "equation"
    if gold.kind == "numeral":
        return gold.value == pred.value, "numeral"
    return False, "kinds differ"
