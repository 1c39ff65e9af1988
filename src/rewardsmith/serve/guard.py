"""The server's front door (a plain ASGI middleware): bearer-token auth, the body-size limit, and
the request counters and latency histogram of ``/metrics``.

The token is compared in constant time (:func:`hmac.compare_digest`), so response timing does
not leak how much of a guess was right. ``/health`` stays open for load balancers.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.responses import JSONResponse

from .metrics import Metrics

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

OPEN_PATHS = frozenset({"/health"})


def bearer_matches(headers: list[tuple[bytes, bytes]], api_key: bytes) -> bool:
    """Whether an ``Authorization: Bearer <token>`` header carries ``api_key``.

    >>> bearer_matches([(b"authorization", b"Bearer s3cret")], b"s3cret")
    True
    >>> bearer_matches([(b"authorization", b"Bearer s3cre")], b"s3cret")
    False
    """
    for name, value in headers:
        if name.lower() == b"authorization":
            scheme, _, token = value.strip().partition(b" ")
            return scheme.lower() == b"bearer" and hmac.compare_digest(token.strip(), api_key)
    return False


class Guard:
    """Wrap an ASGI app: reject unauthorised (401) and oversize (413) requests, and time every one."""

    def __init__(
        self, app: ASGIApp, metrics: Metrics, routes: set[str], max_body_bytes: int, api_key: str | None
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = routes
        self.max_body_bytes = max_body_bytes
        self.api_key = api_key.encode() if api_key else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        route = path if path in self.routes else "other"
        status = [500]

        async def send_and_note(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        started = time.perf_counter()
        self.metrics.in_flight += 1
        try:
            await self._handle(scope, receive, send_and_note)
        finally:
            self.metrics.in_flight -= 1
            self.metrics.record_request(route, status[0], time.perf_counter() - started)

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.api_key is not None and scope["path"] not in OPEN_PATHS:
            if not bearer_matches(scope.get("headers", []), self.api_key):
                response = JSONResponse(
                    {"detail": "missing or wrong bearer token"},
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
                await response(scope, receive, send)
                return
        if scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._too_large(scope, receive, send)
            return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_body_bytes:
                await self._too_large(scope, receive, send)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse(
            {"detail": f"request body over the limit of {self.max_body_bytes} bytes"}, status_code=413
        )
        await response(scope, receive, send)
