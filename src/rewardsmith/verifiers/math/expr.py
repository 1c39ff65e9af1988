"""A small, bounded expression language: tokenise, parse to a tuple AST, evaluate.

The cheap path of the math reward. Plain-text expressions (what :mod:`.normalise` makes of
LaTeX) are parsed by a recursive-descent parser with a depth limit, evaluated exactly with
:class:`fractions.Fraction` where the value is rational, and otherwise as complex floats at
chosen points. Every operation has a size limit, so nothing here can hang: what exceeds a limit
raises :class:`TooComplex` and goes to sympy in a killable worker process (:mod:`.pool`).

The AST is made of tuples, so it pickles cheaply to that worker:
``("num", Fraction)``, ``("sym", name)``, ``("const", "pi" | "e" | "i" | "oo")``,
``(op, a, b)`` for ``add sub mul div pow``, ``("neg", a)``, ``("fact", a)``,
``("fn", name, arg, ...)``.

>>> evaluate_exact(parse_expr("2(3+1/2)^2"))
Fraction(49, 2)
>>> sorted(free_symbols(parse_expr("4a - 2b")))
['a', 'b']
"""

from __future__ import annotations

import cmath
import math
import re
from fractions import Fraction
from typing import Any

Node = tuple[Any, ...]

#: Limits of the cheap path; the sympy worker process raises them (see :mod:`.symbolic`).
LIMITS = {"depth": 60, "tokens": 2000, "exponent": 4096, "bits": 20000, "braces": 40, "length": 4000}

FUNCTIONS = {
    "sqrt",
    "sin",
    "cos",
    "tan",
    "sec",
    "csc",
    "cot",
    "arcsin",
    "arccos",
    "arctan",
    "sinh",
    "cosh",
    "tanh",
    "ln",
    "log",
    "exp",
    "abs",
    "binom",
    "root",
}
CONSTANTS = {"pi", "e", "i", "oo"}
GREEK = {
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "theta",
    "lambda",
    "mu",
    "nu",
    "phi",
    "psi",
    "omega",
    "rho",
    "sigma",
    "tau",
    "xi",
    "zeta",
    "eta",
    "kappa",
    "chi",
}
_TOKEN = re.compile(r"\s*(?:(\d+\.\d*|\.\d+|\d+)|([A-Za-z]+(?:_[A-Za-z0-9]+)?)|(\*\*|[-+*/^(),!]))")


class TooComplex(Exception):
    """The input exceeds a limit of the cheap path (depth, size, exponent, overflow): sympy in a
    worker process, with higher limits, may still decide."""


class Unreadable(ValueError):
    """The text is not an expression this parser knows; no amount of time will change that."""


def tokenize(text: str) -> list[tuple[str, Any]]:
    """Numbers, names and operators; names that are not functions split into single letters."""
    tokens: list[tuple[str, Any]] = []
    position, text = 0, text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise Unreadable(f"unexpected character {text[position : position + 10].strip()!r}")
        number, name, op = match.groups()
        position = match.end()
        if number is not None:
            tokens.append(("num", Fraction(number)))
        elif op is not None:
            tokens.append(("op", "^" if op == "**" else op))
        else:
            tokens.extend(_split_name(name))
        if len(tokens) > LIMITS["tokens"]:
            raise TooComplex("expression too long for the cheap path")
    return tokens


def _split_name(name: str) -> list[tuple[str, Any]]:
    base, _, subscript = name.partition("_")
    lowered = base.lower() if base.lower() in ("ln", "log", "sqrt") else base
    if lowered in FUNCTIONS:
        return [("fn", lowered)]
    if lowered in CONSTANTS or lowered in GREEK or subscript:
        kind = "const" if lowered in CONSTANTS and not subscript else "sym"
        return [(kind, name if subscript else lowered)]
    for function in sorted(FUNCTIONS, key=len, reverse=True):
        if base.endswith(function) and len(base) > len(function):
            return [*_split_name(base[: -len(function)]), ("fn", function)]
    out: list[tuple[str, Any]] = []
    for letter in base:
        out.append(("const", letter) if letter in ("e", "i") and len(base) == 1 else ("sym", letter))
    return out


class _Parser:
    def __init__(self, tokens: list[tuple[str, Any]]) -> None:
        self.tokens = tokens
        self.position = 0
        self.depth = 0

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> tuple[str, Any]:
        token = self.peek()
        if token is None:
            raise Unreadable("unexpected end of expression")
        self.position += 1
        return token

    def expect(self, op: str) -> None:
        if self.take() != ("op", op):
            raise Unreadable(f"expected {op!r}")

    def enter(self) -> None:
        self.depth += 1
        if self.depth > LIMITS["depth"]:
            raise TooComplex("expression nested too deeply for the cheap path")

    def expr(self) -> Node:
        self.enter()
        node = self.term()
        while self.peek() in (("op", "+"), ("op", "-")):
            op = self.take()[1]
            node = ("add" if op == "+" else "sub", node, self.term())
        self.depth -= 1
        return node

    def term(self) -> Node:
        node = self.unary()
        while True:
            token = self.peek()
            if token in (("op", "*"), ("op", "/")):
                self.take()
                node = ("mul" if token[1] == "*" else "div", node, self.unary())
            elif token is not None and (token[0] != "op" or token[1] == "("):
                if token[0] == "num" and self.tokens[self.position - 1][0] == "num":
                    raise Unreadable("two numbers side by side")
                node = ("mul", node, self.power())
            else:
                return node

    def unary(self) -> Node:
        token = self.peek()
        if token in (("op", "-"), ("op", "+")):
            self.take()
            self.enter()
            inner = self.unary()
            self.depth -= 1
            return ("neg", inner) if token[1] == "-" else inner
        return self.power()

    def power(self) -> Node:
        base = self.postfix()
        if self.peek() == ("op", "^"):
            self.take()
            self.enter()
            exponent = self.unary()
            self.depth -= 1
            return ("pow", base, exponent)
        return base

    def postfix(self) -> Node:
        node = self.atom()
        while self.peek() == ("op", "!"):
            self.take()
            node = ("fact", node)
        return node

    def atom(self) -> Node:
        kind, value = self.take()
        if kind in ("num", "sym", "const"):
            return (kind, value)
        if kind == "fn":
            if self.peek() == ("op", "^") and value not in ("sqrt", "root", "binom", "log"):
                return self.function_power(value)
            return ("fn", value, *self.arguments())
        if value == "(":
            node = self.expr()
            self.expect(")")
            return node
        raise Unreadable(f"unexpected {value!r}")

    def function_power(self, name: str) -> Node:
        """``sin^2 x`` = ``(sin x)^2``. Only positive integer powers: ``sin^{-1}`` means arcsin."""
        self.take()
        exponent = self.atom()
        if exponent[0] != "num" or exponent[1].denominator != 1 or exponent[1] < 1:
            raise Unreadable("power of a function other than a positive integer")
        return ("pow", ("fn", name, *self.arguments()), exponent)

    def arguments(self) -> list[Node]:
        """A function's arguments: ``(a, b)``, or one power without parentheses (``sin x``). A
        coefficient with its letters (``sin 2x``, ``cos 3 theta``) is one argument: sin(2x)."""
        if self.peek() != ("op", "("):
            argument = self.power()
            if argument[0] == "num":
                while (token := self.peek()) is not None and token[0] in ("sym", "const"):
                    argument = ("mul", argument, self.power())
            return [argument]
        self.take()
        args = [self.expr()]
        while self.peek() == ("op", ","):
            self.take()
            args.append(self.expr())
        self.expect(")")
        return args


def parse_expr(text: str) -> Node:
    """Parse a plain-text expression (``2(x+1)^2``, ``sqrt(3)/2``, ``4a-2``) into an AST."""
    parser = _Parser(tokenize(text))
    if not parser.tokens:
        raise Unreadable("empty expression")
    node = parser.expr()
    left = parser.peek()
    if left is not None:
        raise Unreadable(f"unexpected {left[1]!r}")
    return node


def free_symbols(node: Node) -> set[str]:
    """Names of the variables in an AST."""
    if node[0] == "sym":
        return {node[1]}
    found: set[str] = set()
    for child in node[1:]:
        if isinstance(child, tuple):
            found |= free_symbols(child)
    return found


def has_infinity(node: Node) -> bool:
    if node == ("const", "oo"):
        return True
    return any(isinstance(child, tuple) and has_infinity(child) for child in node[1:])


def _bits(value: Fraction) -> int:
    return value.numerator.bit_length() + value.denominator.bit_length()


def evaluate_exact(node: Node) -> Fraction | None:
    """The exact rational value, or None when the value is not (provably) rational here."""
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "neg":
        inner = evaluate_exact(node[1])
        return None if inner is None else -inner
    if kind in ("add", "sub", "mul", "div"):
        a, b = evaluate_exact(node[1]), evaluate_exact(node[2])
        if a is None or b is None:
            return None
        if kind == "div":
            return None if b == 0 else a / b
        result = a + b if kind == "add" else a - b if kind == "sub" else a * b
        return result if _bits(result) <= LIMITS["bits"] else _too_big()
    if kind == "pow":
        base, exponent = evaluate_exact(node[1]), evaluate_exact(node[2])
        if base is None or exponent is None or exponent.denominator != 1:
            return None
        if abs(exponent) > LIMITS["exponent"] or _bits(base) * abs(exponent) > LIMITS["bits"]:
            return _too_big()
        if base == 0 and exponent < 0:
            return None
        return base ** int(exponent)
    if kind == "fact":
        inner = evaluate_exact(node[1])
        if inner is None or inner.denominator != 1 or inner < 0:
            return None
        return Fraction(math.factorial(int(inner))) if inner <= 1000 else _too_big()
    if kind == "fn" and node[1] == "binom" and len(node) == 4:
        n, k = evaluate_exact(node[2]), evaluate_exact(node[3])
        if n is None or k is None or n.denominator != 1 or k.denominator != 1 or not 0 <= n <= 10000:
            return None
        return Fraction(math.comb(int(n), int(k))) if k >= 0 else Fraction(0)
    if kind == "fn" and node[1] in ("sqrt", "abs") and len(node) == 3:
        inner = evaluate_exact(node[2])
        if inner is None:
            return None
        if node[1] == "abs":
            return abs(inner)
        if inner >= 0:
            root_n, root_d = math.isqrt(inner.numerator), math.isqrt(inner.denominator)
            if root_n * root_n == inner.numerator and root_d * root_d == inner.denominator:
                return Fraction(root_n, root_d)
    return None


def _too_big() -> Fraction:
    raise TooComplex("number too large for the cheap path")


_UNARY = {
    "sin": cmath.sin,
    "cos": cmath.cos,
    "tan": cmath.tan,
    "arcsin": cmath.asin,
    "arccos": cmath.acos,
    "arctan": cmath.atan,
    "sinh": cmath.sinh,
    "cosh": cmath.cosh,
    "tanh": cmath.tanh,
    "ln": cmath.log,
    "log": cmath.log,
    "exp": cmath.exp,
    "sqrt": cmath.sqrt,
}


def evaluate(node: Node, env: dict[str, complex]) -> complex:
    """Complex-float value with symbols bound by ``env``; TooComplex on overflow or unknowns."""
    try:
        value = _evaluate(node, env)
    except (OverflowError, ZeroDivisionError, ValueError) as exc:
        raise TooComplex(f"not evaluable: {exc}") from None
    if not (cmath.isfinite(value)):
        raise TooComplex("not finite")
    return value


def _evaluate(node: Node, env: dict[str, complex]) -> complex:
    kind = node[0]
    if kind == "num":
        return complex(node[1])
    if kind == "sym":
        if node[1] not in env:
            raise TooComplex(f"unbound symbol {node[1]}")
        return env[node[1]]
    if kind == "const":
        return {"pi": math.pi, "e": math.e, "i": 1j}.get(node[1]) or _raise("infinity")
    if kind == "neg":
        return -_evaluate(node[1], env)
    if kind in ("add", "sub", "mul", "div", "pow"):
        a, b = _evaluate(node[1], env), _evaluate(node[2], env)
        if kind == "add":
            return a + b
        if kind == "sub":
            return a - b
        if kind == "mul":
            return a * b
        if kind == "div":
            return a / b
        if abs(b) > LIMITS["exponent"] or (abs(a) > 1 and abs(b) * math.log(abs(a)) > 700):
            raise TooComplex("power too large")
        if b.imag == 0 and b.real == int(b.real) and a.imag == 0:
            return complex(a.real ** int(b.real))
        return a**b
    if kind == "fact":
        inner = _evaluate(node[1], env)
        if inner.imag != 0 or inner.real > 170 or inner.real < 0:
            raise TooComplex("factorial argument")
        return complex(math.gamma(inner.real + 1))
    if kind == "fn":
        name, args = node[1], [_evaluate(arg, env) for arg in node[2:]]
        if name in _UNARY and len(args) == 1:
            return _UNARY[name](args[0])
        if name == "abs" and len(args) == 1:
            return complex(abs(args[0]))
        if name in ("sec", "csc", "cot") and len(args) == 1:
            return 1 / {"sec": cmath.cos, "csc": cmath.sin, "cot": cmath.tan}[name](args[0])
        if name == "log" and len(args) == 2:
            return cmath.log(args[1]) / cmath.log(args[0])
        if name == "root" and len(args) == 2:
            return args[0] ** (1 / args[1])
    raise TooComplex(f"cannot evaluate {kind} {node[1] if len(node) > 1 else ''}")


def _raise(what: str) -> complex:
    raise TooComplex(f"{what} has no finite value")
