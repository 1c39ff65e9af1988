"""What runs inside the sandboxed process: load the program, run each test, report each result.

Defences against a program that tries to fool the verdict rather than solve the task:

* results travel on a dedicated pipe, each line carrying a per-run nonce; the server ignores
  unsigned lines, and a test without a signed result counts as crashed (so ``sys.exit(0)`` or
  ``os._exit(0)`` before or during the tests earns nothing);
* the tests arrive on a pipe only after the program's top-level code has run, and are never
  written to disk;
* the tests run with a pristine copy of the builtins taken before any program code ran, and
  without the program's own names that shadow builtins; the ``builtins`` module itself is
  restored after the program loads and after every test;
* every value a program function returns to a test is checked to be a plain built-in value
  (exact ``int``, ``str``, ``list``... recursively), so an object whose ``__eq__`` always answers
  True fails the test instead of passing it;
* every test has its own time limit; ``SystemExit`` inside a test is a failure.
"""

from __future__ import annotations

import builtins
import io
import json
import os
import signal
import sys
import time
import traceback
import types
from typing import Any

_PRISTINE_BUILTINS = dict(builtins.__dict__)
# Functions of this module resolve builtins through this private copy, and call other modules
# through names bound here, so a program that patches ``builtins``, ``os`` or ``json`` cannot
# change what the harness does.
__builtins__ = dict(_PRISTINE_BUILTINS)
_write, _read, _close, _dumps, _loads = os.write, os.read, os.close, json.dumps, json.loads
_setitimer, _signal, _clock = signal.setitimer, signal.signal, time.perf_counter
_format_exception_only = traceback.format_exception_only
_SCALARS = frozenset({int, float, bool, str, bytes, complex, type(None)})
_CONTAINERS = frozenset({list, tuple, set, frozenset})
TAIL = 2000


class TestTimeout(BaseException):
    """Raised by the per-test alarm; a BaseException so ``except Exception`` cannot swallow it."""


class NotPlainValue(BaseException):
    """A program function returned something other than a plain built-in value."""


def is_plain(value: Any, depth: int = 0) -> bool:
    """True for exact built-in scalars and containers of them (no subclasses, no custom ``__eq__``).

    >>> is_plain([1, "a", (2.5, None), {"k": {3}}])
    True
    >>> class AlwaysEqual:
    ...     def __eq__(self, other): return True
    >>> is_plain(AlwaysEqual()), is_plain([AlwaysEqual()])
    (False, False)
    >>> class Int(int): pass
    >>> is_plain(Int(3))
    False
    """
    kind = type(value)
    if kind in _SCALARS:
        return True
    if depth > 64:
        return False
    if kind in _CONTAINERS:
        return all(is_plain(item, depth + 1) for item in value)
    if kind is dict:
        return all(is_plain(k, depth + 1) and is_plain(v, depth + 1) for k, v in value.items())
    return False


def guard(function: types.FunctionType) -> Any:
    """Wrap a program function so that a non-plain return value fails the test calling it."""

    def guarded(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        if not is_plain(result):
            raise NotPlainValue(f"{function.__name__} returned a {type(result).__name__}, not a plain value")
        return result

    guarded.__name__ = function.__name__
    return guarded


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


def _restore_builtins() -> None:
    """Undo whatever the program did to the ``builtins`` module (the harness relies on the stdlib)."""
    current = builtins.__dict__
    for name in [n for n in current if n not in _PRISTINE_BUILTINS]:
        del current[name]
    for name, value in _PRISTINE_BUILTINS.items():
        if current.get(name) is not value:
            current[name] = value


def _alarm(_signum: int, _frame: Any) -> None:
    raise TestTimeout()


def _run_limited(timeout: float, action: Any) -> tuple[str, str, float]:
    """Run ``action()`` under a time limit: (status, error, seconds)."""
    _signal(signal.SIGALRM, _alarm)
    start = _clock()
    try:
        _setitimer(signal.ITIMER_REAL, timeout)
        try:
            action()
        finally:
            _setitimer(signal.ITIMER_REAL, 0)
    except TestTimeout:
        return "timed_out", f"took longer than {timeout:g}s", _clock() - start
    except SystemExit as exc:
        return "failed", f"SystemExit({exc.code!r}) inside a test", _clock() - start
    except BaseException as exc:  # noqa: BLE001 - any failure of program or test fails that test
        return "failed", _describe(exc), _clock() - start
    return "passed", "", _clock() - start


def _read_tests(fd: int) -> list[dict[str, Any]]:
    chunks = []
    while chunk := _read(fd, 1 << 16):
        chunks.append(chunk)
    _close(fd)
    return _loads(b"".join(chunks))


def run_function_tests(job: dict[str, Any], tests_fd: int, channel: tuple[int, str]) -> None:
    """HumanEval and assert tests: load the program, then run each test in the same process.

    Each test gets a fresh namespace built from the program's names (functions guarded) and a
    pristine copy of the builtins, so one test (or the program) cannot rewrite what the next
    test looks up.
    """
    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
    code, timeout = job["code"], job["timeout"]
    stderr = TailWriter()

    def load() -> None:
        exec(compile(code, "<completion>", "exec"), namespace)

    with _Redirect(stderr):
        status, error, seconds = _run_limited(timeout, load)
    _restore_builtins()
    send(channel, phase="load", s=status, e=error, t=seconds, stderr=stderr.text)
    tests = _read_tests(tests_fd)
    if status != "passed":
        return
    names = {
        name: guard(value) if isinstance(value, types.FunctionType) else value
        for name, value in namespace.items()
        if name not in _PRISTINE_BUILTINS and not name.startswith("__")
    }
    for index, test in enumerate(tests):
        stderr = TailWriter()
        scope = {**names, "__builtins__": dict(_PRISTINE_BUILTINS), "__name__": "__tests__"}

        def action(test: dict[str, Any] = test, scope: dict[str, Any] = scope, index: int = index) -> None:
            exec(compile(test["code"], f"<test {index}>", "exec"), scope)
            if test.get("call"):
                if test["call"] not in scope:
                    raise NameError(f"the program does not define {test['call']!r}")
                scope["check"](scope[test["call"]])

        with _Redirect(stderr):
            status, error, seconds = _run_limited(timeout, action)
        _restore_builtins()
        send(channel, i=index, s=status, e=error, t=seconds, stderr=stderr.text)
    send(channel, done=True)


class _Redirect:
    """Send sys.stdout and sys.stderr of program code to a tail buffer while it runs."""

    def __init__(self, target: TailWriter) -> None:
        self.target = target

    def __enter__(self) -> None:
        self.saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = self.target

    def __exit__(self, *exc: object) -> None:
        sys.stdout, sys.stderr = self.saved
