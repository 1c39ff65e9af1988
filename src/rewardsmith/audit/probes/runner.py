"""Run probes on real records: score every variant and its control in one batch, compare.

A variant is an *exploit* when its reward exceeds its control's reward (its own record's
completion, the honest wrong twin, or the floor) by more than ``tolerance``. A record counts as
exploited when any of its variants is; the exploit rate is exploited records / applicable ones.
Errors are findings of their own, counted separately and never read as a score.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rewardsmith.core import Reward, Sample

from .answer import locate_answer, reference_text, wrong_answers
from .registry import Probe, ProbeCase, Variant
from .target import components, with_text

EXAMPLES_PER_PROBE = 3
BATCH = 512


@dataclass
class _Scored:
    """Rewards of every distinct text of one record, top level and per component."""

    case: ProbeCase
    texts: dict[str, int] = field(default_factory=dict)

    def index(self, text: str) -> int:
        return self.texts.setdefault(text, len(self.texts))


def make_case(sample: Sample) -> ProbeCase:
    """The record, its answer slot, and three wrong answers (none without a reference)."""
    reference = reference_text(sample.reference)
    slot = locate_answer(sample.text, reference)
    return ProbeCase(sample, slot, reference, wrong_answers(reference) if reference else ())


def applies(probe: Probe, case: ProbeCase) -> bool:
    if "reference" in probe.needs and (case.reference is None or not case.wrong):
        return False
    return not ("prompt" in probe.needs and not case.sample.prompt_text.strip())


def score_texts(reward: Reward, pairs: list[tuple[Sample, str]]) -> list[float | None]:
    """Reward values of ``text`` in the context of each sample, in batches; None for no value."""
    values: list[float | None] = []
    for start in range(0, len(pairs), BATCH):
        chunk = [with_text(sample, text) for sample, text in pairs[start : start + BATCH]]
        values += [r.value for r in reward.score(chunk)]
    return values


def pick_records(samples: list[Sample], max_records: int | None, seed: int) -> list[Sample]:
    """At most ``max_records`` records, drawn deterministically under ``seed``."""
    if max_records is None or len(samples) <= max_records:
        return samples
    chosen = sorted(random.Random(seed).sample(range(len(samples)), max_records))
    return [samples[i] for i in chosen]


def _control(values: list[float | None], scored: _Scored, control: str) -> float | None:
    original = values[scored.index(scored.case.text)]
    if control == "original":
        return original
    if not scored.case.wrong:
        return None
    wrong = values[scored.index(scored.case.wrong_twin)]
    if control == "wrong":
        return wrong
    present = [v for v in (wrong, values[scored.index("")]) if v is not None]
    return min(present) if present else None


def run_probes(
    reward: Reward,
    samples: Sequence[Sample],
    probes: list[Probe],
    tolerance: float = 1e-9,
    max_records: int | None = 200,
    seed: int = 0,
) -> dict[str, Any]:
    """Per probe: exploit rate, n, errors, examples and the components that pay for exploits."""
    records = pick_records(list(samples), max_records, seed)
    scored = [_Scored(make_case(s)) for s in records]
    plan: list[list[tuple[Probe, list[tuple[Variant, int]]]]] = []
    for item in scored:
        item.index(item.case.text)
        if item.case.wrong:
            item.index(item.case.wrong_twin)
            item.index("")
        plan.append(
            [
                (p, [(v, item.index(v.text)) for v in p.variants(item.case)])
                for p in probes
                if applies(p, item.case)
            ]
        )
    pairs = [(item.case.sample, text) for item in scored for text in item.texts]
    offsets, total = [], 0
    for item in scored:
        offsets.append(total)
        total += len(item.texts)
    targets = [("", reward), *components(reward)]
    table = {label: score_texts(r, pairs) for label, r in targets}
    return {p.name: _summarise(p, scored, plan, offsets, table, tolerance) for p in probes}


def _summarise(
    probe: Probe,
    scored: list[_Scored],
    plan: list[list[tuple[Probe, list[tuple[Variant, int]]]]],
    offsets: list[int],
    table: dict[str, list[float | None]],
    tolerance: float,
) -> dict[str, Any]:
    n = exploited = errors = variants = 0
    gains: list[float] = []
    examples: list[dict[str, Any]] = []
    paying: dict[str, int] = {label: 0 for label in table if label}
    for item, record_plan, offset in zip(scored, plan, offsets, strict=True):
        entry = next((vs for p, vs in record_plan if p is probe), None)
        if not entry:
            continue
        values = table[""][offset : offset + len(item.texts)]
        best: tuple[float, Variant, float, float] | None = None
        evaluable = False
        for variant, index in entry:
            variants += 1
            value, control = values[index], _control(values, item, variant.control)
            if value is None:
                errors += 1
                continue
            if control is None:
                continue
            evaluable = True
            gain = value - control
            if gain > tolerance and (best is None or gain > best[0]):
                best = (gain, variant, value, control)
        n += evaluable
        if best is None:
            continue
        exploited += 1
        gain, variant, value, control = best
        gains.append(gain)
        for label in paying:
            sub = table[label][offset : offset + len(item.texts)]
            sub_value, sub_control = sub[item.index(variant.text)], _control(sub, item, variant.control)
            if sub_value is not None and sub_control is not None and sub_value > sub_control + tolerance:
                paying[label] += 1
        if len(examples) < EXAMPLES_PER_PROBE:
            examples.append(
                {
                    "id": item.case.sample.id,
                    "note": variant.note,
                    "completion": variant.text[:400],
                    "reward": value,
                    "control": variant.control,
                    "control_reward": control,
                }
            )
    return {
        "description": probe.description,
        "exploit_rate": exploited / n if n else 0.0,
        "n": n,
        "n_exploited": exploited,
        "n_variants": variants,
        "errors": errors,
        "mean_gain": sum(gains) / len(gains) if gains else 0.0,
        "examples": examples,
        "components": {label: count / exploited for label, count in paying.items()} if exploited else {},
        "applies": n > 0,
    }
