"""TRL adapter (contract read from trl 1.16.0): reward objects for ``GRPOTrainer`` /
``RLOOTrainer`` ``reward_funcs`` and for ``trl grpo --reward_funcs module.attr``.

TRL calls a reward with keyword arguments only: ``prompts``, ``completions`` (strings, or lists
of message dicts for conversational data), ``completion_ids``, ``trainer_state``, ``log_extra``,
``log_metric`` and one list per dataset column; it needs ``list[float | None]`` with exactly
one entry per completion, where ``None`` leaves that function out for that sample. It names the
metric after ``__name__``. Sync rewards run one after another in the main thread; an ``async``
``__call__`` runs concurrently with the other async rewards (:class:`AsyncTRLReward`).
``AsyncGRPOTrainer`` pickles rewards into a spawned child and calls them on a worker thread.

A conversational completion is scored on every assistant turn (``Sample.text``), not only the
first message. The reference comes from the first column among ``reference, solution, answer,
ground_truth, gold, target`` (or ``reference_column``); every other column reaches the reward
as ``Sample.extra``; completions of the same prompt share a ``group``.

Each call logs ``<name>/errors``, ``<name>/not_applicable`` and ``<name>/<component>/mean``
through ``log_metric`` and the columns ``<name>/status`` and ``<name>/error`` through
``log_extra`` (when TRL passes them). Each scored batch also goes to the training monitor
(``monitor=``, or the monitors a :class:`rewardsmith.monitor.RewardMonitorCallback` attached).

>>> reward = TRLReward("text.exact")
>>> reward.__name__, reward(prompts=["Capital?"] * 2, completions=["Paris", "Rome"], solution=["Paris"] * 2)
('text_exact', [1.0, 0.0])
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rewardsmith.core import RewardResult, Sample
from rewardsmith.integrations.common import BoundReward, OnError, Spec, policy_value
from rewardsmith.monitor import hooks

REFERENCE_COLUMNS = ("reference", "solution", "answer", "ground_truth", "gold", "target")
#: Keyword arguments that are TRL machinery, not dataset columns.
TRL_KWARGS = ("prompts", "completions", "completion_ids", "trainer_state", "log_extra", "log_metric", "environments")


def _group_key(prompt: Any) -> str:
    return prompt if isinstance(prompt, str) else json.dumps(prompt, sort_keys=True, default=str)


class TRLReward:
    """A rewardsmith spec as a TRL reward function (sync ``__call__``).

    ``on_error``: ``abstain`` (default) returns None for an errored sample, so TRL leaves it
    out; ``zero`` returns 0.0; ``raise`` raises :class:`rewardsmith.RewardError` naming the
    reward and the record. "Not applicable" is always None. ``timeout`` bounds one call in
    seconds (no signals; works in any thread). ``name`` becomes ``__name__`` (TRL's metric name);
    it defaults to the spec's file stem or component name.
    """

    def __init__(
        self,
        spec: Spec = None,
        *,
        name: str | None = None,
        on_error: OnError = "abstain",
        timeout: float | None = None,
        reference_column: str | None = None,
        monitor: Any = None,
    ) -> None:
        self.bound = BoundReward(spec, on_error=on_error, timeout=timeout, name=name)
        self.monitor = monitor
        self.__name__ = self.bound.name
        self.reference_column = reference_column

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.bound.spec!r}, name={self.__name__!r})"

    def samples(self, prompts: Sequence[Any] | None, completions: Sequence[Any], **columns: Any) -> list[Sample]:
        """TRL's keyword lists as Samples (one per completion)."""
        count = len(completions)
        prompts = list(prompts) if prompts is not None else [None] * count
        lists = {k: v for k, v in columns.items() if k not in TRL_KWARGS and isinstance(v, list | tuple)}
        for key, values in lists.items():
            if len(values) != count:
                raise ValueError(
                    f"reward {self.__name__!r}: column {key!r} has {len(values)} values for {count} completions"
                )
        if len(prompts) != count:
            raise ValueError(f"reward {self.__name__!r}: {len(prompts)} prompts for {count} completions")
        reference_key = self.reference_column or next((k for k in REFERENCE_COLUMNS if k in lists), None)
        groups: dict[str, int] = {}
        samples = []
        for index, (prompt, completion) in enumerate(zip(prompts, completions, strict=True)):
            row = {key: values[index] for key, values in lists.items()}
            reference = row.pop(reference_key, None) if reference_key else None
            samples.append(
                Sample(
                    completion=completion,
                    prompt=prompt,
                    reference=reference,
                    id=row.pop("id", None),
                    group=groups.setdefault(_group_key(prompt), len(groups)) if prompt is not None else None,
                    extra=row,
                )
            )
        return samples

    def __call__(self, *, prompts: Any = None, completions: Any, **kwargs: Any) -> list[float | None]:
        samples = self.samples(prompts, completions, **kwargs)
        return self.finish(self.bound.score(samples), kwargs, samples)

    def finish(
        self, results: list[RewardResult], kwargs: dict[str, Any], samples: list[Sample] | None = None
    ) -> list[float | None]:
        """Log what TRL can log, feed the monitor, then map results by the failure policy."""
        self.log(results, kwargs.get("log_metric"), kwargs.get("log_extra"))
        if samples is not None and (self.monitor is not None or hooks.attached()):
            ids = kwargs.get("completion_ids")
            hooks.publish(
                self.monitor, self.__name__, samples, results, reward=self.bound.reward,
                lengths=[len(x) for x in ids] if isinstance(ids, list | tuple) and len(ids) == len(samples) else None,
                log_metric=kwargs.get("log_metric"),
            )
        return [policy_value(r, self.bound.on_error) for r in results]

    def log(
        self,
        results: list[RewardResult],
        log_metric: Callable[[str, float], Any] | None,
        log_extra: Callable[[str, list[Any]], Any] | None,
    ) -> None:
        if not results:
            return
        name = self.__name__
        if log_metric is not None:
            log_metric(f"{name}/errors", float(sum(r.status == "error" for r in results)))
            log_metric(f"{name}/not_applicable", float(sum(r.status == "not_applicable" for r in results)))
            for label, values in _component_values(results).items():
                if values:
                    log_metric(f"{name}/{label}/mean", sum(values) / len(values))
        if log_extra is not None:
            log_extra(f"{name}/status", [r.status for r in results])
            log_extra(f"{name}/error", [r.error or "" for r in results])


def _component_values(results: list[RewardResult]) -> dict[str, list[float]]:
    values: dict[str, list[float]] = {}
    for result in results:
        components = result.details.get("components") if isinstance(result.details, dict) else None
        if isinstance(components, Mapping):
            for label, entry in components.items():
                value = entry.get("value") if isinstance(entry, dict) else None
                bucket = values.setdefault(label, [])
                if value is not None:
                    bucket.append(float(value))
    return values


class AsyncTRLReward(TRLReward):
    """The same reward with an ``async`` ``__call__``: TRL runs async rewards concurrently on its
    event-loop thread, so a slow reward overlaps with the others instead of stalling the step."""

    # An async override of a sync method: TRL tells async rewards by ``inspect.iscoroutinefunction``.
    async def __call__(self, *, prompts: Any = None, completions: Any, **kwargs: Any) -> list[float | None]:  # type: ignore[override]
        samples = self.samples(prompts, completions, **kwargs)
        return self.finish(await self.bound.ascore(samples), kwargs, samples)


#: Ready-made rewards for ``trl grpo --reward_funcs rewardsmith.integrations.trl.<attr>``: the
#: spec (file or component name) is read from ``$REWARDSMITH_SPEC`` on first use.
reward = TRLReward(name="rewardsmith")
async_reward = AsyncTRLReward(name="rewardsmith")
exact_match = TRLReward("text.exact", name="exact_match")
math_accuracy = TRLReward("math.answer", name="math_accuracy")
