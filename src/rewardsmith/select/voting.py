"""Majority voting over a group's answers (self-consistency), plain or weighted by reward.

Self-consistency (*Self-Consistency Improves Chain of Thought Reasoning in Language Models*,
Wang et al. 2022): sample N solutions and return the most frequent final answer,
â = argmax_a Σ_i 1[a_i = a]. Weighted majority (used as "RM-weighted voting" in *Let's Verify
Step by Step* and Qwen2.5-Math's evaluation): â = argmax_a Σ_i r_i · 1[a_i = a].

Ties go to the answer seen first, as ``collections.Counter.most_common`` orders them (the
rule of Qwen2.5-Math's evaluation, whose published majority@8 this reproduces). A row whose
reward is an error or not applicable does not vote, and a row without an answer does not vote.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from .rows import Indexed, answer_of, reward_of


def tally(
    candidates: list[Indexed], key: str, weighted: bool = False, root_name: str | None = None
) -> dict[Any, float]:
    """Votes per answer, in first-seen order (rows with a reward and an answer only).

    >>> rows = [(0, {"reward": 0.2, "pred": "4"}), (1, {"reward": 0.9, "pred": "5"}), (2, {"reward": 0.3, "pred": "4"})]
    >>> tally(rows, "pred"), tally(rows, "pred", weighted=True)
    ({'4': 2.0, '5': 1.0}, {'4': 0.5, '5': 0.9})
    """
    votes: dict[Any, float] = {}
    for _, row in candidates:
        value = reward_of(row)
        if value is None:
            continue
        answer = answer_of(row, key, root_name)
        if answer is None:
            continue
        votes[answer] = votes.get(answer, 0.0) + (value if weighted else 1.0)
    return votes


def winner(votes: dict[Any, float]) -> Hashable | None:
    """The answer with most votes; among equals the first seen; None when nobody voted.

    >>> winner({"4": 2.0, "5": 2.0}), winner({})
    ('4', None)
    """
    if not votes:
        return None
    top = max(votes.values())
    return next(answer for answer, count in votes.items() if count == top)
