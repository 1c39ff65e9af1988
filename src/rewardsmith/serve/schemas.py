"""Request and response bodies of the HTTP API; FastAPI turns them into the OpenAPI schema."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema

from rewardsmith.core import ErrorKind
from rewardsmith.core.composition import json_default


def _text_or_chat(value: Any) -> Any:
    if value is None or isinstance(value, str | dict):
        return value
    if isinstance(value, list) and all(isinstance(message, dict) for message in value):
        return value
    raise ValueError(f"expected a string or a list of chat messages, got {type(value).__name__}")


def _completion(value: Any) -> Any:
    if value is None:
        raise ValueError("expected a string or a list of chat messages, got null")
    return _text_or_chat(value)


def _key(value: Any) -> Any:
    if value is None or (isinstance(value, str | int) and not isinstance(value, bool)):
        return value
    raise ValueError(f"expected a string or an integer, got {type(value).__name__}")


# One readable error per field (pydantic's unions report one error per member type).
_CHAT = {"type": "array", "items": {"type": "object"}}
TextOrChat = Annotated[
    Any, AfterValidator(_completion), WithJsonSchema({"anyOf": [{"type": "string"}, _CHAT, {"type": "object"}]})
]
OptionalTextOrChat = Annotated[
    Any, AfterValidator(_text_or_chat), WithJsonSchema({"anyOf": [{"type": "string"}, _CHAT, {"type": "null"}]})
]
Key = Annotated[
    Any, AfterValidator(_key), WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]})
]


class Record(BaseModel):
    """One sample in the record format of ``rewardsmith score``; other fields go to ``Sample.extra``."""

    model_config = ConfigDict(extra="allow")

    completion: TextOrChat = Field(description="The text to score, or chat messages.")
    prompt: OptionalTextOrChat = None
    reference: Any = Field(None, description="Gold answer, tests or references: any JSON value.")
    id: Key = None
    group: Key = Field(None, description="Ties the completions of one prompt (GRPO group).")
    label: Any = None


class ScoreRequest(BaseModel):
    samples: list[Record]


class Result(BaseModel):
    """A value, "not applicable" (both null) or an error (``reward`` null, ``reward_error`` says why
    and ``reward_error_kind`` what kind of failure it is)."""

    reward: float | None
    reward_error: str | None
    reward_error_kind: ErrorKind | None = Field(
        None,
        description="Set on an error only: timeout, bad_input (the record is at fault), dependency, crash or remote.",
    )
    reward_details: dict[str, Any]


class ScoreResponse(BaseModel):
    results: list[Result]


class OpenRLHFRequest(BaseModel):
    """OpenRLHF's body: decoded prompt+response strings, the prompts, and the label column."""

    model_config = ConfigDict(extra="allow")

    query: list[str]
    prompts: list[Any] | None = None
    labels: list[Any] | None = None


class OpenRLHFResponse(BaseModel):
    rewards: list[float | None]
    scores: list[float | None] = Field(description="Rewards mapped into [0, 1] for dynamic filtering.")
    extra_logs: dict[str, list[float]]


class Health(BaseModel):
    status: str
    reward: str


class SpecInfo(BaseModel):
    spec: dict[str, Any]
    hash: str


def dumps(content: Any) -> bytes:
    """JSON bytes of ``content``; only when plain encoding fails is it cleaned with :func:`jsonable`.

    >>> dumps({"a": float("inf")})
    b'{"a":"inf"}'
    """
    try:
        text = json.dumps(content, allow_nan=False, ensure_ascii=False, separators=(",", ":"), default=json_default)
    except (TypeError, ValueError):
        text = json.dumps(jsonable(content), ensure_ascii=False, separators=(",", ":"))
    return text.encode()


def jsonable(value: Any) -> Any:
    """``value`` with non-finite floats and unknown objects turned into strings, so JSON never fails.

    >>> jsonable({"a": float("nan"), "b": [1, (2, 3)], "c": {1}})
    {'a': 'nan', 'b': [1, [2, 3]], 'c': '{1}'}
    """
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        try:
            return jsonable(value.item())
        except (TypeError, ValueError):
            pass
    return str(value)
