"""The trusted runner: run each test against the program, which lives in another process.

Defences against a program that tries to fool the verdict rather than solve the task:

* the program runs in a process of its own (:mod:`.program`), forked before the job existed
  from a zygote that never saw one: no test, expected value, nonce, result channel or frame of
  this module is in its memory, and it can signal, trace or read no other process;
* the tests run here, where the program's names are proxies (:mod:`.proxy`): a call sends plain
  arguments to the program's process and gets a plain value back, rebuilt from built-in types
  only, so an object whose ``__eq__`` always answers True fails the test instead of passing it;
  the modules the tests import are this process's own, untouched by the program;
* results travel on a dedicated pipe that only this process holds, each line carrying a per-run
  nonce; a test without a signed result counts as crashed;
* every test has its own time limit, enforced in the program's process and, a grace period
  later, from here by killing it; ``SystemExit`` inside a test is a failure.
"""

from __future__ import annotations

import builtins
import functools
import importlib
import io
import json
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

from .proxy import (
    NotPlainValue,
    ProgramExit,
    ProgramGone,
    ProgramProcess,
    ProgramUnavailable,
    Remote,
    TestTimeout,
    Unsupported,
)

_PRISTINE_BUILTINS = dict(builtins.__dict__)  # each test gets a fresh copy (no program runs here)
_write, _read, _close, _dumps, _loads = os.write, os.read, os.close, json.dumps, json.loads
_setitimer, _signal, _clock = signal.setitimer, signal.signal, time.perf_counter
_format_exception_only = traceback.format_exception_only
TAIL = 2000


class TailWriter(io.TextIOBase):
    """A text stream that keeps only the last ``TAIL`` characters written to it."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> int:
        self.text = (self.text + str(text))[-TAIL:]
        return len(text)


def send(channel: tuple[int, str], **record: Any) -> None:
    """Write one signed result line to the result pipe; ``channel`` is (fd, nonce)."""
    fd, nonce = channel
    data = (_dumps({"n": nonce, **record}) + "\n").encode()
    while data:
        data = data[_write(fd, data):]


def _describe(exc: BaseException) -> str:
    lines = _format_exception_only(type(exc), exc)
    return "".join(lines).strip()[-TAIL:]


def _alarm(_signum: int, _frame: Any) -> None:
    raise TestTimeout()


def _read_tests(fd: int) -> list[dict[str, Any]]:
    chunks = []
    while chunk := _read(fd, 1 << 16):
        chunks.append(chunk)
    _close(fd)
    return _loads(b"".join(chunks))


GRACE = 0.5  # seconds past a test's limit before this process stops a program that ignores it


def _run_limited(timeout: float, action: Any, program: ProgramProcess, alarm: float) -> tuple[str, str, float]:
    """Run one test: (status, error, seconds); a failure the test swallowed still counts.

    ``alarm``: when this process stops the test (and a program that ignores its own timer)."""
    _signal(signal.SIGALRM, _alarm)
    start = _clock()
    try:
        _setitimer(signal.ITIMER_REAL, max(alarm, 0.001))
        try:
            action()
        finally:
            _setitimer(signal.ITIMER_REAL, 0)
        outcome = program.failure
    except BaseException as exc:  # noqa: BLE001 - any failure of program or test fails that test
        outcome = program.failure or exc
    seconds = _clock() - start
    if outcome is None:
        return "passed", "", seconds
    if isinstance(outcome, TestTimeout):
        return "timed_out", f"took longer than {timeout:g}s", seconds
    if isinstance(outcome, ProgramGone):
        return outcome.status, outcome.message, seconds
    if isinstance(outcome, Unsupported):
        return "unsupported", str(outcome), seconds
    if isinstance(outcome, ProgramExit | NotPlainValue):
        return "failed", str(outcome), seconds
    if isinstance(outcome, SystemExit):
        return "failed", f"SystemExit({outcome.code!r}) inside a test", seconds
    return "failed", _describe(outcome), seconds


def _module(name: Any) -> Any:
    """This process's own module ``name`` (one the program imported), or a stand-in that says why
    it is missing. Only standard-library modules: the program chooses the name, and an installed
    package's import would run (and stay loaded) in this process; tests that use another package
    import it themselves."""
    if not isinstance(name, str) or not all(part.isidentifier() for part in name.split(".")):
        return _Missing(str(name)[:100], "not a module name")
    if name.partition(".")[0] not in sys.stdlib_module_names:
        return _Missing(name, "not a standard-library module: the tests must import it themselves")
    try:
        return importlib.import_module(name)
    except BaseException as exc:  # noqa: BLE001 - any failure to import is reported on use
        return _Missing(name, f"{type(exc).__name__}: {exc}")


class _Missing:
    def __init__(self, name: str, why: str) -> None:
        self._why = f"the tests cannot import {name!r}, which the program imported ({why})"

    def __getattr__(self, name: str) -> Any:
        raise ImportError(self._why)


def _names(program: ProgramProcess, described: Any) -> dict[str, Any]:
    """The program's names as the tests see them (see :mod:`.proxy`); builtins cannot be shadowed."""
    names: dict[str, Any] = {}
    for entry in described if isinstance(described, list) else []:
        if not (isinstance(entry, list) and len(entry) == 3 and isinstance(entry[0], str)):
            raise program.kill("crashed", "the program broke the protocol while loading")
        name, kind, payload = entry
        if name in _PRISTINE_BUILTINS or name.startswith("__") or not name.isidentifier():
            continue
        if kind == "value":
            names[name] = program.value(payload)
        elif kind == "module":
            names[name] = _module(payload)
        else:
            remote = program.value(payload)
            if type(remote) is not Remote:
                raise program.kill("crashed", "the program broke the protocol while loading")
            if kind == "function":
                object.__setattr__(remote, "_plain", name)
            names[name] = remote
    return names


@functools.lru_cache(maxsize=512)
def _compiled(source: str, filename: str) -> Any:
    """Tests and prompts compiled once per server: the samples of a group share them."""
    return compile(source, filename, "exec")


def _prompt_helpers(test: dict[str, Any], cache: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """What a HumanEval prompt defines besides the entry point (``poly`` in HumanEval/32,
    ``encode_cyclic`` in /38), defined here from the reference: the tests check the candidate
    with the prompt's helpers, not with ones the program redefined. A prompt that does not run
    on its own leaves the program's names."""
    prompt = test.get("prompt")
    if not isinstance(prompt, str):
        return {}
    if prompt not in cache:
        namespace: dict[str, Any] = {"__builtins__": dict(_PRISTINE_BUILTINS), "__name__": "__prompt__"}
        try:
            try:
                code = _compiled(prompt, "<prompt>")
            except SyntaxError:  # a prompt that stops at the entry point's signature
                code = _compiled(prompt + "    pass\n", "<prompt>")
            exec(code, namespace)
        except BaseException:  # noqa: BLE001 - a prompt that is not a program on its own
            namespace = {}
        cache[prompt] = {name: value for name, value in namespace.items()
                         if not name.startswith("__") and name != test.get("call")}
    return cache[prompt]


def run_function_tests(job: dict[str, Any], report: Callable[[dict[str, Any]], None], program: ProgramProcess,
                       deadline: float) -> bool:
    """HumanEval and assert tests: load the program in its process, then run each test here.

    Each test gets a fresh namespace of the program's names (proxies, plain values, this
    process's modules) and a pristine copy of the builtins. ``report`` gets one record per test
    (after a ``load`` record); returns whether the wall-time ``deadline`` (monotonic) cut the
    tests short.
    """
    timeout, tests = job["timeout"], job["tests"]
    _signal(signal.SIGALRM, _alarm)
    _setitimer(signal.ITIMER_REAL, timeout + GRACE)
    try:
        loaded = program.load({"code": job["code"], "workdir": job["workdir"], "env": job["env"],
                               "limits": job["limits"]}, timeout)
        names = _names(program, loaded.get("names")) if loaded["s"] == "passed" else {}
        _setitimer(signal.ITIMER_REAL, 0)
    except ProgramUnavailable:
        _setitimer(signal.ITIMER_REAL, 0)
        raise
    except BaseException as exc:  # noqa: BLE001 - whatever the program sent, never an infrastructure error
        _setitimer(signal.ITIMER_REAL, 0)
        if isinstance(exc, ProgramGone):
            gone = exc
        elif isinstance(exc, TestTimeout):
            gone = program.kill("timed_out", "the program did not load in time")
        else:
            gone = program.kill("crashed", f"the program broke the protocol while loading ({type(exc).__name__})")
        tail = program.stderr_tail()
        for index in range(len(tests)):
            report({"i": index, "s": gone.status, "e": gone.message, "t": 0.0, "stderr": tail})
        return False
    seconds: Any = loaded.get("t")
    report({"phase": "load", "s": loaded["s"], "e": str(loaded.get("e", ""))[-TAIL:],
            "t": float(seconds) if type(seconds) in (int, float) else 0.0,
            "stderr": str(loaded.get("stderr", ""))[-TAIL:]})
    if loaded["s"] != "passed":
        return False
    prompts: dict[str, dict[str, Any]] = {}
    for index, test in enumerate(tests):
        if time.monotonic() >= deadline:
            program.kill("timed_out", "the program ran past the overall wall-time limit")
            for rest in range(index, len(tests)):
                report({"i": rest, "s": "timed_out", "e": "the program ran past the overall wall-time limit",
                        "t": 0.0, "stderr": ""})
            return True
        stderr = TailWriter()
        helpers = _prompt_helpers(test, prompts)
        scope = {**names, **helpers, "__builtins__": dict(_PRISTINE_BUILTINS), "__name__": "__tests__"}

        def action(test: dict[str, Any] = test, scope: dict[str, Any] = scope, index: int = index) -> None:
            if program.gone is not None:
                raise program.gone
            exec(_compiled(test["code"], f"<test {index}>"), scope)
            if test.get("call"):
                if test["call"] not in scope:
                    raise NameError(f"the program does not define {test['call']!r}")
                scope["check"](scope[test["call"]])

        left = deadline - time.monotonic()  # the wall limit also bounds the last test
        program.start_test(min(timeout, left), stderr)
        with _Redirect(stderr):
            status, error, seconds = _run_limited(timeout, action, program, min(timeout + GRACE, left))
        if status == "unsupported":
            error = f"test {index}: {error}"
        elif status == "crashed":
            stderr.write(program.stderr_tail())
        report({"i": index, "s": status, "e": error, "t": seconds, "stderr": stderr.text})
    return False


class _Redirect:
    """Send sys.stdout and sys.stderr of the tests to a tail buffer while they run."""

    def __init__(self, target: TailWriter) -> None:
        self.target = target

    def __enter__(self) -> None:
        self.saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = self.target

    def __exit__(self, *exc: object) -> None:
        sys.stdout, sys.stderr = self.saved
