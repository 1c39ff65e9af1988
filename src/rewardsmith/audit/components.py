"""The components of a composed spec: their distributions, correlations, shares and dominance.

A sum like ``correctness + 0.5 · format`` is only what its author meant if no term decides the
ranking alone. A term *overrides* the others on a pair of records when it orders the pair one
way, the rest of the sum orders it the other way, and the total follows the term. A term whose
weighted range exceeds the other terms' together can do so whatever they say: it is flagged.
"""

from __future__ import annotations

import itertools
import random
from typing import Any

import numpy as np

from .common import Scored, describe, finding, histogram
from .metrics import spearman


def component_table(data: Scored) -> tuple[list[str], list[int], np.ndarray, dict[str, float]]:
    """(labels, record indices, weighted values [records x components], weights) for records
    whose root result has a value and every component a value; None-valued terms count as 0."""
    labels: list[str] = []
    weights: dict[str, float] = {}
    for result in data.results:
        for label, entry in (result.details.get("components") or {}).items():
            if label not in weights:
                labels.append(label)
                weights[label] = float(entry.get("weight", 1.0) if entry.get("weight") is not None else 1.0)
    rows, indices = [], []
    for index in data.ok():
        components = data.results[index].details.get("components") or {}
        if not components:
            continue
        row = []
        for label in labels:
            entry = components.get(label) or {}
            value = entry.get("value")
            row.append(weights[label] * value if value is not None else 0.0)
        rows.append(row)
        indices.append(index)
    return labels, indices, np.asarray(rows, dtype=float).reshape(len(rows), len(labels)), weights


def _pairs(data: Scored, indices: list[int], limit: int = 20000) -> list[tuple[int, int]]:
    """Pairs of rows to compare: within groups when records are grouped, else a seeded sample."""
    position = {record: row for row, record in enumerate(indices)}
    groups = data.groups()
    if groups:
        pairs = [
            (position[a], position[b])
            for members in groups.values()
            for a, b in itertools.combinations([m for m in members if m in position], 2)
        ]
    else:
        pairs = list(itertools.combinations(range(len(indices)), 2)) if len(indices) <= 200 else []
        if not pairs:
            rng = random.Random(data.options.seed)
            pairs = [(a, b) for a, b in (rng.sample(range(len(indices)), 2) for _ in range(limit))]
    return pairs[:limit]


def components(data: Scored) -> dict[str, Any] | None:
    """Per-component statistics; None when the reward is not composed."""
    labels, indices, table, weights = component_table(data)
    if not labels or not len(indices):
        return None
    total = table.sum(axis=1)
    absolute = np.abs(table).mean(axis=0)
    shares = absolute / absolute.sum() if absolute.sum() else np.zeros(len(labels))
    ranges = table.max(axis=0) - table.min(axis=0)
    pairs = _pairs(data, indices)
    per_component = []
    findings = []
    for c, label in enumerate(labels):
        raw = [(data.results[i].details["components"].get(label) or {}).get("value") for i in data.ok()]
        values = [v for v in raw if v is not None]
        errors = sum(1 for r in data.results if ((r.details.get("components") or {}).get(label) or {}).get("error"))
        rest = total - table[:, c]
        overrides = sum(
            1
            for a, b in pairs
            if (table[a, c] - table[b, c]) * (rest[a] - rest[b]) < 0
            and np.sign(total[a] - total[b]) == np.sign(table[a, c] - table[b, c])
        )
        others_range = float(ranges.sum() - ranges[c])
        dominant = len(labels) > 1 and ranges[c] > others_range > 0
        per_component.append(
            {
                "label": label,
                "weight": weights[label],
                "stats": describe(values),
                "histogram": histogram(values) if values else None,
                "errors": errors,
                "share": float(shares[c]),
                "weighted_range": float(ranges[c]),
                "overrides": overrides,
                "override_rate": overrides / len(pairs) if pairs else 0.0,
                "dominant": bool(dominant),
            }
        )
        if dominant:
            findings.append(
                finding(
                    "warn",
                    f"component {label!r} can decide the ranking alone: its weighted range {ranges[c]:g} exceeds "
                    f"the other components' together ({others_range:g}), so they only break its ties; it "
                    f"overrides them on {overrides} of {len(pairs)} compared pairs. Intended?",
                )
            )
    correlation = [
        [spearman(table[:, a], table[:, b]) if a != b else 1.0 for b in range(len(labels))] for a in range(len(labels))
    ]
    return {
        "labels": labels,
        "components": per_component,
        "correlation": correlation,
        "pairs_compared": len(pairs),
        "metrics": {
            "dominant_components": sum(1 for c in per_component if c["dominant"]),
            **{f"component_share.{c['label']}": c["share"] for c in per_component},
            **{f"override_rate.{c['label']}": c["override_rate"] for c in per_component},
        },
        "findings": findings,
    }
