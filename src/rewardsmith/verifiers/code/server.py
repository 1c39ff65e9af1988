"""The warm fork server, one process per pool slot.

Started by :class:`~rewardsmith.verifiers.code.sandbox.SandboxPool` with an empty environment.
It enters its namespaces once, preloads common modules, says hello with the isolation it got,
then serves one job at a time on its standard input/output (4-byte length + JSON frames). Per
job it hands the job to a runner forked while it was idle (a check costs about a fork, paid
ahead of time); on timeout it kills the runner's process group, and the program cannot have
started other processes (seccomp). The work directory lives in the server's private tmpfs and
is removed afterwards.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import secrets
import select
import shutil
import signal
import socket
import struct
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from typing import Any

from .harness import TAIL, run_function_tests, send
from .isolation import (
    Isolation,
    Limits,
    become_subreaper,
    confine,
    die_with_parent,
    drop_bounding_set,
    enter_namespaces,
    set_dumpable,
)
from .program import serve_program
from .proxy import ProgramProcess
from .stdio import run_stdio_tests

PRELOAD = ("collections", "itertools", "functools", "math", "re", "heapq", "bisect", "string", "typing", "random",
           "hashlib", "copy", "operator")
ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8"}


def read_frame(fd: int) -> Any:
    header = _read_exact(fd, 4)
    if header is None:
        return None
    body = _read_exact(fd, struct.unpack(">I", header)[0])
    return None if body is None else json.loads(body)


def write_frame(fd: int, message: Any) -> None:
    body = json.dumps(message).encode()
    data = struct.pack(">I", len(body)) + body
    while data:
        data = data[os.write(fd, data):]


def _read_exact(fd: int, size: int) -> bytes | None:
    buffer = bytearray()
    while len(buffer) < size:
        chunk = os.read(fd, size - len(buffer))
        if not chunk:
            return None
        buffer += chunk
    return bytes(buffer)


def _become_runner(job: dict[str, Any], channel: tuple[int, str], tests_fd: int, err_fd: int,
                   workdir: str, program: ProgramProcess) -> None:
    """In the runner process: lock down, then run the tests. Never returns."""
    try:
        null = os.open(os.devnull, os.O_RDWR)
        for target, source in ((0, null), (1, null), (2, err_fd)):
            os.dup2(source, target)
        keep = sorted((channel[0], tests_fd, program.fd, program.reader.fd))
        for low, high in zip([2, *keep], [*keep, 1 << 16], strict=True):
            os.closerange(low + 1, high)
        os.chdir(workdir)
        os.environ.clear()
        os.environ.update(ENV, HOME=workdir, TMPDIR=workdir)
        stdio = job["kind"] == "stdio"
        if stdio:
            program.close()
        confine(Limits(**job["limits"]), no_fork=not stdio)
        send(channel, phase="ready")
        if stdio:
            run_stdio_tests(job, tests_fd, channel)
        else:
            env = dict(ENV, HOME=workdir, TMPDIR=workdir)
            run_function_tests({**job, "workdir": workdir, "env": env}, tests_fd, channel, program)
    finally:
        program.close()
        os._exit(0)


def _fork_program(err_fd: int) -> ProgramProcess:
    """Fork the process that will run the program, before this runner knows its job."""
    calls_r, calls_w = os.pipe()
    replies_r, replies_w = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        try:
            die_with_parent()
            if os.getppid() != parent:
                os._exit(0)
            null = os.open(os.devnull, os.O_RDWR)
            for target, source in ((0, null), (1, null), (2, err_fd)):
                os.dup2(source, target)
            keep = sorted((calls_r, replies_w))
            for low, high in zip([2, *keep], [*keep, 1 << 16], strict=True):
                os.closerange(low + 1, high)
            serve_program(calls_r, replies_w)
        finally:
            os._exit(70)
    os.close(calls_r)
    os.close(replies_w)
    return ProgramProcess(pid, calls_w, replies_r)


@dataclass
class Standby:
    """A runner forked ahead of time, waiting for its job: the forks are off the critical path."""

    pid: int
    job_w: int
    result_r: int
    tests_w: int
    err_r: int


def _standby(job_r: int, result_w: int, tests_r: int, err_w: int) -> None:
    """In a runner forked by the zygote: fork the program's process, wait for the job, run it."""
    try:
        os.setsid()
        program = _fork_program(err_w)
        message = read_frame(job_r)
        os.close(job_r)
    except BaseException:  # noqa: BLE001 - a standby that cannot start just ends
        os._exit(70)
    if message is None:
        program.close()
        os._exit(0)
    _become_runner(message["job"], (result_w, message["nonce"]), tests_r, err_w, message["workdir"], program)


class Zygote:
    """A process forked from the server before its first job, so that it never held one.

    It forks every runner; a runner forks its program's process before its job arrives. The
    server holds earlier jobs' tests in freed memory; the zygote, the runner's memory at the fork
    and so the program's process never do. The zygote reaps the runner (and, as a subreaper, the
    orphans of a runner that was killed) and reports each runner's wait status.
    """

    def __init__(self, control: tuple[int, int]) -> None:
        self.sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.pid = os.fork()
        if self.pid == 0:
            try:
                die_with_parent()
                self.sock.close()
                for fd in control:
                    os.close(fd)
                _zygote_loop(theirs)
            finally:
                os._exit(0)
        theirs.close()

    def prefork(self) -> Standby:
        """A runner in its own process group; it blocks until :func:`run_job` feeds it."""
        job_r, job_w = os.pipe()
        result_r, result_w = os.pipe()
        tests_r, tests_w = os.pipe()
        err_r, err_w = os.pipe()
        theirs = [job_r, result_w, tests_r, err_w]
        socket.send_fds(self.sock, [b"f"], theirs)
        for fd in theirs:
            os.close(fd)
        return Standby(self._receive(), job_w, result_r, tests_w, err_r)

    def wait(self) -> int:
        """The wait status of the runner last forked (blocks until it ends)."""
        return self._receive()

    def _receive(self) -> int:
        data = b""
        while len(data) < 4:
            chunk = self.sock.recv(4 - len(data))
            if not chunk:
                raise RuntimeError("the sandbox zygote is gone")
            data += chunk
        return int(struct.unpack(">i", data)[0])


def _zygote_loop(sock: socket.socket) -> None:
    become_subreaper()
    while True:
        _, fds, _, _ = socket.recv_fds(sock, 1, 4)
        if len(fds) != 4:
            return
        pid = os.fork()
        if pid == 0:
            sock.close()
            _standby(*fds)
        for fd in fds:
            os.close(fd)
        sock.sendall(struct.pack(">i", pid))
        while True:  # the runner, and any orphan of a killed runner
            ended, status = os.waitpid(-1, 0)
            if ended == pid:
                break
        sock.sendall(struct.pack(">i", status))


def run_job(job: dict[str, Any], standby: Standby, zygote: Zygote) -> dict[str, Any]:
    """Run one program against its tests; the reply holds only correctly signed records."""
    nonce = secrets.token_hex(16)
    workdir = tempfile.mkdtemp(prefix="rs-", dir=job.get("tmp", "/tmp"))
    started = time.monotonic()
    pid, result_r, tests_w, err_r = standby.pid, standby.result_r, standby.tests_w, standby.err_r
    try:
        runner_job = {key: value for key, value in job.items() if key != "tests"}  # tests: a pipe
        write_frame(standby.job_w, {"job": runner_job, "nonce": nonce, "workdir": workdir})
    finally:
        os.close(standby.job_w)
    payload = json.dumps(job["tests"]).encode()
    raw, stderr = bytearray(), bytearray()
    deadline = started + job["wall_timeout"]
    poller = select.poll()
    os.set_blocking(tests_w, False)
    open_fds = {result_r, err_r}
    poller.register(result_r, select.POLLIN)
    poller.register(err_r, select.POLLIN)
    poller.register(tests_w, select.POLLOUT)
    writing = True
    timed_out = False
    while open_fds:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        for fd, _ in poller.poll(left * 1000):
            if fd == tests_w:
                try:
                    payload = payload[os.write(fd, payload[: 1 << 16]):]
                except BrokenPipeError:
                    payload = b""
                if not payload:
                    poller.unregister(fd)
                    os.close(fd)
                    writing = False
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                poller.unregister(fd)
                open_fds.discard(fd)
            elif fd == result_r:
                raw += chunk
                if len(raw) > job["max_report"]:
                    poller.unregister(fd)
                    open_fds.discard(fd)
            else:
                stderr = (stderr + chunk)[-TAIL:]
    if writing:
        os.close(tests_w)
    if timed_out:
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    status = zygote.wait()
    os.close(result_r)
    os.close(err_r)
    try:
        os.rmdir(workdir)  # most programs write nothing: skip the tree walk
    except OSError:
        shutil.rmtree(workdir, ignore_errors=True)
    records, forged = [], 0
    for line in bytes(raw).splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            forged += 1
            continue
        if isinstance(record, dict) and record.pop("n", None) == nonce:
            records.append(record)
        else:
            forged += 1
    return {"records": records, "forged": forged, "timed_out": timed_out,
            "exit": os.waitstatus_to_exitcode(status), "stderr": stderr.decode("utf-8", "replace"),
            "seconds": time.monotonic() - started}


def main() -> None:
    control = (os.dup(0), os.dup(1))
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    isolation = enter_namespaces() if "--no-namespaces" not in sys.argv else Isolation(
        host_uid=os.geteuid(), warnings=("namespaces switched off (--no-namespaces)",))
    if "--no-namespaces" not in sys.argv:
        drop_bounding_set()
    for name in PRELOAD:
        importlib.import_module(name)
    # The runner must not find the harness through sys.modules; the server keeps its own
    # references, so the modules are forgotten once here instead of in every runner.
    for name in [m for m in sys.modules if m.startswith(("rewardsmith", "_rewardsmith"))]:
        del sys.modules[name]
    set_dumpable(False)  # no program can trace or read the server, the zygote or a runner
    gc.collect()
    gc.freeze()  # forked runners then leave the preloaded objects' pages shared
    zygote = Zygote(control)  # before the first job: the zygote never holds one
    standby = zygote.prefork()
    write_frame(control[1], {"hello": asdict(isolation), "pid": os.getpid()})
    while (job := read_frame(control[0])) is not None:
        try:
            reply = run_job(job, standby, zygote)
        except Exception as exc:  # noqa: BLE001 - the pool turns this into an error result
            reply = {"infrastructure_error": f"{type(exc).__name__}: {exc}"}
        write_frame(control[1], reply)
        standby = zygote.prefork()


if __name__ == "__main__":
    main()
