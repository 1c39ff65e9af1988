"""Tie rules: which of several equally rewarded rows is "best" (and which is "worst").

* ``first`` - the one seen first in the input (the default; deterministic, and what Qwen's
  evaluation does for majority ties);
* ``shortest`` - the one with the shortest completion text, then the first;
* ``random`` - uniformly at random with ``--seed`` (the same seed and input give the same pick).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any, Literal

from .rows import Indexed, length_of, reward_of

Tie = Literal["first", "shortest", "random"]
TIES = ("first", "shortest", "random")


def tie_key(tie: str, rng: random.Random) -> Callable[[Indexed], Any]:
    """A sort key where larger means preferred among equal rewards.

    >>> rows = [(0, {"completion": "long answer"}), (1, {"completion": "short"})]
    >>> max(rows, key=tie_key("first", random.Random(0)))[0], max(rows, key=tie_key("shortest", random.Random(0)))[0]
    (0, 1)
    """
    if tie == "first":
        return lambda item: -item[0]
    if tie == "shortest":
        return lambda item: (-length_of(item[1]), -item[0])
    if tie == "random":
        draws: dict[int, float] = {}
        return lambda item: draws.setdefault(item[0], rng.random())
    raise ValueError(f"unknown tie rule {tie!r}; expected one of {', '.join(TIES)}")


def best_key(tie: str, rng: random.Random) -> Callable[[Indexed], tuple[Any, ...]]:
    """Order by reward, then by the tie rule: ``max(candidates, key=...)`` is the best row."""
    tiebreak = tie_key(tie, rng)
    return lambda item: (reward_of(item[1]), tiebreak(item))


def worst_key(tie: str, rng: random.Random) -> Callable[[Indexed], tuple[Any, ...]]:
    """Order by reward, then by the tie rule: ``min(candidates, key=...)`` is the worst row
    (among equal rewards the first, the longest, or a random one).

    >>> rows = [(0, {"reward": 0.0, "completion": "ab"}), (1, {"reward": 0.0, "completion": "abc"})]
    >>> rng = random.Random(0)
    >>> min(rows, key=worst_key("first", rng))[0], min(rows, key=worst_key("shortest", rng))[0]
    (0, 1)
    """
    if tie == "first":
        return lambda item: (reward_of(item[1]), item[0])
    if tie == "shortest":
        return lambda item: (reward_of(item[1]), -length_of(item[1]), item[0])
    tiebreak = tie_key(tie, rng)
    return lambda item: (reward_of(item[1]), tiebreak(item))
