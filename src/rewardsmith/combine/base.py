"""What every combinator shares: scoring children once per batch, labelling their results, and
one explicit policy for children that errored or do not apply."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from rewardsmith.core import RewardResult, Sample
from rewardsmith.core.reward import Reward

OnError = Literal["error", "skip", "zero"]


def child_labels(rewards: Sequence[Reward]) -> list[str]:
    """Unique, readable labels for children: their names, numbered when a name repeats."""
    labels, seen = [], {}
    for reward in rewards:
        count = seen.get(reward.name, 0)
        seen[reward.name] = count + 1
        labels.append(reward.name if count == 0 else f"{reward.name}#{count + 1}")
    return labels


def component_entry(result: RewardResult, weight: float | None = None) -> dict[str, Any]:
    """How a child's result appears in its parent's ``details["components"]``."""
    entry: dict[str, Any] = {"value": result.value, "error": result.error, "details": result.details}
    if weight is not None:
        entry["weight"] = weight
    return entry


def score_children(rewards: Sequence[Reward], samples: list[Sample]) -> list[list[RewardResult]]:
    """``results[c][s]``: every child scored once on the whole batch (batch-first all the way)."""
    return [reward.score(samples) for reward in rewards]


async def ascore_children(
    rewards: Sequence[Reward], samples: list[Sample]
) -> list[list[RewardResult]]:
    import asyncio

    return list(await asyncio.gather(*(reward.ascore(samples) for reward in rewards)))


class Combinator(Reward):
    """A reward over several child rewards (``terms``) with optional ``weights``.

    Subclasses implement :meth:`combine` on the values of one sample's children. ``on_error``
    says what an errored child does: ``error`` (default) makes the whole result an error naming
    the child, ``skip`` leaves the child out, ``zero`` counts it as 0 (explicit, never silent).
    A child that is "not applicable" is left out; if every child is, so is the result.
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

    def combine(self, values: list[float], weights: list[float]) -> float:
        raise NotImplementedError

    def score_batch(self, samples: list[Sample]) -> list[RewardResult]:
        return self._assemble(score_children(self.terms, samples))

    async def ascore(self, samples: Sequence[Sample]) -> list[RewardResult]:
        samples = list(samples)
        return self._assemble(await ascore_children(self.terms, samples))

    def _assemble(self, child_results: list[list[RewardResult]]) -> list[RewardResult]:
        labels = child_labels(self.terms)
        weights = self._weights()
        out = []
        for index in range(len(child_results[0]) if child_results else 0):
            row = [results[index] for results in child_results]
            components = {
                label: component_entry(result, weight)
                for label, result, weight in zip(labels, row, weights, strict=True)
            }
            out.append(self._combine_row(row, labels, weights, components))
        return out

    def _combine_row(
        self,
        row: list[RewardResult],
        labels: list[str],
        weights: list[float],
        components: dict[str, Any],
    ) -> RewardResult:
        values, used = [], []
        for label, result, weight in zip(labels, row, weights, strict=True):
            if result.status == "error":
                if self.on_error == "error":
                    return RewardResult.fail(f"{label}: {result.error}", components=components)
                if self.on_error == "zero":
                    values.append(0.0)
                    used.append(weight)
            elif result.status == "ok":
                values.append(result.value)
                used.append(weight)
        if not values:
            return RewardResult.not_applicable(components=components)
        return RewardResult.ok(self.combine(values, used), components=components)
