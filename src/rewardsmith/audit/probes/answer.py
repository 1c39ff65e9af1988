"""Find the final answer in a completion and make wrong answers, so probes can edit around it.

Probes keep the style of the user's own completions: an answer in ``\\boxed{}`` stays boxed, an
``<answer>`` tag stays a tag. The completion is cut into ``prefix | answer | suffix`` at the
last answer statement it makes (boxed, answer tag, ``####``, "the answer is", the reference
itself, the last number), and a completion with none gets an answer sentence appended.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

_NUMBER = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?")
_TAGGED = re.compile(r"<answer>(.*?)</answer>", re.DOTALL)
_HASHES = re.compile(r"####\s*([^\n]*?)\s*$", re.MULTILINE)
_A_LINE = re.compile(r"^[ \t]*A[ \t]*:[ \t]*([^\n]*?)[ \t]*$", re.MULTILINE)
_STATED = re.compile(r"answer\s*(?:is|:)\s*:?\s*\$?([^\n$]*?)\$?\s*\.?\s*$", re.IGNORECASE | re.MULTILINE)
_DECOYS = ("Lisbon", "seventeen", "purple", "Neptune", "never")


@dataclass(frozen=True)
class AnswerSlot:
    """A completion with the span of its final answer: ``text[start:end]``.

    >>> slot = locate_answer("6 * 7 = 42, so \\\\boxed{42}.", "42")
    >>> slot.prefix, slot.answer, slot.suffix
    ('6 * 7 = 42, so \\\\boxed{', '42', '}.')
    >>> slot.wrong_twin("42", "43")
    '6 * 7 = 43, so \\\\boxed{43}.'
    """

    text: str
    start: int
    end: int
    style: str

    @property
    def prefix(self) -> str:
        return self.text[: self.start]

    @property
    def answer(self) -> str:
        return self.text[self.start : self.end]

    @property
    def suffix(self) -> str:
        return self.text[self.end :]

    def with_answer(self, answer: str) -> str:
        """The completion with only its final answer replaced (the reasoning untouched)."""
        return self.prefix + answer + self.suffix

    def wrong_twin(self, reference: str | None, wrong: str) -> str:
        """The completion with the answer made wrong everywhere: an honest wrong attempt."""
        prefix = self.prefix
        for value in {self.answer.strip(), (reference or "").strip()} - {""}:
            prefix = replace_value(prefix, value, wrong)
        return prefix + wrong + self.suffix

    def statement(self, answer: str) -> str:
        """Just the answer statement in this completion's style, without any reasoning."""
        opener = {
            "boxed": "\\boxed{",
            "tag": "<answer>",
            "hashes": "#### ",
            "a_line": "A: ",
            "stated": "The answer is ",
        }
        closer = {"boxed": "}", "tag": "</answer>", "hashes": "", "a_line": "", "stated": "."}
        return opener.get(self.style, "") + answer + closer.get(self.style, "")


def _last_boxed(text: str) -> tuple[int, int] | None:
    start = text.rfind("\\boxed{")
    if start < 0:
        return None
    depth, index = 1, start + len("\\boxed{")
    while index < len(text) and depth:
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        index += 1
    return (start + len("\\boxed{"), index - 1) if depth == 0 else None


def locate_answer(text: str, reference: str | None) -> AnswerSlot:
    """Cut ``text`` at its final answer; append "The answer is ." when it states none.

    >>> locate_answer("Think.\\n#### 18", "18").style
    'hashes'
    >>> locate_answer("no idea", "5").with_answer("5")
    'no idea\\nThe answer is 5.'
    """
    boxed = _last_boxed(text)
    if boxed:
        return AnswerSlot(text, *boxed, style="boxed")
    for pattern, style in ((_TAGGED, "tag"), (_HASHES, "hashes"), (_A_LINE, "a_line"), (_STATED, "stated")):
        matches = list(pattern.finditer(text))
        if matches and matches[-1].group(1).strip():
            match = matches[-1]
            return AnswerSlot(text, match.start(1), match.end(1), style=style)
    if reference:
        found = list(re.finditer(value_pattern(reference.strip()), text, re.IGNORECASE))
        if found:
            return AnswerSlot(text, found[-1].start(), found[-1].end(), style="inline")
    numbers = list(_NUMBER.finditer(text))
    if numbers:
        return AnswerSlot(text, numbers[-1].start(), numbers[-1].end(), style="inline")
    body = text.rstrip() + ("\n" if text.strip() else "") + "The answer is "
    return AnswerSlot(body + ".", len(body), len(body), style="stated")


def value_pattern(value: str) -> str:
    """A regex for ``value`` standing alone: not inside a longer number or word."""
    left = r"(?<![\w.])" if value[:1].isalnum() else ""
    right = r"(?![\w]|\.\d)" if value[-1:].isalnum() else ""
    return left + re.escape(value) + right


def replace_value(text: str, value: str, replacement: str) -> str:
    """Replace standalone occurrences of ``value`` (42 in "6*7=42", not in "420").

    >>> replace_value("6*7=42, not 420", "42", "43")
    '6*7=43, not 420'
    """
    return re.sub(value_pattern(value), lambda _: replacement, text) if value else text


def reference_text(reference: Any) -> str | None:
    """The first acceptable reference as a string (a list of acceptable answers is allowed); of a
    worked solution (GSM8K's ``#### 18`` or ``A: 18``, MATH's ``\\boxed{18}``), its final answer,
    so that probes state the answer and not the whole solution.

    >>> reference_text("She makes 9 * 2 = $18.\\nA: 18"), reference_text(["\\\\frac{1}{2}"])
    ('18', '\\\\frac{1}{2}')
    """
    if isinstance(reference, list | tuple):
        reference = next((r for r in reference if r is not None), None)
    if reference is None or str(reference).strip() == "":
        return None
    text = str(reference).strip()
    boxed = _last_boxed(text)
    if boxed and text[boxed[0] : boxed[1]].strip():
        return text[boxed[0] : boxed[1]].strip()
    if "\n" in text:
        for pattern in (_HASHES, _A_LINE):
            matches = [m for m in pattern.finditer(text) if m.group(1).strip()]
            if matches:
                return matches[-1].group(1).strip()
    return text


def _as_number(text: str) -> Fraction | None:
    cleaned = text.replace(",", "").replace("$", "").strip()
    match = re.fullmatch(r"\\[dt]?frac\{(-?\d+)\}\{(\d+)\}|(-?\d+)/(\d+)|(-?\d+(?:\.\d+)?)", cleaned)
    if not match:
        return None
    if match.group(5) is not None:
        return Fraction(match.group(5))
    numerator, denominator = (match.group(1), match.group(2)) if match.group(1) else match.group(3, 4)
    return Fraction(int(numerator), int(denominator)) if int(denominator) else None


def _format_like(value: Fraction, like: str) -> str:
    if "frac" in like:
        return f"\\frac{{{value.numerator}}}{{{value.denominator}}}"
    if "/" in like:
        return f"{value.numerator}/{value.denominator}"
    decimals = len(like.split(".")[1]) if "." in like else 0
    return f"{float(value):.{decimals}f}" if decimals else str(int(value))


def wrong_answers(reference: str, k: int = 3) -> tuple[str, ...]:
    """``k`` distinct answers that are certainly wrong, written like ``reference``.

    >>> wrong_answers("42")
    ('43', '41', '44')
    >>> wrong_answers("0.5", 2), wrong_answers("C", 2), wrong_answers("Paris", 2)
    (('1.5', '-0.5'), ('D', 'E'), ('Lisbon', 'seventeen'))
    """
    number = _as_number(reference)
    if number is not None:
        step = Fraction(1) if number.denominator == 1 or "." in reference else Fraction(1, number.denominator)
        offsets = [1, -1, 2, -2, 3, 10]
        out = [_format_like(number + step * o, reference) for o in offsets]
        return tuple(o for o in dict.fromkeys(out) if o != reference)[:k]
    if re.fullmatch(r"[A-J]", reference):
        letters = "ABCDEFGHIJ"
        start = letters.index(reference)
        return tuple(letters[(start + i) % len(letters)] for i in range(1, k + 1))
    if re.search(r"[\\^_=+*/()\d]", reference):
        return tuple(f"{reference} + {i}" for i in range(1, k + 1))
    lowered = reference.casefold()
    decoys = [d for d in _DECOYS if lowered not in d.casefold() and d.casefold() not in lowered]
    return tuple(decoys[:k])
