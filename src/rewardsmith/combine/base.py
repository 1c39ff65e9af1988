"""What every combinator shares: scoring children once per batch (one :meth:`Combinator.plan` for
``score`` and ``ascore``), labelling their results, and one explicit policy for children that
errored or do not apply.

Values are combined with numpy over the whole batch (a children × samples matrix), so a deep
spec tree costs little next to its leaves.
"""

from __future__ import annotations

import math
import warnings
from typing import Literal

import numpy as np

from rewardsmith.core import RewardResult, Sample
from rewardsmith.core.composition import Components, Composite, Plan, child_labels, error_mask, no_gc, value_array
from rewardsmith.core.reward import Reward

OnError = Literal["error", "skip", "zero"]


class Combinator(Composite):
    """A reward over several child rewards (``terms``) with optional ``weights``.

    Subclasses implement :meth:`reduce` on a children × samples matrix of values in which NaN
    marks a child left out. ``on_error`` says what an errored child does: ``error`` (default)
    makes the whole result an error naming the child, ``skip`` leaves the child out, ``zero``
    counts it as 0 (explicit, never silent). A child that is "not applicable" is left out; if
    every child is, so is the result.
    """

    def __init__(
        self,
        terms: list[Reward],
        weights: list[float] | None = None,
        on_error: OnError = "error",
    ) -> None:
        if not terms:
            raise ValueError("terms: at least one term is required")
        if weights is not None and len(weights) != len(terms):
            raise ValueError(f"weights: {len(weights)} weights for {len(terms)} terms")
        self.terms = list(terms)
        self.weights = None if weights is None else [float(w) for w in weights]
        self.on_error = on_error

    def _weights(self) -> list[float]:
        return self.weights if self.weights is not None else [1.0] * len(self.terms)

    def reduce(self, values: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Combine ``values[c, s]`` (NaN: child c left out for sample s) into one value per sample.

        ``weights[c]`` is child c's weight. Samples with every child left out are ignored.
        """
        raise NotImplementedError

    def plan(self, samples: list[Sample]) -> Plan:
        child_results = yield [(term, samples) for term in self.terms]
        return assemble(self, self.terms, child_results, self._weights(), self.on_error)


def assemble(
    node: Combinator,
    terms: list[Reward],
    child_results: list[list[RewardResult]],
    weights: list[float],
    on_error: OnError,
) -> list[RewardResult]:
    """Reduce the children's results of a batch into the node's results, with their components."""
    labels = child_labels(terms)
    values = np.stack([value_array(results) for results in child_results])
    errored = np.stack([error_mask(results) for results in child_results])
    if on_error == "zero":
        values[errored] = 0.0
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns are handled below
        combined = node.reduce(values, np.asarray(weights, dtype=float)).tolist()
    present = (~np.isnan(values).all(axis=0)).tolist()
    failing_mask = errored.any(axis=0) if on_error == "error" else np.zeros(values.shape[1], dtype=bool)
    failing: list[bool] = np.asarray(failing_mask, dtype=bool).tolist()
    out = []
    with no_gc():
        for index, components in enumerate(Components.rows(labels, child_results, weights)):
            if failing[index]:
                child = int(np.argmax(errored[:, index]))
                failed = child_results[child][index]
                out.append(
                    RewardResult.fail(
                        f"{labels[child]}: {failed.error}", kind=failed.error_kind or "crash", components=components
                    )
                )
            elif not present[index]:
                out.append(RewardResult.not_applicable(components=components))
            elif not math.isfinite(combined[index]):
                out.append(RewardResult.fail(f"{node.name}: combined value is not finite", components=components))
            else:
                out.append(RewardResult.trusted(combined[index], {"components": components}))
    return out
