"""Sections over groups of completions of one prompt: best-of-N, group signal, process rewards."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from typing import Any

import numpy as np

from rewardsmith.verifiers.field import read_path

from .common import Scored, finding, histogram
from .process import earliest_error, earliest_error_f1, search_threshold
from .ranking import best_of_k, correct_rank, majority_at_k, no_signal, pass_at_k

_ANSWER_DETAILS = ("answer", "extracted", "prediction", "pred")


def _score(data: Scored, index: int) -> float:
    """A record's value for ranking; a record without one ranks last."""
    value = data.results[index].value
    return -math.inf if value is None else value


def answer_of(data: Scored, index: int) -> Any:
    """The record's final answer for majority vote: ``answer_field`` of the record, else what the
    reward extracted (``details['answer']`` and similar); None when neither exists."""
    field = data.options.answer_field
    if field:
        value = read_path(data.samples[index].to_record(), field)
        return value if isinstance(value, str | int | float | bool) else None
    details = data.results[index].details
    for key in _ANSWER_DETAILS:
        if isinstance(details.get(key), str | int | float):
            return str(details[key])
    return None


def _binary_labels(data: Scored, members: list[int]) -> list[int]:
    """The 0/1 labels of a group from ``labelled_groups`` (every label there is 0.0 or 1.0)."""
    return [1 if data.label(i) == 1.0 else 0 for i in members]


def labelled_groups(data: Scored) -> list[list[int]]:
    """Groups of two or more records whose labels are all 0/1."""
    out = []
    for members in data.groups().values():
        labels = [data.label(i) for i in members]
        if len(members) >= 2 and all(label in (0.0, 1.0) for label in labels):
            out.append(members)
    return out


def best_of_n(data: Scored) -> dict[str, Any] | None:
    """RewardMATH top-1 and MRR; best-of-k, majority@k and pass@k curves for k = 1..N."""
    groups = labelled_groups(data)
    if not groups or max(len(g) for g in groups) <= 2:
        return None
    ranks: list[int] = []
    for members in groups:
        labels = _binary_labels(data, members)
        if 0 < sum(labels) < len(labels):
            rank = correct_rank([_score(data, i) for i in members], labels)
            if rank is not None:
                ranks.append(rank)
    n_max = max(len(g) for g in groups)
    answers_known = any(answer_of(data, i) is not None for g in groups for i in g)
    ks = list(range(1, n_max + 1))
    reward_curve: list[float] = []
    pass_curve: list[float] = []
    majority_curve: list[float | None] = []
    for k in ks:
        bon, passed, majority = [], [], []
        for members in groups:
            labels = _binary_labels(data, members)
            bon.append(best_of_k([_score(data, i) for i in members], labels, k))
            passed.append(pass_at_k(len(labels), sum(labels), k))
            if answers_known:
                answers = [answer_of(data, i) for i in members]
                majority.append(majority_at_k(answers, labels, k, seed=data.options.seed))
        reward_curve.append(float(np.mean(bon)))
        pass_curve.append(float(np.mean(passed)))
        majority_curve.append(float(np.mean(majority)) if majority else None)
    curve = {"k": ks, "reward": reward_curve, "pass": pass_curve, "majority": majority_curve}
    section: dict[str, Any] = {
        "groups": len(groups),
        "group_sizes": dict(sorted(Counter(len(g) for g in groups).items())),
        "discriminative_groups": len(ranks),
        "top1_accuracy": sum(1 for r in ranks if r == 1) / len(ranks) if ranks else None,
        "mrr": float(np.mean([1 / r for r in ranks])) if ranks else None,
        "curve": curve,
        "findings": [],
    }
    best, random_pick, majority_n = reward_curve[-1], pass_curve[0], majority_curve[-1]
    section["metrics"] = {
        "top1_accuracy": section["top1_accuracy"],
        "mrr": section["mrr"],
        "bon_accuracy": best,
        "pass_at_1": random_pick,
        "pass_at_n": pass_curve[-1],
        "majority_at_n": majority_n,
    }
    if best < random_pick:
        section["findings"].append(
            finding(
                "bad",
                f"best-of-{n_max} by this reward ({best:.3f}) is worse than a random pick ({random_pick:.3f})",
            )
        )
    elif majority_n is not None and best < majority_n:
        section["findings"].append(
            finding(
                "warn",
                f"best-of-{n_max} by this reward ({best:.3f}) is below majority vote ({majority_n:.3f})",
            )
        )
    return section


def group_signal(data: Scored) -> dict[str, Any] | None:
    """Share of groups whose completions all get the same reward (no GRPO signal), and the
    histogram of per-group solve rates (share of a group with ``reward >= threshold``)."""
    flat: Counter[str] = Counter()
    rates, spreads, counted = [], [], 0
    for members in data.groups().values():
        values = [value for i in members if (value := data.value(i)) is not None]
        if len(values) < 2:
            continue
        counted += 1
        if no_signal(values):
            flat[f"{values[0]:g}"] += 1
        rates.append(sum(1 for v in values if v >= data.threshold) / len(values))
        spreads.append(float(np.std(values)))
    if not counted:
        return None
    share = sum(flat.values()) / counted
    section: dict[str, Any] = {
        "groups": counted,
        "no_signal_groups": sum(flat.values()),
        "no_signal_by_value": dict(flat.most_common(10)),
        "solve_rate_histogram": histogram([round(r, 6) for r in rates], bins=10),
        "mean_within_group_std": float(np.mean(spreads)),
        "metrics": {"no_signal_groups": share, "mean_within_group_std": float(np.mean(spreads))},
        "findings": [],
    }
    if share >= 0.5:
        section["findings"].append(finding("warn", f"{share:.0%} of groups give GRPO no learning signal"))
    return section


def prm_step_scores(details: Mapping[str, Any]) -> list[Any] | None:
    """The step scores of the process reward model inside a result: ``details['step_scores']`` of
    the deepest component that reports them (a bare ``model.prm``, or the one a ``steps.aggregate``
    or ``steps.clip`` wraps: those write aggregated or clipped values at the top, and the audit
    measures the model); None when none does, or when two components at that depth do.

    >>> inner = {"components": {"model.prm": {"details": {"step_scores": [0.9, 0.1]}}}}
    >>> prm_step_scores({"step_scores": [0.0, -0.4], **inner}), prm_step_scores({"value": 1})
    ([0.9, 0.1], None)
    """
    found: list[tuple[int, list[Any]]] = []

    def walk(node: Mapping[str, Any], depth: int) -> None:
        if isinstance(node.get("step_scores"), list):
            found.append((depth, node["step_scores"]))
        components = node.get("components")
        if isinstance(components, Mapping):
            for entry in components.values():
                if isinstance(entry, Mapping) and isinstance(entry.get("details"), Mapping):
                    walk(entry["details"], depth + 1)

    walk(details, 0)
    if not found:
        return None
    deepest = max(depth for depth, _ in found)
    at_deepest = [scores for depth, scores in found if depth == deepest]
    return at_deepest[0] if len(at_deepest) == 1 else None


def process_rewards(data: Scored) -> dict[str, Any] | None:
    """ProcessBench earliest-error F1 from step scores (:func:`prm_step_scores`) with the
    threshold search, or from a predicted index (``details['earliest_error']``).

    Applies to records with a list ``steps`` and an integer ``label`` (−1 = no wrong step). When
    there are such records but the reward reports neither, the section says so (a finding), so
    the F1 never silently disappears from a report."""
    labels, step_scores, predicted = [], [], []
    labelled = unscored = 0
    for index, sample in enumerate(data.samples):
        label = data.label(index)
        if not isinstance(sample.extra.get("steps"), list) or label is None or label != int(label) or label < -1:
            continue
        labelled += 1
        details = data.results[index].details
        scores = prm_step_scores(details)
        if scores is not None:
            labels.append(int(label))
            step_scores.append([float(s) for s in scores])
        elif isinstance(details.get("earliest_error"), int):
            labels.append(int(label))
            predicted.append(details["earliest_error"])
        elif data.results[index].error is None:
            unscored += 1
    if not labelled:
        return None
    if not labels:
        if not unscored:
            return None  # every labelled record errored: the health section reports why
        return {
            "n": 0,
            "findings": [finding(
                "warn",
                f"{unscored} records carry ProcessBench steps and labels, but the reward reports no step "
                "scores (details['step_scores'], at the top or in one component) nor an earliest_error "
                "index: no ProcessBench F1",
            )],
        }
    section: dict[str, Any] = {"n": len(labels), "findings": []}
    if step_scores:
        fixed = earliest_error_f1(labels, [earliest_error(s, data.threshold) for s in step_scores])
        searched = search_threshold(labels, step_scores)
        section.update(
            {"source": "step scores", "at_threshold": {"threshold": data.threshold, **fixed}, "searched": searched}
        )
        section["metrics"] = {"process_f1": searched["f1"], "process_f1_at_threshold": fixed["f1"]}
    else:
        result = earliest_error_f1(labels, predicted)
        section.update({"source": "predicted index", "at_threshold": result})
        section["metrics"] = {"process_f1": result["f1"]}
    return section
