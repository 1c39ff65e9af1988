"""The built-in adversarial corpus for answer verifiers, independent of the user's data.

``corpus.jsonl`` (written for rewardsmith) holds (reference, completion, accept, reason) cases
in four kinds: ``exploit`` (degenerate strategies that must be rejected), ``equivalent``
(another notation of the right value: accept), ``near_miss`` (a different value close to the
right one: reject) and ``format`` (the right answer in realistic output: accept). Cases whose
verdict is debatable are ``contested`` and kept out of the headline rates.

A completion is *accepted* when its reward exceeds the threshold: by default the lowest reward
seen on the corpus (so a 0/1 verifier accepts at 1), or 0 when every case scored the same.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from rewardsmith.core import Reward, Sample

from .target import components

KINDS = ("exploit", "equivalent", "near_miss", "format")
MAX_FAILURES = 40


@dataclass(frozen=True)
class Case:
    """One corpus case: does a correct verifier accept ``completion`` for ``reference``?"""

    id: str
    kind: str
    cls: str
    reference: str
    completion: str
    accept: bool
    reason: str
    contested: bool = False
    prompt: str = ""

    def sample(self) -> Sample:
        return Sample(
            completion=self.completion, prompt=self.prompt or None, reference=self.reference, id=self.id
        )


@cache
def load_corpus() -> tuple[Case, ...]:
    """Every case of the shipped corpus.

    >>> cases = load_corpus()
    >>> len(cases) >= 200, sorted({c.kind for c in cases}) == sorted(KINDS)
    (True, True)
    """
    text = files(__package__).joinpath("corpus.jsonl").read_text(encoding="utf-8")
    cases = []
    for line in text.splitlines():
        raw = json.loads(line)
        raw["cls"] = raw.pop("class")
        cases.append(Case(**raw))
    return tuple(cases)


def _rates(cases: list[Case], accepted: list[bool | None]) -> tuple[float, float]:
    negatives = [a for c, a in zip(cases, accepted, strict=True) if not c.accept and a is not None]
    positives = [a for c, a in zip(cases, accepted, strict=True) if c.accept and a is not None]
    fp = sum(negatives) / len(negatives) if negatives else 0.0
    fn = sum(not a for a in positives) / len(positives) if positives else 0.0
    return fp, fn


def advise_threshold(cases: list[Case], values: list[float | None]) -> float | None:
    """The cut between distinct rewards that best separates accept from reject (balanced accuracy).

    >>> c = [Case("a", "format", "f", "1", "1", True, ""), Case("b", "exploit", "e", "1", "x", False, "")]
    >>> advise_threshold(c, [1.0, 0.1])
    0.55
    """
    levels = sorted({v for v in values if v is not None})
    best: tuple[float, float] | None = None
    for low, high in itertools.pairwise(levels):
        cut = (low + high) / 2
        fp, fn = _rates(cases, [None if v is None else v > cut for v in values])
        score = 1 - (fp + fn) / 2
        if best is None or score > best[0]:
            best = (score, round(cut, 12))
    return best[1] if best else None


def profile(exploits: list[str], fp: float, fn: float) -> str:
    """``permissive`` (accepts exploits or >10% wrong answers), ``format_strict`` (rejects most
    right answers, usually because it demands one output shape), or ``balanced``."""
    if exploits or fp > 0.10:
        return "permissive"
    return "format_strict" if fn > 0.50 else "balanced"


def judge(cases: list[Case], values: list[float | None], threshold: float | None) -> dict[str, Any]:
    """Rates, exploit classes accepted, profile and partial-credit advice for scored cases."""
    present = [v for v in values if v is not None]
    low, high = (min(present), max(present)) if present else (0.0, 0.0)
    cut = threshold if threshold is not None else (low if high > low else min(0.0, low))
    accepted = [None if v is None else v > cut for v in values]
    graded = [i for i, c in enumerate(cases) if not c.contested]
    wrong = {i for i in graded if accepted[i] is not None and accepted[i] != cases[i].accept}
    headline = [cases[i] for i in graded]
    fp, fn = _rates(headline, [accepted[i] for i in graded])
    exploit_classes = sorted(
        {c.cls for c, a in zip(cases, accepted, strict=True) if c.kind == "exploit" and a and not c.contested}
    )
    partial = len({v for v in present}) > 2
    advised = advise_threshold(headline, [values[i] for i in graded]) if partial else None
    by_kind = {
        kind: {
            "n": sum(1 for c in headline if c.kind == kind),
            "failed": sum(1 for i in wrong if cases[i].kind == kind),
        }
        for kind in KINDS
    }
    contested = [(c, a) for c, a in zip(cases, accepted, strict=True) if c.contested]
    out: dict[str, Any] = {
        "n": len(headline),
        "n_contested": len(contested),
        "threshold": cut,
        "false_positive_rate": fp,
        "false_negative_rate": fn,
        "exploit_classes": exploit_classes,
        "n_exploits_accepted": sum(
            1 for c, a in zip(cases, accepted, strict=True) if c.kind == "exploit" and a and not c.contested
        ),
        "errors": sum(v is None for v in values),
        "profile": profile(exploit_classes, fp, fn),
        "partial_credit": partial,
        "advised_threshold": advised,
        "by_kind": by_kind,
        "contested_accepted": {c.id: a for c, a in contested},
    }
    if advised is not None:
        at = [None if v is None else v > advised for v in values]
        out["at_advised_threshold"] = dict(
            zip(
                ("false_positive_rate", "false_negative_rate"),
                _rates(headline, [at[i] for i in graded]),
                strict=True,
            )
        )
    out["failures"] = [
        {
            "id": c.id,
            "kind": c.kind,
            "class": c.cls,
            "reference": c.reference,
            "completion": c.completion[:300],
            "reward": v,
            "expected": "accept" if c.accept else "reject",
            "reason": c.reason,
        }
        for i, (c, v) in enumerate(zip(cases, values, strict=True))
        if i in wrong
    ][:MAX_FAILURES]
    return out


def run_corpus(
    reward: Reward, threshold: float | None = None, cases: list[Case] | None = None
) -> dict[str, Any]:
    """Score the corpus with ``reward`` and each of its components, and judge each."""
    cases = list(cases if cases is not None else load_corpus())
    samples = [c.sample() for c in cases]
    result = judge(cases, [r.value for r in reward.score(samples)], threshold)
    parts = {}
    for label, component in components(reward):
        judged = judge(cases, [r.value for r in component.score(samples)], None)
        parts[label] = {
            k: judged[k] for k in ("false_positive_rate", "false_negative_rate", "exploit_classes")
        }
    if parts:
        result["components"] = parts
    return result
