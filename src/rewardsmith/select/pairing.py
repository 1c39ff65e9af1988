"""Preference pairs from scored groups, in the shape DPO and reward-model trainers read.

Within each group (completions of one prompt), a pair (y_w, y_l) needs r(y_w) − r(y_l) ≥ m,
the minimum margin, and strictly more than 0: equal rewards are not a preference. Strategies:

* ``best-worst`` - the highest against the lowest reward, one pair per group (as
  *Iterative Reasoning Preference Optimization*, Pang et al. 2024, and RLAIF pipelines do);
* ``all`` - every ordered pair above the margin, largest margins first;
* ``best-random`` - the highest against a random lower one (``max_pairs`` of them).

``max_pairs`` caps the pairs of one group. Rows whose reward is an error or not applicable
never enter a pair. The margin r_w − r_l is stored: TRL's ``RewardTrainer`` and OpenRLHF's
reward-model trainer read a ``margin`` column into the loss −log σ(r_w − r_l − margin).

Formats (the columns both TRL's ``DPOTrainer``/``RewardTrainer`` and OpenRLHF's
``RewardDataset`` read, with ``--prompt_key prompt --chosen_key chosen --rejected_key rejected``):

* ``trl`` / ``openrlhf`` - ``prompt``, ``chosen``, ``rejected``, ``margin``. When the prompt
  or a completion is a list of chat messages, all three are messages (TRL's conversational
  preference type; OpenRLHF with ``--apply_chat_template`` concatenates prompt + chosen lists):
  a string completion becomes one assistant message, a string prompt one user message. With
  no prompt the ``prompt`` column is left out (TRL's implicit-prompt form).
* ``raw`` - also the group, both rewards, ids and labels, completions as they were.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable, Iterator
from typing import Any

from .best import drop_unrewarded
from .report import SelectReport
from .rows import Indexed, Row, group_key, label_of, reward_of
from .ties import best_key, worst_key

STRATEGIES = ("best-worst", "all", "best-random")
FORMATS = ("trl", "openrlhf", "raw")


def _as_messages(value: Any, role: str) -> list[dict[str, Any]]:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return [value]
    return [{"role": role, "content": "" if value is None else str(value)}]


def pair_record(chosen: Row, rejected: Row, margin: float, fmt: str = "trl", by: str | None = None) -> dict[str, Any]:
    """One output record for a pair in ``fmt``.

    >>> pair_record({"prompt": "2+2?", "completion": "4", "reward": 1.0},
    ...             {"prompt": "2+2?", "completion": "5", "reward": 0.0}, 1.0)
    {'prompt': '2+2?', 'chosen': '4', 'rejected': '5', 'margin': 1.0}
    >>> pair_record({"prompt": [{"role": "user", "content": "hi"}], "completion": "hello"},
    ...             {"completion": "go away"}, 0.5)["rejected"]
    [{'role': 'assistant', 'content': 'go away'}]
    """
    prompt, good, bad = chosen.get("prompt"), chosen.get("completion"), rejected.get("completion")
    if fmt == "raw":
        return {
            "group": group_key(chosen, by),
            "prompt": prompt,
            "chosen": good,
            "rejected": bad,
            "margin": margin,
            "chosen_reward": reward_of(chosen),
            "rejected_reward": reward_of(rejected),
            "chosen_id": chosen.get("id"),
            "rejected_id": rejected.get("id"),
            "chosen_label": label_of(chosen),
            "rejected_label": label_of(rejected),
        }
    if fmt not in FORMATS:
        raise ValueError(f"unknown pair format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if any(isinstance(value, list | dict) for value in (prompt, good, bad)):
        prompt = None if prompt is None else _as_messages(prompt, "user")
        good, bad = _as_messages(good, "assistant"), _as_messages(bad, "assistant")
    record: dict[str, Any] = {"prompt": prompt, "chosen": good, "rejected": bad, "margin": margin}
    if prompt is None:
        del record["prompt"]
    return record


def _rewarded(item: Indexed) -> float:
    """The reward of a candidate: pairs are made of rewarded rows only."""
    value = reward_of(item[1])
    if value is None:
        raise ValueError(f"row {item[0]} has no reward and cannot be paired")
    return value


def group_pairs(
    candidates: list[Indexed], strategy: str, min_margin: float, max_pairs: int | None, tie: str, rng: random.Random
) -> list[tuple[Indexed, Indexed, float]]:
    """The (chosen, rejected, margin) pairs of one group's rewarded rows.

    >>> rows = [(0, {"reward": 1.0}), (1, {"reward": 0.0}), (2, {"reward": 0.5})]
    >>> [(c[0], r[0], m) for c, r, m in group_pairs(rows, "all", 0.5, None, "first", random.Random(0))]
    [(0, 1, 1.0), (0, 2, 0.5), (2, 1, 0.5)]
    """
    if len(candidates) < 2:
        return []

    def wide_enough(margin: float) -> bool:
        return margin > 0 and margin >= min_margin

    if strategy == "best-worst":
        chosen = max(candidates, key=best_key(tie, rng))
        rejected = min(candidates, key=worst_key(tie, rng))
        margin = _rewarded(chosen) - _rewarded(rejected)
        return [(chosen, rejected, margin)] if wide_enough(margin) else []
    if strategy == "all":
        pairs = []
        for a, b in itertools.permutations(candidates, 2):
            margin = _rewarded(a) - _rewarded(b)
            if wide_enough(margin):
                pairs.append((a, b, margin))
        pairs.sort(key=lambda pair: (-pair[2], pair[0][0], pair[1][0]))
        return pairs[:max_pairs] if max_pairs else pairs
    if strategy == "best-random":
        chosen = max(candidates, key=best_key(tie, rng))
        top = _rewarded(chosen)
        lower = [item for item in candidates if wide_enough(top - _rewarded(item))]
        picked = sorted(rng.sample(lower, min(max_pairs or 1, len(lower))), key=lambda item: item[0])
        return [(chosen, item, top - _rewarded(item)) for item in picked]
    raise ValueError(f"unknown pair strategy {strategy!r}; expected one of {', '.join(STRATEGIES)}")


def iter_pairs(
    groups: Iterable[list[Indexed]],
    report: SelectReport,
    strategy: str = "best-worst",
    min_margin: float = 0.0,
    max_pairs: int | None = None,
    fmt: str = "trl",
    tie: str = "first",
    seed: int = 0,
    by: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Pair records, group after group (see the module docstring for strategies and formats)."""
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown pair strategy {strategy!r}; expected one of {', '.join(STRATEGIES)}")
    if fmt not in FORMATS:
        raise ValueError(f"unknown pair format {fmt!r}; expected one of {', '.join(FORMATS)}")
    rng = random.Random(seed)
    for members in groups:
        for _, row in members:
            report.see(row)
        report.see_group([row for _, row in members])
        candidates = drop_unrewarded(members, report)
        if len(candidates) < 2:
            report.drop("groups with fewer than 2 rewarded rows (groups)")
            continue
        pairs = group_pairs(candidates, strategy, min_margin, max_pairs, tie, rng)
        if not pairs:
            report.drop(f"groups without a pair of margin > 0 and >= {min_margin:g} (groups)")
            continue
        for chosen, rejected, margin in pairs:
            report.keep_pair(chosen[1], rejected[1])
            yield pair_record(chosen[1], rejected[1], margin, fmt, by)
