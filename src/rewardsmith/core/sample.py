"""The unit of scoring: one prompt, one completion, and what the reward may compare them with."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

STANDARD_FIELDS = ("prompt", "completion", "reference", "id", "group", "label")


def messages_to_text(value: Any, roles: tuple[str, ...] | None = None) -> str:
    """Flatten a string or a list of chat messages to text.

    A completion given as chat messages is the whole list of assistant turns (a multi-turn
    tool-use rollout has several): scoring only the first one is a known trainer bug.

    >>> messages_to_text([{"role": "assistant", "content": "a"}, {"role": "tool", "content": "t"},
    ...                   {"role": "assistant", "content": "b"}], roles=("assistant",))
    'a\\nb'
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        value = [value]
    if isinstance(value, list):
        parts = []
        for message in value:
            if isinstance(message, dict):
                if roles is not None and message.get("role", "assistant") not in roles:
                    continue
                content = message.get("content")
                if isinstance(content, list):  # multimodal content parts
                    content = "".join(
                        part.get("text", "") for part in content if isinstance(part, dict)
                    )
                if content:
                    parts.append(str(content))
            elif message is not None:
                parts.append(str(message))
        return "\n".join(parts)
    return str(value)


@dataclass
class Sample:
    """One record to score.

    ``prompt`` and ``completion`` are strings or lists of chat messages; ``reference`` is any
    JSON value (a gold answer, tests, reference texts); ``group`` ties together completions of
    one prompt (GRPO group); ``extra`` keeps every other field of the record, so a component
    can read a stored score or step labels from it.
    """

    completion: Any = ""
    prompt: Any = None
    reference: Any = None
    id: Any = None
    group: Any = None
    label: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The completion as plain text (every assistant turn of a chat completion)."""
        return messages_to_text(self.completion, roles=("assistant",))

    @property
    def prompt_text(self) -> str:
        """The prompt as plain text (every message)."""
        return messages_to_text(self.prompt)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Sample:
        """Build a sample from a record with the standard fields; the rest goes to ``extra``."""
        known = {k: record[k] for k in STANDARD_FIELDS if k in record}
        extra = {k: v for k, v in record.items() if k not in STANDARD_FIELDS}
        return cls(**known, extra=extra)

    def to_record(self) -> dict[str, Any]:
        """The inverse of :meth:`from_record` (fields that are None are left out)."""
        record = {k: getattr(self, k) for k in STANDARD_FIELDS if getattr(self, k) is not None}
        record.update(self.extra)
        return record
