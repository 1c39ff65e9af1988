"""Stage one: find the final answer a completion states, and how it was found.

Two tiers of markers. **Decisive**: ``<answer>`` tags, ``\\boxed{}``/``\\fbox{}`` (nested braces),
``#### …`` (not a markdown heading) and "Final answer: …": when any is present, the last one is the
answer and later prose ("the expected answer is 18", written by the policy) cannot override it.
**Weak**, only without a decisive marker: "The answer is …" and ``A: …``. Every answer stated in
the winning tier is a candidate; different candidates are a hedge (scored 0 by the reward). Then a
``$…$``/``\\[…\\]`` formula at the very end, the last number (optional, and reported as such),
and last a short bare completion ("Oslo", "(C)"). A value beside a negation ("not 42",
``x \\neq -3``) is flagged. Text after a reasoning delimiter (``</think>``) takes precedence over
the reasoning. Every pattern is linear-time.

>>> extract("<think>maybe 41</think> So \\\\boxed{\\\\frac{1}{2}}.").answer
'\\\\frac{1}{2}'
>>> extract("Total: 3 + 4 = 7 apples").method
'last_number'
>>> extract("It is definitely not 42.").negated
True
>>> extract("#### 19\\nthe expected answer is 18").answer
'19'
>>> extract("\\\\boxed{43} or \\\\boxed{42}").candidates
['43', '42']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .normalise import matching

REASONING_END = ("</think>", "</reasoning>", "<|end_of_thought|>")
_ANSWER_TAG = re.compile(r"<answer>(.*?)(?:</answer>|$)", re.DOTALL | re.IGNORECASE)
_BOXED = re.compile(r"\\(?:boxed|fbox)\s*")
_FINAL = re.compile(r"final\s+answer\s*(?:is|:|=)?\s*:?", re.IGNORECASE)
_ANSWER_IS = re.compile(r"answer\s*(?:is|:|=)\s*:?", re.IGNORECASE)
_ANSWER_PREFIX = re.compile(r"(?:the\s+)?(?:correct\s+)?$", re.IGNORECASE)
_HASHES = re.compile(r"(?<!#)####(?!#)[ \t]*")
_HEADING = re.compile(r"(?:\d+[.)]\s+)?[A-Za-z]{2,}")
_A_LINE = re.compile(r"^\s*A\s*:\s*", re.MULTILINE)
_TRAILING_MATH = re.compile(
    r"(?<!\\)(\$\$?|\\\[|\\\()((?:\\.|[^$\\]){1,2000}?)(?<!\\)(\$\$?|\\\]|\\\))[\s.!]*$"
)
_LEADING_MATH = re.compile(r"(\$\$?|\\\[|\\\()((?:\\.|[^$\\])*?)(\$\$?|\\\]|\\\))")
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
#: A negated aside after the answer ("3 (not 4)"): dropped, the value before it is the answer.
_ASIDE = re.compile(
    r"\s*\((?:(?:and|but)\s+)?(?:not|rather\s+than|instead\s+of)\s[^()]*\)\s*$", re.IGNORECASE
)
_NOT_EQUAL = re.compile(
    r"(?:\\neq?(?![a-zA-Z])|\\not\s*=|≠|!=|=/=|\bdoes\s+not\s+equal|\bdoesn't\s+equal|\bunequal\s+to)"
    r"\s*(?:[$({\[]|\\\(|\\boxed\{?)*\s*$",
    re.IGNORECASE,
)
_NEGATION_WORDS = ("not", "n't", "never", "rul", "exclud", "instead", "rather", "eliminat")
_NOT_EQUAL_SIGNS = ("\\ne", "\\not", "≠", "!=", "=/=", "equal")
_LINE_START = re.compile(r"[ \t:*]*(?:\n\s*)?")
_BOLD = re.compile(r"\*\*([^*\n]+?)\*\*")
_BARE_BOX = re.compile(r"[^\s$]+")
_BRACE = re.compile(r"(?<!\\)[{}]")
_INTRODUCTION = re.compile(r"(?:[\s*:$]|\\[\[(]|\bthe\b|\bis\b)*", re.IGNORECASE)
_BARE_LIMIT = 64


@dataclass
class Extraction:
    """What was found: the answer text, the method, every answer stated by the same tier of
    markers (``candidates``; different ones are a hedge), and flags."""

    answer: str | None
    method: str
    candidates: list[str] = field(default_factory=list)
    negated: bool = False
    start: int = 0


def _brace_pairs(text: str) -> dict[int, int]:
    """Closing index of every balanced unescaped ``{``, in one pass (a box lookup is then O(1))."""
    pairs, stack = {}, []
    for brace in _BRACE.finditer(text):
        if brace.group(0) == "{":
            stack.append(brace.start())
        elif stack:
            pairs[stack.pop()] = brace.start()
    return pairs


def _boxes(text: str) -> list[tuple[int, int, int]]:
    """(start, content start, content end) of every outermost ``\\boxed{…}``/``\\fbox{…}``, nested
    braces included; the content is ``text[start:end].strip()``. Linear: boxes do not overlap, and
    after the first unbalanced one every brace pair is found in one pass."""
    found: list[tuple[int, int, int]] = []
    pairs: dict[int, int] | None = None  # built once the first unbalanced box is seen
    for match in _BOXED.finditer(text):
        position = match.end()
        if found and match.start() < found[-1][2]:
            continue
        if position < len(text) and text[position] == "{":
            end = matching(text, position) if pairs is None else pairs.get(position, -1)
            if end < 0 and pairs is None:
                pairs = _brace_pairs(text)
            if end > 0:
                found.append((match.start(), position + 1, end))
        elif token := _BARE_BOX.match(text, position):
            found.append((match.start(), token.start(), token.end()))
    return found


def boxed_contents(text: str) -> list[tuple[int, str]]:
    """(position, content) of every outermost ``\\boxed{…}``/``\\fbox{…}``."""
    return [(start, text[begin:end].strip()) for start, begin, end in _boxes(text)]


def _rest_of_line(text: str, start: int, stop: int | None = None) -> str:
    stop = len(text) if stop is None else stop
    begin = _LINE_START.match(text, start, stop).end()  # type: ignore[union-attr]
    newline = text.find("\n", begin, stop)
    line = text[begin : newline if newline >= 0 else stop].split("</", 1)[0]
    line = _BOLD.sub(r"\1", line).strip(" \t*")
    boxed = boxed_contents(line)
    if boxed:
        return boxed[-1][1]
    if line.startswith(("$", "\\[", "\\(")):
        math = _LEADING_MATH.match(line)
        if math:
            return math.group(2).strip()
    sentence = re.split(r"\.(?:\s|$)", line, maxsplit=1)[0]
    if _MATH_START.match(sentence):
        prose = _PROSE.search(sentence)
        if prose and sentence.count("{", 0, prose.start()) == sentence.count("}", 0, prose.start()):
            sentence = sentence[: prose.start()]
        sentence = _ASIDE.sub("", sentence)
    return sentence.strip().rstrip(".,;*").strip()


def _negated(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 80) : start]
    lowered = before.lower()
    return (
        (any(word in lowered for word in _NEGATION_WORDS) and bool(_NEGATION.search(before)))
        or (any(sign in lowered for sign in _NOT_EQUAL_SIGNS) and bool(_NOT_EQUAL.search(before)))
        or bool(_NEGATED_AFTER.match(text[end : end + 40]))
    )


Marker = tuple[int, int, int, str]  # (start, where its answer starts, where it ends or -1, method)


def _stated(region: str, markers: list[Marker]) -> Extraction | None:
    """The last answer stated after a marker, with every stated (not negated) answer as a
    candidate. A marker that only introduces the next one ("Final answer: the final answer is",
    "Final answer:\\n\\[\\boxed{5}", a tag around a box) states nothing itself; a statement
    ends where the next begins."""
    markers.sort()
    statements = []
    for index, (start, begin, end, method) in enumerate(markers):
        stop = markers[index + 1][0] if index + 1 < len(markers) else len(region)
        if method == "boxed":
            answer = region[begin:end].strip()
            negated = _negated(region, start, end)
        elif _INTRODUCTION.fullmatch(region, begin, max(begin, stop)) or begin <= stop < end:
            continue
        else:
            if method == "answer_tag":
                content = region[begin:end].strip()
                phrase = _ANSWER_IS.search(content)
                if phrase or "\n" in content:
                    content = _rest_of_line(content, phrase.end() if phrase else 0)
                answer = content
            else:
                answer = _rest_of_line(region, begin, stop)
            negated = bool(re.match(r"(?:not|never)\b", answer, re.IGNORECASE))
            if negated:
                answer = re.sub(r"^(?:not|never)\s+", "", answer, flags=re.IGNORECASE)
            negated = negated or _negated(region, start, start)
        if answer:
            statements.append(Extraction(answer, method, negated=negated, start=start))
    if not statements:
        return None
    last = statements[-1]
    last.candidates = [s.answer for s in statements if s is last or not s.negated]
    return last


def _decisive(region: str) -> Extraction | None:
    """Answer tags, boxes, ``####`` and "Final answer:": a format's answer marker, which later
    prose ("the expected answer is …") cannot override; different ones are a hedge."""
    markers = [(m.start(), m.start(1), m.end(1), "answer_tag") for m in _ANSWER_TAG.finditer(region)]
    markers += [(start, begin, end, "boxed") for start, begin, end in _boxes(region)]
    if "####" in region:
        markers += [
            (m.start(), m.end(), -1, "hashes")
            for m in _HASHES.finditer(region)
            if not _HEADING.match(region, m.end())
        ]
    if "final" in region.lower():
        markers += [(m.start(), m.end(), -1, "final_answer") for m in _FINAL.finditer(region)]
    return _stated(region, markers)


def _phrase_start(text: str, start: int) -> int:
    """Where "[the] [correct] answer is" begins (the pattern itself starts at "answer", which is fast)."""
    window = max(0, start - 20)
    return window + _ANSWER_PREFIX.search(text[window:start]).start()  # type: ignore[union-attr]


def _weak(region: str, last_number: bool) -> Extraction | None:
    markers = [(m.start(), m.end(), -1, "a_line") for m in _A_LINE.finditer(region)]
    if "answer" in region.lower():
        markers += [
            (_phrase_start(region, m.start()), m.end(), -1, "answer_is") for m in _ANSWER_IS.finditer(region)
        ]
    stated = _stated(region, markers)
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
                start = alternative.start(1)
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


@lru_cache(maxsize=4096)
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
