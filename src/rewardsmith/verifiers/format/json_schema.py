"""``format.json``: the completion is JSON, optionally valid against a JSON Schema."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from rewardsmith.core import RewardResult, Sample, register
from rewardsmith.core.reward import Reward

_FENCE = re.compile(r"```(?:json)?\s*\n(.*?)```", re.DOTALL | re.IGNORECASE)


def extract_json(text: str, extract: Literal["whole", "auto"]) -> tuple[Any, str | None]:
    """(value, None) for the JSON found in ``text``, or (None, why not).

    ``whole``: the stripped text must be JSON. ``auto``: else the last fenced code block, else
    the first ``{`` or ``[`` from which a JSON value parses.

    >>> extract_json('Here: ```json\\n{"a": 1}\\n``` done', "auto")
    ({'a': 1}, None)
    """
    stripped = text.strip()
    try:
        return json.loads(stripped), None
    except json.JSONDecodeError as exc:
        whole_error = f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
    if extract == "whole":
        return None, whole_error
    for block in reversed(_FENCE.findall(text)):
        try:
            return json.loads(block), None
        except json.JSONDecodeError:
            continue
    decoder = json.JSONDecoder()
    for match in re.finditer(r"[\[{]", text):
        try:
            return decoder.raw_decode(text, match.start())[0], None
        except json.JSONDecodeError:
            continue
    return None, whole_error


@register("format.json")
class FormatJSON(Reward):
    """1.0 when the completion parses as JSON (and satisfies ``json_schema``, when given), else 0.0.

    ``json_schema`` is a JSON Schema, inline or as a path to a ``.json`` file, checked with the
    ``jsonschema`` library (any draft it knows, read from ``$schema``). With ``partial`` an
    object earns the share of the schema's top-level ``properties`` that are present (or not
    required) and valid against their sub-schema, instead of all or nothing — a denser signal
    for structured-output training. Validation messages are kept in ``details["errors"]``.

    >>> schema = {"type": "object", "required": ["name", "age"],
    ...           "properties": {"name": {"type": "string"}, "age": {"type": "integer"}}}
    >>> FormatJSON(json_schema=schema)('{"name": "Ada", "age": 36}').value
    1.0
    >>> FormatJSON(json_schema=schema, partial=True)('{"name": "Ada", "age": "old"}').value
    0.5
    """

    value_range = (0.0, 1.0)

    @classmethod
    def requirements(cls, params: Mapping[str, Any]) -> Mapping[str, str]:
        """``jsonschema`` (extra ``text``) when a schema is given; plain JSON needs nothing."""
        return {"jsonschema": "text"} if params.get("json_schema") is not None else {}

    def __init__(
        self,
        json_schema: dict[str, Any] | str | None = None,
        partial: bool = False,
        extract: Literal["whole", "auto"] = "auto",
    ) -> None:
        self.json_schema = json_schema
        self.partial = partial
        self.extract = extract
        self._validator: Any = None
        resolved = self._resolve_schema(json_schema)
        if resolved is not None:
            import jsonschema

            cls = jsonschema.validators.validator_for(resolved)
            try:
                cls.check_schema(resolved)
            except jsonschema.SchemaError as exc:
                raise ValueError(f"json_schema: not a valid JSON Schema: {exc.message}") from None
            self._validator = cls(resolved)
            self._resolved = resolved

    @staticmethod
    def _resolve_schema(schema: dict[str, Any] | str | None) -> dict[str, Any] | None:
        if schema is None or isinstance(schema, dict):
            return schema
        path = Path(schema)
        if not path.is_file():
            raise ValueError(f"json_schema: {schema!r} is neither a mapping nor a JSON file")
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"json_schema: {schema} is not JSON: {exc.msg}") from None

    def score_one(self, sample: Sample) -> RewardResult:
        value, problem = extract_json(sample.text, self.extract)
        if problem is not None:
            return RewardResult.ok(0.0, errors=[problem])
        if self._validator is None:
            return RewardResult.ok(1.0, errors=[])
        errors = sorted(self._validator.iter_errors(value), key=lambda e: list(e.absolute_path))
        messages = [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors][:10]
        if not errors:
            return RewardResult.ok(1.0, errors=[])
        if not self.partial:
            return RewardResult.ok(0.0, errors=messages)
        return RewardResult.ok(self._share_valid(value), errors=messages)

    def _share_valid(self, value: Any) -> float:
        properties = self._resolved.get("properties") or {}
        if not isinstance(value, dict) or not properties:
            return 0.0
        required = set(self._resolved.get("required") or [])
        good = 0
        for name, subschema in properties.items():
            if name not in value:
                good += name not in required
            elif self._validator.evolve(schema=subschema).is_valid(value[name]):
                good += 1
        return good / len(properties)
