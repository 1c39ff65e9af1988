"""``agent.protocol``: malformed calls, unknown tools, invalid arguments and fabricated tool results."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from rewardsmith.core import RewardResult, Sample, register
from rewardsmith.core.errors import DataError
from rewardsmith.core.reward import Reward

from .trajectory import Trajectory

#: Text in an assistant message that imitates a tool's answer instead of calling the tool.
FAKE_RESULT = re.compile(
    r"<tool_response>|<\|im_start\|>\s*tool|\"role\"\s*:\s*\"tool\""
    r"|^\s*(?:tool (?:result|output|response)|observation)\s*:",
    re.IGNORECASE | re.MULTILINE,
)


def tool_schemas(value: Any) -> dict[str, dict[str, Any] | None]:
    """Tool name → JSON Schema of its arguments, from OpenAI ``tools`` entries or plain names."""
    schemas: dict[str, dict[str, Any] | None] = {}
    for entry in value or []:
        if isinstance(entry, str):
            schemas[entry] = None
        elif isinstance(entry, dict):
            inner = entry.get("function")
            function = inner if isinstance(inner, dict) else entry
            if isinstance(function.get("name"), str):
                parameters = function.get("parameters")
                schemas[function["name"]] = parameters if isinstance(parameters, dict) else None
    return schemas


@register("agent.protocol")
class AgentProtocol(Reward):
    """1 when the trajectory keeps the tool protocol, else 0; ``details["violations"]`` says where.

    Violations (the error categories of *TL-Training*, Ye et al. 2025, plus the hacks of agent RL):
    a **malformed call** (arguments that are not a JSON object, no name); a call to a tool that
    does **not exist** (when the tools are known: ``tools`` — OpenAI tool definitions or names — or
    the record's ``tools`` field); **invalid arguments** against the tool's JSON Schema (needs
    ``jsonschema``, the ``text`` extra); a **fabricated tool result** — an assistant message that
    writes what looks like a tool's answer (``<tool_response>``, a ``"role": "tool"`` object,
    "Observation:") instead of calling the tool.

    >>> bad = [{"role": "assistant", "content": "Observation: the flight is booked."}]
    >>> result = AgentProtocol()(bad)
    >>> result.value, result.details["violations"][0]["category"]
    (0.0, 'fabricated tool result')
    """

    value_range = (0.0, 1.0)
    example: ClassVar[dict[str, Any]] = {"type": "agent.protocol", "tools": ["search", "book"]}

    def __init__(self, tools: list[Any] | None = None) -> None:
        self.tools = None if tools is None else list(tools)

    def _validator(self, schema: dict[str, Any]) -> Any:
        try:
            import jsonschema
        except ImportError as exc:
            raise ImportError(
                "agent.protocol validates arguments with jsonschema: pip install 'rewardsmith[text]'"
            ) from exc
        return jsonschema.Draft202012Validator(schema)

    def score_one(self, sample: Sample) -> RewardResult:
        try:
            trajectory = Trajectory.of(sample)
        except DataError as exc:
            return RewardResult.fail(str(exc), kind="bad_input")
        known = self.tools if self.tools is not None else sample.extra.get("tools")
        schemas = tool_schemas(known) if known is not None else None
        violations: list[dict[str, Any]] = []
        for call in trajectory.calls:
            if call.error is not None:
                violations.append({"category": "malformed call", "turn": call.turn, "why": call.error})
            elif schemas is not None and call.name not in schemas:
                violations.append({"category": "unknown tool", "turn": call.turn, "name": call.name})
            elif schemas is not None and schemas.get(call.name):
                errors = sorted(self._validator(schemas[call.name]).iter_errors(call.arguments), key=str)  # type: ignore[arg-type]
                if errors:
                    violations.append(
                        {
                            "category": "invalid arguments",
                            "turn": call.turn,
                            "name": call.name,
                            "why": errors[0].message,
                        }
                    )
        for turn in trajectory.turns:
            if FAKE_RESULT.search(turn.text):
                violations.append({"category": "fabricated tool result", "turn": turn.index})
        return RewardResult.ok(0.0 if violations else 1.0, violations=violations)
