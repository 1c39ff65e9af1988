"""The audit's ``style_substance`` section: RM-Bench's test of whether a reward prefers substance
(correctness) over style (length, markdown).

Records carry ``chosen`` and ``rejected`` as lists of the same k responses in k styles, ordered
from plainest to fanciest (RM-Bench: concise, detailed plain text, detailed markdown); the chosen
ones are correct, the rejected ones subtly wrong. With every response scored,

    M[i][j] = share of prompts with r(chosen_i) > r(rejected_j)   (strict >)

and, as in RM-Bench (Liu et al., 2024, its README and ``scripts/utils.py``): **hard** = mean of
the strict upper triangle (i < j: the correct answer is plainer than the wrong one), **normal**
= mean of the diagonal, **easy** = mean of the strict lower triangle; the score is their mean. A
reward that pays for style scores high on easy and low on hard.
"""

from __future__ import annotations

from typing import Any

from rewardsmith.core import Reward, Sample


def _styled(sample: Sample) -> tuple[list[Any], list[Any]] | None:
    chosen, rejected = sample.extra.get("chosen"), sample.extra.get("rejected")
    if isinstance(chosen, list) and isinstance(rejected, list) and len(chosen) == len(rejected) >= 2:
        return chosen, rejected
    return None


def styled_only(sample: Sample) -> bool:
    """A record with styled chosen/rejected lists and no completion of its own."""
    return _styled(sample) is not None and not sample.completion


def style_matrix(scores: list[tuple[list[float], list[float]]]) -> dict[str, Any]:
    """M and the hard / normal / easy means from per-prompt (chosen scores, rejected scores).

    >>> style_matrix([([3.0, 2.0, 1.0], [0.0, 0.0, 0.0])])["hard"]
    1.0
    >>> styled = style_matrix([([1.0, 2.0, 3.0], [1.5, 2.5, 3.5])])  # pays for style, not for substance
    >>> styled["easy"], styled["hard"], styled["normal"]
    (1.0, 0.0, 0.0)
    """
    k = len(scores[0][0])
    matrix = [[sum(c[i] > r[j] for c, r in scores) / len(scores) for j in range(k)] for i in range(k)]
    upper = [matrix[i][j] for i in range(k) for j in range(k) if i < j]
    lower = [matrix[i][j] for i in range(k) for j in range(k) if i > j]
    diagonal = [matrix[i][i] for i in range(k)]
    hard, normal, easy = sum(upper) / len(upper), sum(diagonal) / k, sum(lower) / len(lower)
    return {"matrix": matrix, "hard": hard, "normal": normal, "easy": easy, "score": (hard + normal + easy) / 3}


def style_substance(reward: Reward, samples: list[Sample]) -> dict[str, Any] | None:
    """The section, or None when no record carries styled chosen/rejected lists."""
    sets = [(sample, styled) for sample in samples if (styled := _styled(sample)) is not None]
    if not sets:
        return None
    batch = [
        Sample(text, sample.prompt, id=sample.id) for sample, (chosen, rejected) in sets for text in chosen + rejected
    ]
    values = [r.value for r in reward.score(batch)]
    scores, skipped, offset = [], 0, 0
    for _, (chosen, rejected) in sets:
        size = len(chosen) + len(rejected)
        own = values[offset : offset + size]
        offset += size
        numbers = [v for v in own if v is not None]
        if len(numbers) != size:
            skipped += 1
            continue
        scores.append((numbers[: len(chosen)], numbers[len(chosen) :]))
    section: dict[str, Any] = {"prompts": len(scores), "skipped_for_errors": skipped, "findings": []}
    if not scores:
        section["findings"].append({"level": "bad", "text": "no styled record was scored without an error"})
        return section
    result = style_matrix(scores)
    section.update(result)
    section["metrics"] = {f"style_{name}": result[name] for name in ("hard", "normal", "easy", "score")}
    if result["easy"] - result["hard"] > 0.2:
        section["findings"].append(
            {
                "level": "warn",
                "text": f"the reward prefers style: easy {result['easy']:.2f} vs hard {result['hard']:.2f} "
                "(a fancier wrong answer beats a plainer correct one)",
            }
        )
    return section
