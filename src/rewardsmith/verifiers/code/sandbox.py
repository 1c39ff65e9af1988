"""A pool of warm sandbox servers, started lazily, shared by threads, restarted when one breaks.

Each server (:mod:`rewardsmith.verifiers.code.server`) is a Python process started with an empty
environment (no tokens or keys leak into it), inside its own user, network, mount and PID
namespaces, with common modules preloaded: a check costs a fork (the program's process, from
the server's zygote), not an interpreter start.
Checks run in parallel, one per server. Anything that goes wrong with a server itself (it died,
it answered garbage, it did not answer in time) is an *infrastructure* failure, reported as an
error, never as a score; the broken server is replaced.
"""

from __future__ import annotations

import atexit
import os
import queue
import select
import subprocess
import sys
import threading
import warnings
import weakref
from pathlib import Path
from typing import Any

from .wire import read_frame, write_frame

_HERE = str(Path(__file__).resolve().parent)
# The server imports this folder as a package of its own, so it does not load the rest of
# rewardsmith: a smaller process is a cheaper fork.
_BOOT = (
    "import sys, types; package = types.ModuleType('_rewardsmith_sandbox'); "
    "package.__path__ = [sys.argv[1]]; sys.modules['_rewardsmith_sandbox'] = package; "
    "from _rewardsmith_sandbox.server import main; main()"
)
_warned = False


class SandboxError(RuntimeError):
    """The sandbox itself failed (not the program under test); ``kind`` is ``timeout`` when a
    server did not answer in time, else ``crash`` (see :class:`rewardsmith.core.ErrorKind`)."""

    def __init__(self, message: str, kind: str = "crash") -> None:
        super().__init__(message)
        self.kind = kind

    def __reduce__(self) -> tuple:
        return type(self), (str(self), self.kind)


class Server:
    """One warm server process and its control pipes."""

    def __init__(self, namespaces: bool = True) -> None:
        args = [sys.executable, "-I", "-c", _BOOT, _HERE]
        if not namespaces:
            args.append("--no-namespaces")
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
        self.process = subprocess.Popen(
            args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=env, cwd="/", close_fds=True, start_new_session=True,
        )
        hello = self._receive(timeout=60)
        if not isinstance(hello, dict) or "hello" not in hello:
            self.close()
            raise SandboxError(f"sandbox server did not start (got {str(hello)[:200]!r})")
        self.isolation: dict[str, Any] = hello["hello"]

    def _receive(self, timeout: float) -> Any:
        fd = self.process.stdout.fileno()  # type: ignore[union-attr]
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            self.close()
            raise SandboxError(f"sandbox server did not answer within {timeout:g}s", kind="timeout")
        try:
            message = read_frame(fd)
        except (OSError, ValueError) as exc:
            message = exc
        if message is None or isinstance(message, Exception):
            self.close()
            raise SandboxError(f"sandbox server died ({message!r}, exit {self.process.poll()})")
        return message

    def run(self, job: dict[str, Any]) -> dict[str, Any]:
        try:
            write_frame(self.process.stdin.fileno(), job)  # type: ignore[union-attr]
        except OSError as exc:
            self.close()
            raise SandboxError(f"sandbox server is gone ({exc})") from exc
        reply = self._receive(timeout=job["wall_timeout"] + 30)
        if "infrastructure_error" in reply:
            raise SandboxError(reply["infrastructure_error"])
        return reply

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


class SandboxPool:
    """Up to ``workers`` warm servers; :meth:`run` is thread-safe and blocks for a free one."""

    def __init__(self, workers: int, namespaces: bool = True) -> None:
        self.workers = max(1, workers)
        self.namespaces = namespaces
        self._idle: queue.LifoQueue[Server] = queue.LifoQueue()
        self._started = 0
        self._lock = threading.Lock()
        self._all: weakref.WeakSet[Server] = weakref.WeakSet()
        self.isolation: dict[str, Any] | None = None
        atexit.register(self.close)

    def _acquire(self) -> Server:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            start = self._started < self.workers
            if start:
                self._started += 1
        if not start:
            return self._idle.get()
        try:
            server = Server(self.namespaces)
        except BaseException:
            with self._lock:
                self._started -= 1
            raise
        self._all.add(server)
        self._note_isolation(server.isolation)
        return server

    def _note_isolation(self, isolation: dict[str, Any]) -> None:
        global _warned
        self.isolation = isolation
        if isolation.get("warnings") and not _warned:
            _warned = True
            message = "code sandbox isolation is weaker than intended: " + "; ".join(isolation["warnings"])
            warnings.warn(message, RuntimeWarning, stacklevel=4)
            print(f"WARNING: {message}", file=sys.stderr)

    def run(self, job: dict[str, Any]) -> dict[str, Any]:
        """Run one job; a broken server is replaced and the job retried once."""
        attempts = 2
        while True:
            attempts -= 1
            server = self._acquire()
            try:
                reply = server.run(job)
            except SandboxError:
                if server.alive:
                    self._idle.put(server)
                    raise
                with self._lock:
                    self._started -= 1
                if attempts == 0:
                    raise
                continue
            self._idle.put(server)
            return reply

    def close(self) -> None:
        for server in list(self._all):
            server.close()
        self._all = weakref.WeakSet()
        with self._lock:
            self._started = 0
        self._idle = queue.LifoQueue()


def default_workers() -> int:
    """One server per CPU available, shared with the sibling processes of a runner.

    ``rewardsmith score --workers N`` runs N worker processes that each hold their own pool; the
    runner tells them N (``REWARDSMITH_WORKER_PROCESSES``), so that together they start one
    server per CPU instead of N per CPU.
    """
    try:
        siblings = max(1, int(os.environ.get("REWARDSMITH_WORKER_PROCESSES", "1")))
    except ValueError:
        siblings = 1
    return max(1, len(os.sched_getaffinity(0)) // siblings)
