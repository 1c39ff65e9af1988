"""The tests' side of the program: proxies that call into the program's own process.

The tests run in a trusted process that never runs a line of the program. Every name the
program defines reaches the tests as

* a plain value, copied when the program has loaded;
* a module: the trusted process's own module of that name, never one the program patched;
* a :class:`Remote`: a function, class or other object that stays in the program's process.
  Calling it sends the plain arguments there and gets the result back as a plain value
  (:mod:`.wire`); a program *function* must return a plain value (else the test fails with
  "not a plain value"), while a class, its objects and their methods may hand out further
  references. A reference can be passed back as an argument and its attributes read; it has no
  truth value and equals only itself, so an object that claims to equal anything cannot.

Arguments that are neither plain nor references travel as names (built-ins, functions of
installed modules) or as callbacks (functions the tests define: the program calls them back
here); anything else is an :class:`Unsupported` argument, an error of the test, never a pass.
Lists, dicts and sets that the program changes in place are updated here to match.

Time: each call carries the rest of its test's budget, which the program's process enforces
with its own timer; the trusted process's alarm (a grace period later) stops a program that
ignores it, and the program's process is killed.
"""

from __future__ import annotations

import builtins
import importlib
import os
import signal
import time
from typing import Any

from .wire import NotPlain, Reader, WireError, decode, encode, send

_PRISTINE = dict(builtins.__dict__)
_clock, _kill = time.monotonic, os.kill
_SCALARS = frozenset({int, float, str, bool, type(None)})
_UNSAFE_TO_RAISE = frozenset({"StopIteration", "StopAsyncIteration", "GeneratorExit", "SystemExit",
                              "KeyboardInterrupt"})


class TestTimeout(BaseException):
    """The test ran out of time; a BaseException so ``except Exception`` cannot swallow it."""


class NotPlainValue(BaseException):
    """A program function returned something other than a plain built-in value."""


class Unsupported(BaseException):
    """The test passes an argument that cannot reach the program's process."""


class ProgramExit(BaseException):
    """The program raised SystemExit inside a call."""


class ProgramUnavailable(RuntimeError):
    """The program's process was gone before the program was sent: an infrastructure failure."""


class ProgramGone(BaseException):
    """The program's process ended, broke the protocol or ignored its time limit."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class ProgramProcess:
    """The trusted end of the pipes to the program's process."""

    def __init__(self, to_program: int, from_program: int, host: Any, cell: list[int],
                 stderr_fd: int | None = None) -> None:
        self.fd, self.reader = to_program, Reader(from_program)
        self.host, self.cell = host, cell  # the zygote that forked it, and where its pid arrives
        self.stderr_fd = stderr_fd
        self.exit_code: int | None = None
        self.gone: ProgramGone | None = None
        self.failure: BaseException | None = None
        self.callbacks: list[Any] = []
        self.deadline = 0.0
        self.stderr: Any = None
        self.next_id = 0

    @property
    def pid(self) -> int:
        return int(self.host.pid_of(self.cell))

    # the life of the process -------------------------------------------------------------------
    def load(self, message: dict[str, Any], budget: float) -> dict[str, Any]:
        self.deadline = _clock() + budget
        try:
            send(self.fd, {**message, "op": "load", "budget": budget})
        except BrokenPipeError:  # it died before it got a program: the sandbox's failure, not a 0
            raise ProgramUnavailable("the program process ended before its program arrived") from None
        reply = self._receive()
        if reply is None:
            raise self._end("crashed", "while loading")
        if reply.get("op") != "loaded" or reply.get("s") not in ("passed", "failed", "timed_out"):
            raise self.kill("crashed", "the program broke the protocol while loading")
        return reply

    def start_test(self, budget: float, stderr: Any) -> None:
        self.deadline = _clock() + budget
        self.stderr, self.failure, self.callbacks = stderr, None, []

    def _receive(self) -> dict[str, Any] | None:
        try:
            return self.reader.receive()
        except WireError as exc:
            raise self.kill("crashed", f"the program sent a malformed message ({exc})") from None

    def _stop(self, wait: bool = False) -> None:
        """SIGKILL the program's process; with ``wait``, learn how it ended (from the zygote)."""
        if self.exit_code is not None:
            return
        pid = self.pid
        try:
            _kill(pid, signal.SIGKILL)
        except OSError:
            pass
        if wait:
            self.exit_code = os.waitstatus_to_exitcode(self.host.wait(pid))
        else:
            self.host.forget(pid)
            self.exit_code = -signal.SIGKILL

    def kill(self, status: str, message: str) -> ProgramGone:
        """Stop the program's process for good; every later test gets ``status``."""
        if self.gone is None:
            self._stop()
            self.gone = ProgramGone(status, message)
            self.fail(self.gone)
        return self.gone

    def _end(self, status: str, when: str) -> ProgramGone:
        """The program's process closed its pipe: it exited or crashed."""
        self._stop(wait=True)
        self.gone = ProgramGone(status, f"the program had ended (exit {self.exit_code})")
        return self.fail(ProgramGone(status, f"the program ended (exit {self.exit_code}) {when}"))  # type: ignore[return-value]

    def stderr_tail(self) -> str:
        """The last characters the program's process wrote to its standard error itself."""
        if self.stderr_fd is None:
            return ""
        size = os.fstat(self.stderr_fd).st_size
        return os.pread(self.stderr_fd, 2000, max(0, size - 2000)).decode("utf-8", "replace")

    def close(self) -> None:
        """End the program's process (once the tests are over) and release the pipes."""
        self._stop()
        if self.gone is None:
            self.gone = ProgramGone("crashed", "the tests are over")
        for fd in (self.fd, self.reader.fd):
            try:
                os.close(fd)
            except OSError:
                pass

    # one request -------------------------------------------------------------------------------
    def request(self, message: dict[str, Any]) -> dict[str, Any]:
        """Send a request, serve the program's callbacks meanwhile, return the matching reply."""
        if self.gone is not None:
            raise self.gone
        self.next_id += 1
        ident = message["id"] = self.next_id
        message["budget"] = max(self.deadline - _clock(), 0.001)
        try:
            send(self.fd, message)
            while True:
                reply = self._receive()
                if reply is None:
                    raise self._end("crashed", "during the test")
                if reply.get("op") == "callback":
                    self._callback(reply)
                elif reply.get("op") == "reply" and reply.get("id") == ident:
                    return reply
                else:
                    raise self.kill("crashed", "the program broke the protocol")
        except ProgramGone:
            raise
        except BrokenPipeError:
            raise self._end("crashed", "during the test") from None
        except TestTimeout:
            self.kill("timed_out", "the program did not stop at its time limit")
            raise
        except BaseException:
            self.kill("crashed", "a call into the program was interrupted")
            raise

    def fail(self, exc: BaseException) -> BaseException:
        """Remember ``exc`` for the rest of the test: a test that swallows it still fails."""
        if self.failure is None:
            self.failure = exc
        return exc

    # values both ways --------------------------------------------------------------------------
    def argument(self, value: Any) -> list:
        """How a non-plain argument of the tests travels: a reference to the program's own object;
        a built-in or a function of an installed module, by name (the program's process uses its
        own); any other callable (a lambda, a function of the tests), as a callback."""
        if type(value) is Remote and value._program is self:
            return ["r", value._ref]
        name = getattr(value, "__name__", None)
        if isinstance(name, str) and _PRISTINE.get(name) is value:
            return ["bi", name]
        module = getattr(value, "__module__", None) or getattr(getattr(value, "__objclass__", None), "__module__", None)
        qualname = getattr(value, "__qualname__", None)
        if isinstance(module, str) and module != "__tests__" and isinstance(qualname, str) \
                and _resolves(module, qualname, value):
            return ["fn", module, qualname]
        if callable(value):
            self.callbacks.append(value)
            return ["cb", len(self.callbacks) - 1]
        raise self.fail(Unsupported(f"a {type(value).__name__} argument cannot be sent to the program's process"))

    def value(self, data: Any, made: list[str] | None = None) -> Any:
        if type(data) in _SCALARS:  # most return values: nothing to rebuild
            return data

        def reference(item: list) -> Remote:
            if item[0] != "r" or len(item) != 3 or type(item[1]) is not int or type(item[2]) is not str:
                raise WireError(f"unknown reference {str(item)[:80]}")
            if made is not None:
                made.append(item[2])
            return Remote(self, item[1], item[2])

        try:
            return decode(data, reference)
        except WireError as exc:
            raise self.kill("crashed", f"the program sent a malformed value ({exc})") from None

    def _callback(self, message: dict[str, Any]) -> None:
        number, seq = message.get("cb"), message.get("seq")
        if type(number) is not int or not 0 <= number < len(self.callbacks):
            raise self.kill("crashed", "the program called back an unknown function")
        args = [self.value(a) for a in message.get("args") or []]
        kwargs = {str(k): self.value(v) for k, v in (message.get("kw") or {}).items()}
        try:
            result = self.callbacks[number](*args, **kwargs)
            answer = {"op": "cbreply", "seq": seq, "ok": True, "value": encode(result, self.argument)}
        except Exception as exc:  # noqa: BLE001 - the program sees the tests' function fail
            answer = {"op": "cbreply", "seq": seq, "ok": False, "message": f"{type(exc).__name__}: {exc}"}
        send(self.fd, answer)

    def call(self, remote: Remote, args: tuple, kwargs: dict[str, Any]) -> Any:
        argument = self.argument
        encoded_args = [a if type(a) in _SCALARS and type(a) is not int else encode(a, argument) for a in args]
        encoded_kwargs = {k: encode(v, argument) for k, v in kwargs.items()}
        reply = self.request({"op": "call", "ref": remote._ref, "args": encoded_args, "kw": encoded_kwargs})
        made: list[str] = []
        value = self._outcome(reply, made, remote._plain or f"a {remote._class}")
        changed = reply.get("changed")
        for key, data in changed.items() if type(changed) is dict else ():
            position = int(key) if key.isdigit() and len(key) < 6 else -1
            target = args[position] if 0 <= position < len(args) else kwargs.get(key)
            _update(target, self.value(data))
        if remote._plain and made:
            raise self.fail(NotPlainValue(f"{remote._plain} returned a {made[0]}, not a plain value"))
        return value

    def attribute(self, remote: Remote, name: str, *value: Any) -> Any:
        message: dict[str, Any] = {"op": "attr", "ref": remote._ref, "attr": name}
        if value:
            message["value"] = encode(value[0], self.argument)
        return self._outcome(self.request(message), [])

    def _outcome(self, reply: dict[str, Any], made: list[str], name: str = "the program") -> Any:
        if isinstance(reply.get("stderr"), str) and self.stderr is not None:
            self.stderr.write(reply["stderr"])
        if reply.get("ok") is True:
            return self.value(reply.get("value"), made)
        kind, message = reply.get("kind"), str(reply.get("message", ""))[-2000:]
        if kind == "timeout":
            raise self.fail(TestTimeout())
        if kind == "exit":
            raise self.fail(ProgramExit(message))
        if kind == "notplain":
            raise self.fail(NotPlainValue(f"{name} returned a {message}"))
        raise _exception(str(reply.get("type", "Exception")), reply.get("bases"), message)


class Remote:
    """A function, class or object that lives in the program's process."""

    __slots__ = ("_class", "_plain", "_program", "_ref")

    def __init__(self, program: ProgramProcess, ref: int, class_name: str, plain: str | None = None) -> None:
        object.__setattr__(self, "_program", program)
        object.__setattr__(self, "_ref", ref)
        object.__setattr__(self, "_class", class_name)
        object.__setattr__(self, "_plain", plain)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._program.call(self, args, kwargs)

    def __getattr__(self, name: str) -> Any:
        if name in ("__name__", "__qualname__") and self._plain:
            return self._plain
        if name.startswith("__"):
            raise AttributeError(name)
        return self._program.attribute(self, name)

    def __setattr__(self, name: str, value: Any) -> None:
        self._program.attribute(self, name, value)

    def __bool__(self) -> bool:
        raise TypeError(f"a {self._class} of the program has no truth value for the tests")

    def __repr__(self) -> str:
        return f"<program {self._plain or self._class}>"


def _update(target: Any, value: Any) -> None:
    """Make ``target`` (an argument of the tests) equal ``value`` in place."""
    if type(target) is list and type(value) is list:
        target[:] = value
    elif type(target) in (dict, set) and type(value) is type(target):
        target.clear()
        target.update(value)


def _resolves(module: str, qualname: str, value: Any) -> bool:
    try:
        found: Any = importlib.import_module(module)
        for part in qualname.split("."):
            found = getattr(found, part)
    except Exception:  # noqa: BLE001 - not reachable by name
        return False
    return found is value


_exceptions: dict[tuple[str, str], type] = {}


def _exception(name: str, bases: Any, message: str) -> BaseException:
    """An exception like the program's: its name, message and nearest built-in base class.

    The class is built here (no code of the program runs); exceptions that steer control flow
    (StopIteration could end a test's loop early, SystemExit...) come as RuntimeError.
    """
    base: type = Exception
    for candidate in bases if isinstance(bases, list) else []:
        found = _PRISTINE.get(candidate) if isinstance(candidate, str) else None
        if isinstance(found, type) and issubclass(found, BaseException):
            base = RuntimeError if candidate in _UNSAFE_TO_RAISE else found
            break
    key = (name[:100], base.__name__)
    if key not in _exceptions:
        if len(_exceptions) >= 1024:  # the program chooses the names: the cache stays bounded
            _exceptions.clear()
        namespace = {"__module__": "builtins", "__str__": lambda self: self.args[0] if self.args else ""}
        try:
            _exceptions[key] = type(key[0], (base,), namespace)
        except TypeError:
            _exceptions[key] = type(key[0], (Exception,), namespace)
    try:
        return _exceptions[key](message)
    except Exception:  # noqa: BLE001 - a base whose constructor wants more arguments
        return type(key[0], (Exception,), {"__module__": "builtins"})(message)


__all__ = ["NotPlain", "NotPlainValue", "ProgramExit", "ProgramGone", "ProgramProcess", "ProgramUnavailable",
           "Remote", "TestTimeout", "Unsupported"]
