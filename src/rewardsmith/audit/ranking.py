"""Ranking metrics over groups of completions of one prompt: best-of-N, pairwise, group signal.

A reward used for selection (best-of-N, rejection sampling) or for GRPO advantages is judged by
how it ranks completions of the same prompt, not by its absolute values. Ties are ranked
pessimistically (an incorrect completion tied with a correct one goes first): a reward that
cannot tell two completions apart gets no credit for it.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from collections.abc import Hashable, Sequence
from math import comb


def pessimistic_order(scores: Sequence[float], labels: Sequence[int]) -> list[int]:
    """Indices by descending score; among equal scores incorrect (label 0) first, then by index.

    >>> pessimistic_order([0.5, 0.9, 0.5], [1, 0, 0])
    [1, 2, 0]
    """
    return sorted(range(len(scores)), key=lambda i: (-scores[i], 1 if labels[i] else 0, i))


def correct_rank(scores: Sequence[float], labels: Sequence[int]) -> int | None:
    """Rank (1-based, pessimistic ties) of the best-ranked correct completion; None if none is.

    RewardMATH's top-1 accuracy is ``rank == 1`` and its MRR the mean of ``1 / rank`` over
    problems (*Evaluating Robustness of Reward Models for Mathematical Reasoning*, Kim et al.
    2024).

    >>> correct_rank([0.2, 0.7, 0.7, 0.1], [0, 1, 0, 1])
    2
    """
    for rank, index in enumerate(pessimistic_order(scores, labels), start=1):
        if labels[index]:
            return rank
    return None


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k from n samples of which c are correct (Chen et al., 2021, *Codex*).

    pass@k = 1 − C(n − c, k) / C(n, k); for k = 1 the share of correct samples.

    >>> pass_at_k(8, 2, 1), round(pass_at_k(8, 2, 4), 4)
    (0.25, 0.7857)
    """
    k = min(k, n)
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


def best_of_k(scores: Sequence[float], labels: Sequence[int], k: int) -> float:
    """Expected correctness of the reward's pick among k completions drawn without replacement.

    With completions in pessimistic order, the one at position i (0-based) is the pick of a
    random k-subset with probability C(n − 1 − i, k − 1) / C(n, k); the expectation is exact,
    not sampled. At k = n it is the correctness of the top-ranked completion.

    >>> best_of_k([0.9, 0.1, 0.5], [0, 1, 1], 2)
    0.3333333333333333
    """
    n = len(scores)
    k = min(k, n)
    order = pessimistic_order(scores, labels)
    total = comb(n, k)
    return sum(comb(n - 1 - i, k - 1) for i, j in enumerate(order) if labels[j]) / total


def majority_pick(answers: Sequence[Hashable | None], labels: Sequence[int]) -> int:
    """Correctness of the majority answer; ties go to the answer seen first (as ``Counter``).

    Completions without an answer (None) do not vote; if none has one, the vote is wrong.

    >>> majority_pick(["4", "5", "5", "4"], [1, 0, 0, 1])
    1
    """
    votes = Counter(a for a in answers if a is not None)
    if not votes:
        return 0
    winner = votes.most_common(1)[0][0]
    return 1 if labels[list(answers).index(winner)] else 0


def majority_at_k(
    answers: Sequence[Hashable | None], labels: Sequence[int], k: int, max_subsets: int = 500, seed: int = 0
) -> float:
    """Expected majority-vote correctness over k-subsets (exact when there are few of them).

    Subsets keep the original order, so ties go to the answer that came first. Above
    ``max_subsets`` subsets, ``max_subsets`` of them are drawn with a fixed seed.

    >>> majority_at_k(["4", "5", "4"], [1, 0, 1], 2)
    0.6666666666666666
    """
    n = len(answers)
    k = min(k, n)
    if comb(n, k) <= max_subsets:
        subsets = list(itertools.combinations(range(n), k))
    else:
        rng = random.Random(seed)
        subsets = [tuple(sorted(rng.sample(range(n), k))) for _ in range(max_subsets)]
    hits = sum(majority_pick([answers[i] for i in s], [labels[i] for i in s]) for s in subsets)
    return hits / len(subsets)


def pairwise_correct(chosen: float, rejected: float) -> bool:
    """RewardBench's rule: a pair is right only when chosen scores strictly higher (ties wrong).

    >>> pairwise_correct(1.0, 1.0)
    False
    """
    return chosen > rejected


def no_signal(values: Sequence[float], tolerance: float = 1e-12) -> bool:
    """True when every completion of a group gets the same reward: GRPO's advantages
    A_i = (r_i − mean r) / (std r + ε) are then all zero and the prompt teaches nothing.

    >>> no_signal([1.0, 1.0, 1.0]), no_signal([0.0, 1.0])
    (True, False)
    """
    return max(values) - min(values) <= tolerance
