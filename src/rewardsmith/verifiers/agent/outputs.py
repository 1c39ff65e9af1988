"""``agent.outputs``: the facts or values an agent had to tell the user."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from rewardsmith.core import RewardResult, Sample, register
from rewardsmith.core.errors import DataError
from rewardsmith.core.reward import Reward

from .trajectory import Trajectory, reference_outputs


def said(output: str, text: str) -> bool:
    """tau-bench's rule: the output, lower-cased, appears in the text lower-cased without commas."""
    return output.lower() in text.lower().replace(",", "")


@register("agent.outputs")
class AgentOutputs(Reward):
    """Share of required outputs said to the user: R = |{o ∈ O : o said}| / |O| (``require: all`` → 0/1).

    tau-bench (Yao et al., 2024) counts an episode as solved only when every required output
    (e.g. a total price) appears in what the agent told the user; the check is tau-bench's own —
    the output, lower-cased, is a substring of an assistant message lower-cased with commas
    removed (so "1,286" matches "1286"). Outputs come from ``outputs``, the reference's
    ``outputs`` or the record's ``outputs`` field; with none required the value is 1.

    >>> messages = [{"role": "assistant", "content": "The refund is $1,286."}]
    >>> AgentOutputs(outputs=["1286", "327"])(messages).value
    0.5
    """

    value_range = (0.0, 1.0)
    example: ClassVar[dict[str, Any]] = {"type": "agent.outputs", "outputs": ["Paris"]}

    def __init__(self, outputs: list[str] | None = None, require: Literal["share", "all"] = "share") -> None:
        self.outputs = None if outputs is None else list(outputs)
        self.require = require

    def score_one(self, sample: Sample) -> RewardResult:
        try:
            required = reference_outputs(sample, self.outputs)
            if isinstance(sample.completion, str):
                texts = [sample.completion]
            else:
                texts = [turn.text for turn in Trajectory.of(sample).turns]
        except DataError as exc:
            return RewardResult.fail(str(exc), kind="bad_input")
        if not required:
            return RewardResult.ok(1.0, found=[], missing=[])
        found = [o for o in required if any(said(o, text) for text in texts)]
        missing = [o for o in required if o not in found]
        share = len(found) / len(required)
        value = share if self.require == "share" else float(not missing)
        return RewardResult.ok(value, found=found, missing=missing)
