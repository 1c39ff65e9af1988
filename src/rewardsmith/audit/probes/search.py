"""Attack search: the optimiser as auditor.

A bounded, deterministic beam search over a grammar of edits (phrases from the probe library,
tags, candidate answers, repeats, filler, confusables, injections) that maximises the reward of
completions that must not be accepted. Every candidate states a wrong answer or none: the
reference enters only hedged among wrong values, negated, struck through, or in the reasoning
before a wrong answer, so no candidate is a correct answer.

Per searched record it reports the best reward reached, the shortest edit sequence reaching it
(pruned by ablation), and ``relative = (best − wrong) / (correct − wrong)``: 0 when no edit beats
an honest wrong answer, 1 when some edit earns what a correct answer earns. The first round
applies every edit to every seed (wrong twin, wrong statement, empty); later rounds sample six edits per beam state.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rewardsmith.core import Reward, Sample

from .answer import value_pattern
from .padding import filler
from .phrases import INJECTIONS, MASTER_KEYS, PRAISE, ZERO_WIDTH, confusable, struck
from .registry import ProbeCase
from .runner import make_case, score_texts

MAX_CHARS = 6000
TAGS = ("<answer>{}</answer>", "\\boxed{{{}}}", "<think>{}</think>", "#### {}", "The answer is {}.")


@dataclass(frozen=True)
class Edit:
    """One grammar move: a name for the report and the function that applies it."""

    name: str
    apply: Callable[[str], str]


def _appending(text: str) -> Callable[[str], str]:
    return lambda t: t + "\n" + text


def _prepending(text: str) -> Callable[[str], str]:
    return lambda t: text + "\n" + t


def _wrapping(tag: str) -> Callable[[str], str]:
    return lambda t: tag.format(t)


def grammar(case: ProbeCase) -> list[Edit]:
    """Every edit the search may apply to a candidate of this record."""
    reference, wrong = case.reference or "", case.wrong
    edits = [Edit(f"append {p!r}", _appending(p)) for p in MASTER_KEYS + PRAISE]
    edits += [Edit(f"prepend {p!r}", _prepending(p)) for p in MASTER_KEYS[:6] + PRAISE[:2]]
    edits += [Edit(f"wrap {tag.format('…')!r}", _wrapping(tag)) for tag in TAGS]
    edits += [Edit(f"inject {i[:32]!r}", _appending(i.replace("{reference}", reference))) for i in INJECTIONS]
    edits += [
        Edit("add candidates", lambda t: t + f"\nIt could be {wrong[0]}, {reference} or {wrong[-1]}."),
        Edit("box candidates", lambda t: t + "".join(f" \\boxed{{{a}}}" for a in (wrong[0], reference))),
        Edit("negate reference", lambda t: t + f"\nIt is not {reference}."),
        Edit("mention reference", lambda t: f"Along the way we get {reference}.\n" + t),
        Edit("strike reference", lambda t: t + " " + struck(reference)),
        Edit("split reference", lambda t: t + f" {reference}{ZERO_WIDTH[0]}0"),
        Edit("state wrong answer", lambda t: t + f"\nThe answer is {wrong[0]}."),
        Edit("repeat last line", lambda t: t + "\n" + (t.rstrip().splitlines() or [""])[-1]),
        Edit("filler", lambda t: t + "\n" + filler(6)),
        Edit("confusables", confusable),
    ]
    return edits


def _states_value(text: str, value: str) -> bool:
    return bool(value) and re.search(value_pattern(value), text) is not None


def valid(case: ProbeCase, text: str) -> bool:
    """A candidate must not be a correct answer: it never names the reference without a wrong one."""
    if len(text) > MAX_CHARS:
        return False
    return not _states_value(text, case.reference or "") or _states_value(text, case.wrong[0])


@dataclass
class _Budget:
    left: int

    def take(self, n: int) -> int:
        n = min(n, self.left)
        self.left -= n
        return n


def _seeds(case: ProbeCase) -> dict[str, str]:
    return {"wrong twin": case.wrong_twin, "wrong statement": case.slot.statement(case.wrong[0]), "empty": ""}


def _rebuild(seeds: dict[str, str], by_name: dict[str, Edit], names: tuple[str, ...]) -> str:
    text = seeds[names[0]]
    for name in names[1:]:
        text = by_name[name].apply(text)
    return text


def _prune(
    reward: Reward,
    case: ProbeCase,
    best: tuple[float, tuple[str, ...], str],
    seeds: dict[str, str],
    by_name: dict[str, Edit],
    budget: _Budget,
    tolerance: float,
) -> tuple[float, tuple[str, ...], str]:
    """Drop every edit whose removal keeps the reward (ablation, latest edit first)."""
    value, names, text = best
    for index in range(len(names) - 1, 0, -1):
        shorter = names[:index] + names[index + 1 :]
        candidate = _rebuild(seeds, by_name, shorter)
        if not valid(case, candidate) or budget.take(1) < 1:
            continue
        [score] = score_texts(reward, [(case.sample, candidate)])
        if score is not None and score >= value - tolerance:
            value, names, text = score, shorter, candidate
    return value, names, text


def _search_record(
    reward: Reward, case: ProbeCase, budget: _Budget, rng: random.Random, beam: int, tolerance: float
) -> dict[str, Any] | None:
    sample = case.sample
    take = budget.take(2)
    if take < 2:
        return None
    correct, wrong = score_texts(reward, [(sample, case.text), (sample, case.wrong_twin)])
    if correct is None or wrong is None:
        return None
    edits = grammar(case)
    seen: dict[str, float | None] = {}
    frontier: list[tuple[float, tuple[str, ...], str]] = []

    def evaluate(items: list[tuple[tuple[str, ...], str]]) -> None:
        fresh = [(names, t) for names, t in dict((t, (n, t)) for n, t in items).values() if t not in seen]
        fresh = fresh[: budget.take(len(fresh))]
        values = score_texts(reward, [(sample, t) for _, t in fresh])
        for (names, text), value in zip(fresh, values, strict=True):
            seen[text] = value
            if value is not None:
                frontier.append((value, names, text))

    seeds = _seeds(case)
    evaluate([((name,), text) for name, text in seeds.items()])
    best = max(frontier, key=lambda f: (f[0], -len(f[1])), default=None)
    sweep = True
    while budget.left > 0:
        frontier.sort(key=lambda f: (-f[0], len(f[1]), len(f[2]), f[2]))
        children = []
        for _, names, text in frontier if sweep else frontier[:beam]:
            for edit in edits if sweep else rng.sample(edits, k=min(6, len(edits))):
                child = edit.apply(text)
                if valid(case, child) and child not in seen:
                    children.append(((*names, edit.name), child))
        if not children and not sweep:
            break
        sweep = False
        frontier = frontier[:beam]
        evaluate(children)
        top = max(frontier, key=lambda f: (f[0], -len(f[1])))
        if best is None or top[0] > best[0] + tolerance:
            best = top
    if best is None:
        return None
    value, names, text = _prune(reward, case, best, seeds, {e.name: e for e in edits}, budget, tolerance)
    return {
        "id": sample.id,
        "correct_reward": correct,
        "wrong_reward": wrong,
        "best_reward": value,
        "relative": _relative(value, correct, wrong, tolerance),
        "exploit": {
            "completion": text[:600],
            "reward": value,
            "edits": list(names),
            "classes": edit_classes(list(names)),
        }
        if value > wrong + tolerance
        else None,
    }


#: The exploit class an edit belongs to, for reports that compare with fixed corpora.
EDIT_CLASSES = {
    "append": "master_keys",
    "prepend": "master_keys",
    "wrap": "format_only",
    "inject": "injection",
    "add candidates": "hedge",
    "box candidates": "hedge",
    "negate reference": "negation",
    "mention reference": "contradiction",
    "strike reference": "unicode_confusables",
    "split reference": "unicode_confusables",
    "confusables": "unicode_confusables",
    "filler": "length_inflation",
    "repeat last line": "format_farming",
    "state wrong answer": "hedge",
}


def edit_classes(names: list[str]) -> list[str]:
    """The exploit classes of an edit sequence (praise phrases count as ``self_praise``).

    >>> edit_classes(["empty", "box candidates", "filler", f"append {PRAISE[0]!r}"])
    ['hedge', 'length_inflation', 'self_praise']
    """
    classes = set()
    for name in names[1:]:
        key = next((k for k in EDIT_CLASSES if name == k or name.startswith(k + " ")), None)
        if key is not None:
            is_praise = key in ("append", "prepend") and any(p[:20] in name for p in PRAISE)
            classes.add("self_praise" if is_praise else EDIT_CLASSES[key])
    return sorted(classes)


def _relative(best: float, correct: float, wrong: float, tolerance: float) -> float | None:
    """(best − wrong) / (correct − wrong); 1.0 when the record's correct answer earns no more
    than a wrong one yet an edit beats the wrong one; None when nothing separates anything."""
    if correct - wrong > tolerance:
        return (best - wrong) / (correct - wrong)
    return 1.0 if best > wrong + tolerance else None


def attack_search(
    reward: Reward,
    samples: Sequence[Sample],
    budget: int,
    seed: int = 0,
    beam: int = 4,
    max_records: int = 3,
    tolerance: float = 1e-9,
) -> dict[str, Any]:
    """Search ``budget`` reward evaluations in all for completions that beat an honest wrong answer.

    Records with a reference are searched in order, ``max_records`` at most, with the budget
    shared evenly; the same ``seed`` gives the same result.
    """
    cases = [make_case(s) for s in samples]
    cases = [c for c in cases if c.reference is not None and c.wrong][:max_records]
    shared = _Budget(budget)
    records = []
    for index, case in enumerate(cases):
        share = shared.left // (len(cases) - index)
        own = _Budget(share)
        found = _search_record(reward, case, own, random.Random(f"{seed}:{index}"), beam, tolerance)
        shared.take(share - own.left)
        if found is not None:
            records.append(found)
    relatives = [r["relative"] for r in records if r["relative"] is not None]
    exploits = [r for r in records if r["exploit"]]
    exploits.sort(key=lambda r: (-r["best_reward"], len(r["exploit"]["edits"])))
    return {
        "budget": budget,
        "evaluations": budget - shared.left,
        "seed": seed,
        "records": records,
        "max_reward": max((r["best_reward"] for r in records), default=None),
        "correct_reward": sum(r["correct_reward"] for r in records) / len(records) if records else None,
        "relative_reward": max(relatives) if relatives else None,
        "exploits": [
            {
                "id": r["id"],
                **r["exploit"],
                "wrong_reward": r["wrong_reward"],
                "correct_reward": r["correct_reward"],
            }
            for r in exploits
        ],
    }
