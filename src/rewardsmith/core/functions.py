"""Adapt an existing reward function, whatever convention it was written for, to the protocol.

Users arrive with a TRL reward (``f(prompts, completions, **columns) -> list``), a verl
``compute_score(data_source, solution_str, ground_truth, extra_info)``, or a plain
``f(completion, reference)``. The convention is read from the signature; the return value is
coerced (bool, number, one-element list, dict with ``score``).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Literal

from .aio import run_sync
from .errors import SpecError
from .result import RewardResult, coerce_result, kind_of
from .reward import describe_exception
from .sample import Sample

Convention = Literal["auto", "trl", "verl", "plain"]
VERL_NAMES = {"data_source", "solution_str", "ground_truth", "extra_info"}
TRL_NAMES = {"prompts", "completions", "completion_ids"}


def import_function(target: str) -> Callable[..., Any]:
    """Load ``module:function`` or ``path/to/file.py:function``."""
    if ":" not in target:
        raise SpecError("function", f"expected 'module:function' or 'file.py:function', got {target!r}")
    location, _, attribute = target.rpartition(":")
    if location.endswith(".py") or "/" in location:
        path = Path(location).resolve()
        if not path.is_file():
            raise SpecError("function", f"file {location!r} does not exist")
        module_name = f"_rewardsmith_user_{abs(hash(str(path)))}"
        module = sys.modules.get(module_name)
        if module is None:
            spec = importlib.util.spec_from_file_location(module_name, path)
            if spec is None or spec.loader is None:
                raise SpecError("function", f"{location!r} cannot be imported as a Python module")
            module = importlib.util.module_from_spec(spec)
            sys.modules[module_name] = module
            try:
                spec.loader.exec_module(module)
            except Exception as exc:
                del sys.modules[module_name]
                raise SpecError("function", f"importing {location!r} failed: {exc!r}") from exc
    else:
        try:
            module = importlib.import_module(location)
        except ImportError as exc:
            raise SpecError("function", f"cannot import module {location!r}: {exc}") from exc
    function = getattr(module, attribute, None)
    if not callable(function):
        raise SpecError("function", f"{location!r} has no callable {attribute!r}")
    return function


def detect_convention(function: Callable[..., Any]) -> Literal["trl", "verl", "plain"]:
    """Which calling convention the function's signature asks for."""
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return "plain"
    names = set(parameters)
    if names & VERL_NAMES:
        return "verl"
    if names & TRL_NAMES:
        return "trl"
    positional = [
        p for p in parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    if not positional and any(p.kind == p.VAR_KEYWORD for p in parameters.values()):
        return "trl"
    return "plain"


async def _await(value: Awaitable[Any]) -> Any:
    return await value


def _resolve(value: Any) -> Any:
    """The value, awaited first when the function returned an awaitable (a coroutine, a task, a future)."""
    return run_sync(_await(value)) if inspect.isawaitable(value) else value


def _verl_extra(sample: Sample) -> dict[str, Any]:
    extra = sample.extra.get("extra_info")
    return dict(extra) if isinstance(extra, dict) else {}


def _accepted(function: Callable[..., Any], **arguments: Any) -> dict[str, Any]:
    """The arguments ``function`` takes: verl's own scorers (``gsm8k.compute_score(solution_str,
    ground_truth)``) accept only some of the four verl names."""
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return arguments
    if any(p.kind == p.VAR_KEYWORD for p in parameters.values()):
        return arguments
    return {k: v for k, v in arguments.items() if k in parameters}


def call_function(
    function: Callable[..., Any],
    convention: Literal["trl", "verl", "plain"],
    samples: list[Sample],
    reference_as: str | None = None,
) -> list[RewardResult]:
    """Call ``function`` on a batch in its own convention and coerce what comes back."""
    if convention == "trl":
        columns: dict[str, list[Any]] = {"reference": [s.reference for s in samples]}
        if reference_as:
            columns[reference_as] = columns["reference"]
        for key in sorted({k for s in samples for k in s.extra}):
            if key not in columns and key not in ("prompts", "completions"):
                columns[key] = [s.extra.get(key) for s in samples]
        for key in ("id", "group", "label"):
            columns.setdefault(key, [getattr(s, key) for s in samples])
        raw = _resolve(
            function(
                prompts=[s.prompt for s in samples],
                completions=[s.completion for s in samples],
                **columns,
            )
        )
        if not isinstance(raw, list | tuple) or len(raw) != len(samples):
            size = len(raw) if isinstance(raw, list | tuple) else type(raw).__name__
            return [RewardResult.fail(f"returned {size} values for {len(samples)} samples")] * len(samples)
        return [coerce_result(value) for value in raw]
    results = []
    for sample in samples:
        try:
            if convention == "verl":
                raw = function(
                    **_accepted(
                        function,
                        data_source=sample.extra.get("data_source", ""),
                        solution_str=sample.text,
                        ground_truth=sample.reference,
                        extra_info=_verl_extra(sample),
                    )
                )
            else:
                raw = function(sample.text, sample.reference)
            results.append(coerce_result(_resolve(raw)))
        except Exception as exc:  # noqa: BLE001 - one failing record must not sink the batch
            results.append(RewardResult.fail(describe_exception(exc), kind=kind_of(exc)))
    return results
