"""``agent.efficiency``: tool calls, turns, words and repeated calls against budgets."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from rewardsmith.core import RewardResult, Sample, register
from rewardsmith.core.errors import DataError
from rewardsmith.core.reward import Reward

from .trajectory import Trajectory


@register("agent.efficiency")
class AgentEfficiency(Reward):
    """E = Π_k min(1, b_k / u_k) · max(0, 1 − ρ · repeats) ∈ [0, 1].

    u_k is the trajectory's use of each budgeted resource — tool calls, assistant turns, words
    the assistant wrote — and b_k its budget (``max_tool_calls``, ``max_turns``, ``max_words``;
    unset budgets are ignored): within budget the factor is 1, beyond it the reward falls as
    b/u. ``repeats`` counts calls identical to an earlier one (same tool, same arguments), the
    loop that efficiency penalties in agent RL target (e.g. the tool-call penalties of ToolRL and
    OTC, "Acting Less is Reasoning More", Wang et al. 2025), each costing ``repeat_penalty`` = ρ.
    Combine it with an outcome reward (``gate`` or ``product``) so that doing nothing is not
    the most efficient policy.

    >>> call = {"role": "assistant", "tool_calls": [{"function": {"name": "search", "arguments": "{}"}}]}
    >>> result = AgentEfficiency(max_tool_calls=2)([call, call, call, {"role": "assistant", "content": "done"}])
    >>> round(result.value, 6), result.details["repeats"]  # (1 − 0.2·2) · 2/3
    (0.4, 2)
    """

    value_range = (0.0, 1.0)

    def __init__(
        self,
        max_tool_calls: int | None = None,
        max_turns: int | None = None,
        max_words: int | None = None,
        repeat_penalty: float = 0.2,
    ) -> None:
        for name, budget in (("max_tool_calls", max_tool_calls), ("max_turns", max_turns), ("max_words", max_words)):
            if budget is not None and budget < 1:
                raise ValueError(f"{name}: must be at least 1")
        self.max_tool_calls = max_tool_calls
        self.max_turns = max_turns
        self.max_words = max_words
        self.repeat_penalty = repeat_penalty

    def score_one(self, sample: Sample) -> RewardResult:
        try:
            trajectory = Trajectory.of(sample)
        except DataError as exc:
            return RewardResult.fail(str(exc), kind="bad_input")
        calls = trajectory.calls
        signatures = Counter(
            (
                c.name,
                json.dumps(c.arguments, sort_keys=True, default=str)
                if c.arguments is not None
                else repr(c.raw_arguments),
            )
            for c in calls
        )
        repeats = sum(count - 1 for count in signatures.values())
        usage = {
            "tool_calls": len(calls),
            "turns": len(trajectory.turns),
            "words": sum(len(turn.text.split()) for turn in trajectory.turns),
        }
        budgets = {"tool_calls": self.max_tool_calls, "turns": self.max_turns, "words": self.max_words}
        value = max(0.0, 1.0 - self.repeat_penalty * repeats)
        factors: dict[str, Any] = {}
        for name, budget in budgets.items():
            if budget is not None:
                factor = min(1.0, budget / usage[name]) if usage[name] else 1.0
                factors[name] = factor
                value *= factor
        return RewardResult.ok(value, usage=usage, repeats=repeats, factors=factors)
