"""A real HTTP server on 127.0.0.1 that speaks the OpenAI chat-completions protocol, whose "model"
is a Python rule chosen per test, and which injects faults (429 with Retry-After, 5xx, slow
answers, malformed JSON, a dead server). It stands in for the endpoint only: the client and the
judges under test are the real ones.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FENCE = re.compile(r"<((?:completion|output_a|output_b)-[0-9a-f]{8})>\n(.*?)\n</\1>", re.DOTALL)


def fenced(body: dict[str, Any]) -> list[str]:
    """The fenced texts of a request's last user message, in order."""
    return [m.group(2) for m in FENCE.finditer(body["messages"][-1]["content"])]


@dataclass
class Reply:
    """What the rule answers: texts (one per choice), first-token logprobs, or a fault."""

    texts: list[str] = field(default_factory=list)
    top_logprobs: dict[str, float] | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    raw: str | None = None
    delay: float = 0.0


class _Server(ThreadingHTTPServer):
    allow_reuse_address = True
    allow_reuse_port = True  # a restarted server takes its old port back (the connections are in TIME-WAIT)
    request_queue_size = 256  # a judge opens up to max_concurrency connections at once


Rule = Callable[[dict[str, Any]], "Reply | str | list[str]"]


class ScriptedServer:
    """``with ScriptedServer(rule) as server: server.url`` — ``rule(request_body)`` answers each call.

    ``faults`` is a list of :class:`Reply` consumed one per request before the rule is asked
    (to inject 429s or 500s into an otherwise healthy run). ``requests`` keeps every body and
    its headers; ``in_flight_max`` the most requests it held at once.
    """

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self.faults: list[Reply] = []
        self.requests: list[tuple[dict[str, Any], dict[str, str]]] = []
        self.in_flight = 0
        self.in_flight_max = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._connections: set[socket.socket] = set()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> ScriptedServer:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                with outer._lock:
                    outer._connections.add(self.connection)

            def finish(self) -> None:
                with outer._lock:
                    outer._connections.discard(self.connection)
                super().finish()

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length))
                with outer._lock:
                    outer.requests.append((body, dict(self.headers)))
                    outer.in_flight += 1
                    outer.in_flight_max = max(outer.in_flight_max, outer.in_flight)
                    fault = outer.faults.pop(0) if outer.faults else None
                try:
                    reply = fault or outer.answer(body)
                    if reply.delay:
                        time.sleep(reply.delay)
                    self.send(reply, body)
                finally:
                    with outer._lock:
                        outer.in_flight -= 1

            def send(self, reply: Reply, body: dict[str, Any]) -> None:
                if reply.raw is not None:
                    data = reply.raw.encode()
                elif reply.status != 200:
                    data = json.dumps({"error": {"message": "scripted fault"}}).encode()
                else:
                    data = json.dumps(completion(body, reply)).encode()
                try:
                    self.send_response(reply.status)
                    for key, value in {"content-type": "application/json", **reply.headers}.items():
                        self.send_header(key, value)
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                    pass

        self._server = _Server(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True).start()
        return self

    def answer(self, body: dict[str, Any]) -> Reply:
        reply = self.rule(body)
        if isinstance(reply, str):
            return Reply([reply] * int(body.get("n") or 1))
        if isinstance(reply, list):
            return Reply(reply)
        return reply

    def stop(self) -> None:
        """Stop listening and drop every open connection, as a killed server would."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        with self._lock:
            for connection in list(self._connections):
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                connection.close()

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def completion(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    """A chat-completions answer; usage counts words (prompt) and words (answer)."""
    prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in body["messages"])
    choices = []
    for index, text in enumerate(reply.texts):
        choice: dict[str, Any] = {"index": index, "message": {"role": "assistant", "content": text},
                                  "finish_reason": "stop"}
        if body.get("logprobs") and reply.top_logprobs is not None:
            first = max(reply.top_logprobs, key=lambda t: reply.top_logprobs[t])  # type: ignore[index]
            tops = [{"token": t, "logprob": lp} for t, lp in reply.top_logprobs.items()]
            choice["logprobs"] = {"content": [{"token": first, "logprob": reply.top_logprobs[first],
                                               "top_logprobs": tops}]}
        choices.append(choice)
    completion_tokens = sum(len(t.split()) for t in reply.texts)
    return {
        "id": "scripted",
        "object": "chat.completion",
        "model": body.get("model"),
        "choices": choices,
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }


def conformance_rule(body: dict[str, Any]) -> str:
    """A deterministic judge that answers every judge's format from the texts it is shown."""
    texts = fenced(body)
    if len(texts) == 2:
        return "[[A]]" if len(texts[0]) >= len(texts[1]) else "[[B]]"
    text = texts[0] if texts else ""
    yes = "YES" if len(text) % 2 == 0 else "NO"
    if "numbered criterion" in body["messages"][-1]["content"]:
        return f'{{"1": {str(yes == "YES").lower()}, "2": true}}'
    return f"Verdict: {yes}\nScore: {len(text) % 10 + 1}"


#: The parameters each live judge is checked with, besides its endpoint.
JUDGE_SPECS: dict[str, dict[str, Any]] = {
    "judge.pointwise": {},
    "judge.pairwise": {},
    "judge.rubric": {"criteria": ["Answers the question.", {"text": "Is correct.", "required": True}]},
    "judge.verify": {"logprobs": False},
}
_SHARED: list[ScriptedServer] = []


def judge_target(name: str) -> dict[str, Any]:
    """A spec of the live judge ``name`` pointing at a scripted server shared by the process
    (started on first use; for the conformance battery over every registered component)."""
    if not _SHARED:
        _SHARED.append(ScriptedServer(conformance_rule).start())
    return {"type": name, "base_url": _SHARED[0].url, "model": "scripted", **JUDGE_SPECS[name]}
