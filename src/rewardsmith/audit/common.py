"""What every report section reads: the scored records, the audit options, and small helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rewardsmith.core import RewardResult, Sample
from rewardsmith.core.reward import Reward


@dataclass
class Options:
    """Audit settings. ``threshold`` turns a reward into a yes/no (``reward >= threshold``);
    None means the midpoint of the reward's declared range, or 0.5."""

    threshold: float | None = None
    answer_field: str | None = None
    subset_field: str = "subset"
    recheck: int = 32
    batch_size: int = 1
    seed: int = 0
    top: int = 5
    search_records: int = 3
    #: Field naming each record's task, for the agents section's pass^k (several trials per task).
    task_field: str | None = None
    #: Tool-name patterns the trajectory probes treat as read-only (not required actions).
    ignore_tools: tuple[str, ...] = ()
    #: Path patterns an agent must not write (the trajectory probe ``test_tampering``).
    protect: tuple[str, ...] = ("tests/*",)


@dataclass
class Scored:
    """Samples with their results and timings: the input of every section."""

    reward: Reward
    samples: list[Sample]
    results: list[RewardResult]
    seconds: list[float]
    options: Options = field(default_factory=Options)

    def value(self, index: int) -> float | None:
        return self.results[index].value

    def ok(self) -> list[int]:
        """Indices of records that have a value."""
        return [i for i, r in enumerate(self.results) if r.value is not None]

    def valued(self) -> list[tuple[int, float]]:
        """(index, value) of the records that have a value, in order."""
        return [(i, r.value) for i, r in enumerate(self.results) if r.value is not None]

    @property
    def threshold(self) -> float:
        if self.options.threshold is not None:
            return self.options.threshold
        declared = self.reward.value_range
        return (declared[0] + declared[1]) / 2 if declared else 0.5

    def label(self, index: int) -> float | None:
        return parse_label(self.samples[index].label)

    def groups(self) -> dict[str, list[int]]:
        """Record indices per group, in order of first appearance (records without a group left out)."""
        out: dict[str, list[int]] = {}
        for index, sample in enumerate(self.samples):
            if sample.group is not None:
                out.setdefault(repr(sample.group), []).append(index)
        return out


def parse_label(raw: Any) -> float | None:
    """A label as a number: bools, numbers, numeric strings and "true"/"false"; else None.

    >>> parse_label(True), parse_label("0"), parse_label("false"), parse_label("n/a")
    (1.0, 0.0, 0.0, None)
    """
    if isinstance(raw, bool):
        return 1.0 if raw else 0.0
    if isinstance(raw, int | float):
        return float(raw) if np.isfinite(raw) else None
    if isinstance(raw, str):
        text = raw.strip().lower()
        if text in ("true", "false"):
            return 1.0 if text == "true" else 0.0
        try:
            return float(text)
        except ValueError:
            return None
    return None


def histogram(values: list[float], bins: int = 20) -> dict[str, Any]:
    """Counts per bin; a few distinct values get one bar each (``kind: discrete``).

    >>> histogram([0.0, 1.0, 1.0])
    {'kind': 'discrete', 'values': [0.0, 1.0], 'counts': [1, 2]}
    """
    distinct = sorted(set(values))
    if len(distinct) <= 12:
        return {"kind": "discrete", "values": distinct, "counts": [values.count(v) for v in distinct]}
    counts, edges = np.histogram(np.asarray(values, dtype=float), bins=bins)
    return {"kind": "bins", "edges": [float(e) for e in edges], "counts": [int(c) for c in counts]}


def excerpt(text: str, limit: int = 240) -> str:
    """The text shortened to ``limit`` characters, keeping its end (where answers usually are).

    >>> excerpt("a" * 10 + "The answer is 4", limit=20)
    'aaaaa … answer is 4'
    """
    text = text.strip()
    if len(text) <= limit:
        return text
    head = limit // 4
    return text[:head] + " … " + text[-(limit - head - 3) :].lstrip()


def describe(values: list[float]) -> dict[str, float | None]:
    """Mean, standard deviation, min, quantiles and max of a list of values (None if empty)."""
    if not values:
        return dict.fromkeys(("mean", "std", "min", "p05", "p25", "p50", "p75", "p95", "max"))
    x = np.asarray(values, dtype=float)
    q = np.quantile(x, [0.05, 0.25, 0.5, 0.75, 0.95])
    return {
        "mean": float(x.mean()),
        "std": float(x.std()),
        "min": float(x.min()),
        "p05": float(q[0]),
        "p25": float(q[1]),
        "p50": float(q[2]),
        "p75": float(q[3]),
        "p95": float(q[4]),
        "max": float(x.max()),
    }


def finding(level: str, text: str) -> dict[str, str]:
    """A line for the report's findings: level is ``bad``, ``warn`` or ``info``."""
    return {"level": level, "text": text}
