"""The efficiency section: what a reward pays for length, next to what length buys in accuracy.

Reads groups of completions of one prompt with 0/1 correctness labels (``label``), lengths in
words, and the reward's values:

* **accuracy against length, per group**: each group's completions ranked shortest to longest
  and cut into k parts (k = the median group size, at most 5); accuracy and mean reward per
  part over all groups (do longer answers solve more, and does the reward follow accuracy or
  length?);
* **the exchange rate**: within groups (values and regressors centred per group), the least-
  squares fit r = b·correct + c·words; ``words_per_correct`` = b / c is how many extra words earn
  as much reward as a correct answer (None when the reward does not pay for length, c ≤ 0);
* **what best-of-N buys**: the completion the reward ranks first in each group (ties share the
  pick) against a random pick: ``length_per_accuracy`` = Δwords / Δaccuracy, the words the
  reward's choice costs per unit of accuracy it gains (negative: its pick is shorter than a
  random one), and the mean length of the shortest correct completion.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .common import Scored, finding
from .groups import labelled_groups

MAX_PARTS = 5


def _words(data: Scored, index: int) -> float:
    return float(len(data.samples[index].text.split()))


def _by_length(data: Scored, groups: list[list[int]], words: dict[int, float]) -> dict[str, Any]:
    parts = max(2, min(MAX_PARTS, int(np.median([len(g) for g in groups]))))
    accuracy: list[list[float]] = [[] for _ in range(parts)]
    reward: list[list[float]] = [[] for _ in range(parts)]
    length: list[list[float]] = [[] for _ in range(parts)]
    for members in groups:
        order = sorted(members, key=lambda i: (words[i], i))
        for rank, index in enumerate(order):
            part = rank * parts // len(order)
            accuracy[part].append(data.label(index) or 0.0)
            length[part].append(words[index])
            value = data.value(index)
            if value is not None:
                reward[part].append(value)
    return {
        "part": [f"{p + 1}/{parts}" for p in range(parts)],
        "n": [len(a) for a in accuracy],
        "mean_words": [float(np.mean(v)) if v else None for v in length],
        "accuracy": [float(np.mean(v)) if v else None for v in accuracy],
        "mean_reward": [float(np.mean(v)) if v else None for v in reward],
    }


def _exchange_rate(data: Scored, groups: list[list[int]], words: dict[int, float]) -> dict[str, float | None]:
    rows, targets = [], []
    for members in groups:
        valued = [i for i in members if data.value(i) is not None]
        if len(valued) < 2:
            continue
        x = np.array([[data.label(i) or 0.0, words[i]] for i in valued])
        y = np.array([data.value(i) for i in valued], dtype=float)
        rows.append(x - x.mean(axis=0))
        targets.append(y - y.mean())
    if not rows:
        return {"reward_per_correct": None, "reward_per_word": None, "words_per_correct": None}
    design, target = np.vstack(rows), np.concatenate(targets)
    if np.linalg.matrix_rank(design) < 2:
        return {"reward_per_correct": None, "reward_per_word": None, "words_per_correct": None}
    (b, c), *_ = np.linalg.lstsq(design, target, rcond=None)
    return {
        "reward_per_correct": float(b),
        "reward_per_word": float(c),
        "words_per_correct": float(b / c) if b > 0 and c > 1e-9 * b else None,
    }


def _best_of_n(data: Scored, groups: list[list[int]], words: dict[int, float]) -> dict[str, float | None]:
    chosen_words, chosen_accuracy, random_words, random_accuracy, shortest = [], [], [], [], []
    for members in groups:
        values = {i: value for i in members if (value := data.value(i)) is not None}
        if not values:
            continue
        best = max(values.values())
        picks = [i for i, value in values.items() if value == best]
        chosen_words.append(float(np.mean([words[i] for i in picks])))
        chosen_accuracy.append(float(np.mean([data.label(i) or 0.0 for i in picks])))
        random_words.append(float(np.mean([words[i] for i in members])))
        random_accuracy.append(float(np.mean([data.label(i) or 0.0 for i in members])))
        right = [words[i] for i in members if data.label(i) == 1.0]
        if right:
            shortest.append(min(right))
    if not chosen_words:
        return {}
    gain = float(np.mean(chosen_accuracy) - np.mean(random_accuracy))
    cost = float(np.mean(chosen_words) - np.mean(random_words))
    return {
        "chosen_words": float(np.mean(chosen_words)),
        "chosen_accuracy": float(np.mean(chosen_accuracy)),
        "random_words": float(np.mean(random_words)),
        "random_accuracy": float(np.mean(random_accuracy)),
        "shortest_correct_words": float(np.mean(shortest)) if shortest else None,
        "length_per_accuracy": cost / gain if gain > 0 else None,
    }


def efficiency(data: Scored) -> dict[str, Any] | None:
    """The section (see the module docstring); None without labelled groups."""
    groups = labelled_groups(data)
    if not groups:
        return None
    words = {i: _words(data, i) for members in groups for i in members}
    curve = _by_length(data, groups, words)
    rate = _exchange_rate(data, groups, words)
    picked = _best_of_n(data, groups, words)
    section: dict[str, Any] = {"groups": len(groups), "by_length": curve, **rate, **picked, "findings": []}
    section["metrics"] = {
        f"efficiency.{key}": section.get(key)
        for key in ("words_per_correct", "reward_per_word", "length_per_accuracy", "chosen_words",
                    "shortest_correct_words")
    }
    section["metrics"]["efficiency.accuracy_shortest"] = curve["accuracy"][0]
    section["metrics"]["efficiency.accuracy_longest"] = curve["accuracy"][-1]
    correct_words = [words[i] for members in groups for i in members if data.label(i) == 1.0]
    typical = float(np.median(correct_words)) if correct_words else None
    exchange = rate["words_per_correct"]
    if exchange is not None and typical is not None and exchange <= typical:
        section["findings"].append(
            finding(
                "warn",
                f"{exchange:.0f} extra words earn as much reward as a correct answer "
                f"(a correct completion has {typical:.0f} words)",
            )
        )
    return section


def render_efficiency_html(section: dict[str, Any]) -> str:
    """Accuracy and mean reward per length part, and the exchange-rate numbers."""
    from . import svg
    from .html import kv, row, table

    curve = section["by_length"]
    x = list(range(1, len(curve["part"]) + 1))
    plot = svg.lines(
        x, {"accuracy": curve["accuracy"], "mean reward": curve["mean_reward"]},
        "accuracy and reward by length within groups", "length rank part (1 = shortest in its group)", "value",
    )
    keys = ("groups", "words_per_correct", "reward_per_correct", "reward_per_word", "chosen_words",
            "random_words", "shortest_correct_words", "chosen_accuracy", "random_accuracy", "length_per_accuracy")
    rows = [dict(zip(("part", "n", "mean words", "accuracy", "mean reward"), values, strict=True))
            for values in zip(curve["part"], curve["n"], curve["mean_words"], curve["accuracy"], curve["mean_reward"],
                              strict=True)]
    return row(plot, kv({k: section.get(k) for k in keys}), table(rows))
