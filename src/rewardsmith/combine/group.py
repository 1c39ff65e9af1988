"""``group_norm`` and ``group_rank``: a reward relative to the other completions of its prompt.

Both read ``group`` (records with no group are a group of one) and compute per group within
the batch; the result does not depend on the order of the records or on how the batch was
cut, as long as a group is not split between batches (the runner keeps groups whole). Results
that errored or do not apply are left out of the group statistics.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np

from rewardsmith.core import RewardResult, Sample, register
from rewardsmith.core.composition import group_indices
from rewardsmith.core.reward import Reward

from .transform import Transform, Transformed, group_moments


@register("group_norm")
class GroupNorm(Transform):
    """Group-relative advantage of each completion within its prompt's group of n.

    * ``grpo`` (*DeepSeekMath*, Shao et al. 2024): A_i = (r_i − mean_g r) / (std_g r + ε), with
      the sample standard deviation (ddof 1, as TRL and verl compute it) unless
      ``unbiased: false``;
    * ``dr_grpo`` (*Understanding R1-Zero-Like Training*, Liu et al. 2025): A_i = r_i − mean_g r;
    * ``rloo`` (*Back to Basics: REINFORCE Style Optimization*, Ahmadian et al. 2024):
      A_i = r_i − (1/(n−1)) Σ_{j≠i} r_j; a group of one has no baseline and is an error.

    Every method gives advantages of mean zero within a group. A result depends on the rest of
    its group (``batch_scope`` ``group``): a result cache stores the child's results, not these.

    >>> from rewardsmith.verifiers.text.exact import TextExact
    >>> from rewardsmith.core import Sample
    >>> group = [Sample(c, reference="4", group="q1") for c in ["4", "5", "4", "6"]]
    >>> [round(r.value, 4) for r in GroupNorm(TextExact(), method="rloo").score(group)]
    [0.6667, -0.6667, 0.6667, -0.6667]
    >>> [round(r.value, 4) for r in GroupNorm(TextExact()).score(group)]  # std = 0.5774
    [0.8659, -0.8659, 0.8659, -0.8659]
    """

    example: ClassVar[dict[str, Any]] = {"type": "group_norm", "reward": {"type": "text.exact"}}

    own_batch_scope = "group"

    def __init__(
        self,
        reward: Reward,
        method: Literal["grpo", "dr_grpo", "rloo"] = "grpo",
        eps: float = 1e-4,
        unbiased: bool = True,
    ) -> None:
        super().__init__(reward)
        self.method = method
        self.eps = eps
        self.unbiased = unbiased

    def transform(self, values: np.ndarray, samples: list[Sample], results: list[RewardResult]) -> Transformed:
        out = np.full(values.shape, np.nan)
        mean_column = np.full(values.shape, np.nan)
        errors: dict[int, str] = {}
        ddof = 1 if self.unbiased else 0
        for indices in group_indices(samples):
            group = values[indices]
            mean, std, n = group_moments(group, ddof)
            mean_column[indices] = mean
            if self.method == "grpo":
                out[indices] = (group - mean) / (std + self.eps)
            elif self.method == "dr_grpo":
                out[indices] = group - mean
            elif n >= 2:
                out[indices] = n / (n - 1) * (group - mean)
            else:
                errors.update({int(i): "rloo needs at least 2 scored completions in the group" for i in indices})
        return Transformed(out, errors, {"group_mean": mean_column})


@register("group_rank")
class GroupRank(Transform):
    """In-group win rate: the share of the other completions of its prompt that y_i beats.

    r_i = (#{j ≠ i : r_j < r_i} + t · #{j ≠ i : r_j = r_i}) / (n − 1), with ties counted as
    ``ties`` = t (½ by default); in [0, 1]. Ranks instead of raw values make the reward
    immune to the scale of the underlying reward (a pairwise, SPO-style self-play reward). A
    group of one has no one to beat and is an error.

    >>> from rewardsmith.verifiers.text.exact import TextExact
    >>> from rewardsmith.core import Sample
    >>> group = [Sample(c, reference="4", group="q1") for c in ["4", "5", "6"]]
    >>> [r.value for r in GroupRank(TextExact()).score(group)]
    [1.0, 0.25, 0.25]
    """

    example: ClassVar[dict[str, Any]] = {"type": "group_rank", "reward": {"type": "field", "field": "score"}}

    value_range = (0.0, 1.0)
    own_batch_scope = "group"

    def __init__(self, reward: Reward, ties: float = 0.5) -> None:
        super().__init__(reward)
        self.ties = ties

    def transform(self, values: np.ndarray, samples: list[Sample], results: list[RewardResult]) -> Transformed:
        out = np.full(values.shape, np.nan)
        errors: dict[int, str] = {}
        for indices in group_indices(samples):
            present = indices[~np.isnan(values[indices])]
            if present.size < 2:
                errors.update({int(i): "a group of one has no one to beat" for i in present})
                continue
            mine = values[present]
            ordered = np.sort(mine)
            below = np.searchsorted(ordered, mine, side="left")
            equal = np.searchsorted(ordered, mine, side="right") - below - 1
            out[present] = (below + self.ties * equal) / (present.size - 1)
        return Transformed(out, errors)
