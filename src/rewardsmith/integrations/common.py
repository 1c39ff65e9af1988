"""What every trainer adapter shares: a lazily loaded reward, one failure policy, a timeout that
needs no signals, and validation of every output at the boundary.

Each trainer runs rewards somewhere else (TRL's main thread or a spawned child, verl's thread pool
or Ray actors, OpenRLHF's ``asyncio.to_thread``), and each turns a failure into something
different. A :class:`BoundReward` is the one object all adapters hold:

* **lazy and picklable**: the spec is loaded on first use, in whatever process the object landed
  in; pickling sends the spec, never a loaded model, lock or thread;
* **thread-safe**: loading happens once under a lock; scoring holds no shared mutable state;
* **no signals**: the optional ``timeout`` waits on a daemon thread, so it works off the main
  thread and inside event loops (a runaway computation keeps its thread, but the trainer goes on;
  only a process-pool component can kill it);
* **one failure policy** (``on_error``): ``abstain`` (default: the trainer leaves the sample out
  where it can, and records it everywhere), ``zero`` (score 0, still recorded) or ``raise``.
  An error or a timeout is never a silent 0.

>>> bound = BoundReward({"type": "text.exact"})
>>> [r.value for r in bound.score([Sample("Paris", reference="paris"), Sample("x", reference="y")])]
[1.0, 0.0]
>>> bound.name
'text_exact'
"""

from __future__ import annotations

import asyncio
import os
import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from rewardsmith.core import RewardError, RewardResult, Sample, load
from rewardsmith.core.composition import no_gc
from rewardsmith.core.result import conform, kind_of
from rewardsmith.core.reward import Reward, describe_exception

OnError = Literal["abstain", "zero", "raise"]
ON_ERROR_CHOICES = ("abstain", "zero", "raise")
#: The environment variable that picks the spec of the ready-made module-level rewards.
SPEC_ENV = "REWARDSMITH_SPEC"

Spec = str | Path | dict[str, Any] | Reward | None


def spec_label(spec: Spec) -> str:
    """A stable, identifier-like name for a spec without loading it (TRL's metric name).

    >>> spec_label("examples/math.yaml"), spec_label({"type": "text.exact"}), spec_label("sum")
    ('math', 'text_exact', 'sum')
    """
    if isinstance(spec, Reward):
        raw = spec.name
    elif isinstance(spec, dict):
        raw = str(spec.get("type") or spec.get("include") or "reward")
    elif spec is None:
        raw = "rewardsmith"
    else:
        path = Path(str(spec))
        raw = path.stem if path.suffix.lower() in (".yaml", ".yml", ".json") else str(spec)
    label = re.sub(r"[^0-9A-Za-z_]+", "_", raw).strip("_")
    return label or "reward"


def record_label(index: int, sample: Sample) -> str:
    """How a message names a record: its position, and its id when it has one."""
    return f"record {index}" + (f" (id={sample.id!r})" if sample.id is not None else "")


def _score_paused(reward: Reward, samples: list[Sample]) -> Any:
    """``reward.score`` with the cyclic GC paused (as ``rewardsmith score`` does); what comes back
    is conformed once, by :meth:`BoundReward.validate`."""
    with no_gc():
        return reward.score(samples)


class Overtime(TimeoutError):
    """A batch ran past the adapter's ``timeout``."""


def _run_in_daemon(function: Callable[[], Any], timeout: float) -> Any:
    """Call ``function`` on a daemon thread and wait at most ``timeout`` seconds (no signals)."""
    outcome: dict[str, Any] = {}
    done = threading.Event()

    def target() -> None:
        try:
            outcome["value"] = function()
        except BaseException as exc:  # noqa: BLE001 - handed back to the waiting caller
            outcome["error"] = exc
        finally:
            done.set()

    threading.Thread(target=target, name="rewardsmith-timeout", daemon=True).start()
    if not done.wait(timeout):
        raise Overtime(f"timeout: no result within {timeout:g} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


async def _arun_in_daemon(function: Callable[[], Any], timeout: float) -> Any:
    """Async twin of :func:`_run_in_daemon`: the loop is never blocked and never waits on exit."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()

    def settle(key: str, value: Any) -> None:
        if not future.done():
            if key == "error":
                future.set_exception(value)
            else:
                future.set_result(value)

    def target() -> None:
        try:
            value, key = function(), "value"
        except BaseException as exc:  # noqa: BLE001 - handed back to the awaiting caller
            value, key = exc, "error"
        if not loop.is_closed():
            loop.call_soon_threadsafe(settle, key, value)

    threading.Thread(target=target, name="rewardsmith-timeout", daemon=True).start()
    try:
        return await asyncio.wait_for(future, timeout)
    except TimeoutError:
        raise Overtime(f"timeout: no result within {timeout:g} s") from None


def policy_value(result: RewardResult, on_error: OnError, abstain: Any = None) -> Any:
    """Map one result by the failure policy: its value, ``abstain``, 0.0, or a raised error.

    "Not applicable" always maps to ``abstain``; ``zero`` and ``raise`` only concern errors.

    >>> policy_value(RewardResult.fail("timeout"), "zero"), policy_value(RewardResult.fail("x"), "abstain")
    (0.0, None)
    """
    if result.value is not None:
        return result.value
    if result.error is None:
        return abstain
    if on_error == "raise":
        raise RewardError(result.error)
    return 0.0 if on_error == "zero" else abstain


class BoundReward:
    """A spec bound to a failure policy and a timeout: the core every adapter wraps.

    ``spec`` is a spec file, a component name, a spec dict or a Reward; ``None`` reads the file
    or name from the ``REWARDSMITH_SPEC`` environment variable on first use (so a module-level
    object can be created before the trainer sets it). ``timeout`` bounds one batch in seconds;
    a batch that runs over becomes error results for every record in it.
    """

    def __init__(
        self,
        spec: Spec = None,
        *,
        on_error: OnError = "abstain",
        timeout: float | None = None,
        name: str | None = None,
    ) -> None:
        if on_error not in ON_ERROR_CHOICES:
            raise ValueError(f"on_error must be one of {', '.join(ON_ERROR_CHOICES)}, got {on_error!r}")
        if timeout is not None and not timeout > 0:
            raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
        self.spec = spec
        self.on_error: OnError = on_error
        self.timeout = timeout
        self.name = name or (spec_label(spec) if spec is not None else spec_label(os.environ.get(SPEC_ENV)))
        self._reward: Reward | None = spec if isinstance(spec, Reward) else None
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        state = {k: v for k, v in self.__dict__.items() if k not in ("_lock", "_reward")}
        if self.spec is None:  # pin the spec the sender used, so a child cannot pick another one
            state["spec"] = os.environ.get(SPEC_ENV)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._reward = self.spec if isinstance(self.spec, Reward) else None
        self._lock = threading.Lock()

    @property
    def reward(self) -> Reward:
        """The loaded reward (loaded once, on first use, under a lock)."""
        if self._reward is None:
            with self._lock:
                if self._reward is None:
                    spec = self.spec if self.spec is not None else os.environ.get(SPEC_ENV)
                    if not spec:
                        raise RewardError(
                            f"reward {self.name!r}: no spec given; set {SPEC_ENV} to a spec file or a "
                            "component name (e.g. REWARDSMITH_SPEC=text.exact)"
                        )
                    self._reward = load(spec)
        return self._reward

    def score(self, samples: Sequence[Sample]) -> list[RewardResult]:
        """Score a batch: exactly one validated result per sample, whatever the reward did."""
        samples = list(samples)
        if not samples:
            return []
        reward = self.reward
        try:
            if self.timeout is None:
                raw = _score_paused(reward, samples)
            else:
                raw = _run_in_daemon(lambda: _score_paused(reward, samples), self.timeout)
        except Exception as exc:  # noqa: BLE001 - a failed batch is an error for each record
            reason = str(exc) if isinstance(exc, Overtime) else describe_exception(exc)
            raw = [RewardResult.fail(reason, kind=kind_of(exc))] * len(samples)
        return self.validate(raw, samples)

    async def ascore(self, samples: Sequence[Sample]) -> list[RewardResult]:
        """Async twin of :meth:`score`; the event loop is never blocked by the reward."""
        samples = list(samples)
        if not samples:
            return []
        reward = self.reward
        try:
            if self.timeout is None:
                raw = await reward.ascore(samples)
            else:
                raw = await _arun_in_daemon(lambda: reward.score(samples), self.timeout)
        except Exception as exc:  # noqa: BLE001
            reason = str(exc) if isinstance(exc, Overtime) else describe_exception(exc)
            raw = [RewardResult.fail(reason, kind=kind_of(exc))] * len(samples)
        return self.validate(raw, samples)

    def validate(self, raw: Any, samples: list[Sample]) -> list[RewardResult]:
        """:func:`conform`, then every error names this reward and its record."""
        results = []
        for index, (sample, result) in enumerate(zip(samples, conform(raw, len(samples)), strict=True)):
            if result.error is not None and record_label(index, sample) not in result.error:
                where = f"{self.name} on {record_label(index, sample)}"
                result = RewardResult(
                    error=f"{where}: {result.error}", details=result.details, error_kind=result.error_kind
                )
            results.append(result)
        return results

    def component_labels(self) -> list[str]:
        """Labels of the top-level components (the keys of ``details["components"]``)."""
        from rewardsmith.core.composition import child_labels

        terms = getattr(self.reward, "terms", None)
        return child_labels(terms) if isinstance(terms, list) else []
