"""A trajectory as a sample: an OpenAI-format conversation with tool calls, split into turns.

The completion is a list of messages: ``assistant`` messages (text and/or ``tool_calls``, each
``{id, type, function: {name, arguments}}`` with arguments as a JSON string; Hermes/Qwen
``<tool_call>{...}</tool_call>`` blocks in the text count as calls too), ``tool`` messages
answering a call by ``tool_call_id``, and ``user`` messages. A **turn** is one assistant message
and everything that follows it up to the next assistant message (the tool results it caused and
the user's reply). System and user messages before the first assistant message belong to the
prompt side of the trajectory.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from rewardsmith.core import Sample
from rewardsmith.core.errors import DataError


@dataclass(frozen=True)
class ToolCall:
    """One call an assistant made: name, parsed arguments (None when they are not a JSON object)."""

    name: str
    arguments: dict[str, Any] | None
    raw_arguments: Any
    id: str | None
    turn: int
    error: str | None = None


@dataclass
class Turn:
    """One assistant message and what followed it up to the next assistant message."""

    index: int
    message: dict[str, Any]
    calls: list[ToolCall]
    following: list[dict[str, Any]] = field(default_factory=list)

    @property
    def text(self) -> str:
        content = self.message.get("content")
        if isinstance(content, list):
            return "".join(part.get("text", "") for part in content if isinstance(part, dict))
        return content if isinstance(content, str) else ""

    @property
    def tool_results(self) -> list[dict[str, Any]]:
        return [m for m in self.following if m.get("role") == "tool"]


def _parse_call(raw: Any, turn: int) -> ToolCall:
    if not isinstance(raw, dict):
        return ToolCall("", None, raw, None, turn, f"a tool call must be an object, got {type(raw).__name__}")
    inner = raw.get("function")
    function = inner if isinstance(inner, dict) else raw
    name = function.get("name")
    arguments = function.get("arguments", function.get("kwargs", {}))
    call_id = raw.get("id")
    if not isinstance(name, str) or not name:
        return ToolCall("", None, arguments, call_id, turn, "a tool call without a name")
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except json.JSONDecodeError as exc:
            return ToolCall(name, None, arguments, call_id, turn, f"arguments of {name!r} are not JSON: {exc.msg}")
    if not isinstance(arguments, dict):
        return ToolCall(name, None, arguments, call_id, turn, f"arguments of {name!r} are not a JSON object")
    return ToolCall(name, arguments, arguments, call_id, turn)


def _text_calls(content: str, turn: int) -> list[ToolCall]:
    """Hermes/Qwen ``<tool_call>{"name": ..., "arguments": ...}</tool_call>`` blocks written in the text
    (text-only agent loops: OpenRLHF's agent protocol, verl's tool agent before parsing)."""
    from rewardsmith.verifiers.toolcall import Call, parse_calls

    out = []
    for parsed in parse_calls(content):
        if isinstance(parsed, Call):
            out.append(ToolCall(parsed.name, parsed.arguments, parsed.arguments, None, turn))
        else:
            out.append(ToolCall("", None, None, None, turn, parsed))
    return out


@dataclass
class Trajectory:
    """The turns of a conversation and every tool call in order."""

    messages: list[dict[str, Any]]
    turns: list[Turn]

    @property
    def calls(self) -> list[ToolCall]:
        return [call for turn in self.turns for call in turn.calls]

    @property
    def final_text(self) -> str:
        """The text of the last assistant message (what the agent said last)."""
        return self.turns[-1].text if self.turns else ""

    def assistant_text(self) -> str:
        """Every assistant message's text, joined (what the agent said to the user)."""
        return "\n".join(turn.text for turn in self.turns if turn.text)

    @classmethod
    def of(cls, sample: Sample) -> Trajectory:
        """Read the trajectory from ``sample.completion``; a DataError says why it is not one.

        A composed spec reads the same trajectory in several leaves (actions, protocol,
        efficiency, turns): the parse of a completion object is kept while that object lives
        (bounded, keyed by identity and checked by ``is``), so it is done once per batch.
        """
        completion = sample.completion
        cached = _PARSED.get(id(completion))
        if cached is not None and cached[0] is completion and cached[1] == len(completion):
            return cached[2]
        trajectory = cls._parse(sample)
        if isinstance(completion, list):
            if len(_PARSED) >= _PARSED_MAX:
                _PARSED.pop(next(iter(_PARSED)))
            _PARSED[id(completion)] = (completion, len(completion), trajectory)
        return trajectory

    @classmethod
    def _parse(cls, sample: Sample) -> Trajectory:
        messages = sample.completion
        where = f"record {sample.id}" if sample.id is not None else "sample"
        if isinstance(messages, dict):
            messages = [messages]
        if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
            raise DataError(where, "a trajectory is a list of chat messages (OpenAI format)")
        turns: list[Turn] = []
        for message in messages:
            role = message.get("role", "assistant")
            if role == "assistant":
                index = len(turns)
                calls = [_parse_call(raw, index) for raw in message.get("tool_calls") or []]
                content = message.get("content")
                if not calls and isinstance(content, str) and "<tool_call>" in content:
                    calls = _text_calls(content, index)
                turns.append(Turn(index, message, calls))
            elif turns:
                turns[-1].following.append(message)
        return cls(list(messages), turns)


_PARSED: dict[int, tuple[Any, int, Trajectory]] = {}
_PARSED_MAX = 4096


def reference_actions(reference: Any, where: str = "reference") -> list[ToolCall]:
    """Ground-truth actions from a reference: a list of calls in tau-bench's ``{name, kwargs}`` or
    OpenAI's ``{function: {name, arguments}}`` shape, or a mapping with such a list under
    ``actions``. A DataError (bad input) when it is none of these."""
    if isinstance(reference, str):
        try:
            reference = json.loads(reference)
        except json.JSONDecodeError:
            raise DataError(where, "the reference actions are not JSON") from None
    if isinstance(reference, dict) and "actions" in reference:
        reference = reference["actions"]
    if not isinstance(reference, list):
        raise DataError(where, "expected a list of actions ({name, kwargs} or OpenAI tool calls)")
    actions = [_parse_call(raw, -1) for raw in reference]
    for action in actions:
        if action.error is not None:
            raise DataError(where, f"reference action is malformed: {action.error}")
    return actions


def reference_outputs(sample: Sample, outputs: list[str] | None) -> list[str]:
    """Required outputs: the parameter, else ``reference["outputs"]``, else the record's ``outputs``."""
    if outputs is not None:
        return [str(o) for o in outputs]
    reference = sample.reference
    if isinstance(reference, dict) and "outputs" in reference:
        found = reference["outputs"]
    else:
        found = sample.extra.get("outputs")
    if found is None:
        raise DataError(f"record {sample.id}", "no required outputs (reference.outputs or an 'outputs' field)")
    if not isinstance(found, list):
        found = [found]
    return [str(o) for o in found]
