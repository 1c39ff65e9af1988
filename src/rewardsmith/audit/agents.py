"""The audit's ``agents`` section: reliability over repeated trials and where a trajectory reward pays.

* **pass^k** (tau-bench, Yao et al. 2024): with n trials of each task and c successes,
  pass^k = mean over tasks of C(c, k) / C(n, k) — the chance that k trials drawn without
  replacement *all* succeed. Reported for the stored outcome (the record's ``label``) and for
  the reward (``reward ≥ threshold`` as success), k = 1 … min n. Tasks are named by
  ``--task-field``.
* **Turn credit**: for rewards that report per-turn values (``details["turns"]``, e.g. from
  ``turns.each``), the mean value at each turn position and the share of the reward earned in the
  first, middle and last third of the trajectory — a reward that pays mostly for the first turn
  of long trajectories pays for starting, not for finishing.
"""

from __future__ import annotations

from math import comb
from typing import Any

import numpy as np

from .common import Scored


def pass_hat_k(successes: dict[Any, list[bool]]) -> dict[int, float]:
    """pass^k for k = 1 … the smallest number of trials of any task.

    >>> pass_hat_k({"a": [True, True, False, False], "b": [True, True, True, True]})
    {1: 0.75, 2: 0.5833333333333334, 3: 0.5, 4: 0.5}
    """
    if not successes:
        return {}
    n_min = min(len(trials) for trials in successes.values())
    out = {}
    for k in range(1, n_min + 1):
        out[k] = float(np.mean([comb(sum(t), k) / comb(len(t), k) for t in successes.values()]))
    return out


def _task(data: Scored, index: int, field: str) -> Any:
    sample = data.samples[index]
    value = sample.extra.get(field, getattr(sample, field, None) if field in ("id", "group") else None)
    return None if value is None else str(value)


def agents(data: Scored) -> dict[str, Any] | None:
    """The section, or None when the audit has no ``task_field`` and no per-turn values."""
    field = data.options.task_field
    section: dict[str, Any] = {"metrics": {}, "findings": []}
    if field:
        threshold = data.threshold
        by_reward: dict[Any, list[bool]] = {}
        by_label: dict[Any, list[bool]] = {}
        for index in range(len(data.samples)):
            task = _task(data, index, field)
            if task is None:
                continue
            value = data.value(index)
            by_reward.setdefault(task, []).append(value is not None and value >= threshold)
            label = data.label(index)
            if label is not None:
                by_label.setdefault(task, []).append(label >= 0.5)
        reward_k = pass_hat_k(by_reward)
        label_k = pass_hat_k(by_label) if len(by_label) == len(by_reward) else {}
        section["tasks"] = len(by_reward)
        section["pass_hat_k"] = [{"k": k, "reward": reward_k[k], "label": label_k.get(k)} for k in sorted(reward_k)]
        for k, value in reward_k.items():
            section["metrics"][f"pass_hat_{k}"] = value
        for k, value in label_k.items():
            section["metrics"][f"label_pass_hat_{k}"] = value
        if label_k and reward_k:
            gap = reward_k[1] - label_k[1]
            if gap > 0.1:
                section["findings"].append(
                    {
                        "level": "warn",
                        "text": f"the reward passes {gap:.0%} more trials than the stored outcome (pass^1)",
                    }
                )
    details = [r.details.get("turns") for r in data.results if r.value is not None]
    turns: list[list[Any]] = [t for t in details if isinstance(t, list) and t]
    if turns:
        longest = max(len(t) for t in turns)
        means = []
        for position in range(min(longest, 20)):
            column = [float(t[position]) for t in turns if len(t) > position and t[position] is not None]
            means.append({"turn": position, "mean": float(np.mean(column)) if column else None, "n": len(column)})
        thirds = np.zeros(3)
        for t in turns:
            values = np.asarray([0.0 if v is None else abs(float(v)) for v in t])
            if values.sum() > 0:
                for position, value in enumerate(values):
                    thirds[min(2, 3 * position // len(values))] += value / values.sum()
        share = thirds / thirds.sum() if thirds.sum() else thirds
        section["turn_credit"] = means
        section["credit_by_third"] = {"first": share[0], "middle": share[1], "last": share[2]}
        section["metrics"]["credit_first_third"] = float(share[0])
        if share[0] > 0.6:
            section["findings"].append(
                {
                    "level": "warn",
                    "text": f"{share[0]:.0%} of the per-turn reward is paid in the first third of trajectories",
                }
            )
    if not field and not turns:
        return None
    return section
