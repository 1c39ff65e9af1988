"""Statistics of one scored batch, and the trend tests the alerts run over steps.

Everything here is a pure function of numbers: a batch of :class:`RewardResult` (with the
samples' groups and completion lengths) in, a JSON-able dict out. The monitor calls
:func:`batch_stats` once per source and step; the alert rules call :func:`mann_kendall` and
:func:`theil_sen` over the per-step means.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from rewardsmith.core import ErrorKind, RewardResult

KINDS = tuple(str(kind) for kind in ErrorKind)


def _mean_std(values: Sequence[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    array = np.asarray(values, dtype=float)
    return float(array.mean()), float(array.std())


def pearson(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Pearson's r; None with fewer than 3 pairs or a constant side (no correlation to speak of).

    >>> pearson([1, 2, 3], [2, 4, 7])
    0.9933992677987828
    >>> pearson([1, 2, 3], [5, 5, 5]) is None
    True
    """
    if len(x) < 3:
        return None
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    a, b = a - a.mean(), b - b.mean()
    denominator = math.sqrt(float(a @ a) * float(b @ b))
    if denominator == 0.0:
        return None
    return float(np.clip((a @ b) / denominator, -1.0, 1.0))


def component_values(result: RewardResult) -> dict[str, tuple[float | None, float | None]]:
    """``{label: (value, weight)}`` of the top-level components of a composed result."""
    components = result.details.get("components") if isinstance(result.details, Mapping) else None
    if not isinstance(components, Mapping):
        return {}
    out: dict[str, tuple[float | None, float | None]] = {}
    for label, entry in components.items():
        if isinstance(entry, Mapping):
            value, weight = entry.get("value"), entry.get("weight")
            out[str(label)] = (
                None if value is None else float(value),
                None if weight is None else float(weight),
            )
    return out


def variance_shares(total: Sequence[float], parts: Mapping[str, Sequence[float]]) -> dict[str, float]:
    """Share of the total's variance each part explains: s_i = Cov(x_i, R) / Var(R).

    For a weighted sum R = Σ_i x_i (x_i = w_i · r_i) the shares add up to 1 exactly, since
    Var(R) = Σ_i Cov(x_i, R); a share near 1 means one component decides the ranking alone,
    a negative share means a component pulls against the total. Empty when R is constant.

    >>> variance_shares([1, 2, 3, 4], {"a": [1, 2, 3, 4], "b": [0, 0, 0, 0]})
    {'a': 1.0, 'b': 0.0}
    """
    r = np.asarray(total, dtype=float)
    if len(r) < 2:
        return {}
    centred = r - r.mean()
    variance = float(centred @ centred)
    if variance == 0.0:
        return {}
    return {
        label: float((np.asarray(x, dtype=float) - np.mean(x)) @ centred / variance) for label, x in parts.items()
    }


def no_signal_share(groups: Sequence[Any], results: Sequence[RewardResult]) -> tuple[int, float | None]:
    """(groups, share of them with no learning signal).

    A group (the completions of one prompt, two or more of them) has no signal when its scored
    completions all get the same value, or fewer than two of them have a value: GRPO's advantage
    (r − mean_group)/std_group is then 0 for every member. Samples without a group are ignored.

    >>> ok = RewardResult.ok
    >>> no_signal_share([0, 0, 1, 1], [ok(1), ok(1), ok(0), ok(1)])
    (2, 0.5)
    """
    members: dict[Any, list[float | None]] = {}
    for group, result in zip(groups, results, strict=True):
        if group is not None:
            key = group if isinstance(group, str | int | float | tuple) else repr(group)
            members.setdefault(key, []).append(result.value)
    sized = [values for values in members.values() if len(values) >= 2]
    if not sized:
        return 0, None
    silent = sum(len({v for v in values if v is not None}) <= 1 or sum(v is not None for v in values) < 2
                 for values in sized)
    return len(sized), silent / len(sized)


def batch_stats(
    results: Sequence[RewardResult],
    groups: Sequence[Any] | None = None,
    lengths: Sequence[float] | None = None,
) -> dict[str, Any]:
    """What one source said about one batch.

    * ``mean``/``std``/``min``/``max`` over the results with a value (population std);
    * ``errors`` by :class:`ErrorKind` (every kind present, 0 when none), ``error_rate``,
      ``timeout_rate``, ``not_applicable_rate`` (each over all ``n`` results);
    * ``groups`` and ``no_signal_share`` (see :func:`no_signal_share`);
    * ``length_mean``/``length_std`` and ``length_corr``, Pearson's r between completion length
      and the reward over the scored samples;
    * ``components``: per top-level component, ``mean``/``std``/``n``/``errors``, its ``weight``
      in the total when the combinator has weights, and ``share``
      (:func:`variance_shares` of its weighted value in the total, over the samples where the
      total and every component have a value).

    >>> stats = batch_stats([RewardResult.ok(1), RewardResult.fail("late", kind="timeout"),
    ...                      RewardResult.not_applicable()], lengths=[3, 4, 5])
    >>> stats["mean"], stats["error_rate"], stats["errors"]["timeout"], stats["not_applicable_rate"]
    (1.0, 0.3333333333333333, 1, 0.3333333333333333)
    """
    n = len(results)
    values = [r.value for r in results if r.value is not None]
    errors = dict.fromkeys(KINDS, 0)
    for result in results:
        if result.error is not None:
            errors[str(result.error_kind or ErrorKind.CRASH)] += 1
    mean, std = _mean_std(values)
    error_count = sum(errors.values())
    not_applicable = sum(r.status == "not_applicable" for r in results)
    stats: dict[str, Any] = {
        "n": n,
        "ok": len(values),
        "mean": mean,
        "std": std,
        "min": min(values) if values else None,
        "max": max(values) if values else None,
        "errors": errors,
        "error_rate": error_count / n if n else None,
        "timeout_rate": errors["timeout"] / n if n else None,
        "not_applicable_rate": not_applicable / n if n else None,
    }
    count, share = no_signal_share(groups, results) if groups is not None else (0, None)
    stats["groups"], stats["no_signal_share"] = count, share
    if lengths is not None:
        length_mean, length_std = _mean_std([float(x) for x in lengths])
        scored = [(float(x), r.value) for x, r in zip(lengths, results, strict=True) if r.value is not None]
        stats["length_mean"], stats["length_std"] = length_mean, length_std
        stats["length_corr"] = pearson([a for a, _ in scored], [b for _, b in scored]) if scored else None
    stats["components"] = _components(results)
    return stats


def _components(results: Sequence[RewardResult]) -> dict[str, dict[str, Any]]:
    per_sample = [component_values(r) for r in results]
    labels = list(dict.fromkeys(label for parts in per_sample for label in parts))
    out: dict[str, dict[str, Any]] = {}
    for label in labels:
        present = [parts[label][0] for parts in per_sample if label in parts]
        values = [v for v in present if v is not None]
        mean, std = _mean_std(values)
        errors = sum(
            1
            for r, parts in zip(results, per_sample, strict=True)
            if label in parts and parts[label][0] is None and _component_error(r, label)
        )
        weight = next((parts[label][1] for parts in per_sample if label in parts and parts[label][1] is not None),
                      None)
        out[label] = {"mean": mean, "std": std, "n": len(values), "errors": errors, "share": None, "weight": weight}
    complete: list[tuple[float, dict[str, tuple[float, float]]]] = []
    for r, parts in zip(results, per_sample, strict=True):
        if r.value is None or not parts:
            continue
        known = {label: (value, 1.0 if weight is None else weight)
                 for label, (value, weight) in parts.items() if value is not None}
        if all(label in known for label in labels):
            complete.append((r.value, known))
    if len(labels) >= 1 and len(complete) >= 2:
        weighted = {label: [parts[label][0] * parts[label][1] for _, parts in complete] for label in labels}
        for label, share in variance_shares([total for total, _ in complete], weighted).items():
            out[label]["share"] = share
    return out


def _component_error(result: RewardResult, label: str) -> bool:
    entry = result.details.get("components", {}).get(label)
    return isinstance(entry, Mapping) and entry.get("error") is not None


def mann_kendall(values: Sequence[float]) -> tuple[int, float]:
    """(S, Z) of the Mann–Kendall trend test (Mann 1945; Kendall 1975), ties corrected.

    S = Σ_{i<j} sign(x_j − x_i); Var(S) = [n(n − 1)(2n + 5) − Σ_t t(t − 1)(2t + 5)]/18, the sum
    over groups of t tied values (a reward that saturates at its maximum is a run of ties);
    Z = (S − sign(S))/√Var(S) with the continuity correction. Z ≥ 1.645 is an upward trend at
    the one-sided 5 % level. Z is 0 with fewer than 3 values or no variance.

    >>> mann_kendall([0.1, 0.2, 0.3, 0.4, 0.5])
    (10, 2.2045407685048604)
    >>> mann_kendall([0.2, 0.6, 1.0, 1.0, 1.0])
    (7, 1.6641005886756874)
    >>> mann_kendall([1, 1, 1, 1])
    (0, 0.0)
    """
    x = list(values)
    n = len(x)
    s = sum((x[j] > x[i]) - (x[j] < x[i]) for i in range(n) for j in range(i + 1, n))
    ties = Counter(x).values()
    variance = (n * (n - 1) * (2 * n + 5) - sum(t * (t - 1) * (2 * t + 5) for t in ties)) / 18
    if n < 3 or s == 0 or variance <= 0:
        return s, 0.0
    return s, (s - (1 if s > 0 else -1)) / math.sqrt(variance)


def theil_sen(steps: Sequence[float], values: Sequence[float]) -> float:
    """Theil–Sen slope (Sen 1968): the median of the pairwise slopes (x_j − x_i)/(t_j − t_i).

    Robust to a few outlying steps, unlike least squares.

    >>> round(theil_sen([1, 2, 3, 4, 5], [0.0, 0.1, 0.2, 0.3, 5.0]), 6)
    0.1
    """
    slopes = [
        (values[j] - values[i]) / (steps[j] - steps[i])
        for i in range(len(values))
        for j in range(i + 1, len(values))
        if steps[j] != steps[i]
    ]
    return float(np.median(slopes)) if slopes else 0.0
