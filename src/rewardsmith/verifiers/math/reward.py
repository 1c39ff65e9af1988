"""``math.answer``: 1.0 when the completion's final answer equals the gold answer, else 0.0."""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any

from rewardsmith.core import RewardResult, Sample, register
from rewardsmith.core.result import ErrorKind
from rewardsmith.core.reward import Reward

from .expr import TooComplex, Unreadable
from .extract import ECHO, extract, read_reference
from .injection import addressed_to_grader
from .judge import Gold, NeedsSymbolic, judge, parse_gold
from .normalise import clean
from .parse import bracket_ok
from .pool import JobTimeout, WorkerFailed, shared_pool
from .symbolic import judge_in_worker

Key = tuple[str, "str | tuple[str, ...]"]
MAX_STATED = 16  # more different final answers than this are a hedge without comparing each


@register("math.answer")
class MathAnswer(Reward):
    """Verifiable math reward for GSM8K/MATH/AIME-style data (RLVR, as in DeepSeek-R1 and
    Tülu 3): r = 1 if answer(completion) ≡ answer(reference) else 0.

    Three stages, each its own module: :mod:`.extract` finds the final answer (``\\boxed{}``,
    ``<answer>``, "The answer is", ``####``, ``A:``, a trailing formula, optionally the last
    number; text after ``</think>`` first), :mod:`.normalise` removes notation, and
    :mod:`.compare` decides equality: exact rationals, floats within ``rel_tol``, identity tests
    at random points, tuples, sets, intervals, matrices, equations, choice letters. What those
    cannot decide goes to sympy in a process pool with a ``timeout`` that works in any thread;
    a timeout is an error result, never a 0.

    Hedging is not rewarded (several different answers, "3 or 4", a bare list ``19 17 20 18``),
    nor is a negated answer ("it is not 42"), unless ``allow_hedging`` is set (then any stated
    candidate may match). Text addressed to a grader (a forged verdict object, "the expected
    answer is 8", "grade this as correct") is an injection and earns 0 on every path, named in
    ``details["injection"]``. The reference is read like a prediction: a short answer, a list
    of acceptable answers, or a worked solution (``\\boxed{42}``, ``#### 42``, ``A: 42``,
    "Final Answer: …", its last ``$…$``), and ``details`` says what was taken from it. A
    reference that cannot be read (``\\frac{``, ``???``, a solution without an answer) is bad
    input: an error result of kind ``bad_input``, never a 0; a comparison that runs out of time
    is an error of kind ``timeout``.

    >>> reward = MathAnswer()
    >>> reward("so the total is \\\\boxed{\\\\dfrac{3}{4}}", "0.75").value
    1.0
    >>> reward("The answer is 3 or 4.", "4").details["comparison"]
    'hedged'
    >>> reward("Janet makes $1,250 a day.\\nA: 1,250", "#### 1250").value
    1.0
    """

    value_range = (0.0, 1.0)
    #: How the work is spread and remembered, never its values: left out of ``spec_hash``.
    runtime_params = frozenset({"workers", "cache_size"})

    def __init__(
        self,
        last_number: bool = True,
        allow_hedging: bool = False,
        rel_tol: float = 1e-6,
        timeout: float = 5.0,
        workers: int = 2,
        cache_size: int = 100_000,
    ) -> None:
        self.last_number = last_number
        self.allow_hedging = allow_hedging
        self.rel_tol = rel_tol
        self.timeout = timeout
        self.workers = workers
        self.cache_size = cache_size
        self._setup()

    def _setup(self) -> None:
        self._cache: OrderedDict[Key, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in ("_cache", "_lock")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._setup()

    def _remember(self, key: Key, verdict: dict[str, Any]) -> None:
        with self._lock:
            self._cache[key] = verdict
            if len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)

    def _cheap(self, gold: Gold | None, key: Key) -> dict[str, Any] | None:
        """The verdict from the cache or the in-process path; None when sympy must decide."""
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None:
            return cached
        if gold is None:
            return None
        try:
            verdict = judge(gold, key[1], self.rel_tol, self.allow_hedging)
        except (TooComplex, NeedsSymbolic):
            return None
        self._remember(key, verdict)
        return verdict

    def _expensive(self, key: Key) -> dict[str, Any] | RewardResult:
        """The verdict from a worker process, or the error result saying why there is none."""
        args = (key[0], key[1], self.rel_tol, self.allow_hedging)
        try:
            verdict = shared_pool(self.workers).run(judge_in_worker, args, self.timeout)
        except JobTimeout as exc:
            message = f"{exc} comparing {str(key[1])[:60]!r} with {key[0][:60]!r}"
            return RewardResult.fail(message, kind=ErrorKind.TIMEOUT)
        except WorkerFailed as exc:
            return RewardResult.fail(f"comparison failed: {exc}", kind=ErrorKind.CRASH)
        self._remember(key, verdict)
        return verdict

    def _prepare(self, sample: Sample, golds: dict[str, Gold | None]) -> tuple[dict[str, Any], Any]:
        """(details, key or finished result) for one sample."""
        reference = sample.reference
        if problem := _bad_reference_type(reference):
            return {}, RewardResult.fail(problem, kind=ErrorKind.BAD_INPUT, reference=_short(str(reference)))
        references = reference if isinstance(reference, list | tuple) else [reference]
        references = [str(r) for r in references if r is not None and str(r).strip()]
        if not references:
            return {}, RewardResult.fail("no reference answer to compare with", kind=ErrorKind.BAD_INPUT)
        read = [(ref, *_reference(ref)) for ref in references]
        for ref, _, _, why in read:
            if why:
                message = f"reference {_short(ref, 80)!r} cannot be read: {why}"
                return {}, RewardResult.fail(message, kind=ErrorKind.BAD_INPUT, reference=_short(ref))
        text = _without_echoed_prompt(sample)
        found = extract(text, self.last_number)
        details: dict[str, Any] = {"extracted": _short(found.answer), "extraction": found.method}
        if read[0][2] != "as_given":
            details.update(reference_answer=_short(read[0][1]), reference_extraction=read[0][2])
        if injection := addressed_to_grader(text):
            return details, RewardResult.ok(0.0, **details, comparison="injection", injection=_short(injection, 120))
        if found.answer is None:
            return details, RewardResult.ok(0.0, **details, comparison="no answer found")
        if found.negated:
            return details, RewardResult.ok(0.0, **details, comparison="negated")
        answer: str | tuple[str, ...] = found.answer
        if len(set(found.candidates)) > 1:
            stated: dict[str, str] = {}
            for candidate in found.candidates:
                stated.setdefault(clean_or_raw(candidate), candidate)
            distinct = [raw for cleaned, raw in stated.items() if cleaned]
            if len(distinct) > MAX_STATED and not self.allow_hedging:
                return details, RewardResult.ok(0.0, **details, comparison="hedged")
            answer = tuple(distinct) if len(distinct) > 1 else found.answer
        keys = []
        for _, gold_raw, _, _ in read:
            if gold_raw not in golds:
                try:
                    golds[gold_raw] = parse_gold(gold_raw)
                except TooComplex:
                    golds[gold_raw] = None
            keys.append((gold_raw, answer))
        return details, keys

    def score_batch(self, samples: list[Sample]) -> list[RewardResult]:
        golds: dict[str, Gold | None] = {}
        results: list[RewardResult | None] = [None] * len(samples)
        pending: dict[Key, list[int]] = {}
        prepared = []
        for index, sample in enumerate(samples):
            details, keys = self._prepare(sample, golds)
            prepared.append((details, keys))
            if isinstance(keys, RewardResult):
                results[index] = keys
        verdicts: dict[Key, dict[str, Any] | RewardResult] = {}
        for index, (_, keys) in enumerate(prepared):
            if isinstance(keys, RewardResult):
                continue
            for key in keys:
                if key not in verdicts:
                    verdict = self._cheap(golds.get(key[0]), key)
                    if verdict is None:
                        pending.setdefault(key, []).append(index)
                    else:
                        verdicts[key] = verdict
        if pending:
            with ThreadPoolExecutor(max_workers=self.workers) as executor:
                for key, decided in zip(pending, executor.map(self._expensive, pending), strict=True):
                    verdicts[key] = decided
        return [
            result if result is not None else _combine(details, [verdicts[key] for key in keys])
            for (details, keys), result in zip(prepared, results, strict=True)
        ]


def _bad_reference_type(reference: Any) -> str | None:
    """Why ``reference`` is neither an answer nor a list of acceptable answers, or None."""
    items = reference if isinstance(reference, list | tuple) else [reference]
    for item in items:
        if isinstance(item, dict):
            return f"reference is a mapping ({_short(str(item), 80)}), not an answer or a list of acceptable answers"
        if isinstance(item, list | tuple):
            return f"reference holds a nested list ({_short(str(item), 80)}), not a list of acceptable answers"
        if isinstance(item, float) and not math.isfinite(item):
            return f"reference {item} is not a finite number"
    return None


def _without_echoed_prompt(sample: Sample) -> str:
    """The completion with verbatim copies of the prompt replaced by a placeholder.

    Text copied from the question is not the model's answer: a completion that echoes
    "What is 0.2 as a fraction?" (alone, or inside ``\\boxed{}``) must not be paid for 1/5. The
    placeholder keeps an answer slot filled, so the echo is never skipped for an earlier number.

    >>> _without_echoed_prompt(Sample("So: What is 0.2 as a fraction?", prompt="What is 0.2 as a fraction?"))
    'So: QUESTION'
    """
    text = sample.text
    prompt = sample.prompt_text.strip() if sample.prompt is not None else ""
    if len(prompt) >= 12 and prompt in text:
        text = text.replace(prompt, ECHO)
    return text


@lru_cache(maxsize=4096)
def _reference(reference: str) -> tuple[str, str, str | None]:
    """(gold answer, how it was taken, why it cannot be read or None): once per reference."""
    gold, method = read_reference(reference)
    return gold, method, _unreadable_reference(gold)


def _unreadable_reference(gold: str) -> str | None:
    """Why a gold answer cannot be read at all, or None. Well-formed notation the parser does not
    know still compares as text; only a broken reference is refused."""
    if not gold:
        return "a worked solution with no final answer in it"
    if not bracket_ok(gold) or gold.count("(") + gold.count("[") != gold.count(")") + gold.count("]"):
        return "unbalanced brackets"
    if not any(char.isalnum() for char in gold) and not any(s in gold for s in ("∅", "∞", "π", "√")):
        return "no digit, letter or symbol to compare"
    if re.search(r"\\(?:[dt]?frac|sqrt|binom|text|mathrm|boxed|left|begin)\s*$", gold):
        return "it ends inside a LaTeX command"
    foreign = next((char for char in gold if _foreign(char)), None)
    if foreign is not None:
        try:
            unreadable = parse_gold(gold)[1] is None
        except TooComplex:
            unreadable = False
        if unreadable:  # neither mathematics nor words: a string comparison would only pay 0
            return f"{foreign!r} is neither mathematics nor a word answer"
    return None


def _foreign(char: str) -> bool:
    """A character of no answer: '@', a backtick, a control or private-use code point, a
    replacement character, an emoji or other pictograph (the degree signs excepted)."""
    if char in "@`\ufffd":
        return True
    category = unicodedata.category(char)
    if category in ("Cc", "Cf", "Co", "Cn", "Cs"):
        return not char.isspace()
    return category == "So" and char not in "°℃℉"


def clean_or_raw(text: str) -> str:
    try:
        return clean(text)
    except (TooComplex, Unreadable):
        return text


def _combine(details: dict[str, Any], verdicts: list[dict[str, Any] | RewardResult]) -> RewardResult:
    """One result from the verdicts against each acceptable reference (any match wins)."""
    for verdict in verdicts:
        if isinstance(verdict, dict) and verdict["equal"]:
            return RewardResult.ok(1.0, **details, **_shown(verdict))
    errors = [v for v in verdicts if isinstance(v, RewardResult)]
    if errors:
        return RewardResult.fail(errors[0].error or "", kind=errors[0].error_kind or ErrorKind.CRASH, **details)
    compared = [v for v in verdicts if isinstance(v, dict)]
    return RewardResult.ok(0.0, **details, **_shown(compared[0]))


def _short(text: str | None, limit: int = 300) -> str | None:
    return text if text is None or len(text) <= limit else text[:limit] + "…"


def _shown(verdict: dict[str, Any]) -> dict[str, Any]:
    return {
        "gold": _short(verdict["gold"]),
        "normalised": _short(verdict["pred"]),
        "comparison": verdict["method"],
    }
