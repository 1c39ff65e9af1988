"""``field``: a score already stored in each record, read back as a reward.

Audit a reward model's saved outputs without loading the model: ``field: pred_score``.
"""

from __future__ import annotations

import math
import re
from typing import Any, ClassVar, Literal

from rewardsmith.core import RewardResult, Sample, register
from rewardsmith.core.reward import Reward

Aggregate = Literal["none", "min", "max", "mean", "last", "product"]
_PART = re.compile(r"([^.\[\]]+)|\[(-?\d+)\]")
_MISSING = object()


def read_path(record: Any, path: str) -> Any:
    """Follow a dotted path with list indexes: ``scores.0``, ``scores[0]``, ``rm.scores[-1]``.

    A key that itself contains dots (``"a.b"``) is found before the path is split.

    >>> read_path({"rm": {"scores": [0.1, 0.7]}}, "rm.scores[-1]")
    0.7
    >>> read_path({"scores": [[3.5]]}, "scores.0.0")
    3.5
    """
    if isinstance(record, dict) and path in record:
        return record[path]
    value = record
    for name, index in _PART.findall(path):
        key = name if name else index
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list | tuple) and key.lstrip("-").isdigit():
            position = int(key)
            if not -len(value) <= position < len(value):
                return _MISSING
            value = value[position]
        else:
            return _MISSING
    return value


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _aggregate(values: list[float], how: Aggregate) -> float:
    if how == "min":
        return min(values)
    if how == "max":
        return max(values)
    if how == "mean":
        return sum(values) / len(values)
    if how == "last":
        return values[-1]
    return math.prod(values)


@register("field")
class Field(Reward):
    """The number stored at ``field`` in each record (a dotted path; lists indexed by number).

    Why: a reward model's or judge's scores are often saved with the samples (best-of-N dumps,
    RewardBench/RewardMATH result files). Reading them back lets ``rewardsmith audit`` measure
    that reward — agreement, best-of-N, bias — without the model or a GPU.

    Booleans become 1/0 and numeric strings are parsed. A one-element list is its element; a
    longer list (step scores of a process reward) needs ``aggregate`` (min, max, mean, last,
    product) and keeps the list in ``details["step_scores"]`` for the process-reward audit. A
    missing or null field, or a value that is not a number, is an error result, never a 0.
    ``value_range`` declares the range values must lie in, which the audit checks.

    >>> Field("pred_score")(completion="...", pred_score=[3.5]).value
    3.5
    >>> Field("prm.steps", aggregate="min")(completion="...", prm={"steps": [0.9, 0.2]}).value
    0.2
    >>> Field("score")(completion="...").error
    "no field 'score' in the record"
    """

    example: ClassVar[dict[str, Any]] = {"type": "field", "field": "score"}
    infinite_params: ClassVar[frozenset[str]] = frozenset({"value_range"})  # (-inf, inf): unbounded

    def __init__(
        self,
        field: str,
        aggregate: Aggregate = "none",
        value_range: tuple[float, float] | None = None,
    ) -> None:
        if not field.strip():
            raise ValueError("field: give the name or dotted path of the stored score")
        self.field = field
        self.aggregate = aggregate
        self.value_range = None if value_range is None else (float(value_range[0]), float(value_range[1]))

    def score_one(self, sample: Sample) -> RewardResult:
        raw = read_path(sample.to_record(), self.field)
        if raw is _MISSING:
            return RewardResult.fail(f"no field {self.field!r} in the record", kind="bad_input")
        if raw is None:
            return RewardResult.fail(f"field {self.field!r} is null", kind="bad_input")
        if isinstance(raw, list | tuple):
            numbers = [_number(v) for v in raw]
            values = [v for v in numbers if v is not None]
            if not values or len(values) < len(numbers):
                return RewardResult.fail(f"field {self.field!r} holds a list that is not all numbers", kind="bad_input")
            if len(values) == 1:
                return self._finite(values[0], {})
            if self.aggregate == "none":
                return RewardResult.fail(
                    f"field {self.field!r} holds {len(values)} numbers; set aggregate (min, mean, last, ...)",
                    kind="bad_input",
                )
            return self._finite(_aggregate(values, self.aggregate), {"step_scores": values})
        value = _number(raw)
        if value is None:
            return RewardResult.fail(
                f"field {self.field!r} is {type(raw).__name__} {str(raw)[:60]!r}, not a number", kind="bad_input"
            )
        return self._finite(value, {})

    def _finite(self, value: float, details: dict[str, Any]) -> RewardResult:
        if not math.isfinite(value):
            return RewardResult.fail(f"field {self.field!r} is {value!r}", kind="bad_input", **details)
        return RewardResult.ok(value, **details)
