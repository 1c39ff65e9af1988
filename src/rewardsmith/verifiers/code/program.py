"""The program's process: load the program, then call its functions when the tests ask.

This process is forked, before its job exists, from a zygote that never saw a job, so its
memory holds no test, expected value, nonce or result channel; it gets the program's code, and
then one call at a time from the trusted process that runs the tests (:mod:`.proxy`), each with
plain arguments (:mod:`.wire`). It answers with the return value, or the exception, its printed
output, or a timeout: each call runs under the rest of its test's time budget. A return value
that is not plain stays here and travels as a reference (``["r", id, class name]``); the trusted
process decides what a reference may do.

Nothing here is trusted by the other side: a program that breaks this module (patching what it
uses, writing on its pipe, exiting) only breaks its own answers.
"""

from __future__ import annotations

import builtins
import importlib
import io
import os
import signal
import sys
import time
import traceback
import types
from collections.abc import Callable
from typing import Any

from .isolation import Limits, apply_limits, lock_down
from .wire import MAX_MESSAGE, Reader, WireError, decode, encode, line, send

# Functions here resolve builtins through a private copy taken at import (before any program
# ran), so a program that patches ``builtins`` does not change how its answers are sent.
__builtins__ = dict(__import__("builtins").__dict__)  # type: ignore[assignment]  # deliberate
TAIL = 2000
MAX_VALUE = 1 << 20  # a program-level constant larger than this (encoded) stays a reference
_PRISTINE = dict(builtins.__dict__)
_setitimer, _signal, _clock, _exit = signal.setitimer, signal.signal, time.perf_counter, os._exit
_format_exception_only = traceback.format_exception_only
_MUTABLE = (list, dict, set)
_SCALARS = (int, float, str, bool, type(None))


class Timeout(BaseException):
    """The call ran past its budget."""


class _Tail(io.TextIOBase):
    def __init__(self) -> None:
        self.text = ""

    def reset(self) -> _Tail:
        self.text = ""
        return self

    def write(self, text: str) -> int:
        self.text = (self.text + str(text))[-TAIL:]
        return len(text)


def _restore_builtins() -> None:
    """Undo what the program's top-level code did to the ``builtins`` module: the standard
    library that answers the tests (``json``) looks names up there. (A function that patches
    them while it is called only breaks its own answers.)"""
    current = builtins.__dict__
    if len(current) != len(_PRISTINE):
        for name in [n for n in current if n not in _PRISTINE]:
            del current[name]
    for name, value in _PRISTINE.items():
        if current.get(name) is not value:
            current[name] = value


def _alarm(_signum: int, _frame: Any) -> None:
    raise Timeout()


def _message(exc: BaseException) -> str:
    try:
        return str(exc)[-TAIL:]
    except BaseException:  # noqa: BLE001 - a program's exception may fail even to print
        return "<exception str() failed>"


class Program:
    """The loaded program and the objects it has handed out by reference."""

    def __init__(self, reader: Reader, out: int) -> None:
        self.reader, self.out = reader, out
        self.objects: dict[int, Any] = {}
        self.ids: dict[int, int] = {}
        self.depth = 0
        self.seq = 0
        self.tail = _Tail()

    # references --------------------------------------------------------------------------------
    def ref(self, value: Any) -> list:
        number = self.ids.get(id(value))
        if number is None:
            number = self.ids[id(value)] = len(self.objects) + 1
            self.objects[number] = value
        return ["r", number, type(value).__name__[:100]]

    def resolve(self, data: list) -> Any:
        tag = data[0]
        if tag == "r" and len(data) >= 2 and data[1] in self.objects:
            return self.objects[data[1]]
        if tag == "cb" and len(data) == 2:
            return _Callback(self, data[1])
        if tag == "bi" and len(data) == 2 and data[1] in _PRISTINE:
            return _PRISTINE[data[1]]
        if tag == "fn" and len(data) == 3:
            value: Any = importlib.import_module(str(data[1]))
            for part in str(data[2]).split("."):
                value = getattr(value, part)
            return value
        raise WireError(f"unknown reference {str(data)[:80]}")

    # running program code under the test's budget ---------------------------------------------
    def timed(self, budget: float, action: Callable[[], Any]) -> tuple[str, Any, float]:
        """(kind, value or exception, seconds); kind is ok, raise, exit or timeout."""
        top = self.depth == 0
        self.depth += 1
        if top:
            saved = sys.stdout, sys.stderr
            sys.stdout = sys.stderr = self.tail.reset()
        start = _clock()
        try:
            try:
                if top:
                    _setitimer(signal.ITIMER_REAL, max(budget, 0.001))
                outcome: tuple[str, Any] = ("ok", action())
            finally:
                if top:
                    _setitimer(signal.ITIMER_REAL, 0)
        except Timeout:
            outcome = ("timeout", None)
        except SystemExit as exc:
            outcome = ("exit", f"SystemExit({exc.code!r}) inside a test")
        except BaseException as exc:  # noqa: BLE001 - reported to the tests as the call's exception
            outcome = ("raise", exc)
        finally:
            self.depth -= 1
            if top:
                sys.stdout, sys.stderr = saved
        return outcome[0], outcome[1], _clock() - start

    def reply(self, ident: Any, kind: str, value: Any, extra: dict[str, Any] | None = None) -> None:
        message: dict[str, Any] = {"op": "reply", "id": ident, "ok": kind == "ok",
                                   "stderr": self.tail.text if self.depth == 0 else ""}
        if kind == "ok":
            try:
                message["value"] = encode(value, self.ref)
                message.update(extra or {})
                data = line(message)
                if len(data) < MAX_MESSAGE:
                    send(self.out, data)
                    return
                why = f"larger than {MAX_MESSAGE >> 20} MB"
            except Exception as exc:  # noqa: BLE001 - nested too deep to encode
                why = str(exc)
            message = {"op": "reply", "id": ident, "ok": False, "stderr": message["stderr"], "kind": "notplain",
                       "message": f"{type(value).__name__[:100]}, not a plain value ({why})"}
        elif kind == "raise":
            bases = [k.__name__ for k in type(value).__mro__ if _PRISTINE.get(k.__name__) is k]
            message.update(kind="raise", type=type(value).__name__[:100], bases=bases, message=_message(value))
        else:
            message.update(kind=kind, message=value or "")
        send(self.out, message)

    # requests from the trusted process ---------------------------------------------------------
    def load(self, message: dict[str, Any]) -> None:
        namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
        code = message["code"]
        kind, value, seconds = self.timed(
            message["budget"], lambda: exec(compile(code, "<completion>", "exec"), namespace))
        _restore_builtins()
        status = {"ok": "passed", "timeout": "timed_out"}.get(kind, "failed")
        error = value if kind == "exit" else _describe(value) if kind == "raise" else ""
        if kind == "timeout":
            error = f"took longer than {message['budget']:g}s"
        names = self.describe(namespace) if kind == "ok" else []
        send(self.out, {"op": "loaded", "s": status, "e": error, "t": seconds, "stderr": self.tail.text,
                        "names": names})

    def describe(self, namespace: dict[str, Any]) -> list[list[Any]]:
        """Each name the program defines: a plain value, a module, or a reference (a callable,
        a class, another object)."""
        names: list[list[Any]] = []
        for name, value in list(namespace.items()):
            if name.startswith("__") or name in _PRISTINE:
                continue
            if type(value) is types.ModuleType:
                names.append([name, "module", value.__name__])
                continue
            try:
                encoded = encode(value)
                if len(str(encoded)) <= MAX_VALUE:
                    names.append([name, "value", encoded])
                    continue
            except Exception:  # noqa: BLE001 - not plain: a reference
                pass
            kind = "class" if isinstance(value, type) else "function" if callable(value) else "object"
            names.append([name, kind, self.ref(value)])
        return names

    def call(self, message: dict[str, Any]) -> None:
        raw_args, raw_kwargs = message.get("args") or [], message.get("kw") or {}
        scalars = not raw_kwargs and all(type(item) in _SCALARS for item in raw_args)
        args: list[Any] = list(raw_args) if scalars else []  # scalars: nothing to decode or send back
        kwargs: dict[str, Any] = {}

        def action() -> Any:
            target = self.objects[message["ref"]]
            if message.get("attr"):
                target = getattr(target, message["attr"])
            if not scalars:  # references resolve here, under the call's time limit
                args.extend([decode(item, self.resolve) for item in raw_args])
                kwargs.update({key: decode(item, self.resolve) for key, item in raw_kwargs.items()})
            return target(*args, **kwargs)

        kind, value, _ = self.timed(message.get("budget", 1.0), action)
        changed: dict[str, Any] = {}
        if kind == "ok" and not scalars:  # arguments changed in place travel back to the tests
            pairs = [*zip(range(len(args)), args, raw_args, strict=True),
                     *((key, kwargs[key], raw_kwargs[key]) for key in kwargs)]
            for key, arg, raw in pairs:
                if type(arg) in _MUTABLE:
                    try:
                        now = encode(arg, self.ref)
                    except Exception:  # noqa: BLE001 - reported as the call's return value fails
                        continue
                    if now != raw:
                        changed[str(key)] = now
        self.reply(message.get("id"), kind, value, {"changed": changed} if changed else None)

    def attribute(self, message: dict[str, Any]) -> None:
        target = self.objects.get(message.get("ref"))  # type: ignore[arg-type]  # a missing ref finds nothing
        name = str(message.get("attr"))
        if "value" in message:
            def action() -> Any:
                return setattr(target, name, decode(message["value"], self.resolve))
        else:
            def action() -> Any:
                return getattr(target, name)
        kind, value, _ = self.timed(message.get("budget", 1.0), action)
        self.reply(message.get("id"), kind, value)

    def callback(self, number: int, args: tuple, kwargs: dict[str, Any]) -> Any:
        """Call a callable of the tests (passed as an argument): ask the trusted process, and
        serve its requests until it answers."""
        self.seq += 1
        seq = self.seq
        send(self.out, {"op": "callback", "cb": number, "seq": seq,
                        "args": [encode(a, self.ref) for a in args],
                        "kw": {k: encode(v, self.ref) for k, v in kwargs.items()}})
        answer = self.serve(until=seq)
        if answer.get("ok") is True:
            return decode(answer.get("value"), self.resolve)
        raise RuntimeError(str(answer.get("message", "the tests' callable failed")))

    def serve(self, until: int | None = None) -> dict[str, Any]:
        while True:
            message = self.reader.receive()
            if message is None:
                _exit(0)
            op = message.get("op")
            if op == "call":
                self.call(message)
            elif op == "attr":
                self.attribute(message)
            elif op == "cbreply":
                if until is not None and message.get("seq") == until:
                    return message
            else:
                _exit(3)


class _Callback:
    """A callable of the tests, as the program sees it."""

    def __init__(self, program: Program, number: int) -> None:
        self.program, self.number = program, number

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.program.callback(self.number, args, kwargs)


def _describe(exc: BaseException) -> str:
    try:
        return "".join(_format_exception_only(type(exc), exc)).strip()[-TAIL:]
    except BaseException:  # noqa: BLE001 - a program's exception may fail even to print
        return type(exc).__name__


def serve_program(calls: int, replies: int) -> None:
    """In the program's process: lock down, wait for the program, apply its limits, load it,
    serve the tests' calls. Never returns."""
    try:
        lock_down(program=True)  # while waiting: off the check's critical path
        _signal(signal.SIGALRM, _alarm)  # the program may replace it: then the trusted side stops it
        program = Program(Reader(calls), replies)
        first = program.reader.receive()
        if first is None or first.get("op") != "load":
            _exit(0)
        apply_limits(Limits(**first["limits"]))
        os.chdir(first["workdir"])
        os.environ.clear()
        os.environ.update(first["env"])
        program.load(first)
        program.serve()
    finally:
        _exit(1)
