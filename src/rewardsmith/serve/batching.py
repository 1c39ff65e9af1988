"""Micro-batching: merge the samples of concurrent requests into batches before they reach a reward.

OpenRLHF sends one POST per sample, thousands at a time; a reward model or a process pool is
only fast on full batches. Samples wait in one queue; while another batch is running, a new
batch waits until ``max_batch`` samples have arrived or the oldest has waited ``max_wait``
seconds (an idle reward takes the queue at once, so a lone request pays no batching delay).
Each batch is handed to ``reward.score`` on a worker thread, so the event loop is never
blocked by a reward. At most ``concurrency`` batches run at once; while they do, the queue
fills, so batches grow with load.

A reward that depends on the rest of its batch (``group_norm`` and the like:
:attr:`Reward.batch_dependent`) must see each request exactly as it was sent: merging two
requests would normalise their groups together, and a cut would split a group. For such a
reward every request is one batch of its own, whatever its size (``max_batch`` and
``max_wait`` do not apply).

Worker threads are daemon threads: a reward that hangs forever cannot stop the server from
exiting, and a request that waits for it gets a timeout result (see :meth:`MicroBatcher.score`).
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rewardsmith.core import RewardResult, Sample
from rewardsmith.core.result import coerce_result, kind_of
from rewardsmith.core.reward import Reward, describe_exception


def score_safely(reward: Reward, samples: list[Sample]) -> list[RewardResult]:
    """``reward.score`` checked at the boundary: never raises, one valid result per sample.

    >>> class Short(Reward):
    ...     name = "short"
    ...     def score(self, samples):
    ...         return []
    >>> score_safely(Short(), [Sample("a")])[0].error
    'short: returned 0 results for 1 samples'
    """
    try:
        raw = reward.score(samples)
    except BaseException as exc:  # noqa: BLE001 - a crashing reward (even sys.exit) yields error results
        return [RewardResult.fail(f"{reward.name}: {describe_exception(exc)}", kind=kind_of(exc))] * len(samples)
    if not isinstance(raw, list | tuple) or len(raw) != len(samples):
        size = len(raw) if isinstance(raw, list | tuple) else type(raw).__name__
        return [RewardResult.fail(f"{reward.name}: returned {size} results for {len(samples)} samples")] * len(
            samples
        )
    results = []
    for item in raw:
        try:
            results.append(coerce_result(item))
        except (TypeError, ValueError) as exc:
            results.append(RewardResult.fail(f"{reward.name}: invalid result: {exc}"))
    return results


def _settle(future: asyncio.Future[Any], value: Any, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(value)


class DaemonPool:
    """A fixed set of daemon threads that run blocking calls for the event loop."""

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._started = False
        self._lock = threading.Lock()

    def _start(self) -> None:
        with self._lock:
            if not self._started:
                for index in range(self.threads):
                    threading.Thread(target=self._work, name=f"rewardsmith-score-{index}", daemon=True).start()
                self._started = True

    def _work(self) -> None:
        while True:
            function, args, loop, future = self._jobs.get()
            try:
                value, error = function(*args), None
            except BaseException as exc:  # noqa: BLE001 - handed back to the awaiting coroutine
                value, error = None, exc
            try:
                loop.call_soon_threadsafe(_settle, future, value, error)
            except RuntimeError:  # the loop has closed: nobody is waiting any more
                pass

    async def run(self, function: Callable[..., Any], *args: Any) -> Any:
        self._start()
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._jobs.put((function, args, loop, future))
        return await future


class _Request:
    """One caller's samples: results fill in as batches finish; ``done`` resolves when all have."""

    __slots__ = ("done", "remaining", "results")

    def __init__(self, size: int, done: asyncio.Future[None]) -> None:
        self.results: list[RewardResult | None] = [None] * size
        self.remaining = size
        self.done = done

    def settle(self, index: int, result: RewardResult) -> None:
        if self.results[index] is None:
            self.results[index] = result
            self.remaining -= 1
            if self.remaining == 0 and not self.done.done():
                self.done.set_result(None)


@dataclass(slots=True)
class _Item:
    sample: Sample
    request: _Request
    index: int
    enqueued: float


class MicroBatcher:
    """Queue samples from any number of requests; score them in merged batches.

    ``on_batch(size)`` is called for each batch handed to the reward (the server's metrics).
    """

    def __init__(
        self,
        reward: Reward,
        max_batch: int = 64,
        max_wait: float = 0.005,
        concurrency: int = 4,
        on_batch: Callable[[int], None] | None = None,
    ) -> None:
        if max_batch < 1 or concurrency < 1 or max_wait < 0:
            raise ValueError("max_batch and concurrency must be >= 1 and max_wait >= 0")
        self.reward = reward
        self.max_batch = max_batch
        self.max_wait = max_wait
        self.concurrency = concurrency
        self.on_batch = on_batch
        #: Whole requests only: never merged with another one nor cut (see the module docstring).
        self.whole_requests = reward.batch_dependent
        self._pool = DaemonPool(concurrency)
        self._items: deque[_Item] = deque()
        self._wakeup: asyncio.Event | None = None
        self._slots: asyncio.Semaphore | None = None
        self._task: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()

    @property
    def depth(self) -> int:
        """Samples waiting for a batch."""
        return len(self._items)

    async def start(self) -> None:
        self._wakeup = asyncio.Event()
        self._slots = asyncio.Semaphore(self.concurrency)
        self._task = asyncio.create_task(self._run(), name="rewardsmith-batcher")

    async def stop(self, grace: float = 1.0) -> None:
        """Stop taking batches; give running ones ``grace`` seconds (a hung reward gets no more).

        The server calls this after uvicorn has drained in-flight requests, so a batch still
        running here has nobody waiting for it.
        """
        if self._running:
            await asyncio.wait(set(self._running), timeout=grace)
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def score(self, samples: Sequence[Sample], timeout: float | None = None) -> list[RewardResult]:
        """Results in order. A sample not scored within ``timeout`` seconds gets an error result."""
        if self._task is None or self._wakeup is None:
            raise RuntimeError("the batcher is not started")
        if not samples:
            return []
        request = _Request(len(samples), asyncio.get_running_loop().create_future())
        now = time.monotonic()
        self._items.extend(_Item(sample, request, i, now) for i, sample in enumerate(samples))
        self._wakeup.set()
        try:
            await asyncio.wait_for(request.done, timeout)  # cancels ``done`` on timeout
        except TimeoutError:
            pass
        if request.remaining:
            late = RewardResult.fail(f"timed out after {timeout:g} s", kind="timeout")
            return [late if result is None else result for result in request.results]
        return request.results  # type: ignore[return-value]  # none remaining: every slot holds a result

    async def _run(self) -> None:
        assert self._wakeup is not None and self._slots is not None
        while True:
            await self._slots.acquire()
            while not self._items:
                self._wakeup.clear()
                await self._wakeup.wait()
            if self.whole_requests:
                batch = self._next_request()
                if batch:
                    self._launch(batch)
                else:
                    self._slots.release()
                continue
            while self._running and len(self._items) < self.max_batch:
                remaining = self._items[0].enqueued + self.max_wait - time.monotonic()
                if remaining <= 0:
                    break
                self._wakeup.clear()
                try:
                    await asyncio.wait_for(self._wakeup.wait(), remaining)
                except TimeoutError:
                    break
            batch = []
            while self._items and len(batch) < self.max_batch:
                item = self._items.popleft()
                if not item.request.done.done():
                    batch.append(item)
            if not batch:
                self._slots.release()
                continue
            self._launch(batch)

    def _next_request(self) -> list[_Item]:
        """Every waiting item of the oldest request still waiting (empty if it timed out)."""
        first = self._items.popleft()
        batch = [first]
        while self._items and self._items[0].request is first.request:
            batch.append(self._items.popleft())
        return [] if first.request.done.done() else batch

    def _launch(self, batch: list[_Item]) -> None:
        task = asyncio.create_task(self._dispatch(batch))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _dispatch(self, batch: list[_Item]) -> None:
        assert self._slots is not None
        try:
            if self.on_batch is not None:
                self.on_batch(len(batch))
            results = await self._pool.run(score_safely, self.reward, [item.sample for item in batch])
            for item, result in zip(batch, results, strict=True):
                item.request.settle(item.index, result)
        finally:
            self._slots.release()
