"""How composed rewards report on their children, shared by combinators, transforms, the
summary and the audit: readable labels, the ``details["components"]`` entry, value columns, and
a batch's prompt groups."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .result import RewardResult
from .reward import Reward
from .sample import Sample


def child_labels(rewards: Sequence[Reward]) -> list[str]:
    """Unique, readable labels for children: their names, numbered when a name repeats."""
    labels, seen = [], {}
    for reward in rewards:
        count = seen.get(reward.name, 0)
        seen[reward.name] = count + 1
        labels.append(reward.name if count == 0 else f"{reward.name}#{count + 1}")
    return labels


def component_entry(result: RewardResult, weight: float | None = None) -> dict[str, Any]:
    """How a child's result appears in its parent's ``details["components"]``."""
    entry: dict[str, Any] = {"value": result.value, "error": result.error, "details": result.details}
    if weight is not None:
        entry["weight"] = weight
    return entry


def value_array(results: Sequence[RewardResult]) -> np.ndarray:
    """The values of a column of results, NaN where a result has no value.

    >>> value_array([RewardResult.ok(1), RewardResult.fail("x")]).tolist()
    [1.0, nan]
    """
    return np.fromiter(
        (math.nan if r.value is None else r.value for r in results), dtype=float, count=len(results)
    )


def _group_key(sample: Sample, index: int) -> Any:
    group = sample.group
    if group is None:
        return ("__own_group__", index)
    try:
        hash(group)
    except TypeError:
        return json.dumps(group, sort_keys=True, default=str)
    return group


def group_indices(samples: Sequence[Sample]) -> list[np.ndarray]:
    """Index arrays of the prompt groups of a batch; a sample with ``group`` None is its own.

    >>> [g.tolist() for g in group_indices([Sample("a", group=1), Sample("b"), Sample("c", group=1)])]
    [[0, 2], [1]]
    """
    groups: dict[Any, list[int]] = {}
    for index, sample in enumerate(samples):
        groups.setdefault(_group_key(sample, index), []).append(index)
    return [np.asarray(indices, dtype=int) for indices in groups.values()]
