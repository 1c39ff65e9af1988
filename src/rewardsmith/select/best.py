"""Best-of-N: per group, keep the row with the highest reward (or the majority answer).

Best-of-N with a reward model (*Training Verifiers to Solve Math Word Problems*, Cobbe et al.
2021; *Let's Verify Step by Step*, Lightman et al. 2023): among N samples of one prompt keep
ŷ = argmax_i r(x, y_i). It is also the selection step of rejection-sampling fine-tuning (RFT,
*Scaling Relationship on Learning Mathematical Reasoning with LLMs*; STaR; ReST), which trains on
the kept rows. Rows whose reward is an error or not applicable never win.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator

from .report import SelectReport
from .rows import Indexed, Row, answer_of, status_of
from .ties import best_key
from .voting import tally, winner

_STATUS_REASON = {"error": "reward is an error", "not_applicable": "reward is not applicable"}


def drop_unrewarded(members: list[Indexed], report: SelectReport) -> list[Indexed]:
    """The members that have a reward; the others are counted as dropped, by status."""
    candidates = []
    for item in members:
        status = status_of(item[1])
        if status == "ok":
            candidates.append(item)
        else:
            report.drop(_STATUS_REASON[status])
    return candidates


def iter_best_of(
    groups: Iterable[list[Indexed]],
    report: SelectReport,
    n: int | None = None,
    tie: str = "first",
    seed: int = 0,
    vote: str | None = None,
    weighted: bool = False,
    root_name: str | None = None,
) -> Iterator[Row]:
    """One row per group: the best of its first ``n`` rows (all when ``n`` is None).

    With ``vote``, the group's majority answer wins (weighted by reward with ``weighted``) and
    the kept row is the best-rewarded row with that answer (ties by ``tie``).

    >>> groups = [[(0, {"reward": 0.1}), (1, {"reward": 0.8}), (2, {"reward": None, "reward_error": "x"})]]
    >>> [row["reward"] for row in iter_best_of(groups, SelectReport("best-of"))]
    [0.8]
    """
    best = best_key(tie, random.Random(seed))
    for members in groups:
        for _, row in members:
            report.see(row)
        considered = members[:n] if n else members
        if len(members) > len(considered):
            report.drop(f"beyond the first {n} of its group", len(members) - len(considered))
        report.see_group([row for _, row in considered])
        candidates = drop_unrewarded(considered, report)
        if not candidates:
            continue
        if vote is not None:
            answer = winner(tally(candidates, vote, weighted, root_name))
            if answer is None:
                report.drop("no answer to vote on in its group", len(candidates))
                continue
            pool = [item for item in candidates if answer_of(item[1], vote, root_name) == answer]
            report.drop("answer lost the vote", len(candidates) - len(pool))
        else:
            pool = candidates
        pick = max(pool, key=best)
        report.drop("not the best of its group", len(pool) - 1)
        report.keep(pick[1])
        yield pick[1]

