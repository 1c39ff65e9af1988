"""``gate`` (Gated Reward Accumulation) and ``if``: rewards that count only when another passes.

Children under a closed gate or an untaken branch are not scored at all (an expensive
verifier runs only where it counts); their entry in ``components`` says ``skipped``. A
group-level transform therefore belongs outside a gate or branch, not inside it.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from rewardsmith.core import RewardResult, Sample, register
from rewardsmith.core.composition import Composite, Plan, child_labels, component_entry, spread, value_array
from rewardsmith.core.reward import Reward

from .base import Combinator, OnError, assemble

_SKIPPED = RewardResult.not_applicable(skipped=True)


def where(samples: list[Sample], mask: np.ndarray) -> tuple[np.ndarray, list[Sample]]:
    """(indices, samples) of the samples where ``mask`` is true: the only ones a branch scores."""
    chosen = np.flatnonzero(mask)
    return chosen, [samples[i] for i in chosen]


@register("gate")
class Gate(Combinator):
    """G-RA: the step or auxiliary ``terms`` count only when the ``gate`` reward reaches τ.

    *Stabilizing Long-term Multi-turn Reinforcement Learning with Gated Rewards* (Sun et al.,
    2025): R = R_gate + 1[R_gate ≥ τ] · Σ_t w_t · r_t, so a policy cannot farm the immediate
    rewards while failing the long-term goal. ``include_gate: false`` drops the first term.
    A gate that errors makes the result an error; one that does not apply, not applicable.

    >>> from rewardsmith.verifiers.text.exact import TextExact
    >>> from rewardsmith.verifiers.format.regex import FormatRegex
    >>> reward = Gate(TextExact(), [FormatRegex("4")], weights=[0.5], threshold=1.0)
    >>> reward("4", reference="4").value, reward("5 4", reference="4").value
    (1.5, 0.0)
    """

    example: ClassVar[dict[str, Any]] = {
        "type": "gate",
        "gate": {"type": "text.exact"},
        "terms": [{"type": "format.regex", "pattern": "Paris", "weight": 0.5}],
    }

    def __init__(
        self,
        gate: Reward,
        terms: list[Reward],
        weights: list[float] | None = None,
        threshold: float = 1.0,
        include_gate: bool = True,
        on_error: OnError = "error",
    ) -> None:
        super().__init__(terms, weights, on_error)
        self.gate = gate
        self.threshold = threshold
        self.include_gate = include_gate

    def reduce(self, values: np.ndarray, weights: np.ndarray) -> np.ndarray:
        return np.nansum(weights[:, None] * values, axis=0)

    def plan(self, samples: list[Sample]) -> Plan:
        (gate_results,) = yield [(self.gate, samples)]
        gate_values = value_array(gate_results)
        with np.errstate(invalid="ignore"):
            opened = gate_values >= self.threshold
        chosen, subset = where(samples, opened)
        scored = yield [(term, subset) for term in self.terms]
        term_results = [spread(results, chosen, len(samples), _SKIPPED) for results in scored]
        sums = assemble(self, self.terms, term_results, self._weights(), self.on_error)
        gate_label = child_labels([self.gate])[0]
        out = []
        for gate_result, total, is_open in zip(gate_results, sums, opened, strict=True):
            components = {gate_label: component_entry(gate_result), **total.details["components"]}
            if gate_result.value is None:
                reason = gate_result.error and f"{gate_label}: {gate_result.error}"
                details = {"components": components, "open": False}
                out.append(RewardResult(None, reason, details, gate_result.error_kind))
                continue
            base = gate_result.value if self.include_gate else 0.0
            if is_open and total.error is not None:
                out.append(RewardResult(None, total.error, {"components": components, "open": True}, total.error_kind))
            else:
                added = total.value if is_open and total.value is not None else 0.0
                out.append(RewardResult.ok(base + added, components=components, open=bool(is_open)))
        return out


@register("if")
class If(Composite):
    """``then`` where the ``condition`` reward reaches τ, otherwise ``otherwise`` (or ``default``).

    The usual R1 recipe "correctness only when the format is valid":
    R = R_then if R_condition ≥ τ else (R_otherwise or ``default``). The result of the chosen
    branch passes through unchanged (its error or "not applicable" included); a condition that
    errors makes the result an error.

    >>> from rewardsmith.verifiers.text.exact import TextExact
    >>> from rewardsmith.verifiers.format.regex import FormatRegex
    >>> reward = If(FormatRegex("^[0-9]+$"), TextExact(), default=-1.0)
    >>> reward("4", reference="4").value, reward("four", reference="4").value
    (1.0, -1.0)
    """

    example: ClassVar[dict[str, Any]] = {
        "type": "if",
        "condition": {"type": "format.regex", "pattern": "[0-9]"},
        "then": {"type": "text.exact"},
        "default": -1.0,
    }

    def __init__(
        self,
        condition: Reward,
        then: Reward,
        otherwise: Reward | None = None,
        threshold: float = 1.0,
        default: float = 0.0,
    ) -> None:
        self.condition = condition
        self.then = then
        self.otherwise = otherwise
        self.threshold = threshold
        self.default = default

    def plan(self, samples: list[Sample]) -> Plan:
        (condition_results,) = yield [(self.condition, samples)]
        values = value_array(condition_results)
        with np.errstate(invalid="ignore"):
            passed = values >= self.threshold
        failed = ~passed & ~np.isnan(values)
        then_at, then_samples = where(samples, passed)
        else_at, else_samples = where(samples, failed)
        branches = [self.condition, self.then]
        calls = [(self.then, then_samples)]
        if self.otherwise is not None:
            branches.append(self.otherwise)
            calls.append((self.otherwise, else_samples))
        scored = yield calls
        then_results = spread(scored[0], then_at, len(samples), _SKIPPED)
        if self.otherwise is not None:
            else_results = spread(scored[1], else_at, len(samples), _SKIPPED)
        labels = child_labels(branches)
        out = []
        for index, condition in enumerate(condition_results):
            components = {labels[0]: component_entry(condition), labels[1]: component_entry(then_results[index])}
            if self.otherwise is not None:
                components[labels[2]] = component_entry(else_results[index])
            if math.isnan(values[index]):
                reason = condition.error and f"{labels[0]}: {condition.error}"
                out.append(RewardResult(None, reason, {"components": components}, condition.error_kind))
            elif passed[index]:
                chosen = then_results[index]
                details = {"components": components, "branch": "then"}
                out.append(RewardResult(chosen.value, chosen.error, details, chosen.error_kind))
            elif self.otherwise is not None:
                chosen = else_results[index]
                details = {"components": components, "branch": "otherwise"}
                out.append(RewardResult(chosen.value, chosen.error, details, chosen.error_kind))
            else:
                out.append(RewardResult.ok(self.default, components=components, branch="otherwise"))
        return out
