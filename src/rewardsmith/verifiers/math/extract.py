"""Stage one: find the final answer a completion states, and how it was found.

Markers are tried strongest first: ``<answer>`` tags, ``\\boxed{}``/``\\fbox{}`` (nested braces),
"Final answer: …", "The answer is …", ``#### …``, ``A: …``, a ``$…$``/``\\[…\\]`` formula at the
very end, and last the last number (optional, and reported as such). Text after a reasoning
delimiter (``</think>``) takes precedence over the reasoning. Every pattern is linear-time.

>>> extract("<think>maybe 41</think> So \\\\boxed{\\\\frac{1}{2}}.").answer
'\\\\frac{1}{2}'
>>> extract("Total: 3 + 4 = 7 apples").method
'last_number'
>>> extract("It is definitely not 42.").negated
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .normalise import matching

REASONING_END = ("</think>", "</reasoning>", "<|end_of_thought|>")
_ANSWER_TAG = re.compile(r"<answer>(.*?)(?:</answer>|$)", re.DOTALL | re.IGNORECASE)
_BOXED = re.compile(r"\\(?:boxed|fbox)\s*")
_FINAL = re.compile(r"final\s+answer\s*(?:is|:|=)?\s*:?", re.IGNORECASE)
_ANSWER_IS = re.compile(r"(?:the\s+)?(?:correct\s+)?answer\s*(?:is|:|=)\s*:?", re.IGNORECASE)
_HASHES = re.compile(r"####\s*")
_A_LINE = re.compile(r"^\s*A\s*:\s*", re.MULTILINE)
_TRAILING_MATH = re.compile(r"(\$\$?|\\\[|\\\()([^$]{1,2000}?)(\$\$?|\\\]|\\\))[\s.!]*$")
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:/\d+)?|-?\.\d+")
_NEGATION = re.compile(
    r"\b(?:not|isn't|never|rule[sd]?\s+out|ruling\s+out|exclude[sd]?|excluding|cannot\s+be|can't\s+be"
    r"|instead\s+of|rather\s+than|eliminate[sd]?)\s+(?:equal\s+to\s+|be\s+|exactly\s+|the\s+number\s+)?"
    r"(?:[$(\\[]|\\\(|\\boxed\{?)*\s*$",
    re.IGNORECASE,
)
_NEGATED_AFTER = re.compile(r"^[\s$}]*(?:is|was|would\s+be)\s+(?:not|wrong|incorrect)\b", re.IGNORECASE)
_PROSE = re.compile(r"\s(?!(?:and|or)\b)(?=[A-Za-z]{3,})(?![a-z]*\\)")
_ALTERNATIVE = re.compile(r"(-?\d[\d,]*(?:\.\d+)?)\s*(?:,\s*|\bor\s+)(?:maybe\s+|perhaps\s+)?$")
_MATH_START = re.compile(r"[-+$\\(\[{\d.]")
_NOT_EQUAL = re.compile(
    r"(?:\\neq?(?![a-zA-Z])|\\not\s*=|≠|!=|=/=|\bdoes\s+not\s+equal|\bdoesn't\s+equal|\bunequal\s+to)"
    r"\s*(?:[$({\[]|\\\(|\\boxed\{?)*\s*$",
    re.IGNORECASE,
)
_LINE_START = re.compile(r"[ \t:*]*(?:\n\s*)?")
_BOLD = re.compile(r"\*\*([^*\n]+?)\*\*")
_MAX_STATEMENTS = 64
_BARE_LIMIT = 64


@dataclass
class Extraction:
    """What was found: the answer text, the method, every boxed candidate, and flags."""

    answer: str | None
    method: str
    candidates: list[str] = field(default_factory=list)
    negated: bool = False
    start: int = 0


def boxed_contents(text: str) -> list[tuple[int, str]]:
    """(position, content) of every ``\\boxed{…}``/``\\fbox{…}``, nested braces included."""
    found = []
    for match in _BOXED.finditer(text):
        position = match.end()
        if position < len(text) and text[position] == "{":
            end = matching(text, position)
            if end > 0:
                found.append((match.start(), text[position + 1 : end].strip()))
        elif position < len(text) and (token := re.match(r"[^\s$]+", text[position:])):
            found.append((match.start(), token.group(0)))
    return found


def _rest_of_line(text: str, start: int) -> str:
    begin = _LINE_START.match(text, start).end()  # type: ignore[union-attr]
    stop = text.find("\n", begin)
    line = _BOLD.sub(r"\1", text[begin : stop if stop >= 0 else len(text)]).strip(" \t*")
    boxed = boxed_contents(line)
    if boxed:
        return boxed[-1][1]
    if line.startswith(("$", "\\[", "\\(")):
        math = re.match(r"(\$\$?|\\\[|\\\()(.*?)(\$\$?|\\\]|\\\))", line)
        if math:
            return math.group(2).strip()
    sentence = re.split(r"\.(?:\s|$)", line, maxsplit=1)[0]
    if _MATH_START.match(sentence):
        prose = _PROSE.search(sentence)
        if prose and sentence.count("{", 0, prose.start()) == sentence.count("}", 0, prose.start()):
            sentence = sentence[: prose.start()]
    return sentence.strip().rstrip(".,;*").strip()


def _negated(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 80) : start]
    return (
        bool(_NEGATION.search(before))
        or bool(_NOT_EQUAL.search(before))
        or bool(_NEGATED_AFTER.match(text[end : end + 40]))
    )


def _statements(text: str, pattern: re.Pattern[str], method: str) -> list[Extraction]:
    """Every answer stated after ``pattern`` (the last :data:`_MAX_STATEMENTS`)."""
    matches = list(pattern.finditer(text))[-_MAX_STATEMENTS:]
    found = []
    for match in matches:
        answer = _rest_of_line(text, match.end())
        negated = bool(re.match(r"(?:not|never)\b", answer, re.IGNORECASE))
        if negated:
            answer = re.sub(r"^(?:not|never)\s+", "", answer, flags=re.IGNORECASE)
        if answer:
            negated = negated or _negated(text, match.start(), match.start())
            found.append(Extraction(answer, method, negated=negated, start=match.start()))
    return found


def _tags(region: str) -> list[Extraction]:
    found = []
    for tag in list(_ANSWER_TAG.finditer(region))[-_MAX_STATEMENTS:]:
        content = tag.group(1).strip()
        boxed = boxed_contents(content)
        answer = boxed[-1][1] if boxed else _rest_of_line(content, 0) if "\n" in content else content
        found.append(Extraction(answer, "answer_tag", start=tag.start()))
    return found


def _boxes(region: str) -> list[Extraction]:
    return [
        Extraction(answer, "boxed", negated=_negated(region, start, start), start=start)
        for start, answer in boxed_contents(region)[-_MAX_STATEMENTS:]
    ]


def _chosen(statements: list[Extraction]) -> Extraction | None:
    """The last statement, with every stated (not negated) answer as a candidate."""
    if not statements:
        return None
    statements.sort(key=lambda found: found.start)
    last = statements[-1]
    last.candidates = [s.answer for s in statements if s.answer and (s is last or not s.negated)]
    return last


def _decisive(region: str) -> Extraction | None:
    """Answer tags, boxes, ``####`` and "Final answer:": a format's answer marker, which later
    prose ("the expected answer is …") cannot override; different ones are a hedge."""
    return _chosen(
        _tags(region) + _boxes(region) + _statements(region, _HASHES, "hashes")
        + _statements(region, _FINAL, "final_answer")
    )


def _weak(region: str, last_number: bool) -> Extraction | None:
    stated = _chosen(_statements(region, _ANSWER_IS, "answer_is") + _statements(region, _A_LINE, "a_line"))
    if stated is not None:
        return stated
    tail = max(0, len(region) - 2100)
    math = _TRAILING_MATH.search(region, tail)
    if math:
        negated = _negated(region, math.start(), math.end())
        return Extraction(math.group(2).strip(), "trailing_math", negated=negated, start=math.start())
    if last_number:
        numbers = list(_NUMBER.finditer(region[-5000:]))
        if numbers:
            offset = max(0, len(region) - 5000)
            match = numbers[-1]
            start, end = match.start() + offset, match.end() + offset
            answer = match.group(0).rstrip(",")
            alternative = _ALTERNATIVE.search(region, max(0, start - 40), start)
            if alternative:
                answer = f"{alternative.group(1)} or {answer}"
            return Extraction(answer, "last_number", negated=_negated(region, start, end), start=start)
    bare = region.strip().rstrip(".")
    if bare and len(bare) <= _BARE_LIMIT and "\n" not in bare:
        return Extraction(bare, "bare")
    return None


def extract(text: str, last_number: bool = True) -> Extraction:
    """The final answer of a completion (``answer`` is None when nothing was found)."""
    cut = max((text.rfind(marker) + len(marker) for marker in REASONING_END if marker in text), default=-1)
    region = text[cut:] if cut >= 0 else text
    found = _decisive(region) or _weak(region, last_number)
    if found is None and cut >= 0:
        found = _decisive(text[:cut])
        if found is not None:
            found.method = f"{found.method}_in_reasoning"
    return found or Extraction(None, "none")


def extract_reference(reference: str) -> str:
    """The gold answer: the reference itself, or the final answer of a worked solution
    (``#### 42``, ``A: 42``, ``\\boxed{42}``).

    >>> extract_reference("She makes 9 * 2 = $18.\\n#### 18")
    '18'
    """
    reference = reference.strip()
    if "####" in reference or "\\boxed" in reference or "\\fbox" in reference or _A_LINE.search(reference):
        found = _decisive(reference) or _weak(reference, last_number=False)
        if found is not None and found.answer:
            return found.answer
    return reference
