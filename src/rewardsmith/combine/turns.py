"""``turns.*``: turn-level rewards and credit assignment for multi-turn trajectories.

A trajectory (chat messages with tool calls, see :mod:`rewardsmith.verifiers.agent.trajectory`)
has one **turn** per assistant message. ``turns.each`` applies any component to every turn and
reports the per-turn values in ``details["turns"]``; the credit transforms read those values
(or an outcome reward) and write per-turn rewards back under the same key, so a trainer that
takes turn- or token-level rewards can use them, while ``value`` stays the trajectory's reward.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar, Literal

from rewardsmith.core import RewardResult, Sample, register
from rewardsmith.core.composition import Composite, Plan, child_labels, component_entry
from rewardsmith.core.errors import DataError
from rewardsmith.core.reward import Reward
from rewardsmith.verifiers.agent.trajectory import Trajectory

Aggregate = Literal["mean", "sum", "min", "last", "first"]


def _aggregate(values: list[float], how: Aggregate) -> float:
    if how == "mean":
        return sum(values) / len(values)
    if how == "sum":
        return sum(values)
    if how == "min":
        return min(values)
    return values[-1] if how == "last" else values[0]


def turn_samples(sample: Sample) -> list[Sample]:
    """One sample per assistant turn: its message as the completion, the conversation before it as the prompt."""
    trajectory = Trajectory.of(sample)
    history = list(sample.prompt) if isinstance(sample.prompt, list) else []
    before: list[dict[str, Any]] = []
    out = []
    position = 0
    for turn in trajectory.turns:
        while trajectory.messages[position] is not turn.message:
            before.append(trajectory.messages[position])
            position += 1
        out.append(
            Sample(
                completion=[turn.message],
                prompt=history + list(before),
                reference=sample.reference,
                id=f"{sample.id}#turn{turn.index}" if sample.id is not None else None,
                group=sample.group,
                label=sample.label,
                extra={**sample.extra, "turn": turn.index, "turns": len(trajectory.turns)},
            )
        )
        before.append(turn.message)
        position += 1
    return out


@register("turns.each")
class TurnsEach(Composite):
    """Apply ``reward`` to every assistant turn; value = aggregate_t r_t, per-turn r_t in ``details["turns"]``.

    The child sees each turn as a sample whose completion is that assistant message and whose
    prompt is the conversation before it (so a format check, a judge or a per-turn verifier runs
    unchanged). Turns where the child does not apply are left out of the aggregate (``None`` in
    ``details["turns"]``); a turn that errors makes the trajectory an error naming the turn.

    >>> from rewardsmith.verifiers.format.regex import FormatRegex
    >>> trajectory = [{"role": "assistant", "content": "<think>a</think> hi"}, {"role": "user", "content": "?"},
    ...               {"role": "assistant", "content": "bye"}]
    >>> result = TurnsEach(FormatRegex("<think>"), aggregate="mean")(trajectory)
    >>> result.value, result.details["turns"]
    (0.5, [1.0, 0.0])
    """

    example: ClassVar[dict[str, Any]] = {"type": "turns.each", "reward": {"type": "format.regex", "pattern": "."}}

    def __init__(self, reward: Reward, aggregate: Aggregate = "mean") -> None:
        self.reward = reward
        self.aggregate = aggregate

    def plan(self, samples: list[Sample]) -> Plan:
        per_sample: list[list[Sample] | str] = []
        flat: list[Sample] = []
        for sample in samples:
            try:
                turns = turn_samples(sample)
            except DataError as exc:
                per_sample.append(str(exc))
                continue
            per_sample.append(turns)
            flat.extend(turns)
        (results,) = yield [(self.reward, flat)]
        label = child_labels([self.reward])[0]
        out, cursor = [], 0
        for entry in per_sample:
            if isinstance(entry, str):
                out.append(RewardResult.fail(f"{self.name}: {entry}", kind="bad_input"))
                continue
            own = results[cursor : cursor + len(entry)]
            cursor += len(entry)
            out.append(self._combine(own, label))
        return out

    def _combine(self, results: list[RewardResult], label: str) -> RewardResult:
        details: dict[str, Any] = {
            "turns": [r.value for r in results],
            "components": {f"{label}@turn{t}": component_entry(r) for t, r in enumerate(results)},
        }
        for t, result in enumerate(results):
            if result.error is not None:
                return RewardResult(None, f"turn {t}: {label}: {result.error}", details, result.error_kind)
        values = [r.value for r in results if r.value is not None]
        if not values:
            return RewardResult.not_applicable(**details)
        value = _aggregate(values, self.aggregate)
        if not math.isfinite(value):
            return RewardResult.fail(f"{self.name}: aggregated value is not finite", **details)
        return RewardResult.ok(value, **details)


class _TurnCredit(Composite):
    """Reads per-turn values from a child's ``details["turns"]`` and/or an outcome reward."""

    def _turn_values(self, result: RewardResult, label: str) -> list[float] | str:
        raw = result.details.get("turns")
        if not isinstance(raw, list) or not raw:
            return f"{label} gave no per-turn values (details['turns']); wrap it in turns.each"
        return [0.0 if v is None else float(v) for v in raw]


def _failed(result: RewardResult, label: str, details: dict[str, Any]) -> RewardResult | None:
    if result.error is not None:
        return RewardResult(None, f"{label}: {result.error}", details, result.error_kind)
    if result.value is None:
        return RewardResult.not_applicable(**details)
    return None


@register("turns.discount")
class TurnsDiscount(_TurnCredit):
    """Discounted returns per turn: G_t = Σ_{k ≥ t} γ^{k−t} r_k; value = G_0.

    The return a turn-level policy-gradient method credits turn t with (Sutton & Barto, ch. 3);
    with γ < 1 early turns are credited less for late rewards.

    >>> from rewardsmith.verifiers.field import Field
    >>> result = TurnsDiscount(TurnsEach(Field("r")), gamma=0.5)([{"role": "assistant"}] * 3, r=1.0)
    >>> result.value, result.details["turns"]
    (1.75, [1.75, 1.5, 1.0])
    """

    example: ClassVar[dict[str, Any]] = {
        "type": "turns.discount",
        "reward": {"type": "turns.each", "reward": {"type": "format.regex", "pattern": "."}},
    }

    def __init__(self, reward: Reward, gamma: float = 1.0) -> None:
        if not 0.0 <= gamma <= 1.0:
            raise ValueError(f"gamma: must be in [0, 1], got {gamma}")
        self.reward = reward
        self.gamma = gamma

    def plan(self, samples: list[Sample]) -> Plan:
        (results,) = yield [(self.reward, samples)]
        label = child_labels([self.reward])[0]
        out = []
        for result in results:
            details: dict[str, Any] = {"components": {label: component_entry(result)}}
            failed = _failed(result, label, details)
            if failed is not None:
                out.append(failed)
                continue
            values = self._turn_values(result, label)
            if isinstance(values, str):
                out.append(RewardResult.fail(values, **details))
                continue
            returns, running = [], 0.0
            for value in reversed(values):
                running = value + self.gamma * running
                returns.append(running)
            returns.reverse()
            out.append(RewardResult.ok(returns[0], turns=returns, **details))
        return out


def _turn_count(sample: Sample) -> int | str:
    try:
        return len(Trajectory.of(sample).turns)
    except DataError as exc:
        return str(exc)


@register("turns.broadcast")
class TurnsBroadcast(Composite):
    """The outcome reward R given to every turn: ``details["turns"] = [R] * T``; value = R.

    The default credit of outcome-reward GRPO on multi-turn rollouts (every token of the
    trajectory shares the trajectory's advantage), made explicit for turn-level trainers.

    >>> from rewardsmith.verifiers.field import Field
    >>> TurnsBroadcast(Field("r"))([{"role": "assistant"}] * 2, r=0.5).details["turns"]
    [0.5, 0.5]
    """

    example: ClassVar[dict[str, Any]] = {"type": "turns.broadcast", "reward": {"type": "format.regex", "pattern": "."}}

    def __init__(self, reward: Reward) -> None:
        self.reward = reward

    def plan(self, samples: list[Sample]) -> Plan:
        (results,) = yield [(self.reward, samples)]
        label = child_labels([self.reward])[0]
        out = []
        for sample, result in zip(samples, results, strict=True):
            details: dict[str, Any] = {"components": {label: component_entry(result)}}
            failed = _failed(result, label, details)
            if failed is not None:
                out.append(failed)
                continue
            count = _turn_count(sample)
            if isinstance(count, str):
                out.append(RewardResult.fail(f"{self.name}: {count}", kind="bad_input", **details))
                continue
            assert result.value is not None
            out.append(RewardResult.ok(result.value, turns=[result.value] * count, **details))
        return out


class _TurnAndOutcome(_TurnCredit):
    def __init__(self, turns: Reward, outcome: Reward) -> None:
        self.turns = turns
        self.outcome = outcome

    def combine(self, values: list[float], outcome: float) -> tuple[float, list[float]]:
        raise NotImplementedError

    def plan(self, samples: list[Sample]) -> Plan:
        turn_results, outcome_results = yield [(self.turns, samples), (self.outcome, samples)]
        labels = child_labels([self.turns, self.outcome])
        out = []
        for turn_result, outcome_result in zip(turn_results, outcome_results, strict=True):
            details: dict[str, Any] = {
                "components": {labels[0]: component_entry(turn_result), labels[1]: component_entry(outcome_result)}
            }
            failed = _failed(outcome_result, labels[1], details) or _failed(turn_result, labels[0], details)
            if failed is not None:
                out.append(failed)
                continue
            values = self._turn_values(turn_result, labels[0])
            if isinstance(values, str):
                out.append(RewardResult.fail(values, **details))
                continue
            assert outcome_result.value is not None
            value, per_turn = self.combine(values, outcome_result.value)
            out.append(RewardResult.ok(value, turns=per_turn, **details))
        return out


@register("turns.mix")
class TurnsMix(_TurnAndOutcome):
    """MT-GRPO-style mix of turn and outcome credit: v_t = r_t + λ·R; value = mean_t r_t + λ·R.

    *Reinforcing Multi-Turn Reasoning in LLM Agents via Turn-Level Credit Assignment* (Zeng et al.,
    2025) gives each turn its own (turn-level) reward plus a λ-weighted share of the outcome
    reward, so an intermediate turn that did its job is credited even when the episode fails.
    ``turns`` must report per-turn values (``turns.each``).

    >>> from rewardsmith.verifiers.field import Field
    >>> mixed = TurnsMix(TurnsEach(Field("t")), Field("o"), weight=0.5)([{"role": "assistant"}] * 2, t=1.0, o=2.0)
    >>> mixed.value, mixed.details["turns"]
    (2.0, [2.0, 2.0])
    """

    example: ClassVar[dict[str, Any]] = {
        "type": "turns.mix",
        "turns": {"type": "turns.each", "reward": {"type": "format.regex", "pattern": "."}},
        "outcome": {"type": "format.regex", "pattern": "."},
    }

    def __init__(self, turns: Reward, outcome: Reward, weight: float = 1.0) -> None:
        super().__init__(turns, outcome)
        self.weight = weight

    def combine(self, values: list[float], outcome: float) -> tuple[float, list[float]]:
        per_turn = [value + self.weight * outcome for value in values]
        return sum(values) / len(values) + self.weight * outcome, per_turn


@register("turns.gate")
class TurnsGate(_TurnAndOutcome):
    """Gated reward accumulation: R = R_o + 1[R_o ≥ τ]·Σ_t r_t; turn rewards count only if the outcome passes.

    *Stabilizing Long-term Multi-turn RL with Gated Rewards* (G-RA): immediate rewards that are
    paid regardless of the outcome get farmed; gating them on the outcome keeps the outcome the
    objective. ``details["turns"]`` holds r_t when the gate is open and 0 otherwise.

    >>> from rewardsmith.verifiers.field import Field
    >>> gate = TurnsGate(TurnsEach(Field("t")), Field("o"), threshold=1.0)
    >>> gate([{"role": "assistant"}] * 2, t=0.5, o=1.0).value, gate([{"role": "assistant"}] * 2, t=0.5, o=0.0).value
    (2.0, 0.0)
    """

    example: ClassVar[dict[str, Any]] = {
        "type": "turns.gate",
        "turns": {"type": "turns.each", "reward": {"type": "format.regex", "pattern": "."}},
        "outcome": {"type": "format.regex", "pattern": "."},
    }

    def __init__(self, turns: Reward, outcome: Reward, threshold: float = 1.0) -> None:
        super().__init__(turns, outcome)
        self.threshold = threshold

    def combine(self, values: list[float], outcome: float) -> tuple[float, list[float]]:
        open_ = outcome >= self.threshold
        per_turn = [value if open_ else 0.0 for value in values]
        return outcome + sum(per_turn), per_turn
