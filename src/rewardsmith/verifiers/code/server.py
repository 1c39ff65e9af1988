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
import struct
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from typing import Any

from .harness import TAIL, run_function_tests, send
from .isolation import Isolation, Limits, confine, drop_bounding_set, enter_namespaces
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
                   workdir: str) -> None:
    """In the runner process: lock down, then run the tests. Never returns."""
    try:
        null = os.open(os.devnull, os.O_RDWR)
        for target, source in ((0, null), (1, null), (2, err_fd)):
            os.dup2(source, target)
        low, high = sorted((channel[0], tests_fd))
        os.closerange(3, low)
        os.closerange(low + 1, high)
        os.closerange(high + 1, 1 << 16)
        os.chdir(workdir)
        os.environ.clear()
        os.environ.update(ENV, HOME=workdir, TMPDIR=workdir)
        stdio = job["kind"] == "stdio"
        confine(Limits(**job["limits"]), no_fork=not stdio)
        send(channel, phase="ready")
        (run_stdio_tests if stdio else run_function_tests)(job, tests_fd, channel)
    finally:
        os._exit(0)


@dataclass
class Standby:
    """A runner forked ahead of time, waiting for its job: the fork is off the critical path."""

    pid: int
    job_w: int
    result_r: int
    tests_w: int
    err_r: int


def prefork(control: tuple[int, int]) -> Standby:
    """Fork the next runner in its own process group; it blocks until :func:`run_job` feeds it.

    One fork per check: the server is PID 1 of a PID namespace that holds only itself and the
    current check (one job at a time), so a program can signal nothing but its own processes.
    """
    job_r, job_w = os.pipe()
    result_r, result_w = os.pipe()
    tests_r, tests_w = os.pipe()
    err_r, err_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            for fd in (*control, job_w, result_r, tests_w, err_r):
                os.close(fd)
            message = read_frame(job_r)
            os.close(job_r)
        except BaseException:  # noqa: BLE001 - a standby that cannot start just ends
            os._exit(70)
        if message is None:
            os._exit(0)
        _become_runner(message["job"], (result_w, message["nonce"]), tests_r, err_w, message["workdir"])
    for fd in (job_r, result_w, tests_r, err_w):
        os.close(fd)
    return Standby(pid, job_w, result_r, tests_w, err_r)


def run_job(job: dict[str, Any], standby: Standby) -> dict[str, Any]:
    """Run one program against its tests; the reply holds only correctly signed records."""
    nonce = secrets.token_hex(16)
    workdir = tempfile.mkdtemp(prefix="rs-", dir=job.get("tmp", "/tmp"))
    started = time.monotonic()
    pid, result_r, tests_w, err_r = standby.pid, standby.result_r, standby.tests_w, standby.err_r
    try:
        write_frame(standby.job_w, {"job": job, "nonce": nonce, "workdir": workdir})
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
    _, status = os.waitpid(pid, 0)
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
    gc.collect()
    gc.freeze()  # forked runners then leave the preloaded objects' pages shared
    standby = prefork(control)
    write_frame(control[1], {"hello": asdict(isolation), "pid": os.getpid()})
    while (job := read_frame(control[0])) is not None:
        try:
            reply = run_job(job, standby)
        except Exception as exc:  # noqa: BLE001 - the pool turns this into an error result
            reply = {"infrastructure_error": f"{type(exc).__name__}: {exc}"}
        write_frame(control[1], reply)
        standby = prefork(control)


if __name__ == "__main__":
    main()
