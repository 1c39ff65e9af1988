"""The warm sandbox server, one process per pool slot.

Started by :class:`~rewardsmith.verifiers.code.sandbox.SandboxPool` with an empty environment.
It enters its namespaces once, preloads common modules, forks its :mod:`zygote <.zygote>`, says
hello with the isolation it got, then serves one job at a time on its standard input/output
(4-byte length + JSON frames).

* HumanEval/assert jobs: the server runs the tests itself (:mod:`.harness`), against a program
  process that the zygote forked while the server was idle (a check costs about one fork, paid
  ahead of time). The program's process holds nothing of the job but the program.
* stdin/stdout jobs: a runner forked by the zygote runs the program once per input and reports
  signed result lines (:mod:`.stdio`); the server enforces the wall limit from outside and kills
  the runner's process group.

Work directories live in the server's private tmpfs and are removed afterwards.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import random
import secrets
import select
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import asdict
from typing import Any

from .harness import TAIL, run_function_tests
from .isolation import Isolation, drop_bounding_set, enter_namespaces, set_dumpable
from .proxy import ProgramProcess
from .wire import read_frame, write_frame
from .zygote import ENV, Zygote, ZygoteGone

PRELOAD = ("collections", "itertools", "functools", "math", "re", "heapq", "bisect", "string", "typing", "random",
           "hashlib", "copy", "operator")


def run_function_job(job: dict[str, Any], program: ProgramProcess) -> dict[str, Any]:
    """Run HumanEval/assert tests here against ``program`` (loaded in its own process)."""
    started = time.monotonic()
    workdir = tempfile.mkdtemp(prefix="rs-", dir=job.get("tmp", "/tmp"))
    records: list[dict[str, Any]] = [{"phase": "ready"}]
    saved = sys.getrecursionlimit(), list(sys.path), random.getstate()
    random.seed(0)  # tests that draw random inputs draw the same ones for every program
    os.chdir(workdir)
    try:
        env = dict(ENV, HOME=workdir, TMPDIR=workdir)
        timed_out = run_function_tests({**job, "workdir": workdir, "env": env}, records.append, program,
                                       started + job["wall_timeout"])
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        program.close()
        os.chdir("/")
        sys.setrecursionlimit(saved[0])
        sys.path[:] = saved[1]
        random.setstate(saved[2])
        try:
            os.rmdir(workdir)  # most programs write nothing: skip the tree walk
        except OSError:
            shutil.rmtree(workdir, ignore_errors=True)
    stderr = program.stderr_tail()
    os.close(program.stderr_fd)  # type: ignore[arg-type]
    return {"records": records, "forged": 0, "timed_out": timed_out, "exit": program.exit_code,
            "stderr": stderr, "seconds": time.monotonic() - started, "calls": program.next_id}


def run_stdio_job(job: dict[str, Any], zygote: Zygote) -> dict[str, Any]:
    """Hand a stdin/stdout job to a runner; the reply holds only correctly signed records."""
    nonce = secrets.token_hex(16)
    workdir = tempfile.mkdtemp(prefix="rs-", dir=job.get("tmp", "/tmp"))
    started = time.monotonic()
    pid, job_w, result_r, tests_w, err_r = zygote.runner()
    try:
        runner_job = {key: value for key, value in job.items() if key != "tests"}  # tests: a pipe
        write_frame(job_w, {"job": runner_job, "nonce": nonce, "workdir": workdir})
    finally:
        os.close(job_w)
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
    status = zygote.wait(pid)
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
    # A program must not find the sandbox's modules through sys.modules; the server keeps its
    # own references, so the modules are forgotten once here, before the zygote forks.
    for name in [m for m in sys.modules if m.startswith(("rewardsmith", "_rewardsmith"))]:
        del sys.modules[name]
    set_dumpable(False)  # no program can trace or read the server, the zygote or a runner
    gc.collect()
    gc.freeze()  # forked processes then leave the preloaded objects' pages shared
    zygote = Zygote(keep_closed=control)  # before the first job: the zygote never holds one
    program = zygote.program()
    write_frame(control[1], {"hello": asdict(isolation), "pid": os.getpid()})
    while (job := read_frame(control[0])) is not None:
        try:
            if job["kind"] == "stdio":
                reply = run_stdio_job(job, zygote)
            else:
                try:
                    reply = run_function_job(job, program)
                finally:
                    program = zygote.program()  # a fresh one, whatever became of this one
        except ZygoteGone as exc:  # the pool replaces this server and retries the job
            write_frame(control[1], {"infrastructure_error": f"{type(exc).__name__}: {exc}"})
            return
        except Exception as exc:  # noqa: BLE001 - the pool turns this into an error result
            reply = {"infrastructure_error": f"{type(exc).__name__}: {exc}"}
        write_frame(control[1], reply)


if __name__ == "__main__":
    main()
