"""A transition as a sample: (s, a, s', r, terminated, truncated, info) next to the text sample.

Reward terms for environments are ordinary components over samples whose ``extra`` holds the
transition, so the combinators (weights, gates, clip, running normalisation), the audit and the
server apply to them unchanged. A JSONL record with the fields ``obs``, ``action``, ``next_obs``
(and optionally ``reward``, ``terminated``, ``truncated``, ``info``) is read as one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rewardsmith.core import Sample
from rewardsmith.core.errors import DataError

TRANSITION_FIELDS = ("obs", "action", "next_obs", "reward", "terminated", "truncated", "info")


def transition_sample(
    obs: Any,
    action: Any,
    next_obs: Any,
    reward: float | None = None,
    terminated: bool = False,
    truncated: bool = False,
    info: dict[str, Any] | None = None,
    id: Any = None,
) -> Sample:
    """A sample holding one environment transition.

    >>> sample = transition_sample([0.0, 1.0], 1, [0.5, 1.0], reward=1.0)
    >>> Transition.of(sample).next_obs.tolist(), Transition.of(sample).terminated
    ([0.5, 1.0], False)
    """
    extra = {
        "obs": obs,
        "action": action,
        "next_obs": next_obs,
        "reward": reward,
        "terminated": bool(terminated),
        "truncated": bool(truncated),
        "info": {} if info is None else info,
    }
    return Sample(completion="", id=id, extra=extra)


@dataclass
class Transition:
    """The transition a sample carries, with observations and actions as float arrays."""

    obs: np.ndarray
    action: np.ndarray
    next_obs: np.ndarray
    reward: float | None = None
    terminated: bool = False
    truncated: bool = False
    info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, sample: Sample) -> Transition:
        """Read the transition from ``sample.extra``; a DataError (bad input) names what is missing."""
        extra = sample.extra
        missing = [name for name in ("obs", "action", "next_obs") if name not in extra]
        if missing:
            where = f"record {sample.id}" if sample.id is not None else "sample"
            raise DataError(where, f"not a transition: missing {', '.join(missing)}")
        info = extra.get("info") or {}
        if not isinstance(info, dict):
            raise DataError(f"record {sample.id}", f"info must be a mapping, got {type(info).__name__}")
        reward = extra.get("reward")
        return cls(
            obs=np.asarray(extra["obs"], dtype=np.float64),
            action=np.asarray(extra["action"], dtype=np.float64),
            next_obs=np.asarray(extra["next_obs"], dtype=np.float64),
            reward=None if reward is None else float(reward),
            terminated=bool(extra.get("terminated", False)),
            truncated=bool(extra.get("truncated", False)),
            info=info,
        )
