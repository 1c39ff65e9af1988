"""``centre``, ``log_sigmoid`` and ``par``: a reward read relative to a per-prompt reference reward.

The reference reward r_ref comes from one of three places (``baseline``):

* ``reference``: the record's ``field`` (default ``reference_completions``) holds one or more
  reference completions, scored with the same child reward, or their rewards as numbers;
* ``group_mean``: the mean reward of the sample's prompt group (``group``);
* ``constant``: the number ``constant``.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np

from rewardsmith.core import Sample, register
from rewardsmith.core.composition import Plan, group_indices, value_array
from rewardsmith.core.reward import BatchScope, Reward

from .transform import Transform, Transformed, group_moments

Baseline = Literal["reference", "group_mean", "constant"]


class ReferenceTransform(Transform):
    """A transform of r − r_ref for one or more reference rewards r_ref per sample."""

    def __init__(
        self,
        reward: Reward,
        baseline: Baseline = "reference",
        field: str = "reference_completions",
        constant: float = 0.0,
    ) -> None:
        super().__init__(reward)
        self.baseline = baseline
        self.field = field
        self.constant = constant

    # A read-only property where the base class has a plain attribute: the scope follows ``baseline``.
    @property
    def own_batch_scope(self) -> BatchScope:  # type: ignore[override]
        """``group`` with the ``group_mean`` baseline (it reads the prompt's group), else ``sample``."""
        return "group" if self.baseline == "group_mean" else "sample"

    def plan(self, samples: list[Sample]) -> Plan:
        """Score the samples and, with the ``reference`` baseline, their reference completions, at once."""
        texts: list[Sample] = []
        owners: list[int] = []
        numbers: list[float] = []
        text_owners: list[int] = []
        errors: dict[int, str] = {}
        if self.baseline == "reference":
            for index, sample in enumerate(samples):
                given = sample.extra.get(self.field)
                items = given if isinstance(given, list | tuple) else [] if given is None else [given]
                if not items:
                    errors[index] = f"no reference reward: the record has no {self.field!r}"
                for item in items:
                    if isinstance(item, int | float) and not isinstance(item, bool):
                        owners.append(index)
                        numbers.append(float(item))
                    else:
                        text_owners.append(index)
                        texts.append(
                            Sample(item, sample.prompt, sample.reference, sample.id, None, sample.label, sample.extra)
                        )
        results, scored = yield [(self.reward, samples), (self.reward, texts)]
        for owner, result in zip(text_owners, scored, strict=True):
            if result.value is None:
                errors.setdefault(owner, f"reference completion: {result.error or 'not applicable'}")
        n = len(samples)

        def references(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict[int, str]]:
            if self.baseline == "constant":
                return np.arange(n), np.full(n, float(self.constant)), {}
            if self.baseline == "group_mean":
                means = np.full(n, np.nan)
                for indices in group_indices(samples):
                    means[indices] = group_moments(values[indices])[0]
                return np.arange(n), means, {}
            owner = np.asarray(owners + text_owners, dtype=int)
            return owner, np.concatenate([np.asarray(numbers, dtype=float), value_array(scored)]), errors

        def transform(values: np.ndarray) -> Transformed:
            owner, r_ref, found_errors = references(values)
            return self.shape(values, owner, r_ref, found_errors)

        return self._assemble(samples, results, transform)

    def shape(self, values: np.ndarray, owner: np.ndarray, r_ref: np.ndarray, errors: dict[int, str]) -> Transformed:
        """The transformed values from r and the reference rewards r_ref[k] of sample owner[k]."""
        raise NotImplementedError

    def per_sample_mean(self, owner: np.ndarray, quantity: np.ndarray, n: int) -> np.ndarray:
        counts = np.bincount(owner, minlength=n)
        return np.bincount(owner, weights=quantity, minlength=n) / np.where(counts == 0, np.nan, counts)


@register("centre")
class Centre(ReferenceTransform):
    """r̃ = r − mean_m r_ref,m: the reward relative to the prompt's reference (default: the group mean).

    Centring removes the prompt's difficulty from the reward, which PAR and the log-sigmoid
    transform both require (*Reward Shaping to Mitigate Reward Hacking in RLHF*, Fu et al. 2025).

    >>> from rewardsmith.verifiers.format.regex import FormatRegex
    >>> Centre(FormatRegex("a"), baseline="constant", constant=0.25)("a").value
    0.75
    """

    example: ClassVar[dict[str, Any]] = {"type": "centre", "reward": {"type": "field", "field": "score"}}

    def __init__(
        self,
        reward: Reward,
        baseline: Baseline = "group_mean",
        field: str = "reference_completions",
        constant: float = 0.0,
    ) -> None:
        super().__init__(reward, baseline, field, constant)

    def shape(self, values: np.ndarray, owner: np.ndarray, r_ref: np.ndarray, errors: dict[int, str]) -> Transformed:
        baseline = self.per_sample_mean(owner, r_ref, values.size)
        return Transformed(values - baseline, errors, {"baseline": baseline})


def log_sigmoid(x: np.ndarray) -> np.ndarray:
    """log σ(x) = −log(1 + e^{−x}), computed without overflow.

    >>> log_sigmoid(np.array([0.0, -1000.0])).tolist()
    [-0.6931471805599453, -1000.0]
    """
    return -np.logaddexp(0.0, -x)


@register("log_sigmoid")
class LogSigmoid(ReferenceTransform):
    """u = log σ(r − r_ref), with r_ref the mean reference reward of the prompt.

    *Transforming and Combining Rewards for Aligning Large Language Models* (Wang et al., 2024):
    the transformed reward saturates once a response beats the reference (no gain from hacking
    further), punishes falling below it, and summing transformed rewards of several properties
    is a logical AND ("good in all"). Bounded above by 0.

    >>> from rewardsmith.verifiers.format.regex import FormatRegex
    >>> round(LogSigmoid(FormatRegex("a"), baseline="constant", constant=1.0)("a").value, 6)  # log ½
    -0.693147
    """

    example: ClassVar[dict[str, Any]] = {"type": "log_sigmoid", "reward": {"type": "text.exact"}}

    value_range = (float("-inf"), 0.0)

    def shape(self, values: np.ndarray, owner: np.ndarray, r_ref: np.ndarray, errors: dict[int, str]) -> Transformed:
        baseline = self.per_sample_mean(owner, r_ref, values.size)
        return Transformed(log_sigmoid(values - baseline), errors, {"baseline": baseline})


@register("par")
class PAR(ReferenceTransform):
    """PAR, Preference As Reward: r_RL = (1/M) Σ_m σ(r − r_ref,m), bounded in (0, 1).

    *Reward Shaping to Mitigate Reward Hacking in RLHF* (Fu et al., 2025): the RL reward should
    be bounded, grow fast near the reference then converge, and depend on the centred reward;
    the sigmoid of the centred reward against M reference responses satisfies all three.

    >>> from rewardsmith.verifiers.format.regex import FormatRegex
    >>> PAR(FormatRegex("a"))("a", reference_completions=[1.0, "b"]).value  # (σ(0) + σ(1)) / 2
    0.6155292893150024
    """

    example: ClassVar[dict[str, Any]] = {"type": "par", "reward": {"type": "text.exact"}}

    value_range = (0.0, 1.0)

    def shape(self, values: np.ndarray, owner: np.ndarray, r_ref: np.ndarray, errors: dict[int, str]) -> Transformed:
        preference = 1.0 / (1.0 + np.exp(-(values[owner] - r_ref)))
        baseline = self.per_sample_mean(owner, r_ref, values.size)
        return Transformed(self.per_sample_mean(owner, preference, values.size), errors, {"baseline": baseline})
