"""``agent.actions``: the tool calls of a trajectory against ground-truth actions."""

from __future__ import annotations

import fnmatch
import re
from typing import Any, ClassVar, Literal

from rewardsmith.core import RewardResult, Sample, register
from rewardsmith.core.errors import DataError
from rewardsmith.core.reward import Reward
from rewardsmith.verifiers.toolcall import Call, _best_matching

from .trajectory import ToolCall, Trajectory, reference_actions


def normalise(value: Any) -> Any:
    """Arguments compared as values: numbers as floats (250 == 250.0), strings stripped, recursively."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list | tuple):
        return [normalise(item) for item in value]
    if isinstance(value, dict):
        return {str(key): normalise(item) for key, item in value.items()}
    return value


def argument_share(gold: dict[str, Any], predicted: dict[str, Any]) -> float:
    """|{k : P[k] = G[k]}| / |keys_G ∪ keys_P|: 1 only for the same keys with the same values."""
    union = set(gold) | set(predicted)
    if not union:
        return 1.0
    same = sum(1 for key, value in gold.items() if key in predicted and normalise(predicted[key]) == normalise(value))
    return same / len(union)


@register("agent.actions")
class AgentActions(Reward):
    """Tool calls against ground-truth actions: R = Σ_matched q(g, p) / (|G| + w·|extra|) ∈ [0, 1].

    The decomposition of *ToolRL* (Qian et al., 2025) at the level of whole calls, as tau-bench
    (Yao et al., 2024) judges an episode by the actions it took: each gold action g is matched to
    at most one call p of the same tool; q(g, p) = 1 when the arguments are equal as values
    (``match: exact``; JSON-string arguments are parsed, 250 equals 250.0) or the share of
    agreeing arguments (``match: arguments``, |{k: P[k] = G[k]}| / |keys_G ∪ keys_P|).
    Unmatched gold actions are *missing*; unmatched calls are *extra* and weigh ``extra_weight``
    in the denominator. ``ordered: true`` matches in order (a weighted longest common
    subsequence). ``ignore`` lists tool-name patterns left out on both sides — read-only tools,
    whose calls do not change the outcome (``[get_*, search_*, think]``). ``rejected`` is a
    regular expression for tool results that mean the environment refused the call (tau-bench
    answers ``Error: …``): such a call did not act, so it is neither matched nor extra.

    The reference is the list of actions (tau-bench ``{name, kwargs}`` or OpenAI tool calls) or a
    mapping with it under ``actions``; the completion is the trajectory (chat messages).

    >>> gold = [{"name": "cancel", "kwargs": {"id": "R1"}}]
    >>> def call(args):
    ...     return [{"role": "assistant", "tool_calls": [{"id": "c", "type": "function",
    ...              "function": {"name": "cancel", "arguments": args}}]}]
    >>> reward = AgentActions()
    >>> reward(call('{"id": "R1"}'), reference=gold).value, reward(call('{"id": "R2"}'), reference=gold).value
    (1.0, 0.0)
    """

    value_range = (0.0, 1.0)
    example: ClassVar[dict[str, Any]] = {"type": "agent.actions", "ignore": ["get_*", "search_*"]}

    def __init__(
        self,
        match: Literal["exact", "arguments"] = "exact",
        ordered: bool = False,
        ignore: list[str] | None = None,
        extra_weight: float = 1.0,
        rejected: str | None = None,
    ) -> None:
        if extra_weight < 0:
            raise ValueError("extra_weight: must be ≥ 0")
        self.match = match
        self.ordered = ordered
        self.ignore = list(ignore or [])
        self.extra_weight = extra_weight
        self.rejected = rejected
        self._rejected = None if rejected is None else re.compile(rejected)

    def _kept(self, calls: list[ToolCall]) -> list[ToolCall]:
        return [c for c in calls if not any(fnmatch.fnmatchcase(c.name, pattern) for pattern in self.ignore)]

    def _acted(self, trajectory: Trajectory) -> list[ToolCall]:
        """The calls the environment did not reject (all calls when ``rejected`` is unset)."""
        if self._rejected is None:
            return trajectory.calls
        refused = {
            m.get("tool_call_id")
            for turn in trajectory.turns
            for m in turn.tool_results
            if isinstance(m.get("content"), str) and self._rejected.search(m["content"])
        }
        return [c for c in trajectory.calls if c.id is None or c.id not in refused]

    def _quality(self, gold: ToolCall, predicted: ToolCall) -> float:
        if gold.name != predicted.name or predicted.arguments is None or gold.arguments is None:
            return 0.0
        if self.match == "exact":
            return 1.0 if normalise(gold.arguments) == normalise(predicted.arguments) else 0.0
        return argument_share(gold.arguments, predicted.arguments)

    def _pairs(self, gold: list[ToolCall], predicted: list[ToolCall]) -> list[tuple[int, int, float]]:
        if self.ordered:
            return _ordered_pairs(gold, predicted, self._quality)
        if self.match == "exact":
            used: set[int] = set()
            pairs = []
            for i, g in enumerate(gold):
                for j, p in enumerate(predicted):
                    if j not in used and self._quality(g, p) == 1.0:
                        used.add(j)
                        pairs.append((i, j, 1.0))
                        break
            return pairs
        as_calls = [Call(c.name, c.arguments or {}) for c in gold], [Call(c.name, c.arguments or {}) for c in predicted]
        pairs = [(i, j, self._quality(gold[i], predicted[j])) for i, j in _best_matching(*as_calls)]
        return [pair for pair in pairs if pair[2] > 0]

    def score_one(self, sample: Sample) -> RewardResult:
        if sample.reference is None:
            return RewardResult.fail("no reference actions to compare with", kind="bad_input")
        try:
            trajectory = Trajectory.of(sample)
            gold = self._kept(reference_actions(sample.reference, f"record {sample.id} reference"))
        except DataError as exc:
            return RewardResult.fail(str(exc), kind="bad_input")
        predicted = self._kept(self._acted(trajectory))
        pairs = self._pairs(gold, predicted)
        matched_gold = {i for i, _, _ in pairs}
        matched_pred = {j for _, j, _ in pairs}
        missing = [g.name for i, g in enumerate(gold) if i not in matched_gold]
        extra = [p.name for j, p in enumerate(predicted) if j not in matched_pred]
        denominator = len(gold) + self.extra_weight * len(extra)
        value = 1.0 if denominator == 0 else sum(q for _, _, q in pairs) / denominator
        return RewardResult.ok(
            value,
            matched=[{"action": gold[i].name, "call": j, "turn": predicted[j].turn, "quality": q} for i, j, q in pairs],
            missing=missing,
            extra=extra,
            counts={"gold": len(gold), "calls": len(predicted), "missing": len(missing), "extra": len(extra)},
        )


def _ordered_pairs(gold: list[ToolCall], predicted: list[ToolCall], quality: Any) -> list[tuple[int, int, float]]:
    """The in-order matching with the largest total quality (weighted LCS, O(|G|·|P|))."""
    n, m = len(gold), len(predicted)
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            q = quality(gold[i], predicted[j])
            best[i][j] = max(best[i + 1][j], best[i][j + 1], (q + best[i + 1][j + 1]) if q > 0 else 0.0)
    pairs, i, j = [], 0, 0
    while i < n and j < m:
        q = quality(gold[i], predicted[j])
        if q > 0 and best[i][j] == q + best[i + 1][j + 1]:
            pairs.append((i, j, q))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            i += 1
        else:
            j += 1
    return pairs
