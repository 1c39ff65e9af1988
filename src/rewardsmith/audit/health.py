"""Sections about the reward itself: the distribution of its values and its health.

Health problems (exceptions, timeouts, NaN, values outside the declared range, different values
for the same record, slow records) are findings in their own right, never folded into a 0.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import numpy as np

from rewardsmith.core import ErrorKind
from rewardsmith.summary import reason_key

from .common import Scored, describe, excerpt, finding, histogram


def _is_nonfinite(reason: str) -> bool:
    text = reason.lower()
    return "non-finite" in text or "nan" in text.split() or "inf" in text.split()


def error_reasons(data: Scored, limit: int = 10) -> list[dict[str, Any]]:
    """The most common error reasons with how often each occurs and a few record ids; one reason
    met by many records (each message naming its own record) counts once, shown as its first."""
    ids: dict[str, list[Any]] = defaultdict(list)
    counts: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for index, result in enumerate(data.results):
        if result.error is not None:
            reason = result.error.strip().splitlines()[0][:200]
            key = reason_key(reason)
            shown.setdefault(key, reason)
            counts[key] += 1
            if len(ids[key]) < 3:
                ids[key].append(data.samples[index].id if data.samples[index].id is not None else index)
    return [{"reason": shown[k], "count": c, "records": ids[k]} for k, c in counts.most_common(limit)]


def distribution(data: Scored) -> dict[str, Any]:
    """Histogram and summary statistics of the values; the share and reasons of errors."""
    values = [value for _, value in data.valued()]
    n = len(data.results)
    errors = sum(1 for r in data.results if r.status == "error")
    not_applicable = sum(1 for r in data.results if r.status == "not_applicable")
    stats = describe(values)
    section: dict[str, Any] = {
        "n": n,
        "ok": len(values),
        "errors": errors,
        "not_applicable": not_applicable,
        "stats": stats,
        "histogram": histogram(values) if values else None,
        "error_reasons": error_reasons(data),
        "metrics": {
            "n_records": n,
            "mean_reward": stats["mean"],
            "reward_std": stats["std"],
            "error_rate": errors / n if n else 0.0,
            "not_applicable_rate": not_applicable / n if n else 0.0,
        },
        "findings": [],
    }
    if values and stats["std"] == 0:
        section["findings"].append(finding("bad", f"every record gets the same reward ({values[0]:g})"))
    return section


def _out_of_range(data: Scored) -> list[int]:
    declared = data.reward.value_range
    if declared is None:
        return []
    low, high = declared
    return [i for i, value in data.valued() if not low - 1e-12 <= value <= high + 1e-12]


def timing(data: Scored) -> dict[str, Any]:
    """Total and per-record times, and the slowest records with what they were."""
    seconds = np.asarray(data.seconds, dtype=float)
    if not len(seconds):
        return {"total_s": 0.0, "slowest": []}
    slowest = np.argsort(-seconds, kind="stable")[: data.options.top]
    return {
        "total_s": float(seconds.sum()),
        "mean_ms": float(seconds.mean() * 1000),
        "p50_ms": float(np.quantile(seconds, 0.5) * 1000),
        "p95_ms": float(np.quantile(seconds, 0.95) * 1000),
        "max_ms": float(seconds.max() * 1000),
        "slowest": [
            {
                "record": int(i),
                "id": data.samples[i].id,
                "ms": float(seconds[i] * 1000),
                "reward": data.results[i].value,
                "error": data.results[i].error,
                "completion": excerpt(data.samples[i].text, 160),
            }
            for i in slowest
        ],
    }


def health(data: Scored, rechecked: dict[str, Any] | None) -> dict[str, Any]:
    """Exceptions, timeouts, NaN, out-of-range values, non-determinism and timings.

    Errors are counted by the kind they were given where they were raised (``timeout``,
    ``bad_input``, ...), never by what their message says: ``<kind>_rate`` is a metric for
    ``--fail-on`` (``timeout_rate>0``).
    """
    n = len(data.results)
    reasons = [r.error for r in data.results if r.error is not None]
    kinds = Counter(str(r.error_kind or ErrorKind.CRASH) for r in data.results if r.error is not None)
    timeouts = kinds[ErrorKind.TIMEOUT]
    nonfinite = sum(1 for r in reasons if _is_nonfinite(r))
    outside = _out_of_range(data)
    section: dict[str, Any] = {
        "errors": len(reasons),
        "timeouts": timeouts,
        "errors_by_kind": {str(kind): kinds[kind] for kind in ErrorKind if kinds[kind]},
        "nonfinite": nonfinite,
        "value_range": list(data.reward.value_range) if data.reward.value_range else None,
        "out_of_range": len(outside),
        "out_of_range_examples": [
            {"record": i, "id": data.samples[i].id, "reward": data.results[i].value} for i in outside[:5]
        ],
        "recheck": rechecked,
        "timing": timing(data),
        "findings": [],
    }
    metrics = {
        **{f"{kind}_rate": kinds[kind] / n if n else 0.0 for kind in ErrorKind},
        "nonfinite_rate": nonfinite / n if n else 0.0,
        "out_of_range_rate": len(outside) / n if n else 0.0,
        "seconds_per_record": section["timing"].get("mean_ms", 0.0) / 1000,
    }
    findings = section["findings"]
    if reasons:
        findings.append(finding("bad", f"{len(reasons)} of {n} records raised an error or timed out"))
    if outside:
        findings.append(
            finding("bad", f"{len(outside)} values lie outside the declared range {data.reward.value_range}")
        )
    if rechecked is not None and rechecked["n"]:
        metrics["nondeterministic_rate"] = rechecked["differing"] / rechecked["n"]
        if rechecked["differing"]:
            findings.append(
                finding(
                    "bad", f"{rechecked['differing']} of {rechecked['n']} records scored twice got different results"
                )
            )
    section["metrics"] = metrics
    return section
