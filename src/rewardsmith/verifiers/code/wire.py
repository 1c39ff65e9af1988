"""What crosses between the sandbox's processes: newline-delimited JSON messages and plain values.

The tests run in a trusted process and the program in another; a value passes between them
only as a *plain value*, rebuilt on the receiving side from built-in types alone:

* ``None``, ``bool``, ``str``, ``float`` and ``int`` travel as JSON (integers of 2**63 or more as
  ``["i", hex]``);
* containers travel as a JSON array whose first item is a tag: ``["l", ...]`` list,
  ``["t", ...]`` tuple, ``["s", ...]`` set, ``["f", ...]`` frozenset, ``["d", k1, v1, ...]`` dict,
  ``["b", latin-1 text]`` bytes, ``["c", re, im]`` complex;
* anything else is a reference the caller resolves (``["r", id, class name]`` an object that
  stays in the program's process, ``["cb", id]`` a callable of the tests, ``["bi", name]`` a
  built-in).

Decoding builds only exact built-in types, so a subclass or a custom ``__eq__`` cannot survive the
trip: the receiving process never runs a line of the sender's code. Depth is bounded by
``MAX_DEPTH`` and a message by the reader's ``limit``.
"""

from __future__ import annotations

import json
import json.decoder as _json_decoder
import json.encoder as _json_encoder
import json.scanner as _json_scanner
import os
import struct as _struct
from collections.abc import Callable
from typing import Any

# Functions here resolve builtins through a private copy taken at import (before any program
# ran), so a program that patches ``builtins`` does not change how its answers are sent.
__builtins__ = dict(__import__("builtins").__dict__)  # type: ignore[assignment]  # deliberate
MAX_DEPTH = 64
MAX_MESSAGE = 16 << 20
_BIG = 1 << 63
_dumps, _loads, _write, _read = json.dumps, json.loads, os.write, os.read


def _no_default(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} is not JSON")


# The C encoder and scanner behind json.dumps/json.loads, called directly: a message costs a few
# microseconds less each way, and nothing here looks a name up in ``builtins`` or ``json``.
# (Read with getattr: typeshed does not declare these private names.)
_c_make_encoder = getattr(_json_encoder, "c_make_encoder", None)
_c_make_scanner = getattr(_json_scanner, "c_make_scanner", None)
_encoder = _c_make_encoder(None, _no_default, getattr(_json_encoder, "c_encode_basestring_ascii", None), None,
                           ":", ",", False, False, True) if _c_make_encoder else None
_scanner = _c_make_scanner(_json_decoder.JSONDecoder()) if _c_make_scanner else None


def _message_text(message: dict[str, Any]) -> str:
    return "".join(_encoder(message, 0)) if _encoder is not None else _dumps(message)


def _parse(text: str) -> Any:
    if _scanner is None:
        return _loads(text)
    try:
        value, end = _scanner(text, 0)
    except StopIteration:
        raise ValueError("not JSON") from None
    if end != len(text):
        raise ValueError("extra data after the message")
    return value


class WireError(Exception):
    """A message or value from the other process is malformed, too large or too deep."""


class NotPlain(Exception):
    """A value with no plain encoding, and no reference hook to name it."""


def encode(value: Any, ref: Callable[[Any], list] | None = None, depth: int = 0) -> Any:
    """``value`` as a JSON-able structure; ``ref(value)`` names what is not plain (else NotPlain).

    >>> encode([1, (2.5, None), {"k": {3}}, b"x", 2**70])
    ['l', 1, ['t', 2.5, None], ['d', 'k', ['s', 3]], ['b', 'x'], ['i', '400000000000000000']]
    """
    kind = type(value)
    if kind is str or kind is bool or kind is float or value is None:
        return value
    if kind is int:
        return value if -_BIG < value < _BIG else ["i", format(value, "x")]
    if depth >= MAX_DEPTH:
        raise NotPlain(f"nested more than {MAX_DEPTH} deep")
    depth += 1
    if kind is list or kind is tuple or kind is set or kind is frozenset:
        return [_TAGS[kind], *[encode(item, ref, depth) for item in value]]
    if kind is dict:
        out: list[Any] = ["d"]
        for key, item in value.items():
            out.append(encode(key, ref, depth))
            out.append(encode(item, ref, depth))
        return out
    if kind is bytes:
        return ["b", value.decode("latin-1")]
    if kind is complex:
        return ["c", value.real, value.imag]
    if ref is None:
        raise NotPlain(kind.__name__)
    return ref(value)


_TAGS: dict[type, str] = {list: "l", tuple: "t", set: "s", frozenset: "f"}
_BUILD = {"l": list, "t": tuple, "s": set, "f": frozenset}


def decode(data: Any, ref: Callable[[list], Any] | None = None, depth: int = 0) -> Any:
    """The value ``data`` encodes, from built-in types only; ``ref(data)`` resolves references.

    >>> decode(['d', ['t', 1, 2], ['s', 'a'], 'x', ['c', 1.0, -2.0]])
    {(1, 2): {'a'}, 'x': (1-2j)}
    """
    kind = type(data)
    if kind is str or kind is int or kind is float or kind is bool or data is None:
        return data
    if kind is not list or not data or depth >= MAX_DEPTH:
        raise WireError(f"not an encoded plain value: {str(data)[:80]}")
    tag, depth = data[0], depth + 1
    try:
        if tag in _BUILD:
            return _BUILD[tag](decode(item, ref, depth) for item in data[1:])
        if tag == "d":
            if len(data) % 2 == 0:
                raise WireError("a dict needs key/value pairs")
            items = [decode(item, ref, depth) for item in data[1:]]
            return dict(zip(items[::2], items[1::2], strict=True))
        if tag == "i" and len(data) == 2 and type(data[1]) is str:
            return int(data[1], 16)
        if tag == "b" and len(data) == 2 and type(data[1]) is str:
            return data[1].encode("latin-1")
        if tag == "c" and len(data) == 3 and all(type(x) in (int, float) for x in data[1:]):
            return complex(data[1], data[2])
    except (TypeError, ValueError) as exc:  # unhashable member, bad hex, non-latin-1 bytes
        raise WireError(f"malformed {tag!r} value: {exc}") from None
    if ref is not None and type(tag) is str:
        return ref(data)
    raise WireError(f"unknown value tag {str(tag)[:20]!r}")


def line(message: dict[str, Any]) -> bytes:
    """One message as a line: a JSON object (JSON escapes every newline inside it)."""
    return (_message_text(message) + "\n").encode()


def send(fd: int, message: dict[str, Any] | bytes) -> None:
    """Write one message (or a line made by :func:`line`)."""
    data = message if isinstance(message, bytes) else line(message)
    while data:
        data = data[_write(fd, data):]


class Reader:
    """Reads one message at a time from a pipe; ``None`` at end of file."""

    def __init__(self, fd: int, limit: int = MAX_MESSAGE) -> None:
        self.fd, self.limit, self.buffer = fd, limit, bytearray()

    def receive(self) -> dict[str, Any] | None:
        start = 0
        while (end := self.buffer.find(b"\n", start)) < 0:
            if len(self.buffer) > self.limit:
                raise WireError(f"a message longer than {self.limit} bytes")
            start = len(self.buffer)
            chunk = _read(self.fd, 1 << 16)
            if not chunk:
                return None
            self.buffer += chunk
        line = self.buffer[:end].decode("ascii", "replace")
        del self.buffer[: end + 1]
        try:
            message = _parse(line)
        except ValueError as exc:
            raise WireError(f"not a JSON message: {exc}") from None
        if type(message) is not dict:
            raise WireError("a message must be a JSON object")
        return message


def write_frame(fd: int, message: Any) -> None:
    """One 4-byte-length-prefixed JSON frame (between the pool and a server, and to a runner)."""
    body = _dumps(message).encode()
    data = _struct.pack(">I", len(body)) + body
    while data:
        data = data[_write(fd, data):]


def read_frame(fd: int) -> Any:
    """The next frame written by :func:`write_frame`; ``None`` at end of file."""
    header = _read_exact(fd, 4)
    if header is None:
        return None
    body = _read_exact(fd, _struct.unpack(">I", header)[0])
    return None if body is None else _loads(body)


def _read_exact(fd: int, size: int) -> bytes | None:
    buffer = bytearray()
    while len(buffer) < size:
        chunk = _read(fd, size - len(buffer))
        if not chunk:
            return None
        buffer += chunk
    return bytes(buffer)
