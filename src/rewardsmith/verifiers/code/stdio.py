"""Standard input/output tests inside the sandbox: one fresh process per input.

The runner forks one child per test input; the child gets the input on its standard input
(an in-memory file), cannot create processes, and runs the program as ``__main__``. The runner
collects its output under a time and size limit and reports it, signed. Expected outputs never
enter the sandbox: the server compares them, so a program cannot read them and print them.
"""

from __future__ import annotations

import builtins
import os
import select
import signal
import sys
import time
import traceback
from typing import Any

from .harness import TAIL, _read_tests, send
from .isolation import forbid_fork


def _run_program(code: Any, stdin_fd: int, out_fd: int, err_fd: int) -> None:
    """In the forked child: become the program, never return."""
    status = 1
    try:
        os.dup2(stdin_fd, 0)
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        os.closerange(3, 1 << 16)
        forbid_fork(program=True)
        sys.stdin = open(0, closefd=False)
        sys.stdout = open(1, "w", closefd=False)
        sys.stderr = open(2, "w", closefd=False)
        exec(code, {"__name__": "__main__", "__builtins__": builtins})
        status = 0
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if not isinstance(exc.code, int | None):
            print(exc.code, file=sys.stderr)
    except BaseException:  # noqa: BLE001 - the program's failure is its exit status
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001 - a broken stream cannot be reported on
                pass
        os._exit(status & 0xFF)


def _collect(pid: int, out_r: int, err_r: int, timeout: float, max_output: int) -> dict[str, Any]:
    """Read the child's output until it exits, runs out of time, or writes too much."""
    out, err = bytearray(), bytearray()
    open_fds = {out_r, err_r}
    deadline = time.monotonic() + timeout
    status = "ran"
    while open_fds:
        left = deadline - time.monotonic()
        if left <= 0:
            status = "timed_out"
            break
        ready, _, _ = select.select(list(open_fds), [], [], left)
        for fd in ready:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                open_fds.discard(fd)
            elif fd == out_r:
                out += chunk
            else:
                err = (err + chunk)[-TAIL:]
        if len(out) > max_output:
            status = "output_limit"
            break
    if status != "ran":
        os.kill(pid, signal.SIGKILL)
    _, wait_status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(wait_status)
    if status == "ran" and code != 0:
        status = "crashed"
    return {"s": status, "rc": code, "out": out[:max_output].decode("utf-8", "replace"),
            "stderr": err.decode("utf-8", "replace")}


def run_stdio_tests(job: dict[str, Any], tests_fd: int, channel: tuple[int, str]) -> None:
    """Run the program once per input and report each run's output, exit code and duration."""
    try:
        code = compile(job["code"], "<completion>", "exec")
    except BaseException as exc:  # noqa: BLE001 - a program that does not compile fails every test
        send(channel, phase="load", s="failed", e=f"{type(exc).__name__}: {exc}", t=0.0, stderr="")
        _read_tests(tests_fd)
        return
    send(channel, phase="load", s="passed", e="", t=0.0, stderr="")
    for index, test in enumerate(_read_tests(tests_fd)):
        stdin_fd = os.memfd_create("stdin")
        os.write(stdin_fd, test["input"].encode())
        os.lseek(stdin_fd, 0, os.SEEK_SET)
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        start = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            _run_program(code, stdin_fd, out_w, err_w)
        for fd in (stdin_fd, out_w, err_w):
            os.close(fd)
        record = _collect(pid, out_r, err_r, job["timeout"], job["max_output"])
        os.close(out_r)
        os.close(err_r)
        send(channel, i=index, t=time.perf_counter() - start, **record)
    send(channel, done=True)
