"""What a reward says about one sample: a value, "not applicable", or an error with its reason."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

Status = Literal["ok", "not_applicable", "error"]


class ErrorKind(StrEnum):
    """Why a result has no value, set where the error is raised (never guessed from its message).

    Metrics, the audit's health section and ``--fail-on`` count errors by kind:

    * ``timeout``: the reward ran out of time;
    * ``bad_input``: the sample or its reference cannot be read (the record is at fault);
    * ``dependency``: a package, model file or service the reward needs is missing;
    * ``crash``: the reward itself raised or returned something unusable (the default);
    * ``remote``: a server or endpoint the reward called failed or answered badly.

    >>> ErrorKind("timeout") is ErrorKind.TIMEOUT, str(ErrorKind.BAD_INPUT)
    (True, 'bad_input')
    """

    TIMEOUT = "timeout"
    BAD_INPUT = "bad_input"
    DEPENDENCY = "dependency"
    CRASH = "crash"
    REMOTE = "remote"


def kind_of(exc: BaseException) -> ErrorKind:
    """The error kind of an exception caught around a reward: its own ``kind`` if it carries one.

    >>> kind_of(TimeoutError()), kind_of(ModuleNotFoundError("x")), kind_of(KeyError("k"))
    (<ErrorKind.TIMEOUT: 'timeout'>, <ErrorKind.DEPENDENCY: 'dependency'>, <ErrorKind.CRASH: 'crash'>)
    """
    declared = getattr(exc, "kind", None)
    if declared is not None:
        try:
            return ErrorKind(declared)
        except ValueError:
            pass
    if isinstance(exc, TimeoutError):
        return ErrorKind.TIMEOUT
    if isinstance(exc, ImportError):
        return ErrorKind.DEPENDENCY
    return ErrorKind.CRASH


@dataclass(frozen=True)
class RewardResult:
    """The outcome of scoring one sample.

    Exactly one of three things, never confused with each other:

    * a value: ``value`` is a finite float, ``error`` is None;
    * not applicable: ``value`` and ``error`` are None (the reward does not apply here);
    * an error or timeout: ``value`` is None, ``error`` says why and ``error_kind`` (an
      :class:`ErrorKind`, ``crash`` unless the raiser said otherwise) says what kind of failure.

    An error is never reported as a score of 0: trainers that turn failures into zeros train
    on noise, which is the most repeated complaint of their users.

    >>> RewardResult.ok(1).status, RewardResult.fail("took 3 s", kind="timeout").error_kind
    ('ok', <ErrorKind.TIMEOUT: 'timeout'>)
    """

    value: float | None = None
    error: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    error_kind: ErrorKind | None = None

    def __post_init__(self) -> None:
        if self.error is None:
            if self.error_kind is not None:
                raise ValueError("error_kind is set only on an error result")
        else:
            object.__setattr__(self, "error_kind", ErrorKind(self.error_kind or ErrorKind.CRASH))
        if self.value is not None:
            if isinstance(self.value, bool) or not isinstance(self.value, int | float):
                try:
                    object.__setattr__(self, "value", float(self.value))
                except (TypeError, ValueError) as exc:
                    raise TypeError(f"reward value must be a number, got {self.value!r}") from exc
            else:
                object.__setattr__(self, "value", float(self.value))
            if not math.isfinite(self.value):
                raise ValueError(f"reward value must be finite, got {self.value!r}")
            if self.error is not None:
                raise ValueError("a result has either a value or an error, not both")

    @classmethod
    def ok(cls, value: float, **details: Any) -> RewardResult:
        return cls(value=float(value), details=details)

    @classmethod
    def trusted(cls, value: float, details: dict[str, Any]) -> RewardResult:
        """A value result without validation, for callers that already hold a finite float.

        Combinators build one result per node and sample; skipping the checks of
        ``__post_init__`` there keeps a deep spec tree cheap next to its leaves.

        >>> RewardResult.trusted(0.5, {}) == RewardResult.ok(0.5)
        True
        """
        result = object.__new__(cls)
        result.__dict__.update(value=value, error=None, details=details, error_kind=None)
        return result

    @classmethod
    def fail(cls, error: str, *, kind: ErrorKind | str = ErrorKind.CRASH, **details: Any) -> RewardResult:
        """An error result; ``kind`` says what failed (see :class:`ErrorKind`)."""
        return cls(error=error or "unknown error", details=details, error_kind=ErrorKind(kind))

    @classmethod
    def not_applicable(cls, **details: Any) -> RewardResult:
        return cls(details=details)

    @property
    def status(self) -> Status:
        if self.value is not None:
            return "ok"
        return "error" if self.error is not None else "not_applicable"

    def to_dict(self) -> dict[str, Any]:
        return {
            "reward": self.value,
            "reward_error": self.error,
            "reward_error_kind": None if self.error_kind is None else str(self.error_kind),
            "reward_details": self.details,
        }


def coerce_result(raw: Any) -> RewardResult:
    """Turn what a user function returned into a result.

    Accepts a RewardResult, a number or bool, None (not applicable), a one-element list, or a
    dict with ``score`` (verl style) or ``reward`` (other keys become details). A NaN or an
    unusable value becomes an error result naming what came back, never a 0.
    """
    if isinstance(raw, RewardResult):
        return raw
    if raw is None:
        return RewardResult.not_applicable()
    if isinstance(raw, list | tuple) and len(raw) == 1:
        return coerce_result(raw[0])
    if isinstance(raw, dict):
        for key in ("score", "reward", "value"):
            if key in raw:
                details = {k: v for k, v in raw.items() if k != key}
                inner = coerce_result(raw[key])
                return RewardResult(inner.value, inner.error, {**details, **inner.details}, inner.error_kind)
        return RewardResult.fail(f"returned a dict without 'score': keys {sorted(raw)[:8]}")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return RewardResult.fail(f"returned {type(raw).__name__} {str(raw)[:80]!r}, not a number")
    if not math.isfinite(value):
        return RewardResult.fail(f"returned a non-finite value {value!r}")
    return RewardResult(value=value)


def conform(raw: Any, count: int) -> list[RewardResult]:
    """Exactly ``count`` results from whatever a reward's ``score`` returned.

    A wrong length fails every record (none is dropped or shifted); numbers are coerced; NaN or
    a non-number becomes an error result, never a value.

    >>> [r.status for r in conform([1.0, float("nan")], 2)], conform([1.0], 2)[1].error
    (['ok', 'error'], 'returned 1 results for 2 samples')
    """
    if not isinstance(raw, list | tuple) or len(raw) != count:
        size = len(raw) if isinstance(raw, list | tuple) else type(raw).__name__
        return [RewardResult.fail(f"returned {size} results for {count} samples") for _ in range(count)]
    results = []
    for value in raw:
        try:
            results.append(coerce_result(value))
        except (TypeError, ValueError) as exc:
            results.append(RewardResult.fail(str(exc)))
    return results
