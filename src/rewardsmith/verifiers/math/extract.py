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

from .expr import TooComplex
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
#: A base-n numeral at the end of a formula (``n = 1011_2``): group 1 or 2 is its base.
_NUMERAL_END = re.compile(r"(?<![\w\\])(?:[0-9A-Z]{2,}|\d)_(?:\{(\d{1,2})\}|(\d{1,2}))\s*$")
_LEADING_MATH = re.compile(r"(\$\$?|\\\[|\\\()((?:\\.|[^$\\])*?)(\$\$?|\\\]|\\\))")
#: A number in prose. A base-n numeral (``1011_2``, ``1A_{16}``; as in :mod:`.parse`, one letter
#: with a subscript is a name) is one candidate: its base is not a number the completion states.
_NUMBER = re.compile(
    r"[-−]?(?<![\w\\])(?:[0-9A-Z]{2,}|\d)_(?:\{\d{1,2}\}|\d{1,2}(?!\d))"
    r"|[-−]?\d[\d,]*(?:\.\d+)?(?:/\d+)?|[-−]?\.\d+"
)
_DIGIT = re.compile(r"\d")
#: What the reward writes where a completion copies the question: stated after the last number
#: of the final statement, the echo is what that statement ends on, not the number.
ECHO = "QUESTION"
#: A final statement that only offers an alternative to the one before ("Or maybe 4.").
_ALTERNATIVE = re.compile(r"\W*(?:or|alternatively|maybe|perhaps|possibly|otherwise)\b", re.IGNORECASE)
_STRIKE_CHARS = re.compile("[\u0334-\u0338]")
_STRUCK = re.compile("[^\u0334-\u0338][\u0334-\u0338]+")
#: A sentence: up to a full stop followed by a space (not the point of a decimal).
_SENTENCE = re.compile(r"(?:[^.!?]|[.!?](?!\s|$))+[.!?]*")
#: What separates numbers in a list of candidates: nothing but spaces, commas, "or"/"and"/"maybe".
_LISTED = re.compile(r"[\s,;/|]*(?:(?:or|and|maybe|perhaps|possibly)\b[\s,]*)*", re.IGNORECASE)
_DOUBT = re.compile(
    r"\b(?:either|maybe|perhaps|possibly|might|could|guess|not\s+sure|unsure|somewhere)\b",
    re.IGNORECASE,
)
#: Characters without which a line is not a formula (a line of prose has none of them).
_MATHS_CHAR = re.compile(r"[\d\\=<>≤≥^()\[\]{}+−-]")
_COMMAND_OR_TEXT = re.compile(
    r"\\(?:begin|end)\s*\{[^{}]*\}(?:\{[^{}]*\})?|\\(?:text|mbox|mathrm|textnormal|operatorname)\s*\{[^{}]*\}|\\[a-zA-Z]+"
)
_WORD = re.compile(r"[A-Za-z]{2,}")
_MATH_WORDS = {
    "sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
    "ln", "log", "exp", "sqrt", "pi", "or", "and", "to",
}
#: The longest text read as one whole answer when nothing marks it.
_SHORT = 200
#: The end of a sentence of prose (a worked solution has several).
_SENTENCE_END = re.compile(r"[a-z][.!?](?:\s|$)")
_NEGATION = re.compile(
    r"\b(?:not|isn't|never|rule[sd]?\s+out|ruling\s+out|exclude[sd]?|excluding|cannot\s+be|can't\s+be"
    r"|instead\s+of|rather\s+than|eliminate[sd]?)\s+(?:equal\s+to\s+|be\s+|exactly\s+|the\s+number\s+)?"
    r"(?:[$(\\[]|\\\(|\\boxed\{?)*\s*$",
    re.IGNORECASE,
)
_NEGATED_AFTER = re.compile(r"^[\s$}]*(?:is|was|would\s+be)\s+(?:not|wrong|incorrect)\b", re.IGNORECASE)
_PROSE = re.compile(r"\s(?!(?:and|or)\b)(?=[A-Za-z]{3,})(?![a-z]*\\)")
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
    begin = _LINE_START.match(text, start, stop).end()  # type: ignore[union-attr]  # every part is optional: always matches
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
    last.candidates = [s.answer for s in statements if s.answer and (s is last or not s.negated)]
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
    return window + _ANSWER_PREFIX.search(text[window:start]).start()  # type: ignore[union-attr]  # matches "" at the end


def _weak(region: str, last_number: bool) -> Extraction | None:
    markers = [(m.start(), m.end(), -1, "a_line") for m in _A_LINE.finditer(region)]
    if "answer" in region.lower():
        markers += [
            (_phrase_start(region, m.start()), m.end(), -1, "answer_is") for m in _ANSWER_IS.finditer(region)
        ]
    stated = _stated(region, markers)
    if stated is not None:
        return stated
    return _unmarked(region, last_number)


def _unmarked(region: str, last_number: bool) -> Extraction | None:
    """No answer marker: read the end of the completion as mathematics, then as prose.

    In order: the whole completion when it is short, its last line, a formula at its very end,
    the last formula of its final statement — each only when it parses as one whole answer
    (``\\frac{1}{2}``, ``(1, 2)``, ``x \\geq 5``, ``1e3``). Only then, prose: the last number of
    the final statement (optional), whose other candidate values make it a hedge; and last a
    short bare completion ("Oslo", "(C)")."""
    text = region.strip()
    if not text:
        return None
    if len(text) <= _SHORT and "\n" not in text and _is_math(_without_period(text)):
        return Extraction(_without_period(text), "bare", start=region.find(text))
    line_start = text.rfind("\n") + 1
    last_line = _markdown(text[line_start:])
    if line_start and len(last_line) <= _SHORT and _is_math(last_line):
        start = region.rfind(last_line)
        return Extraction(last_line, "last_line", negated=_negated(region, start, start), start=start)
    tail = max(0, len(region) - 2100)
    math = _TRAILING_MATH.search(region, tail)
    if math:
        negated = _negated(region, math.start(), math.end())
        return Extraction(math.group(2).strip(), "trailing_math", negated=negated, start=math.start())
    statement_start, statement = _final_statement(region)
    spans = list(_LEADING_MATH.finditer(statement))
    after = _without_own_base(spans[-1].group(2), statement[spans[-1].end() :]) if spans else ""
    if spans and not re.search(r"\d", after) and _is_math(spans[-1].group(2)):
        begin = statement_start + spans[-1].start()
        negated = _negated(region, begin, statement_start + spans[-1].end())
        return Extraction(spans[-1].group(2).strip(), "last_math", negated=negated, start=begin)
    if last_number:
        found = _last_number(region, statement_start, statement)
        if found is not None:
            return found
    bare = text.rstrip(".")
    if len(bare) <= _BARE_LIMIT and "\n" not in bare:
        return Extraction(bare, "bare")
    return None


def _without_own_base(numeral: str, after: str) -> str:
    """``after`` without the phrase naming the base of the numeral before it ("$1011_2$ in base
    2."): the base a numeral is written in is not a later number. Another base stays."""
    found = _NUMERAL_END.search(numeral)
    if found is None:
        return after
    base = found[1] or found[2]
    return re.sub(rf"\bbase[\s-]*\{{?{base}\}}?(?!\d)", " ", after, flags=re.I)


def _without_period(text: str) -> str:
    return text.rstrip(" .").strip()


def _markdown(line: str) -> str:
    return _BOLD.sub(r"\1", line).strip().strip("*").strip().rstrip(".").strip()


def _is_math(text: str) -> bool:
    """Whether ``text`` reads as one whole mathematical answer (not words, not unreadable)."""
    from .parse import parse_answer

    if not text or len(text) > _SHORT or not _MATHS_CHAR.search(text):
        return False
    bare = _COMMAND_OR_TEXT.sub(" ", text)
    if any(word.lower() not in _MATH_WORDS and not word.isupper() for word in _WORD.findall(bare)):
        return False
    try:
        return parse_answer(text).kind != "text"
    except (ValueError, TooComplex, RecursionError, ZeroDivisionError, IndexError):
        return False


def _final_statement(region: str) -> tuple[int, str]:
    """(start, text) of the last sentence of the completion that contains a digit."""
    window = max(0, len(region) - 5000)
    end = len(region)
    while end > window:
        newline = region.rfind("\n", window, end)
        line_start = newline + 1 if newline >= 0 else window
        line = region[line_start:end]
        if _DIGIT.search(line):
            sentences = [m for m in _SENTENCE.finditer(line) if _DIGIT.search(m.group(0))]
            last = sentences[-1]
            return line_start + last.start(), last.group(0)
        if newline < 0:
            break
        end = newline
    return len(region), ""


def _last_number(region: str, statement_start: int, statement: str) -> Extraction | None:
    """The last number of the final statement. Its other values are candidates: operands of a
    computation (left of its last ``=``) are not, but a list of numbers, or several numbers with
    a word of doubt ("or", "maybe", "either"), is a hedge (``19 17 20 18``, "17 or maybe 18")."""
    equals = max(statement.rfind("="), statement.rfind("\\approx"), statement.rfind("≈"))
    result = statement[equals + 1 :] if equals >= 0 else statement
    offset = statement_start + (equals + 1 if equals >= 0 else 0)
    numbers = list(_NUMBER.finditer(result))
    if not numbers:
        return None
    if len(numbers) > 1 and not re.search(r"\d", _without_own_base(numbers[-2][0], result[numbers[-2].end() :])):
        numbers.pop()
    match = numbers[-1]
    if ECHO in result[match.end() :]:
        return Extraction(ECHO, "echoed_question", start=statement_start)
    start, end = match.start() + offset, match.end() + offset
    answer = match.group(0).rstrip(",").replace("−", "-")
    run = [match]
    for before in reversed(numbers[:-1]):
        if not _LISTED.fullmatch(result, before.end(), run[0].start()):
            break
        run.insert(0, before)
    stated = [n.group(0) for n in (numbers if _DOUBT.search(result) else run)]
    if _ALTERNATIVE.match(statement):
        _, previous = _final_statement(region[: max(0, statement_start - 1)])
        earlier = list(_NUMBER.finditer(previous[previous.rfind("=") + 1 :]))
        stated = [earlier[-1].group(0), *stated] if earlier else stated
    values = list(dict.fromkeys(n.rstrip(",").replace("−", "-").replace(",", "") for n in stated))
    start = run[0].start() + offset
    found = Extraction(answer, "last_number", negated=_negated(region, start, end), start=start)
    if len(values) > 1:
        found.candidates = values
    return found


def extract(text: str, last_number: bool = True) -> Extraction:
    """The final answer of a completion (``answer`` is None when nothing was found). Struck-through
    characters (a combining overlay, ``4̶2̶``) are crossed out: each becomes ``□``, which states
    nothing and keeps the slot it filled (so an earlier number is not read in its place)."""
    if not text.isascii() and _STRIKE_CHARS.search(text):
        text = _STRUCK.sub("□", text)
    cut = max((text.rfind(marker) + len(marker) for marker in REASONING_END if marker in text), default=-1)
    region = text[cut:] if cut >= 0 else text
    found = _decisive(region) or _weak(region, last_number)
    if found is None and cut >= 0:
        found = _decisive(text[:cut])
        if found is not None:
            found.method = f"{found.method}_in_reasoning"
    return found or Extraction(None, "none")


_PHANTOM = re.compile(r"\\h?phantom\{[^{}]*\}")
_REFERENCE_MARKERS = re.compile(r"####|\\boxed|\\fbox|<answer>|final\s+answer|answer\s*(?:is|:)|^\s*A\s*:", re.I | re.M)


@lru_cache(maxsize=4096)
def read_reference(reference: str) -> tuple[str, str]:
    """(gold answer, how it was taken) from a reference, read like a prediction: a short answer
    is taken as given; a worked solution by its marker (MATH's ``\\boxed{}``, which wins over a
    later "final answer" in prose; several boxes in one paragraph are one answer list; GSM8K's
    ``#### 42``, ``A: 42``, "Final Answer: The final answer is X", "The answer is …"), else by
    its last formula (``$…$``). A worked solution with neither gives ``("", "none")``.

    >>> read_reference("She makes 9 * 2 = $18.\\n#### 18")
    ('18', 'hashes')
    >>> read_reference("Final Answer: The final answer is $\\\\frac{3}{4}$. I hope it is correct.")
    ('\\\\frac{3}{4}', 'final_answer')
    >>> read_reference("\\\\frac{3}{4}")
    ('\\\\frac{3}{4}', 'as_given')
    """
    reference = reference.strip()
    boxes = boxed_contents(reference) if "\\boxed" in reference or "\\fbox" in reference else []
    boxes = [(at, box) for at, box in boxes if _PHANTOM.sub("", box).strip()]
    if boxes and boxes[-1][1] and (len(boxes) == 1 or "\n" not in reference[boxes[0][0] :]):
        return ", ".join(dict.fromkeys(box for _, box in boxes if box)), "boxed"
    if _REFERENCE_MARKERS.search(reference):
        found = _decisive(reference) or _stated_weak(reference)
        if found is not None and found.answer:
            return found.answer, found.method
    if "\n" in reference or len(_SENTENCE_END.findall(reference)) > 1:
        spans = list(_LEADING_MATH.finditer(reference))
        if spans and spans[-1].group(2).strip():
            return spans[-1].group(2).strip(), "last_math"
        return "", "none"
    return reference, "as_given"


def _stated_weak(region: str) -> Extraction | None:
    markers = [(m.start(), m.end(), -1, "a_line") for m in _A_LINE.finditer(region)]
    markers += [(_phrase_start(region, m.start()), m.end(), -1, "answer_is") for m in _ANSWER_IS.finditer(region)]
    return _stated(region, markers)


def extract_reference(reference: str) -> str:
    """The gold answer of a reference (see :func:`read_reference`).

    >>> extract_reference("She makes 9 * 2 = $18.\\nA: 18")
    '18'
    """
    return read_reference(reference)[0]
