"""Summary statistics of scored rows: overall and per component of a composed spec."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Stats:
    """Count, mean, std (population), min, max over values; errors and "not applicable" counted."""

    name: str
    values: list[float] = field(default_factory=list)
    errors: int = 0
    not_applicable: int = 0
    reasons: Counter = field(default_factory=Counter)

    def add(self, value: float | None, error: str | None) -> None:
        if value is not None:
            self.values.append(float(value))
        elif error is not None:
            self.errors += 1
            self.reasons[error.split(":", 1)[0][:80]] += 1
        else:
            self.not_applicable += 1

    @property
    def count(self) -> int:
        return len(self.values) + self.errors + self.not_applicable

    def as_dict(self) -> dict[str, Any]:
        n = len(self.values)
        mean = sum(self.values) / n if n else None
        std = math.sqrt(sum((v - mean) ** 2 for v in self.values) / n) if n and mean is not None else None
        return {
            "name": self.name,
            "count": self.count,
            "scored": n,
            "mean": mean,
            "std": std,
            "min": min(self.values) if n else None,
            "max": max(self.values) if n else None,
            "errors": self.errors,
            "not_applicable": self.not_applicable,
        }


def _walk_components(details: dict[str, Any], prefix: str, out: dict[str, Stats]) -> None:
    for label, entry in (details.get("components") or {}).items():
        if not isinstance(entry, dict):
            continue
        name = f"{prefix}/{label}"
        out.setdefault(name, Stats(name)).add(entry.get("value"), entry.get("error"))
        _walk_components(entry.get("details") or {}, name, out)


def summarize(rows: list[dict[str, Any]], root: str = "reward") -> list[dict[str, Any]]:
    """One stats dict for the total reward, then one per component path (``reward/text.exact``)."""
    total = Stats(root)
    components: dict[str, Stats] = {}
    for row in rows:
        total.add(row.get("reward"), row.get("reward_error"))
        _walk_components(row.get("reward_details") or {}, root, components)
    return [total.as_dict()] + [stats.as_dict() for stats in components.values()]


def error_kinds(rows: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """How many error rows of each kind (``reward_error_kind``), most frequent first (ties by name).

    >>> error_kinds([{"reward_error": "x", "reward_error_kind": "timeout"}, {"reward": 1.0}])
    [('timeout', 1)]
    """
    counter: Counter = Counter(
        str(row.get("reward_error_kind") or "crash") for row in rows if row.get("reward_error") is not None
    )
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))


_RECORD_SPECIFIC = re.compile(r"record '(?:[^'\\]|\\.)*'|record \S+(?=:)|\b\d+(?= tokens\b)")


def reason_key(error: str) -> str:
    """An error message with what names one record masked (its id, its token count), so that the
    same reason met by many records is counted once.

    >>> reason_key("model.prm: record 'gsm8k-2': 668 tokens exceed max_length 512 (truncate: error)")
    "model.prm: record '…': … tokens exceed max_length 512 (truncate: error)"
    >>> reason_key("exit code 137") == "exit code 137"
    True
    """
    return _RECORD_SPECIFIC.sub(lambda m: "record '…'" if m.group().startswith("record") else "…", error)


def error_reasons(rows: list[dict[str, Any]], limit: int = 5) -> list[tuple[str, int]]:
    """The most common error reasons (their first clause, one record's id and size masked by
    :func:`reason_key`), most frequent first, each shown as its first occurrence.

    >>> rows = [{"reward_error": f"record 'r{i}': {i} tokens exceed max_length 8"} for i in (9, 12)]
    >>> error_reasons(rows + [{"reward_error": "boom"}, {"reward": 1.0}])
    [("record 'r9': 9 tokens exceed max_length 8", 2), ('boom', 1)]
    """
    counter: Counter = Counter()
    shown: dict[str, str] = {}
    for row in rows:
        if row.get("reward_error"):
            text = str(row["reward_error"])[:120]
            key = reason_key(text)
            shown.setdefault(key, text)
            counter[key] += 1
    return [(shown[key], count) for key, count in counter.most_common(limit)]


def judge_usage(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """What the LLM judges of scored rows cost: every ``usage`` entry in their details (a judge's
    own, or a judge's inside a composed spec), summed; None when no judge was called.

    >>> row = {"reward_details": {"components": {"judge.verify": {"details": {"usage": {
    ...     "calls": 2, "cached": 1, "prompt_tokens": 30, "completion_tokens": 4, "cost": 0.5}}}}}}
    >>> judge_usage([row, row])
    {'calls': 4, 'cached': 2, 'prompt_tokens': 60, 'completion_tokens': 8, 'cost': 1.0}
    """
    total = dict.fromkeys(("calls", "cached", "prompt_tokens", "completion_tokens", "cost"), 0)

    def walk(details: Any) -> None:
        if not isinstance(details, dict):
            return
        usage = details.get("usage")
        if isinstance(usage, dict) and "calls" in usage:
            for key in total:
                total[key] += usage.get(key) or 0
        for entry in (details.get("components") or {}).values():
            if isinstance(entry, dict):
                walk(entry.get("details"))

    for row in rows:
        walk(row.get("reward_details"))
    return total if total["calls"] else None
