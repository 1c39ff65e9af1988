"""Sections that compare the reward with labels: agreement, pairwise preference, bias.

Records carry ``label``: 0/1 (correct or not, chosen or rejected) or a number (a human rating).
Records without a label, or whose reward has no value, are left out and counted.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import numpy as np

from .common import Scored, excerpt, finding
from .metrics import auroc, best_threshold, calibration, classification_at, pearson, spearman


def labelled(data: Scored) -> list[tuple[int, float, float]]:
    """(record, reward, label) for records with both."""
    out = []
    for index, value in data.valued():
        label = data.label(index)
        if label is not None:
            out.append((index, value, label))
    return out


def is_binary(labels: list[float]) -> bool:
    return bool(labels) and set(labels) <= {0.0, 1.0}


def _example(data: Scored, index: int, label: float) -> dict[str, Any]:
    sample = data.samples[index]
    return {
        "record": index,
        "id": sample.id,
        "reward": data.results[index].value,
        "label": label,
        "reference": excerpt(str(sample.reference), 80) if sample.reference is not None else None,
        "completion": excerpt(sample.text),
    }


def agreement(data: Scored) -> dict[str, Any] | None:
    """Accuracy, precision/recall, AUROC, Spearman and calibration against the labels."""
    rows = labelled(data)
    if len(rows) < 2:
        return None
    indices = [r[0] for r in rows]
    scores = [r[1] for r in rows]
    labels = [r[2] for r in rows]
    top = data.options.top
    section: dict[str, Any] = {"n": len(rows), "unlabelled": len(data.results) - len(rows), "findings": []}
    rho = spearman(scores, labels)
    section["spearman"] = rho
    metrics: dict[str, Any] = {"spearman": rho}
    if is_binary(labels):
        at = classification_at(scores, labels, data.threshold)
        best_t, best_accuracy = best_threshold(scores, labels)
        area = auroc(scores, labels)
        calib = calibration(scores, labels)
        section.update(
            {
                "kind": "binary",
                "positives": int(sum(labels)),
                "at_threshold": at,
                "best_threshold": {"threshold": best_t, "accuracy": best_accuracy},
                "auroc": area,
                "calibration": calib,
            }
        )
        order = np.argsort(scores, kind="stable")
        section["false_negatives"] = [
            _example(data, indices[i], labels[i]) for i in order if labels[i] == 1.0 and scores[i] < data.threshold
        ][:top]
        section["false_positives"] = [
            _example(data, indices[i], labels[i])
            for i in order[::-1]
            if labels[i] == 0.0 and scores[i] >= data.threshold
        ][:top]
        metrics.update(
            {
                "accuracy": at["accuracy"],
                "precision": at["precision"],
                "recall": at["recall"],
                "f1": at["f1"],
                "accuracy_best": best_accuracy,
                "auroc": area,
                "ece": calib["ece"],
                "false_positive_rate": at["fp"] / (at["fp"] + at["tn"]) if at["fp"] + at["tn"] else None,
                "false_negative_rate": at["fn"] / (at["fn"] + at["tp"]) if at["fn"] + at["tp"] else None,
            }
        )
        if area is not None and area < 0.5:
            section["findings"].append(
                finding("bad", f"AUROC {area:.3f}: the reward ranks wrong answers above right ones")
            )
    else:
        section["kind"] = "numeric"
        section["pearson"] = pearson(scores, labels)
        metrics["pearson"] = section["pearson"]
        reward_rank = np.argsort(np.argsort(scores))
        label_rank = np.argsort(np.argsort(labels))
        gap = np.abs(reward_rank - label_rank)
        section["disagreements"] = [
            _example(data, indices[i], labels[i]) for i in np.argsort(-gap, kind="stable")[:top]
        ]
    section["metrics"] = metrics
    return section


def pairwise(data: Scored) -> dict[str, Any] | None:
    """RewardBench-style accuracy: groups of two records, one labelled 1 (chosen), one 0."""
    subsets: dict[str, list[bool]] = defaultdict(list)
    errors = 0
    for members in data.groups().values():
        labels = [data.label(i) for i in members]
        if len(members) != 2 or sorted(labels, key=lambda v: -1 if v is None else v) != [0.0, 1.0]:
            continue
        chosen, rejected = (members[0], members[1]) if labels[0] == 1.0 else (members[1], members[0])
        subset = str(data.samples[chosen].extra.get(data.options.subset_field, "all"))
        a, b = data.value(chosen), data.value(rejected)
        if a is None or b is None:
            errors += 1
            subsets[subset].append(False)
        else:
            subsets[subset].append(a > b)
    if not subsets:
        return None
    every = [hit for hits in subsets.values() for hit in hits]
    table: list[dict[str, Any]] = [
        {"subset": name, "n": len(hits), "accuracy": sum(hits) / len(hits)} for name, hits in sorted(subsets.items())
    ]
    metrics = {"pairwise_accuracy": sum(every) / len(every)}
    if len(table) > 1:
        metrics.update({f"pairwise_accuracy.{row['subset']}": row["accuracy"] for row in table})
    return {"n": len(every), "pairs_without_value": errors, "subsets": table, "metrics": metrics, "findings": []}


def _answer_position(text: str, reference: Any) -> str:
    if reference is None or isinstance(reference, dict | list) or not str(reference).strip():
        return "no reference"
    needle = str(reference).strip()
    found = [m.start() for m in re.finditer(re.escape(needle), text)]
    if not found:
        return "absent"
    relative = found[-1] / max(len(text), 1)
    return "first third" if relative < 1 / 3 else "middle third" if relative < 2 / 3 else "last third"


def bias(data: Scored) -> dict[str, Any] | None:
    """Correlation of the reward with completion length (overall, within groups, per label) and
    the mean reward by where the reference answer appears in the completion."""
    valued = data.valued()
    if len(valued) < 3:
        return None
    ok = [i for i, _ in valued]
    values = [value for _, value in valued]
    lengths = [len(data.samples[i].text) for i in ok]
    section: dict[str, Any] = {"length_spearman": spearman(values, lengths), "findings": []}
    within = []
    for members in data.groups().values():
        member_ok = [(i, value) for i in members if (value := data.value(i)) is not None]
        if len(member_ok) >= 3:
            rho = spearman([value for _, value in member_ok], [len(data.samples[i].text) for i, _ in member_ok])
            if rho is not None:
                within.append(rho)
    section["length_spearman_within_groups"] = float(np.mean(within)) if within else None
    by_label = {}
    for label_value in (0.0, 1.0):
        members_valued = [(i, value) for i, value in valued if data.label(i) == label_value]
        if len(members_valued) >= 3:
            by_label[str(int(label_value))] = spearman(
                [value for _, value in members_valued], [len(data.samples[i].text) for i, _ in members_valued]
            )
    section["length_spearman_by_label"] = by_label
    positions: dict[str, list[float]] = defaultdict(list)
    for i, value in valued:
        positions[_answer_position(data.samples[i].text, data.samples[i].reference)].append(value)
    order = ["first third", "middle third", "last third", "absent", "no reference"]
    section["answer_position"] = [
        {"position": p, "n": len(positions[p]), "mean_reward": float(np.mean(positions[p]))}
        for p in order
        if positions[p]
    ]
    section["length_scatter"] = {"length": lengths[:2000], "reward": values[:2000]}
    metrics = {
        "length_spearman": section["length_spearman"],
        "length_spearman_within_groups": section["length_spearman_within_groups"],
    }
    for label_key, rho in by_label.items():
        metrics[f"length_spearman.label_{label_key}"] = rho
    section["metrics"] = metrics
    strongest = section["length_spearman_within_groups"] or section["length_spearman"]
    if strongest is not None and abs(strongest) >= 0.3:
        section["findings"].append(
            finding("warn", f"reward correlates with completion length (Spearman {strongest:+.2f})")
        )
    return section
