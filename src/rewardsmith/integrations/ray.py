"""Scale scoring out on a Ray cluster: ``rewardsmith score SPEC DATA -o OUT --ray [ADDRESS]``.

``num_workers`` Ray actors each load the spec once (a model or a process pool starts once per
actor, not once per batch) and score whole batches; batches are handed out as actors free up,
at most two in flight per actor, and results come back as ``(batch_index, results)`` in
completion order. Results are the same :class:`RewardResult` objects local scoring produces
(pickled, not re-encoded), so the runner writes identical output and keeps its resume
guarantees; a reward whose ``score`` returns raw numbers, NaN or the wrong count is conformed
(:func:`~rewardsmith.core.result.conform`) before anything leaves the worker. An actor
that dies fails only its in-flight batches, as error results naming the cause, never zeros.

Needs the ``ray`` extra. With no ``address`` and no running Ray, a local instance is started and
shut down afterwards; ``address="auto"`` joins a running cluster.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from rewardsmith.core import Reward, RewardResult, Sample
from rewardsmith.core.result import conform
from rewardsmith.integrations.common import BoundReward

IN_FLIGHT_PER_WORKER = 2


class _Worker:
    """Holds one loaded reward; Ray wraps this class as an actor."""

    def __init__(self, spec: Any, timeout: float | None) -> None:
        self.bound = BoundReward(spec, timeout=timeout) if timeout is not None else None
        self.spec = spec
        self.reward: Reward | None = None

    def score(self, samples: list[Sample]) -> list[RewardResult]:
        if self.bound is not None:
            return self.bound.score(samples)
        if self.reward is None:
            from rewardsmith.core import load

            self.reward = load(self.spec)
        return conform(self.reward.score(samples), len(samples))


def score_batches_on_ray(
    spec: dict[str, Any] | str | Reward,
    batches: Sequence[list[Sample]],
    address: str | None = None,
    num_workers: int = 2,
    timeout: float | None = None,
) -> Iterator[tuple[int, list[RewardResult]]]:
    """Score ``batches`` on ``num_workers`` Ray actors; yield ``(batch_index, results)``.

    ``spec`` is a spec dict, a spec file or component name (resolved on the workers), or a
    Reward object (pickled to them). ``timeout`` bounds one batch in seconds (its records become
    error results). Every batch index is yielded exactly once.
    """
    import ray

    if num_workers < 1:
        raise ValueError(f"num_workers must be at least 1, got {num_workers}")
    started = not ray.is_initialized()
    if started:
        ray.init(address=address, include_dashboard=False, log_to_driver=False)
    try:
        yield from _run(ray, spec, list(batches), num_workers, timeout)
    finally:
        if started:
            ray.shutdown()


def _run(
    ray: Any, spec: Any, batches: list[list[Sample]], num_workers: int, timeout: float | None
) -> Iterator[tuple[int, list[RewardResult]]]:
    if not batches:
        return
    actor_class = ray.remote(num_cpus=1)(_Worker)
    actors = [actor_class.remote(spec, timeout) for _ in range(min(num_workers, len(batches)))]
    try:
        pending: dict[Any, tuple[int, int]] = {}
        next_batch = 0

        def submit(actor_index: int) -> None:
            nonlocal next_batch
            ref = actors[actor_index].score.remote(batches[next_batch])
            pending[ref] = (next_batch, actor_index)
            next_batch += 1

        for _ in range(IN_FLIGHT_PER_WORKER):
            for actor_index in range(len(actors)):
                if next_batch < len(batches):
                    submit(actor_index)
        while pending:
            [ready], _ = ray.wait(list(pending), num_returns=1)
            batch_index, actor_index = pending.pop(ready)
            try:
                results = ray.get(ready)
            except Exception as exc:  # noqa: BLE001 - a dead actor fails its batch, loudly
                reason = f"ray worker failed: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
                results = [RewardResult.fail(reason) for _ in batches[batch_index]]
            yield batch_index, results
            if next_batch < len(batches):
                submit(actor_index)
    finally:
        for actor in actors:
            ray.kill(actor)


def ray_executor(
    address: str | None = None, num_workers: int = 2
) -> Callable[[Reward, list[list[Sample]]], Iterator[tuple[int, list[RewardResult]]]]:
    """An executor for :func:`rewardsmith.runner.score_file` (``executor=``) that runs on Ray."""

    def execute(reward: Reward, batches: list[list[Sample]]) -> Iterator[tuple[int, list[RewardResult]]]:
        return score_batches_on_ray(reward, batches, address=address, num_workers=num_workers)

    return execute
