"""The zygote: a process forked from the sandbox server before its first job, that forks the rest.

The server runs HumanEval/assert tests itself, so its memory holds every job's tests, even after
they are freed. A program's process must hold none: the zygote never receives a job, and the
processes it forks start from its memory. It forks, on the server's request,

* a *program process* (:func:`~.program.serve_program`): it waits, unconfined and empty, until
  the server sends it a program, then confines itself and runs it;
* a *stdio runner*: it waits for a stdin/stdout job, then runs the program once per input
  (:mod:`.stdio`).

The zygote is a child subreaper: it reaps its children and their orphans and reports every
wait status to the server (messages of 9 bytes: ``P`` + pid for a fork, ``X`` + pid + status
for an end), so the server learns how a program ended without being its parent.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import struct
from typing import Any

from .harness import send
from .isolation import Limits, become_subreaper, confine, die_with_parent, set_dumpable
from .program import serve_program
from .proxy import ProgramProcess
from .stdio import run_stdio_tests
from .wire import read_frame

_MESSAGE = struct.Struct(">cii")
ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8"}


class ZygoteGone(RuntimeError):
    """The zygote ended: the server cannot run another job and must be replaced."""


class Zygote:
    """The server's handle on its zygote.

    A fork is requested without waiting for it (the zygote forks while the server answers the
    pool); the pid is read when it is first needed.
    """

    def __init__(self, keep_closed: tuple[int, ...] = ()) -> None:
        self.sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.unanswered: list[list[int]] = []  # fork requests whose pid has not been read yet
        self.watched: dict[int, int | None] = {}  # live children -> wait status once ended
        self.pid = os.fork()
        if self.pid == 0:
            try:
                die_with_parent()
                set_dumpable(False)
                self.sock.close()
                for fd in keep_closed:
                    os.close(fd)
                _loop(theirs)
            finally:
                os._exit(0)
        theirs.close()

    def program(self) -> ProgramProcess:
        """A fresh program process, waiting for its program (its stderr goes to a memfd)."""
        calls_r, calls_w = os.pipe()
        replies_r, replies_w = os.pipe()
        stderr = os.memfd_create("program-stderr")
        cell = self._fork(b"p", [calls_r, replies_w, stderr], keep=stderr)
        return ProgramProcess(calls_w, replies_r, self, cell, stderr_fd=stderr)

    def runner(self) -> tuple[int, int, int, int, int]:
        """A stdio runner: (pid, job_w, result_r, tests_w, err_r)."""
        job_r, job_w = os.pipe()
        result_r, result_w = os.pipe()
        tests_r, tests_w = os.pipe()
        err_r, err_w = os.pipe()
        cell = self._fork(b"r", [job_r, result_w, tests_r, err_w])
        return self.pid_of(cell), job_w, result_r, tests_w, err_r

    def _fork(self, kind: bytes, fds: list[int], keep: int | None = None) -> list[int]:
        try:
            socket.send_fds(self.sock, [kind], fds)
        except OSError as exc:
            raise ZygoteGone(f"the sandbox zygote is gone ({exc})") from None
        for fd in fds:
            if fd != keep:
                os.close(fd)
        cell: list[int] = []
        self.unanswered.append(cell)
        return cell

    def pid_of(self, cell: list[int]) -> int:
        """The pid of a requested fork (reads the zygote's answers up to it)."""
        while not cell:
            self._pump()
        return cell[0]

    def wait(self, pid: int) -> int:
        """The wait status of ``pid``, a child of the zygote (blocks until it ends)."""
        while self.watched.get(pid) is None:
            self._pump()
        return self.watched.pop(pid)  # type: ignore[return-value]

    def forget(self, pid: int) -> None:
        """Nobody will ask how ``pid`` ended."""
        self.watched.pop(pid, None)

    def _pump(self) -> None:
        data = b""
        while len(data) < _MESSAGE.size:
            try:
                chunk = self.sock.recv(_MESSAGE.size - len(data))
            except OSError:
                chunk = b""
            if not chunk:
                raise ZygoteGone("the sandbox zygote is gone")
            data += chunk
        tag, pid, status = _MESSAGE.unpack(data)
        if tag == b"P":
            self.unanswered.pop(0).append(pid)
            self.watched[pid] = None
        elif pid in self.watched:
            self.watched[pid] = status


def _loop(sock: socket.socket) -> None:
    become_subreaper()
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    poller = select.poll()
    poller.register(sock.fileno(), select.POLLIN)
    poller.register(wake_r, select.POLLIN)
    while True:
        for fd, _ in poller.poll():
            if fd == wake_r:
                os.read(wake_r, 4096)
                _reap(sock)
                continue
            kind, fds, _, _ = socket.recv_fds(sock, 1, 4)
            if not kind:
                return
            pid = os.fork()
            if pid == 0:
                signal.set_wakeup_fd(-1)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                for own in (wake_r, wake_w, sock.fileno()):
                    os.close(own)
                _program_child(*fds) if kind == b"p" else _runner_child(*fds)
            for fd in fds:
                os.close(fd)
            sock.sendall(_MESSAGE.pack(b"P", pid, 0))


def _reap(sock: socket.socket) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        sock.sendall(_MESSAGE.pack(b"X", pid, status))


def _only(keep: set[int]) -> None:
    """Standard input and output to /dev/null; every descriptor but 0-2 and ``keep`` closed."""
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    edges = sorted(keep | {2})
    for low, high in zip(edges, [*edges[1:], 1 << 16], strict=True):
        os.closerange(low + 1, high)


def _program_child(calls: int, replies: int, stderr: int) -> None:
    try:
        die_with_parent()
        os.dup2(stderr, 2)
        _only({calls, replies})
        serve_program(calls, replies)
    finally:
        os._exit(70)


def _runner_child(job_r: int, result_w: int, tests_r: int, err_w: int) -> None:
    """A stdio runner: wait for the job, lock down, run the program once per input."""
    try:
        os.setsid()
        message: Any = read_frame(job_r)
        if message is None:
            os._exit(0)
        os.dup2(err_w, 2)
        _only({result_w, tests_r})
        channel = (result_w, message["nonce"])
        workdir = message["workdir"]
        os.chdir(workdir)
        os.environ.clear()
        os.environ.update(ENV, HOME=workdir, TMPDIR=workdir)
        confine(Limits(**message["job"]["limits"]), no_fork=False)
        send(channel, phase="ready")
        run_stdio_tests(message["job"], tests_r, channel)
    finally:
        os._exit(0)
