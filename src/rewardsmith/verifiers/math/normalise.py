"""Normalise an answer string: LaTeX and unicode notation to one plain-text form.

Stage two of extract → normalise → compare. :func:`clean` removes what never changes the value
(``$``, ``\\left``, spacing, ``\\text{}`` wrappers, units, degrees, percent signs, thousands
separators, trailing punctuation, unicode symbols); :func:`latex_to_plain` turns the LaTeX that
carries meaning (``\\frac``, ``\\sqrt``, ``\\binom``, ``^{}``, ``\\pi``, mixed numbers) into the
plain syntax that :mod:`.expr` parses.

>>> clean("\\\\$1{,}250.00\\\\text{ dollars}.")
'1250.00'
>>> latex_to_plain(clean("2\\\\dfrac{1}{2}"))
'(2+((1)/(2)))'
>>> latex_to_plain("\\\\sqrt[3]{x^{2}}")
'root((x^(2)),(3))'
"""

from __future__ import annotations

import re
from fractions import Fraction

from .expr import FUNCTIONS, GREEK, LIMITS, TooComplex, Unreadable

_UNICODE = {
    "−": "-",
    "–": "-",
    "\u2009": "\\,",
    "\u202f": "\\,",
    "\u2007": "\\,",
    "≈": "\\approx ",
    "∶": ":",
    "×": "*",
    "·": "*",
    "⋅": "*",
    "÷": "/",
    "√": "\\sqrt",
    "π": "\\pi ",
    "∞": "\\infty ",
    "≤": "<=",
    "≥": ">=",
    "≠": "!=",
    "∪": "\\cup ",
    "±": "\\pm ",
    "°": "^\\circ ",
    "ℝ": "\\mathbb{R}",
    "\u00a0": " ",
    "θ": "\\theta ",
    "α": "\\alpha ",
    "β": "\\beta ",
}
#: A temperature scale after a degree sign (``6^\\circ \\text{C}``, ``20°F``): notation, not a variable.
_DEGREE_UNIT = r"(?:\\(?:text|mathrm|textrm|rm)\s*\{\s*[CFK]\s*\}|\{?\s*[CFK]\s*\}?)(?![a-zA-Z])"
#: A one-letter unit in a text wrapper after a number at the end (``5\\textnormal{ m}``,
#: ``3\\,\\mathrm{s}``, ``2 \\text{ m}^2``): notation, not a variable. Only SI-style symbols, so
#: ``2\\mathrm{i}``, ``\\mathrm{e}`` and ``\\mathrm{d}x`` keep their meaning; a bare ``5 m`` is 5 times m.
_LETTER_UNIT = re.compile(
    r"(?:(?<=[\d)}])|(?<=\\pi))\s*\\(?:text|textnormal|textrm|textup|mathrm|mbox)\s*\{\s*[mgsLlhKAVWJNCF]\s*\}"
    r"(?:\s*\^\s*\{?\s*[23]\s*\}?)?\s*$"
)
_SIMPLE = [
    (re.compile(r"\\[dt]frac"), r"\\frac"),
    (re.compile(r"\\[dt]binom"), r"\\binom"),
    (re.compile(r"\\(?:left|right|bigl|bigr|Bigl|Bigr|big|Big)(?:\.|(?![a-zA-Z]))"), ""),
    (re.compile(r"\\(?:displaystyle|textstyle|limits|nolimits)"), ""),
    (re.compile(r"\\h?phantom\{[^{}]*\}"), ""),
    (re.compile(r"(?<=\d)(?:\\,|,\\!|\{,\}\\!?)(?=\d{3})"), ""),
    (re.compile(r"(?<!\\)\\[,;:!> ]|\\q?quad\b|~"), " "),
    (re.compile(r"\{,\}"), ""),
    (re.compile(r"(?<!\\log)_\{([A-Za-z0-9]+)\}"), r"_\1"),
    (re.compile(r"\\(?:varnothing|emptyset)(?![a-zA-Z])|∅|^\\\{\s*\\\}$"), r"\\emptyset"),
    (re.compile(r"^[a-zA-Z]\s*\\in(?![a-zA-Z])\s*"), ""),
    (re.compile(r"^\s*\\mathbb\s*\{?\s*R\s*\}?\s*$"), r"(-\\infty,\\infty)"),
    (re.compile(r"(?:\^\s*\{?\s*\\circ\s*\}?|\\degree)\s*" + _DEGREE_UNIT), ""),
    (re.compile(r"\^\s*\{?\s*\\circ\s*\}?|\\circ|\\degree"), ""),
    (re.compile(r"\\cdot|\\times|\\ast"), "*"),
    (re.compile(r"\\div\b"), "/"),
    (re.compile(r"\\(?:not\s*\\(?:geq?|geqslant)(?![a-zA-Z])|ngeq?(?![a-zA-Z]))|\\not\s*>="), "<"),
    (re.compile(r"\\(?:not\s*\\(?:leq?|leqslant)(?![a-zA-Z])|nleq?(?![a-zA-Z]))|\\not\s*<="), ">"),
    (re.compile(r"\\(?:not\s*(?:>|\\gt(?![a-zA-Z]))|ngtr(?![a-zA-Z]))"), "<="),
    (re.compile(r"\\(?:not\s*(?:<|\\lt(?![a-zA-Z]))|nless(?![a-zA-Z]))"), ">="),
    (re.compile(r"\\(?:leq?|leqslant)(?![a-zA-Z])"), "<="),
    (re.compile(r"\\(?:geq?|geqslant)(?![a-zA-Z])"), ">="),
    (re.compile(r"\\lt(?![a-zA-Z])"), "<"),
    (re.compile(r"\\gt(?![a-zA-Z])"), ">"),
    (re.compile(r"\\neq?(?![a-zA-Z])"), "!="),
    (re.compile(r"\\%|%|\\\$|\$"), ""),
    (_LETTER_UNIT, ""),
    (
        re.compile(
            r"\\(?:mathrm|mathbf|textbf|textit|textrm|textnormal|textup|textsf|mathsf|mathit|mbox|text"
            r"|operatorname|boxed)\s*\{"
        ),
        r"\\text{",
    ),
]
_TEXT = "\\text{"
#: Characters without which no pattern of ``_SIMPLE`` can match (a fast path for plain numbers).
_NOTATION = re.compile(r"[\\~{%$∅]")
#: Rates written with a slash (``72 km/h``, ``3 m/s^2``): only these spellings, so that ``2 x/y`` stays maths.
_RATE_UNITS = r"(?:km|mi|m|cm|mm|ft|in|kg|g|mg|L|l|mL|ml|lb|oz|\\?\$|dollars?|cents?|miles?|meters?|feet|words?|pages?)"
_RATE_PER = r"(?:h|hr|hrs|hour|s|sec|min|day|week|month|year|m|cm|L|l|kg|g|gal|lb|item|person|page)"
_UNIT_WORDS = re.compile(
    r"(?:(?<=[\d)}])|(?<=\\pi))\s*((?:[a-zA-Z]+\.?\s+)*(?:"
    + _RATE_UNITS
    + "/"
    + _RATE_PER
    + r"|(?<=\s)[a-zA-Z]{2,}))"
    r"\.?(?:\s*\^\s*\{?[23]\}?)?$"
)
#: ``1e3``, ``2.5E-4``: scientific notation (not ``2e`` or ``e^3``, and not inside a name).
_SCIENTIFIC = re.compile(r"(?<![A-Za-z\\\d.])(\d+(?:\.\d+)?)[eE]([+-]?\d+)(?![\w.])")
#: ``1 000 000``: digit groups of three separated by single spaces (one number, not a list).
_SPACED_THOUSANDS = re.compile(r"(?<![\d.,])\d{1,3}(?: \d{3})+(?![\d./])")
#: ``x = 1/3 \approx 0.33`` states 1/3: what follows an approximation sign is a convenience.
_APPROX = re.compile(r"\\(?:approx|simeq|thickapprox)(?![a-zA-Z])")
_THOUSANDS = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
#: ``2\\frac{1}{2}``, ``2 \\frac12``: an unbraced argument of ``\\frac`` is one token, a single digit.
_MIXED_LATEX = re.compile(
    r"(?<![\d.}^_])(\d+)\s*\\frac\s*(?:\{\s*(\d+)\s*\}|(\d))\s*(?:\{\s*(\d+)\s*\}|(\d))"
)
_MIXED_PLAIN = re.compile(r"(-?)(\d+)\s+(\d+)\s*/\s*(\d+)")
_REPEATING = re.compile(r"(?<![\d.])(\d*)\.(\d*)\\overline\s*\{(\d+)\}")
_KNOWN_NAMES = FUNCTIONS | GREEK | {"pi", "infty", "frac", "sqrt", "binom", "cup", "pm", "mp"}


def _strip_wrappers(text: str) -> str:
    while True:
        before = text
        text = text.strip().rstrip(".;:").strip()
        for left, right in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
            if text.startswith(left) and text.endswith(right) and len(text) >= len(left) + len(right):
                text = text[len(left) : len(text) - len(right)]
        if text == before:
            return text


def unwrap_braces(text: str) -> str:
    """Remove one pair of braces around the whole string, repeatedly: ``{{5}}`` → ``5``."""
    while text.startswith("{") and matching(text, 0) == len(text) - 1:
        text = text[1:-1].strip()
    return text


def matching(text: str, start: int) -> int:
    """Index of the bracket closing the one at ``start`` (``{([``), or -1 when unbalanced."""
    opener = text[start]
    closer = {"{": "}", "(": ")", "[": "]"}[opener]
    depth = 0
    for index in range(start, len(text)):
        char = text[index]
        if char == opener and (index == 0 or text[index - 1] != "\\" or opener != "{"):
            depth += 1
        elif char == closer and (index == 0 or text[index - 1] != "\\" or closer != "}"):
            depth -= 1
            if depth == 0:
                return index
    return -1


def clean(text: str) -> str:
    """Remove notation that never changes an answer's value; keep what :mod:`.parse` needs."""
    if len(text) > LIMITS["length"]:
        raise TooComplex(f"answer longer than {LIMITS['length']} characters")
    for symbol, replacement in _UNICODE.items():
        if symbol in text:
            text = text.replace(symbol, replacement)
    text = _strip_wrappers(text)
    if "e" in text or "E" in text:
        text = _SCIENTIFIC.sub(r"\1\\times 10^{\2}", text)
    if _NOTATION.search(text):
        for pattern, replacement in _SIMPLE:
            text = pattern.sub(replacement, text)
        if "\\approx" in text or "\\simeq" in text or "\\thickapprox" in text:
            text = _exact_part(text)
    text = " ".join(text.split())
    if " " in text:
        text = _SPACED_THOUSANDS.sub(lambda match: match[0].replace(" ", ""), text)
    text = unwrap_braces(_strip_wrappers(text)).strip()
    text = re.sub(r"\^\s*\{?\s*\}?\s*$", "", text)
    text = _unwrap_text(text)
    units = _UNIT_WORDS.search(text)
    if units and re.match(r"[-+(\d.\\]", text) and not set(units[1].split()) & _KNOWN_NAMES:
        text = text[: units.start()].strip()
    text = unwrap_braces(text.rstrip(".,;: ")).strip()
    if _THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    return text


def _exact_part(text: str) -> str:
    """``x = 1/3 \\approx 0.33`` → ``x = 1/3``: the value before the first approximation sign,
    or the last one when nothing but a name comes before it (``x \\approx 0.33``)."""
    parts = [part.strip() for part in _APPROX.split(text)]
    first = parts[0].rstrip("=").strip()
    if not first or not re.search(r"\d|\\(?:frac|sqrt|pi)", first):
        return parts[-1]
    return parts[0]


def _unwrap_text(text: str) -> str:
    """``\\text{ cm}`` → `` cm ``: the words stay (a text answer, or units to strip)."""
    while (start := text.find(_TEXT)) >= 0:
        end = matching(text, start + len(_TEXT) - 1)
        if end < 0:
            raise Unreadable("unbalanced braces")
        text = f"{text[:start]} {text[start + len(_TEXT) : end]} {text[end + 1 :]}"
    return " ".join(text.split())


def _argument(text: str, position: int) -> tuple[str, int]:
    """One LaTeX argument at ``position``: a ``{group}`` or a single character."""
    while position < len(text) and text[position] == " ":
        position += 1
    if position >= len(text):
        raise Unreadable("missing argument")
    if text[position] == "{":
        end = matching(text, position)
        if end < 0:
            raise Unreadable("unbalanced braces")
        return text[position + 1 : end], end + 1
    if text[position] == "\\":
        match = re.compile(r"\\[a-zA-Z]+").match(text, position)
        if match:
            return match.group(0), match.end()
    return text[position], position + 1


def _repeating(match: re.Match[str]) -> str:
    """``0.1\\overline{6}`` → the fraction it denotes, ``((1)/(6))``."""
    whole, fixed, period = match.group(1) or "0", match.group(2), match.group(3)
    value = Fraction(f"{whole}.{fixed}" if fixed else whole)
    value += Fraction(int(period), (10 ** len(period) - 1) * 10 ** len(fixed))
    return f"(({value.numerator})/({value.denominator}))"


def _log_argument(text: str, position: int) -> tuple[str, int]:
    """The argument of ``\\log_b``: a bracketed group, a number or one letter (``\\log_2 16``)."""
    while position < len(text) and text[position] == " ":
        position += 1
    if text.startswith(("(", "[", "{"), position):
        end = matching(text, position)
        if end < 0:
            raise Unreadable("unbalanced brackets")
        return text[position + 1 : end], end + 1
    match = re.compile(r"\d+(?:\.\d+)?|[A-Za-z]").match(text, position)
    if match is None:
        raise Unreadable("unsupported logarithm argument")
    return match.group(0), match.end()


def latex_to_plain(text: str, depth: int = 0) -> str:
    """LaTeX math to the plain syntax of :mod:`.expr` (``\\frac{a}{b}`` → ``((a)/(b))``)."""
    if depth > LIMITS["braces"]:
        raise TooComplex("braces nested too deeply for the cheap path")
    if depth == 0:
        text = _MIXED_LATEX.sub(lambda m: f"({m[1]}+\\frac{{{m[2] or m[3]}}}{{{m[4] or m[5]}}})", text)
        text = _MIXED_PLAIN.sub(lambda m: f"{m[1]}({m[2]}+{m[3]}/{m[4]})", text)
        text = _REPEATING.sub(_repeating, text)
    out: list[str] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char == "\\":
            match = re.compile(r"\\([a-zA-Z]+)").match(text, position)
            if match is None:
                raise Unreadable(f"unknown LaTeX {text[position : position + 2]!r}")
            name, position = match.group(1), match.end()
            if name in ("frac", "cfrac", "binom", "choose"):
                first, position = _argument(text, position)
                second, position = _argument(text, position)
                a, b = latex_to_plain(first, depth + 1), latex_to_plain(second, depth + 1)
                out.append(f"(({a})/({b}))" if "frac" in name else f"binom({a},{b})")
            elif name == "sqrt":
                index = None
                if position < len(text) and text[position] == "[":
                    end = matching(text, position)
                    if end < 0:
                        raise Unreadable("unbalanced brackets")
                    index, position = text[position + 1 : end], end + 1
                radicand, position = _argument(text, position)
                inner = latex_to_plain(radicand, depth + 1)
                degree = latex_to_plain(index, depth + 1) if index else None
                out.append(f"root(({inner}),({degree}))" if degree else f"sqrt({inner})")
            elif name == "log" and text.startswith("_", position):
                base, position = _argument(text, position + 1)
                argument, position = _log_argument(text, position)
                a, b = latex_to_plain(base, depth + 1), latex_to_plain(argument, depth + 1)
                out.append(f" log(({a}),({b}))")
            elif name == "infty":
                out.append(" oo ")
            elif name in _KNOWN_NAMES:
                out.append(f" {name} ")
            else:
                raise Unreadable(f"unsupported LaTeX command \\{name}")
        elif char in "{":
            end = matching(text, position)
            if end < 0:
                raise Unreadable("unbalanced braces")
            out.append(f"({latex_to_plain(text[position + 1 : end], depth + 1)})")
            position = end + 1
        elif char == "_":
            subscript, position = _argument(text, position + 1)
            if not re.fullmatch(r"[A-Za-z0-9]+", subscript):
                raise Unreadable("unsupported subscript")
            out.append(f"_{subscript}")
        elif char in "[]":
            out.append("(" if char == "[" else ")")
            position += 1
        else:
            out.append(char)
            position += 1
    return "".join(out)
