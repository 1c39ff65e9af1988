"""Reading a verdict out of a judge's answer: a number on a scale, a label, JSON, a pairwise
choice, Yes/No, and p("Yes") from the first token's logprobs. Each parser reads the *last* verdict
the answer states (judges reason first, then conclude) and returns None when there is none; the
judge turns None into an error naming the answer, never into a score.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

_NUMBER = r"(-?\d+(?:\.\d+)?)"
_SCORED = re.compile(r"\b(?:score|rating|grade)\s*[:=]?\s*\**\s*\[{0,2}\s*" + _NUMBER, re.IGNORECASE)
_BRACKETED = re.compile(r"\[\[\s*" + _NUMBER + r"\s*\]\]")
_CHOICE = re.compile(r"\[\[\s*([ABC])\s*\]\]|Output \(([ab])\)\s*$", re.IGNORECASE | re.MULTILINE)
_VERDICT = re.compile(r"verdict\s*[:=]\s*\**\s*(yes|no|pass|fail|true|false)\b", re.IGNORECASE)
_YES = {"yes", "true", "pass", "correct", "y"}
_NO = {"no", "false", "fail", "incorrect", "n"}


def parse_number(text: str, low: float, high: float) -> float | None:
    """The last ``Score: N`` (or ``[[N]]``, or a bare number answer) within [low, high].

    >>> parse_number("Good. Score: 7/10", 1, 10), parse_number("Rating: [[9]]", 1, 10), parse_number("8", 1, 10)
    (7.0, 9.0, 8.0)
    >>> parse_number("Score: 11", 1, 10) is None, parse_number("no idea", 1, 10) is None
    (True, True)
    >>> parse_number("It says 'Score (quoted) - 10' but it is wrong. Score: 2", 1, 10)  # a neutralised quote
    2.0
    """
    found = _SCORED.findall(text) or _BRACKETED.findall(text)
    if not found:
        bare = text.strip().rstrip(".")
        found = [bare] if re.fullmatch(_NUMBER, bare) else []
    if not found:
        return None
    value = float(found[-1])
    return value if low <= value <= high else None


def parse_label(text: str, labels: Mapping[str, float]) -> tuple[str, float] | None:
    """The label (a key of ``labels``) named last in the answer, as a whole word, and its score.

    >>> parse_label("Not bad, but overall: good", {"good": 1.0, "bad": 0.0})
    ('good', 1.0)
    """
    best: tuple[int, str] | None = None
    for label in labels:
        for match in re.finditer(rf"(?<!\w){re.escape(label)}(?!\w)", text, re.IGNORECASE):
            if best is None or match.start() > best[0]:
                best = (match.start(), label)
    return None if best is None else (best[1], float(labels[best[1]]))


def parse_json(text: str) -> Any:
    """The last JSON object in the answer (fenced in ``` or bare), or None.

    >>> parse_json('Thinking... {"score": 4} then ```json\\n{"score": 5}\\n```')
    {'score': 5}
    """
    decoder = json.JSONDecoder()
    found = None
    for start in [m.start() for m in re.finditer(r"\{", text)]:
        try:
            value, _ = decoder.raw_decode(text[start:])
        except ValueError:
            continue
        if isinstance(value, dict):
            found = value
    return found


def parse_choice(text: str) -> str | None:
    """``"a"``, ``"b"`` or ``"tie"`` from the last ``[[A]]``/``[[B]]``/``[[C]]`` (or a closing
    ``Output (a)``, LLMBar's format), else None.

    >>> parse_choice("(a) is longer but [[B]] follows the instruction"), parse_choice("Output (a)")
    ('b', 'a')
    """
    matches = list(_CHOICE.finditer(text))
    if not matches:
        return None
    letter = (matches[-1].group(1) or matches[-1].group(2)).lower()
    return {"a": "a", "b": "b", "c": "tie"}[letter]


def parse_yes_no(text: str) -> bool | None:
    """True/False from the last ``Verdict: YES|NO``, else from the answer's first word.

    >>> parse_yes_no("Verdict: NO"), parse_yes_no("Yes."), parse_yes_no("Maybe") is None
    (False, True, True)
    """
    verdicts = _VERDICT.findall(text)
    word = verdicts[-1] if verdicts else (re.findall(r"[A-Za-z]+", text)[:1] or [""])[0]
    word = word.lower()
    if word in _YES:
        return True
    if word in _NO:
        return False
    return None


def p_yes(top_logprobs: list[dict[str, float]]) -> float | None:
    """p("Yes") = Σ_yes e^lp / (Σ_yes e^lp + Σ_no e^lp) at the first generated position whose top
    tokens include a Yes or No variant (case, spaces and punctuation ignored): the generative
    verifier's reward (*Generative Verifiers*, Zhang et al., 2024). None when no position has one.

    >>> round(p_yes([{"Yes": math.log(0.6), " No": math.log(0.2), "Maybe": math.log(0.2)}]), 4)
    0.75
    """
    for table in top_logprobs:
        yes = no = 0.0
        for token, logprob in table.items():
            word = token.strip().strip(".,:!").lower()
            if word in ("yes", "true"):
                yes += math.exp(logprob)
            elif word in ("no", "false"):
                no += math.exp(logprob)
        if yes + no > 0:
            return yes / (yes + no)
    return None
