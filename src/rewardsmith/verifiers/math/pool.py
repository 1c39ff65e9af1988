"""A small process pool whose time limits always work: no signals, so it behaves the same in
the main thread, a worker thread and under an asyncio server.

math-verify times out with ``signal.alarm``, which only works in the main thread (TRL switches
it off elsewhere). Here each job runs in a persistent worker process; the caller waits on a
pipe with a deadline, and a worker that overruns is killed and replaced. Workers start lazily
(``spawn``, so forking a threaded trainer is never an issue), are shared by every reward in the
process, and are never pickled with a reward.
"""

from __future__ import annotations

import atexit
import multiprocessing
import queue
import threading
from collections.abc import Callable
from typing import Any

_STARTUP_TIMEOUT = 120.0
_MEMORY_LIMIT = 2 * 1024**3


class JobTimeout(Exception):
    """A job ran past its time limit; its worker was killed."""


class WorkerFailed(Exception):
    """A worker died or raised; the message says why."""


def _serve(connection: Any) -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (_MEMORY_LIMIT, _MEMORY_LIMIT))
    except (ImportError, ValueError, OSError):
        pass
    import sympy  # noqa: F401 - paid once per worker, before the first job's clock starts

    connection.send("ready")
    while True:
        try:
            function, args = connection.recv()
        except EOFError:
            return
        try:
            connection.send(("ok", function(*args)))
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the caller
            connection.send(("error", f"{type(exc).__name__}: {str(exc)[:200]}"))


class _Worker:
    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child,), daemon=True)
        self.process.start()
        child.close()
        if not self.connection.poll(_STARTUP_TIMEOUT) or self.connection.recv() != "ready":
            self.kill()
            raise WorkerFailed("worker process did not start")

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.connection.close()


class ProcessPool:
    """Up to ``size`` worker processes; :meth:`run` is thread-safe.

    >>> ProcessPool(1).run(pow, (2, 10), timeout=30)
    1024
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._started = 0
        self._lock = threading.Lock()
        atexit.register(self.close)

    def _acquire(self) -> _Worker:
        with self._lock:
            start_new = self._idle.empty() and self._started < self.size
            if start_new:
                self._started += 1
        if not start_new:
            return self._idle.get()
        try:
            return _Worker()
        except BaseException:
            with self._lock:
                self._started -= 1
            raise

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._started -= 1

    def run(self, function: Callable[..., Any], args: tuple[Any, ...], timeout: float) -> Any:
        """``function(*args)`` in a worker; JobTimeout past ``timeout`` seconds."""
        worker = self._acquire()
        try:
            worker.connection.send((function, args))
            if not worker.connection.poll(timeout):
                self._discard(worker)
                raise JobTimeout(f"timeout after {timeout:g} s")
            status, value = worker.connection.recv()
        except (EOFError, OSError, BrokenPipeError) as exc:
            self._discard(worker)
            raise WorkerFailed(f"worker process died ({type(exc).__name__})") from None
        self._idle.put(worker)
        if status == "error":
            raise WorkerFailed(value)
        return value

    def close(self) -> None:
        """Stop every idle worker (busy ones are stopped by their caller)."""
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                return
            worker.kill()
            with self._lock:
                self._started -= 1


_pools: dict[int, ProcessPool] = {}
_pools_lock = threading.Lock()


def shared_pool(size: int) -> ProcessPool:
    """The process-wide pool of ``size`` workers (created on first use)."""
    with _pools_lock:
        if size not in _pools:
            _pools[size] = ProcessPool(size)
        return _pools[size]
