"""Read a cleaned answer into a typed value: a number or expression, a base-n numeral, a tuple,
a set of solutions, an interval (or union of them), a matrix, an equation, a choice letter, or words.

>>> parse_answer("x = 1 \\\\text{ or } x = 2").kind
'set'
>>> parse_answer("[2, \\\\infty)").value[2:]
(True, False)
>>> parse_answer("\\\\text{(B)}", letters=True).value
'B'
>>> parse_answer("01011_{2}").value
(11, 2)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from itertools import pairwise
from typing import Any

from .expr import (
    CONSTANTS,
    FUNCTIONS,
    GREEK,
    TooComplex,
    Unreadable,
    evaluate_exact,
    free_symbols,
    parse_expr,
)
from .normalise import clean, latex_to_plain, matching

_LETTER = re.compile(r"\(?([A-E])\)?(?:[.:)]|\s|$)")
_MATRIX = re.compile(r"\\begin\{([pbBvV]?matrix|array)\}(?:\{[^}]*\})?(.*)\\end\{\1\}", re.DOTALL)
_WORDS = re.compile(r"[A-Za-z][A-Za-z'\- ]*")
_SIMPLE_NAME = re.compile(
    r"[A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?(?:\([A-Za-z0-9, ]*\))?|\\[a-z]+|[A-Z]{2,3}|(?:m\s*)?\\angle\s*[A-Z]{1,3}"
)
#: A variable with a minus sign (``-x > -1`` is ``x < 1``).
_NEGATED_NAME = re.compile(r"-\s*([A-Za-z])")
_REVERSED = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}
_RELATION = re.compile(r"<=|>=|!=|<|>|=")
_FUNCTION_OF = re.compile(r"[A-Za-z]\([A-Za-z](?:\s*,\s*[A-Za-z])*\)")
_NAMED_TUPLE = re.compile(r"\(\s*[A-Za-z](?:\s*,\s*[A-Za-z])+\s*\)\s*=\s*(?=\()")
#: ``x = 2`` or a labelled value (``AB = 4``, ``m\\angle A = 30``): one name, one value.
_ASSIGNMENT = re.compile(r"([A-Za-z]|[A-Z]{2,3}|(?:m\s*)?\\angle\s*[A-Z]{1,3})\s*=\s*[^=<>!]+")
_UNSIGNED = re.compile(r"\d+(?:\.\d+)?")
#: Another choice after the first: "(C)", "or", ", C", or a bare letter list ("A B C D").
_OTHER_CHOICE = re.compile(r"\(\s*[A-E]\s*\)|\bor\b|,\s*[A-E]\b|\s[A-E](?![A-Za-z])")
_OR_WORD = re.compile(r"\bor\b|\\[lv]or|\\vee")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_OR = re.compile(r"\s+(?:or|and)\s+|\\[lv]or|\\land|\\wedge|;")
#: A base-n numeral once cleaned (``1011_2``, ``AB_12``): digits or capital letters, the base as a subscript.
_NUMERAL = re.compile(r"(-?)([0-9A-Z]+)_(\d{1,2})")


@dataclass(frozen=True)
class Answer:
    """A parsed answer. ``kind`` is one of expr, numeral, tuple, set, interval, union, matrix, eq,
    ratio, letter, text; ``value`` depends on it; ``text`` is the normalised string. ``labelled``: a
    tuple written as one value per label (``AB = 4, CD = 5``), which a plain list of the values
    in the same order (``4, 5``) also states; single-letter variables (``x = 1, y = 2``) make a
    point, which a list of roots does not state."""

    kind: str
    value: Any
    text: str
    labelled: bool = False

    @property
    def size(self) -> int:
        """How many candidate values this answer states (a set of 3 states 3)."""
        if self.kind == "tuple" and self.labelled:
            return len(self.value)
        if self.kind != "set" or all(item.kind == "interval" for item in self.value):
            return 1
        return len(self.value)


def split_top(text: str, separator: str) -> list[str]:
    """Split on ``separator`` where it is outside every bracket."""
    parts, depth, start, index = [], 0, 0, 0
    while index < len(text):
        char = text[index]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif depth == 0 and text.startswith(separator, index):
            parts.append(text[start:index])
            start = index + len(separator)
            index = start
            continue
        index += 1
    parts.append(text[start:])
    return [part.strip() for part in parts]


def _expr(text: str) -> Answer:
    plain = latex_to_plain(text)
    if "\\pm" in text or " pm " in plain or " mp " in plain:
        raise Unreadable("± inside an expression")
    return Answer("expr", parse_expr(plain), plain.strip())


def _is_words(text: str) -> bool:
    if not _WORDS.fullmatch(text):
        return False
    words = re.findall(r"[A-Za-z]+", text)
    known = FUNCTIONS | GREEK | CONSTANTS
    return any(len(word) >= 3 and word.lower() not in known for word in words) or " " in text.strip()


def _bracketed(text: str) -> tuple[str, str, str] | None:
    """(open, inside, close) when the whole text is one bracketed group."""
    if text.startswith("\\{") and text.endswith("\\}"):
        return "{", text[2:-2], "}"
    if text[:1] in "([" and text[-1:] in ")]":
        inner = text[1:-1]
        depth = 0
        for char in inner:
            depth += char in "([{"
            depth -= char in ")]}"
            if depth < 0:
                return None
        return (text[0], inner, text[-1]) if depth == 0 else None
    return None


def _infinite(text: str) -> bool:
    return "\\infty" in text or "oo" in text


def _interval(low: str, high: str, opening: str, closing: str) -> Answer:
    lo, hi = _expr(low), _expr(high)
    text = f"{opening}{lo.text},{hi.text}{closing}"
    return Answer("interval", (lo, hi, opening == "[", closing == "]"), text)


def _inequality(text: str) -> Answer | None:
    """``3 < x <= 5``, ``x > 3``, ``x \\\\ge -2`` as an interval over one variable."""
    parts = _RELATION.split(text)
    relations = _RELATION.findall(text)
    if "=" in relations or "!=" in relations or not relations:
        return None
    infinity = ("-oo", "oo")
    if len(parts) == 2:
        left, right = parts[0].strip(), parts[1].strip()
        relation = relations[0]
        if (negated := _NEGATED_NAME.fullmatch(left)) and not _SIMPLE_NAME.fullmatch(right):
            left, right, relation = negated.group(1), f"-({right})", _REVERSED[relation]
        elif (negated := _NEGATED_NAME.fullmatch(right)) and not _SIMPLE_NAME.fullmatch(left):
            left, right, relation = f"-({left})", negated.group(1), _REVERSED[relation]
        flipped = not _SIMPLE_NAME.fullmatch(left)
        if flipped and not _SIMPLE_NAME.fullmatch(right):
            return None
        bound = left if flipped else right
        upper = (relation in ("<", "<=")) != flipped
        closed = "=" in relation
        if upper:
            lo, hi, lc, hc = infinity[0], bound, False, closed
        else:
            lo, hi, lc, hc = bound, infinity[1], closed, False
        return Answer(
            "interval",
            (_expr(lo), _expr(hi), lc, hc),
            f"{'[' if lc else '('}{lo},{hi}{']' if hc else ')'}",
        )
    if len(parts) == 3 and _SIMPLE_NAME.fullmatch(parts[1].strip()):
        first, second = relations
        if (first in ("<", "<=")) and (second in ("<", "<=")):
            opening, closing = "[" if first == "<=" else "(", "]" if second == "<=" else ")"
            return _interval(parts[0], parts[2], opening, closing)
        if (first in (">", ">=")) and (second in (">", ">=")):
            opening, closing = "[" if second == ">=" else "(", "]" if first == ">=" else ")"
            return _interval(parts[2], parts[0], opening, closing)
    return None


def _strip_name(text: str) -> str:
    """``x = 3`` → ``3``; ``f(2) = 5`` → ``5``; equations whose right side has variables
    (``y = 2x + 3``) are kept."""
    parts = split_top(text, "=")
    if len(parts) >= 2 and not any(p.endswith(("<", ">", "!")) for p in parts[:-1]):
        if _SIMPLE_NAME.fullmatch(parts[0]) and all(parts):
            try:
                constant = not free_symbols(parse_expr(latex_to_plain(parts[-1])))
            except (Unreadable, TooComplex):
                constant = True
            if constant or len(parts) > 2 or _FUNCTION_OF.fullmatch(parts[0]):
                return parts[-1]
        elif _NUMBER.fullmatch(parts[-1]) and _true_arithmetic(parts):
            return parts[-1]
    return text


def _true_arithmetic(parts: list[str]) -> bool:
    """Whether ``5 + 15 = 20`` is a correct chain of constant expressions (its value is then
    the last one; a wrong chain such as ``5 + 15 = 21`` stays an equation and matches nothing)."""
    try:
        values = [evaluate_exact(parse_expr(latex_to_plain(part))) for part in parts]
    except (Unreadable, TooComplex):
        return False
    return values[0] is not None and all(value == values[0] for value in values)


def _matrix(body: str) -> Answer:
    rows = [row for row in re.split(r"\\\\", body) if row.strip()]
    cells = [[_element(cell.strip()) for cell in row.split("&")] for row in rows]
    if len({len(row) for row in cells}) != 1:
        raise Unreadable("ragged matrix")
    text = "[" + ";".join(",".join(cell.text for cell in row) for row in cells) + "]"
    return Answer("matrix", tuple(tuple(row) for row in cells), f"matrix{text}")


def _ratio(text: str) -> Answer | None:
    """``3:4`` or ``1:2:3`` (a colon outside brackets): the parts, in order."""
    parts = split_top(text, ":")
    if len(parts) < 2 or not all(parts):
        return None
    values = tuple(_expr(part) for part in parts)
    return Answer("ratio", values, ":".join(value.text for value in values))


def _numeral(text: str) -> Answer | None:
    """``1011_2`` as the numeral (value, base): a base-n answer states the number *in that base*,
    so it equals the same number in the same base (``01011_{2}``), not its decimal value (``11``:
    the form asked for is part of the answer) nor its digits without the base. Base 10 is just the
    number (``11_{10}`` = 11). Only digits of the base, 2 to 36, count: ``x_1``, ``A_1`` and a
    single letter such as ``B_{12}`` are subscripted names.

    >>> _numeral("AB_12").value, _numeral("12_2")
    ((131, 12), None)
    """
    match = _NUMERAL.fullmatch(text)
    if match is None:
        return None
    sign, digits, base_text = match.groups()
    base = int(base_text)
    if not 2 <= base <= 36 or (len(digits) == 1 and digits.isalpha()):
        return None
    try:
        value = int(f"{sign}{digits}", base)
    except ValueError:  # a digit the base does not have
        return None
    if base == 10:
        return Answer("expr", ("num", Fraction(value)), str(value))
    return Answer("numeral", (value, base), f"{sign}{digits.lstrip('0') or '0'}_{base}")


def _element(text: str) -> Answer:
    text = _strip_name(text.strip())
    if "_" in text and (numeral := _numeral(text)) is not None:
        return numeral
    if ":" in text and (ratio := _ratio(text)) is not None:
        return ratio
    if "=" in text and not re.search(r"<=|>=|!=", text):
        lhs, _, rhs = text.partition("=")
        if "=" in rhs:
            raise Unreadable("chained equation")
        return Answer("eq", (_expr(lhs).value, _expr(rhs).value), text)
    inequality = _inequality(text)
    return inequality if inequality is not None else _expr(text)


def parse_answer(raw: str, letters: bool = False, scalar: bool = False) -> Answer:
    """Parse one answer. ``letters``: read a choice letter; ``scalar``: read ``3,5`` as 3.5."""
    text = clean(raw)
    if not text:
        raise Unreadable("empty answer")
    if letters and (match := _LETTER.match(text)):
        if _OTHER_CHOICE.search(text, match.end(1)):
            raise Unreadable("several choices")
        return Answer("letter", match.group(1), match.group(1))
    if scalar and re.fullmatch(r"-?\d+,(?:\d{1,2}|\d{4,})", text):
        text = text.replace(",", ".")
    if _UNSIGNED.fullmatch(text):
        return Answer("expr", ("num", Fraction(text)), text)
    matrix = _MATRIX.search(text)
    if matrix and text[: matrix.start()].strip() in ("", "[", "(") and text[matrix.end() :].strip() in ("", "]", ")"):
        return _matrix(matrix.group(2))
    if _is_words(text):
        return Answer("text", " ".join(text.lower().split()), " ".join(text.lower().split()))
    unions = split_top(text, "\\cup")
    if len(unions) > 1:
        parts = tuple(parse_answer(part) for part in unions)
        if any(part.kind != "interval" for part in parts):
            raise Unreadable("union of non-intervals")
        return Answer("union", parts, "∪".join(part.text for part in parts))
    if "\\pm" in text:
        if text.count("\\pm") != 1:
            raise Unreadable("several ±")
        plus, minus = _element(text.replace("\\pm", "+")), _element(text.replace("\\pm", "-"))
        return Answer("set", (plus, minus), f"{plus.text},{minus.text}")
    text = _NAMED_TUPLE.sub("", text, count=1)
    bracketed = _bracketed(text)
    inside = bracketed[1] if bracketed else text
    items = [item for chunk in split_top(inside, ",") for item in _OR.split(chunk)]
    items = [item.strip() for item in items if item and item.strip()]
    if _assigns_each_variable(items) and _OR_WORD.search(inside):
        raise Unreadable("alternatives for different variables")
    if _assigns_each_variable(items) and (not bracketed or bracketed[0] == "("):
        elements = tuple(_element(item) for item in _in_conventional_order(items))
        # every item is an assignment (_assigns_each_variable), so fullmatch finds it
        labels = not all(len(_ASSIGNMENT.fullmatch(item).group(1)) == 1 for item in items)  # type: ignore[union-attr]
        return Answer("tuple", elements, "(" + ",".join(e.text for e in elements) + ")", labelled=labels)
    if bracketed and bracketed[0] in "([" and len(items) == 2 and any(_infinite(i) for i in items):
        return _interval(items[0], items[1], bracketed[0], bracketed[2])
    if bracketed and len(items) == 2 and (bracketed[0], bracketed[2]) in (("[", ")"), ("(", "]"), ("[", "]")):
        return _interval(items[0], items[1], bracketed[0], bracketed[2])
    if bracketed and bracketed[0] == "(" and len(items) > 1:
        elements = tuple(_element(item) for item in items)
        return Answer("tuple", elements, "(" + ",".join(e.text for e in elements) + ")")
    if len(items) > 1 or (bracketed and bracketed[0] == "{"):
        elements = tuple(_member(item) for item in items)
        return Answer("set", elements, "{" + ",".join(e.text for e in elements) + "}")
    return _element(text)


def _member(item: str) -> Answer:
    """One member of a list or set: a point ``(1, 2)`` is a tuple, anything else an element."""
    inner = _bracketed(item)
    if inner is not None and inner[0] == "(" and len(split_top(inner[1], ",")) > 1:
        return parse_answer(item)
    return _element(item)


def _assigns_each_variable(items: list[str]) -> bool:
    """``x = 2, y = 3``: one value for each of several different variables (an ordered tuple)."""
    matches = [_ASSIGNMENT.fullmatch(item) for item in items]
    if len(items) < 2 or not all(matches):
        return False
    names = [match.group(1) for match in matches if match]
    return len(set(names)) == len(names)


def _in_conventional_order(items: list[str]) -> list[str]:
    """``y = 2, x = 1`` → ``x = 1, y = 2`` when the names are consecutive letters (x, y, z; a, b; m, n),
    whose ordered tuple is written alphabetically; any other names keep the order written."""
    # only called on items that are all assignments (_assigns_each_variable)
    names = sorted(_ASSIGNMENT.fullmatch(item.strip()).group(1) for item in items)  # type: ignore[union-attr]
    consecutive = all(len(a) == len(b) == 1 and ord(b) - ord(a) == 1 for a, b in pairwise(names))
    return sorted(items, key=lambda item: item.strip()[0]) if consecutive else items


def parse_or_none(raw: str, **options: bool) -> tuple[Answer | None, str | None]:
    """(answer, None) or (None, why it could not be read by the cheap path)."""
    try:
        return parse_answer(raw, **options), None
    except TooComplex as exc:
        return None, str(exc)
    except (RecursionError, ValueError, ZeroDivisionError, IndexError) as exc:
        return None, f"{type(exc).__name__}: {exc}"


def bracket_ok(text: str) -> bool:
    """Whether every ``{`` has its ``}`` (a cut-off answer does not)."""
    return text.count("{") == text.count("}") and (not text.startswith("{") or matching(text, 0) >= 0)
