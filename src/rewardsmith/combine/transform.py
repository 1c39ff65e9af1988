"""What every transform shares: one child under ``reward``, values transformed with numpy over
the batch, and prompt groups read in a way that does not depend on record order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rewardsmith.core import RewardResult, Sample
from rewardsmith.core.composition import Components, Composite, Plan, child_labels, no_gc, value_array
from rewardsmith.core.reward import Reward


@dataclass
class Transformed:
    """What :meth:`Transform.transform` returns: new values (NaN: no value), errors by sample
    index, and per-sample detail arrays (e.g. the baseline that was subtracted)."""

    values: np.ndarray
    errors: dict[int, str] = field(default_factory=dict)
    extra: dict[str, np.ndarray] = field(default_factory=dict)


class Transform(Composite):
    """A reward computed from one child reward (``reward``), sample by sample or per group.

    Subclasses implement :meth:`transform` on the child's values (NaN where the child has none).
    A child error or "not applicable" passes through unchanged; the child's result is kept in
    ``details["components"]`` under its name.
    """

    def __init__(self, reward: Reward) -> None:
        self.reward = reward

    def transform(self, values: np.ndarray, samples: list[Sample], results: list[RewardResult]) -> Transformed:
        raise NotImplementedError

    def plan(self, samples: list[Sample]) -> Plan:
        (results,) = yield [(self.reward, samples)]
        return self._assemble(samples, results)

    def _assemble(
        self,
        samples: list[Sample],
        results: list[RewardResult],
        transform: Callable[[np.ndarray], Transformed] | None = None,
    ) -> list[RewardResult]:
        """The node's results from the child's; ``transform`` (values -> Transformed) defaults to
        :meth:`transform` on this batch."""
        values = value_array(results)
        with np.errstate(all="ignore"):
            out = transform(values) if transform is not None else self.transform(values, samples, results)
        label = child_labels([self.reward])[0]
        new = out.values.tolist()
        finite = np.isfinite(out.values).tolist()
        extras = {key: array.tolist() for key, array in out.extra.items()}
        with no_gc():
            return self._results(results, label, new, finite, extras, out.errors)

    def _results(
        self,
        results: list[RewardResult],
        label: str,
        new: list[float],
        finite: list[bool],
        extras: dict[str, list],
        errors: dict[int, str],
    ) -> list[RewardResult]:
        assembled = []
        labels = (label,)
        for index, result in enumerate(results):
            details: dict[str, Any] = {"components": Components(labels, (result,))}
            for key, column in extras.items():
                details[key] = column[index]
            if result.value is None:
                reason = result.error and f"{label}: {result.error}"
                assembled.append(RewardResult(None, reason, details, result.error_kind))
            elif index in errors:
                assembled.append(RewardResult(None, f"{self.name}: {errors[index]}", details))
            elif not finite[index]:
                assembled.append(RewardResult(None, f"{self.name}: transformed value is not finite", details))
            else:
                assembled.append(RewardResult.trusted(float(new[index]), details))
        return assembled


def group_moments(values: np.ndarray, ddof: int = 0) -> tuple[float, float, int]:
    """(mean, standard deviation, count) of the values that are not NaN, independent of their order.

    The values are sorted before summing, so a permuted group gives bit-identical moments.

    >>> group_moments(np.array([3.0, np.nan, 1.0]))
    (2.0, 1.0, 2)
    """
    present = np.sort(values[~np.isnan(values)])
    count = present.size
    if count == 0:
        return float("nan"), float("nan"), 0
    mean = float(np.sum(present) / count)
    if count - ddof <= 0:
        return mean, 0.0, count
    deviations = np.sort(present - mean)
    std = float(np.sqrt(np.sum(deviations * deviations) / (count - ddof)))
    return mean, std, count
