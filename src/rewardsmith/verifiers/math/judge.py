"""Parse both sides and decide: the one function the reward runs in-process (cheap limits, no
sympy) and, when that cannot decide, again in a worker process (high limits, sympy).

>>> judge("\\\\frac{3}{8}", "0.375")["equal"]
True
>>> judge("4", "3 or 4")["method"]
'hedged'
"""

from __future__ import annotations

import re
from typing import Any

from .compare import NeedsSymbolic, Symbolic, compare
from .expr import TooComplex, Unreadable
from .normalise import clean
from .parse import Answer, parse_answer

_LETTER_GOLD = re.compile(r"\s*\(?\s*(?:\\text\{\s*\(?)?[A-E]\)?\}?\)?\s*")


def _parse(raw: str, **options: bool) -> tuple[Answer | None, str | None]:
    try:
        return parse_answer(raw, **options), None
    except Unreadable as exc:
        return None, str(exc)


def _clean_or_raw(text: str) -> str:
    try:
        return clean(text)
    except Unreadable:
        return text.strip()


Gold = tuple[str, "Answer | None", "str | None"]


def parse_gold(gold_raw: str) -> Gold:
    """Parse a gold answer once; a GRPO group shares it among all its completions."""
    try:
        gold, why = _parse(gold_raw, letters=bool(_LETTER_GOLD.fullmatch(gold_raw)))
    except RecursionError as exc:
        raise TooComplex("recursion limit") from exc
    return gold_raw, gold, why


def judge(
    gold_raw: str | Gold,
    pred_raw: str | tuple[str, ...],
    rel_tol: float = 1e-6,
    allow_hedging: bool = False,
    symbolic: Symbolic | None = None,
) -> dict[str, Any]:
    """``{"equal", "method", "gold", "pred"}`` for one pair of extracted answers.

    ``gold_raw`` is a string or what :func:`parse_gold` made of one; ``pred_raw`` a string or
    the tuple of the different final answers a completion stated (see :func:`_several`). Raises
    :class:`~.expr.TooComplex` or :class:`~.compare.NeedsSymbolic` when the cheap path cannot
    decide and ``symbolic`` is None.
    """
    gold_raw, gold, gold_why = parse_gold(gold_raw) if isinstance(gold_raw, str) else gold_raw
    if not isinstance(pred_raw, str):
        return _several((gold_raw, gold, gold_why), pred_raw, rel_tol, allow_hedging, symbolic)
    try:
        is_scalar = gold is not None and gold.kind == "expr"
        letters = gold is not None and gold.kind == "letter"
        pred, pred_why = _parse(pred_raw, letters=letters, scalar=is_scalar)
    except RecursionError as exc:
        raise TooComplex("recursion limit") from exc
    gold_text = gold.text if gold else _clean_or_raw(gold_raw)
    pred_text = pred.text if pred else _clean_or_raw(pred_raw)
    out: dict[str, Any] = {"gold": gold_text, "pred": pred_text}
    if gold is None or pred is None:
        same = " ".join(gold_text.split()) == " ".join(pred_text.split())
        why = gold_why if gold is None else pred_why
        return {**out, "equal": same, "method": "string" if same else f"unreadable: {why}"}
    if pred.size > 1 and gold.size == 1 and not allow_hedging:
        return {**out, "equal": False, "method": "hedged"}
    if pred.size > 1 and gold.size == 1:
        equal = any(compare(gold, option, rel_tol, symbolic)[0] for option in pred.value)
        return {**out, "equal": equal, "method": "any_of_hedged"}
    equal, method = compare(gold, pred, rel_tol, symbolic)
    return {**out, "equal": equal, "method": method}


def _several(
    gold: Gold, preds: tuple[str, ...], rel_tol: float, allow_hedging: bool, symbolic: Symbolic | None
) -> dict[str, Any]:
    """Several final answers (two boxes, two ``####`` lines): equal only when every one of them
    equals the gold (the same value written twice), or any one with ``allow_hedging``. A gold
    with several values may also be stated one answer at a time (``\\boxed{1}, \\boxed{2}``)."""
    verdicts = [judge(gold, pred, rel_tol, allow_hedging, symbolic) for pred in preds]
    shown = {"gold": verdicts[0]["gold"], "pred": ", ".join(v["pred"] for v in verdicts)}
    if all(v["equal"] for v in verdicts):
        return {**shown, "equal": True, "method": verdicts[-1]["method"]}
    if allow_hedging and any(v["equal"] for v in verdicts):
        return {**shown, "equal": True, "method": "any_of_hedged"}
    if gold[1] is not None and gold[1].size > 1:
        joined = judge(gold, ", ".join(preds), rel_tol, allow_hedging, symbolic)
        if joined["equal"]:
            return joined
    return {**shown, "equal": False, "method": "hedged"}


__all__ = ["NeedsSymbolic", "TooComplex", "judge", "parse_gold"]
