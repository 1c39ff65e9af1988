"""``--filter`` expressions: a small, safe language over a scored row (never ``eval``).

The text is parsed with Python's :mod:`ast` and only these nodes are accepted: ``and``/``or``/
``not``; comparisons (``== != < <= > >= in not in``, ``is None``/``is not None``); ``+ - * / %``
and unary minus; numbers, strings, ``True``/``False``/``None`` and tuples or lists of them;
names and dotted names; ``name["key"]``; and the calls ``len(x)``, ``abs(x)``, ``lower(x)``.
Anything else (attribute calls, lambdas, comprehensions, ``__class__`` ...) is refused when the
expression is parsed, with the offending piece named.

Names:

* ``reward`` - the reward's value; ``error`` / ``ok`` / ``na`` - True when the reward is an
  error / has a value / is not applicable; ``error_kind`` - the error's kind (``"timeout"``);
* ``components.LABEL`` - a component's value, wherever it sits in the tree (``components.
  format.tags``, ``components["math.answer"]``); ``components.LABEL.error`` - True when it
  failed; ``components.LABEL.KEY`` - a key of its details (``components.math.answer.extracted``);
* ``details.KEY`` - a key of the reward's details; any other name - a record field, dotted
  paths allowed (``label``, ``meta.source``, ``completion``).

Missing values never pass by accident. A name the row lacks, a null value, or a comparison
between values that cannot be compared is *unknown*, and logic is three-valued (Kleene, as
SQL's NULL): ``not unknown`` is unknown, ``unknown and False`` is False, ``unknown or True`` is
True. A row is kept only when the whole expression is True, so ``not (reward < 0.5)`` drops a
row whose reward is an error, exactly like ``reward >= 0.5`` does.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rewardsmith.core import RewardsmithError

from .rows import MISSING, Row, component_index, reward_of, status_of
from .rows import field as field_of


class ExpressionError(RewardsmithError):
    """A ``--filter`` expression that cannot be parsed or uses something the language forbids."""

    kind = "bad_input"

    def __init__(self, expression: str, message: str) -> None:
        self.expression = expression
        self.message = message
        super().__init__(f"--filter {expression!r}: {message}")


class _Unknown:
    """The third truth value: a missing or incomparable value."""

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        raise TypeError("UNKNOWN has no truth value; compare with `is UNKNOWN`")


UNKNOWN: Any = _Unknown()
SPECIAL_NAMES = ("reward", "error", "ok", "na", "error_kind", "components", "details")
FUNCTIONS: dict[str, Callable[[Any], Any]] = {"len": len, "abs": abs, "lower": lambda s: s.lower()}

_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
}
_ARITHMETIC: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.Mod: operator.mod,
}

Evaluator = Callable[["Context"], Any]


class Context:
    """One row under evaluation; the component index is built at most once per row."""

    __slots__ = ("_components", "row")

    def __init__(self, row: Row) -> None:
        self.row = row
        self._components: dict[str, dict[str, Any]] | None = None

    def components(self) -> dict[str, dict[str, Any]]:
        if self._components is None:
            self._components = component_index(self.row.get("reward_details"))
        return self._components

    def lookup(self, parts: tuple[str, ...]) -> Any:
        head = parts[0]
        if head == "reward":
            return reward_of(self.row)
        if head in ("error", "ok", "na"):
            return status_of(self.row) == {"error": "error", "ok": "ok", "na": "not_applicable"}[head]
        if head == "error_kind":
            return self.row.get("reward_error_kind")
        if head == "details":
            return field_of(self.row.get("reward_details") or {}, parts[1:])
        if head == "components":
            return self._component(parts[1:])
        return field_of(self.row, parts)

    def _component(self, parts: tuple[str, ...]) -> Any:
        index = self.components()
        for cut in range(len(parts), 0, -1):
            entry = index.get(".".join(parts[:cut]))
            if entry is None:
                continue
            rest = parts[cut:]
            if not rest or rest == ("value",):
                value = entry.get("value")
                return None if entry.get("error") else value
            if rest == ("error",):
                return bool(entry.get("error"))
            return field_of(entry.get("details") or {}, rest)
        return MISSING


def _number_like(a: Any, b: Any) -> tuple[Any, Any]:
    """Compare a numeric string with a number as numbers (CSV fields are strings)."""
    if isinstance(a, str) and isinstance(b, int | float) and not isinstance(b, bool):
        try:
            return float(a), b
        except ValueError:
            return a, b
    if isinstance(b, str) and isinstance(a, int | float) and not isinstance(a, bool):
        try:
            return a, float(b)
        except ValueError:
            return a, b
    return a, b


def _known(value: Any) -> bool:
    return value is not UNKNOWN and value is not MISSING and value is not None


@dataclass
class Expression:
    """A parsed filter: :meth:`evaluate` gives True, False or :data:`UNKNOWN` for a row.

    ``clauses`` are the top-level ``and`` terms (the expression itself when it is not an
    ``and``), kept apart so a report can say how many rows each one removed.

    >>> e = parse("reward >= 0.5 and not error")
    >>> [e.evaluate({"reward": 0.7}), e.evaluate({"reward": 0.2}), e.evaluate({"reward": None, "reward_error": "x"})]
    [True, False, False]
    >>> parse("not (reward < 0.5)").evaluate({"reward": None, "reward_error": "timeout"})
    UNKNOWN
    """

    text: str
    clauses: list[str]
    _clause_evaluators: list[Evaluator] = field(repr=False)
    names: set[tuple[str, ...]] = field(default_factory=set)

    def evaluate(self, row: Row) -> Any:
        context = Context(row)
        result: Any = True
        for evaluator in self._clause_evaluators:
            value = _truth(evaluator(context))
            if value is False:
                return False
            if value is UNKNOWN:
                result = UNKNOWN
        return result

    def first_failing(self, row: Row) -> tuple[int, Any] | None:
        """(clause index, False or UNKNOWN) of the first clause that is not True; None if all are."""
        context = Context(row)
        for position, evaluator in enumerate(self._clause_evaluators):
            value = _truth(evaluator(context))
            if value is not True:
                return position, value
        return None

    def present(self, row: Row) -> set[tuple[str, ...]]:
        """The names of the expression that this row has (used to catch a misspelt name)."""
        context = Context(row)
        return {name for name in self.names if context.lookup(name) is not MISSING}


def _truth(value: Any) -> Any:
    """A value in a boolean position: booleans as they are, missing/null unknown, numbers by
    value, strings as numbers or ``true``/``false`` when they spell one (CSV fields are strings:
    a label "0" is false), other values by Python's truth.

    >>> [_truth(v) for v in ("0", "1.5", "False", "yes", "", 0.0, None)]
    [False, True, False, True, False, False, UNKNOWN]
    """
    if value is True or value is False or value is UNKNOWN:
        return value
    if value is MISSING or value is None:
        return UNKNOWN
    if isinstance(value, float) and math.isnan(value):
        return UNKNOWN
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "false"):
            return text == "true"
        try:
            number = float(text)
        except ValueError:
            return bool(value)
        return UNKNOWN if math.isnan(number) else number != 0
    return bool(value)


class _Compiler:
    def __init__(self, text: str) -> None:
        self.text = text
        self.names: set[tuple[str, ...]] = set()

    def fail(self, node: ast.AST, message: str) -> ExpressionError:
        piece = ast.get_source_segment(self.text, node) or type(node).__name__
        return ExpressionError(self.text, f"{message}: {piece}")

    def compile(self, node: ast.AST) -> Evaluator:
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise self.fail(node, f"{type(node).__name__} is not allowed in a filter")
        return method(node)

    def _Constant(self, node: ast.Constant) -> Evaluator:
        value = node.value
        if not (value is None or isinstance(value, bool | int | float | str)):
            raise self.fail(node, "only numbers, strings, True, False and None are constants")
        return lambda _context: value

    def _Tuple(self, node: ast.Tuple | ast.List) -> Evaluator:
        items = [self.compile(element) for element in node.elts]
        return lambda context: tuple(item(context) for item in items)

    _List = _Tuple

    def _name_parts(self, node: ast.AST) -> tuple[str, ...]:
        if isinstance(node, ast.Name):
            return (node.id,)
        if isinstance(node, ast.Attribute):
            return (*self._name_parts(node.value), node.attr)
        if isinstance(node, ast.Subscript):
            key = node.slice
            if not isinstance(key, ast.Constant) or not isinstance(key.value, str | int) or isinstance(key.value, bool):
                raise self.fail(node, "only a constant string or integer can be subscripted")
            return (*self._name_parts(node.value), str(key.value))
        raise self.fail(node, "expected a name")

    def _name(self, node: ast.AST) -> Evaluator:
        parts = self._name_parts(node)
        if any(part.startswith("__") for part in parts):
            raise self.fail(node, "dunder names are not allowed")
        if parts[0] in ("reward", "error", "ok", "na", "error_kind") and len(parts) > 1:
            raise self.fail(node, f"{parts[0]!r} has no fields (use components.LABEL or details.KEY)")
        if parts[0] in ("components", "details") and len(parts) == 1:
            raise self.fail(node, f"{parts[0]!r} needs a key, e.g. {parts[0]}.format")
        if parts[0] in FUNCTIONS and len(parts) == 1:
            raise self.fail(node, f"{parts[0]} is a function; call it, e.g. {parts[0]}(completion)")
        self.names.add(parts)
        return lambda context: context.lookup(parts)

    _Name = _Attribute = _Subscript = _name

    def _BoolOp(self, node: ast.BoolOp) -> Evaluator:
        values = [self.compile(value) for value in node.values]
        if isinstance(node.op, ast.And):

            def conjunction(context: Context) -> Any:
                result: Any = True
                for value in values:
                    truth = _truth(value(context))
                    if truth is False:
                        return False
                    if truth is UNKNOWN:
                        result = UNKNOWN
                return result

            return conjunction

        def disjunction(context: Context) -> Any:
            result: Any = False
            for value in values:
                truth = _truth(value(context))
                if truth is True:
                    return True
                if truth is UNKNOWN:
                    result = UNKNOWN
            return result

        return disjunction

    def _UnaryOp(self, node: ast.UnaryOp) -> Evaluator:
        operand = self.compile(node.operand)
        if isinstance(node.op, ast.Not):

            def negation(context: Context) -> Any:
                truth = _truth(operand(context))
                return truth if truth is UNKNOWN else not truth

            return negation
        if isinstance(node.op, ast.USub | ast.UAdd):
            sign = -1 if isinstance(node.op, ast.USub) else 1

            def signed(context: Context) -> Any:
                value = operand(context)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    return sign * value
                return UNKNOWN

            return signed
        raise self.fail(node, "only not, - and + are allowed as unary operators")

    def _BinOp(self, node: ast.BinOp) -> Evaluator:
        function = _ARITHMETIC.get(type(node.op))
        if function is None:
            raise self.fail(node, "only + - * / % are allowed")
        left, right = self.compile(node.left), self.compile(node.right)

        def arithmetic(context: Context) -> Any:
            a, b = left(context), right(context)
            if not (_known(a) and _known(b)):
                return UNKNOWN
            try:
                return function(a, b)
            except (TypeError, ValueError, ZeroDivisionError, OverflowError):
                return UNKNOWN

        return arithmetic

    def _Compare(self, node: ast.Compare) -> Evaluator:
        left = self.compile(node.left)
        steps: list[tuple[bool | None, Callable[[Any, Any], Any] | None, Evaluator]] = []
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.compile(comparator)
            if isinstance(op, ast.Is | ast.IsNot):
                if not (isinstance(comparator, ast.Constant) and comparator.value is None):
                    raise self.fail(node, "`is` and `is not` only compare with None")
                steps.append((isinstance(op, ast.Is), None, right))
                continue
            function = _COMPARE.get(type(op))
            if function is None:
                raise self.fail(node, "unsupported comparison")
            steps.append((None, function, right))

        def comparison(context: Context) -> Any:
            a = left(context)
            result: Any = True
            for is_none, function, right in steps:
                b = right(context)
                if function is None:
                    absent = a is None or a is MISSING
                    truth: Any = absent if is_none else not absent
                elif not (_known(a) and _known(b)):
                    truth = UNKNOWN
                else:
                    x, y = _number_like(a, b)
                    try:
                        truth = bool(function(x, y))
                    except TypeError:
                        truth = UNKNOWN
                if truth is False:
                    return False
                if truth is UNKNOWN:
                    result = UNKNOWN
                a = b
            return result

        return comparison

    def _Call(self, node: ast.Call) -> Evaluator:
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise self.fail(node, f"only the functions {', '.join(FUNCTIONS)} can be called")
        if node.keywords or len(node.args) != 1:
            raise self.fail(node, f"{node.func.id} takes exactly one argument")
        function, argument = FUNCTIONS[node.func.id], self.compile(node.args[0])

        def call(context: Context) -> Any:
            value = argument(context)
            if not _known(value):
                return UNKNOWN
            try:
                return function(value)
            except (TypeError, AttributeError):
                return UNKNOWN

        return call


def parse(text: str) -> Expression:
    """Parse a filter expression; :class:`ExpressionError` names what is wrong and where.

    >>> parse("components.format >= 1 and len(completion) < 2000").clauses
    ['components.format >= 1', 'len(completion) < 2000']
    >>> parse("x.__class__")
    Traceback (most recent call last):
    ...
    rewardsmith.select.expr.ExpressionError: --filter 'x.__class__': dunder names are not allowed: x.__class__
    """
    if not text or not text.strip():
        raise ExpressionError(text, "the expression is empty")
    stripped = text.strip()
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(text, f"not a valid expression ({exc.msg}, column {exc.offset})") from None
    compiler = _Compiler(stripped)
    body = tree.body
    terms = body.values if isinstance(body, ast.BoolOp) and isinstance(body.op, ast.And) else [body]
    evaluators = [compiler.compile(term) for term in terms]
    clauses = [ast.get_source_segment(stripped, term) or ast.unparse(term) for term in terms]
    return Expression(stripped, clauses, evaluators, compiler.names)
