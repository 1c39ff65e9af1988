"""verl adapter (contract read from verl 0.9.1): ``compute_score`` for
``reward.custom_reward_function``, routed by ``data_source``.

verl calls the function once per sample with keywords ``data_source``, ``solution_str`` (the
response only), ``ground_truth`` (any JSON value) and ``extra_info``, plus every key of
``custom_reward_function.reward_kwargs``; a sync function runs on a thread-pool thread, an
``async def`` is awaited. A dict result must hold ``"score"``, and verl takes the column keys
from the first sample and indexes every other sample with them, so **every sample, errors
included, returns the same keys**:

* ``score``: the value; an error or "not applicable" gets ``abstain_score`` (policy ``abstain``,
  default 0.0), 0.0 (``zero``) or raises (``raise``): verl cannot leave a sample out, so the
  failure is recorded in the keys below instead of hidden;
* ``acc``: the same number (for ``algorithm.filter_groups.metric=acc``);
* ``valid``: 1.0 when the reward produced a value, else 0.0 (its mean is the scored fraction);
* ``errored``: 1.0 when the result is an error, else 0.0 (its mean is the error rate);
* ``status``: ``ok`` / ``not_applicable`` / ``error``; ``error``: the reason, or "";
* with a single ``spec`` (no routing), two keys per top-level component: ``<label>``, its value
  (0.0 when it has none), and ``<label>/valid`` (1.0 when it has one);
* with ``reward_kwargs.monitor_dir`` (the training monitor, :mod:`rewardsmith.monitor`):
  ``monitor_alerts``, the number of monitor alerts active when the sample was scored. The
  monitor closes a step every ``monitor_every`` samples (set it to ``data.train_batch_size x
  actor_rollout_ref.rollout.n``), groups samples by ``extra_info["index"]`` and writes
  ``monitor-<pid>.jsonl`` per process.

verl averages every numeric key with a plain mean (``process_validation_metrics`` skips only
string columns), so a NaN for one failed sample would make the whole metric NaN. Every number
here is finite instead; the mean of a component over the samples where it has a value is
mean(``<label>``) / mean(``<label>/valid``), and which samples failed is in ``errored``,
``status`` and ``error``.

Entry points: :func:`compute_score` (sync), :func:`compute_score_async`,
:func:`compute_score_batch` (the legacy ``batch`` manager's ``data_sources, solution_strs, ...``)
and :func:`compute_score_float` (positional, float-only, for the legacy ``prime`` process pool).

>>> out = compute_score("my_qa", "Paris", "paris", {}, spec="text.exact")
>>> out["score"], out["status"], sorted(out)
(1.0, 'ok', ['acc', 'error', 'errored', 'score', 'status', 'valid'])
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from rewardsmith.core import RewardResult, Sample
from rewardsmith.core.result import kind_of
from rewardsmith.core.reward import describe_exception
from rewardsmith.integrations.common import SPEC_ENV, BoundReward, OnError, policy_value
from rewardsmith.monitor import hooks

MATH_SOURCES = (
    "openai/gsm8k",
    "lighteval/MATH",
    "DigitalLearningGmbH/MATH-lighteval",
    "HuggingFaceH4/MATH-500",
    "math_dapo",
    "math",
    "math_dapo_reasoning",
    "aime*",
    "numina_aops_forum",
    "numina_synthetic_math",
    "numina_amc_aime",
    "numina_synthetic_amc",
    "numina_cn_k12",
    "numina_olympiads",
)
QA_SOURCES = tuple(
    f"searchR1_{name}" for name in ("nq", "triviaqa", "popqa", "hotpotqa", "2wikimultihopqa", "musique", "bamboogle")
)
#: verl's built-in ``data_source`` names mapped to our rewards; a key ending in ``*`` is a prefix.
DEFAULT_ROUTES: dict[str, str] = {
    **{source: "math.answer" for source in MATH_SOURCES},
    **{source: "text.exact" for source in QA_SOURCES},
}
FIXED_KEYS = ("score", "acc", "valid", "errored", "status", "error")


def _plain(value: Any) -> Any:
    """numpy arrays and scalars from verl's parquet columns as plain Python values."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, str | bytes):
        return _plain(value.tolist())
    return value


def route_for(data_source: str, routes: Mapping[str, Any]) -> Any:
    """The spec routed to ``data_source``: an exact key first, then the longest ``prefix*`` key.

    >>> route_for("aime_2024", DEFAULT_ROUTES), route_for("openai/gsm8k", DEFAULT_ROUTES)
    ('math.answer', 'math.answer')
    """
    if data_source in routes:
        return routes[data_source]
    prefixes = [k for k in routes if k.endswith("*") and data_source.startswith(k[:-1])]
    return routes[max(prefixes, key=len)] if prefixes else None


def to_sample(data_source: Any, solution_str: Any, ground_truth: Any, extra_info: Any) -> Sample:
    """One verl call as a Sample; a ``{"target": [...]}`` ground truth (search-R1) is unwrapped, and
    ``extra_info["messages"]`` (a chat trajectory an agent loop recorded) is the completion when present."""
    reference = _plain(ground_truth)
    if isinstance(reference, dict) and "target" in reference:
        reference = reference["target"]
    extra = _plain(extra_info) if isinstance(extra_info, Mapping) else {}
    messages = extra.get("messages")
    if isinstance(messages, list) and messages and all(isinstance(m, Mapping) for m in messages):
        # an agent loop that records its conversation: score the trajectory, not the decoded text
        completion: Any = messages
    else:
        completion = "" if solution_str is None else str(solution_str)
    return Sample(
        completion=completion,
        reference=reference,
        id=extra.get("index"),
        extra={"data_source": str(data_source), "extra_info": extra},
    )


class VerlReward:
    """A rewardsmith spec (or a routing table of specs) in verl's per-sample shape.

    ``spec`` scores every data source not named in ``routes``; without a spec, ``routes`` is
    laid over :data:`DEFAULT_ROUTES` and ``$REWARDSMITH_SPEC`` catches the rest. A data source
    with no route is an error result (handled by ``on_error``), never a 0 in disguise.
    """

    def __init__(
        self,
        spec: Any = None,
        *,
        routes: Mapping[str, Any] | None = None,
        on_error: OnError = "abstain",
        timeout: float | None = None,
        abstain_score: float = 0.0,
        monitor_dir: str | None = None,
        monitor_every: int = 256,
    ) -> None:
        self.spec = spec
        self.monitor_dir = monitor_dir
        self.monitor_every = int(monitor_every)
        self.routes = dict(routes or {})
        self.on_error = on_error
        self.timeout = timeout
        self.abstain_score = float(abstain_score)
        self._bound: dict[str, BoundReward] = {}
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in ("_bound", "_lock")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._bound, self._lock = {}, threading.Lock()

    def _spec_for(self, data_source: str) -> Any:
        routed = route_for(data_source, self.routes)
        if routed is not None:
            return routed
        if self.spec is not None:
            return self.spec
        import os

        return route_for(data_source, DEFAULT_ROUTES) or os.environ.get(SPEC_ENV)

    def bound(self, data_source: str) -> BoundReward | None:
        spec = self._spec_for(data_source)
        if spec is None:
            return None
        key = json.dumps(spec, sort_keys=True, default=str)
        with self._lock:
            if key not in self._bound:
                self._bound[key] = BoundReward(spec, on_error=self.on_error, timeout=self.timeout)
            return self._bound[key]

    def component_keys(self) -> list[str]:
        """Per-component keys: only with one spec for every source (keys must never vary)."""
        if self.spec is None or self.routes:
            return []
        try:
            bound = self.bound("")
            return bound.component_labels() if bound is not None else []
        except Exception:  # noqa: BLE001 - a spec that does not load scores errors, with no component keys
            return []

    def _groups(self, samples: list[Sample]) -> dict[str, tuple[BoundReward | None, list[int]]]:
        groups: dict[str, tuple[BoundReward | None, list[int]]] = {}
        for index, sample in enumerate(samples):
            source = sample.extra["data_source"]
            bound = self.bound(source)
            key = "" if bound is None else str(id(bound))
            groups.setdefault(key, (bound, []))[1].append(index)
        return groups

    def score(self, samples: list[Sample]) -> list[dict[str, Any]]:
        """Score samples (grouped by route, one batch call per route) into verl dicts."""
        results: list[RewardResult | None] = [None] * len(samples)
        for bound, indices in self._groups(samples).values():
            batch = [samples[i] for i in indices]
            reason = self.refusal(bound, alone=False)
            if reason is not None:
                scored = [RewardResult.fail(reason) for _ in batch]
            else:
                scored = self._unrouted(batch) if bound is None else _score_or_fail(bound, batch)
            for i, result in zip(indices, scored, strict=True):
                results[i] = result
        return self.to_dicts(samples, results)  # type: ignore[arg-type]  # the groups cover every index once

    async def ascore(self, samples: list[Sample]) -> list[dict[str, Any]]:
        """Async twin of :meth:`score`."""
        import asyncio

        groups = list(self._groups(samples).values())

        def one(bound: BoundReward | None, idx: list[int]) -> Any:
            reason = self.refusal(bound, alone=False)
            if reason is not None:
                return _ready([RewardResult.fail(reason) for _ in idx])
            if bound is None:
                return _ready(self._unrouted(idx))
            return _ascore_or_fail(bound, [samples[i] for i in idx])

        scored = await asyncio.gather(*(one(bound, idx) for bound, idx in groups))
        results: list[RewardResult | None] = [None] * len(samples)
        for (_, indices), batch in zip(groups, scored, strict=True):
            for i, result in zip(indices, batch, strict=True):
                results[i] = result
        return self.to_dicts(samples, results)  # type: ignore[arg-type]  # the groups cover every index once

    def refusal(self, bound: BoundReward | None, alone: bool) -> str | None:
        """Why ``bound``'s reward cannot be scored here, or None.

        verl passes no prompt group to the reward (``to_sample`` has no ``group``), so a reward
        that depends on its group (``group_norm``, ``group_rank``, ...) would see groups of one
        and answer a constant 0 advantage, silently; and the reward loop calls ``compute_score``
        once per sample (``alone``), so no batch-dependent reward sees a batch there either.
        """
        try:
            reward = None if bound is None else bound.reward
        except Exception:  # noqa: BLE001 - a spec that does not load is reported by scoring
            return None
        if reward is None or not (reward.batch_scope == "group" or (alone and reward.batch_dependent)):
            return None
        return (
            f"{reward.name} depends on the other samples of its {reward.batch_scope} (batch_scope "
            f"{reward.batch_scope!r}), which verl does not pass to a reward function: score per sample "
            "and let verl normalise groups (algorithm.adv_estimator)"
        )

    def refuse_alone(self, sample: Sample) -> dict[str, Any] | None:
        """The row of an error for a per-sample call whose reward depends on the batch (else None)."""
        reason = self.refusal(self.bound(sample.extra["data_source"]), alone=True)
        return None if reason is None else self.to_dicts([sample], [RewardResult.fail(reason)])[0]

    def _unrouted(self, batch: Sequence[Any]) -> list[RewardResult]:
        reason = (
            "no reward for this data_source: pass reward_kwargs.spec, add it to reward_kwargs.routes, "
            f"or set {SPEC_ENV}"
        )
        return [RewardResult.fail(reason) for _ in batch]

    def _monitor(self, samples: list[Sample], results: list[RewardResult]) -> Any:
        """Hand the batch to the training monitor (``monitor_dir``), one source per data_source."""
        if not self.monitor_dir:
            return None
        from dataclasses import replace

        from rewardsmith.monitor import shared_monitor

        monitor = shared_monitor(self.monitor_dir, self.monitor_every)
        sources: dict[str, list[int]] = {}
        for index, sample in enumerate(samples):
            sources.setdefault(sample.extra["data_source"], []).append(index)
        for source, indices in sources.items():
            batch = [replace(samples[i], group=samples[i].id) if samples[i].group is None else samples[i]
                     for i in indices]
            hooks.publish(monitor, source, batch, [results[i] for i in indices])
        return monitor

    def to_dicts(self, samples: list[Sample], results: list[RewardResult]) -> list[dict[str, Any]]:
        """Map results to verl dicts with one fixed key set; apply the failure policy."""
        components = self.component_keys()
        monitor = self._monitor(samples, results)
        rows = []
        for sample, result in zip(samples, results, strict=True):
            if result.error is not None and sample.extra["data_source"] not in result.error:
                result = RewardResult(
                    error=f"data_source {sample.extra['data_source']!r}: {result.error}",
                    details=result.details,
                    error_kind=result.error_kind,
                )
            value = policy_value(result, self.on_error, abstain=self.abstain_score)
            row: dict[str, Any] = {
                "score": float(value),
                "acc": float(value),
                "valid": 1.0 if result.value is not None else 0.0,
                "errored": 1.0 if result.error is not None else 0.0,
                "status": result.status,
                "error": result.error or "",
            }
            parts = result.details.get("components", {}) if isinstance(result.details, dict) else {}
            for label in components:
                part = parts.get(label, {}) if isinstance(parts, Mapping) else {}
                part_value = part.get("value") if isinstance(part, dict) else None
                row[label] = 0.0 if part_value is None else float(part_value)
                row[f"{label}/valid"] = 0.0 if part_value is None else 1.0
            if monitor is not None:
                row["monitor_alerts"] = float(len(monitor.book.active))
            rows.append(row)
        return rows


async def _ready(value: Any) -> Any:
    return value


def _failed(batch: Sequence[Sample], exc: Exception) -> list[RewardResult]:
    """An error result per sample for a route whose reward raised (a spec that does not load):
    verl's reward loop would otherwise fail the whole training step on it."""
    return [RewardResult.fail(describe_exception(exc), kind=kind_of(exc)) for _ in batch]


def _score_or_fail(bound: BoundReward, batch: list[Sample]) -> list[RewardResult]:
    try:
        return bound.score(batch)
    except Exception as exc:  # noqa: BLE001 - becomes an error result per sample
        return _failed(batch, exc)


async def _ascore_or_fail(bound: BoundReward, batch: list[Sample]) -> list[RewardResult]:
    try:
        return await bound.ascore(batch)
    except Exception as exc:  # noqa: BLE001 - becomes an error result per sample
        return _failed(batch, exc)


_adapters: dict[str, VerlReward] = {}
_adapters_lock = threading.Lock()


def _adapter(options: dict[str, Any]) -> VerlReward:
    """One VerlReward per distinct ``reward_kwargs`` in this process (built on first use)."""
    names = ("spec", "routes", "on_error", "timeout", "abstain_score", "monitor_dir", "monitor_every")
    known = {k: _plain(options[k]) for k in names if k in options}
    key = json.dumps(known, sort_keys=True, default=str)
    with _adapters_lock:
        if key not in _adapters:
            _adapters[key] = VerlReward(**known)
        return _adapters[key]


def compute_score(
    data_source: Any, solution_str: Any, ground_truth: Any = None, extra_info: Any = None, **kwargs: Any
) -> dict[str, Any]:
    """verl's per-sample keyword call; ``reward_kwargs`` (spec, routes, on_error, timeout,
    abstain_score) arrive as keywords. Positional calls work too."""
    sample = to_sample(data_source, solution_str, ground_truth, extra_info)
    adapter = _adapter(kwargs)
    return adapter.refuse_alone(sample) or adapter.score([sample])[0]


async def compute_score_async(
    data_source: Any, solution_str: Any, ground_truth: Any = None, extra_info: Any = None, **kwargs: Any
) -> dict[str, Any]:
    """The ``async def`` form: verl awaits it on the reward worker's event loop."""
    sample = to_sample(data_source, solution_str, ground_truth, extra_info)
    adapter = _adapter(kwargs)
    return adapter.refuse_alone(sample) or (await adapter.ascore([sample]))[0]


def compute_score_batch(
    data_sources: Sequence[Any],
    solution_strs: Sequence[Any],
    ground_truths: Sequence[Any],
    extra_infos: Sequence[Any] | None = None,
    **kwargs: Any,
) -> list[dict[str, Any]]:
    """The legacy ``batch`` manager's call: whole lists, one batch call per routed reward."""
    count = len(solution_strs)
    if extra_infos is None:
        extra_infos = [None] * count
    if not len(data_sources) == len(ground_truths) == len(extra_infos) == count:
        raise ValueError(
            f"compute_score_batch: lists differ in length (data_sources {len(data_sources)}, solution_strs "
            f"{count}, ground_truths {len(ground_truths)}, extra_infos {len(extra_infos)})"
        )
    samples = [to_sample(*row) for row in zip(data_sources, solution_strs, ground_truths, extra_infos, strict=True)]
    return _adapter(kwargs).score(samples)


def compute_score_float(
    data_source: Any, solution_str: Any, ground_truth: Any = None, extra_info: Any = None, **kwargs: Any
) -> float:
    """The legacy ``prime`` manager calls ``f(data_source, solution, ground_truth, extra_info)``
    positionally in a process pool and cannot read dicts: the score alone, same policy."""
    return compute_score(data_source, solution_str, ground_truth, extra_info, **kwargs)["score"]
