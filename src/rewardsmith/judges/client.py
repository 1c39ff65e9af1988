"""One OpenAI-compatible chat client for every judge (vLLM, SGLang, ``transformers serve``,
llama.cpp server, OpenAI, ...).

Every judge component sends its requests through a :class:`JudgeClient` shared by all judges of a
process that name the same :class:`Endpoint`. The client owns one event loop in a daemon thread,
one pooled ``httpx.AsyncClient`` on it, the endpoint's concurrency limit and its
requests-per-minute and tokens-per-minute pacing; ``score`` (sync) and ``ascore`` (any caller's
loop) both hand their requests to that loop, so the limits hold however the judges are called.

* Retries: a 429, a 5xx, a timeout or a refused/dropped connection is tried again up to
  ``retries`` times, after the ``Retry-After`` (or ``retry-after-ms``) the endpoint asked for, else
  after ``uniform(0, backoff · 2^attempt)`` s (full jitter). Anything else fails at once.
* A call that still fails raises :class:`JudgeError` with its reason and kind (``timeout`` or
  ``remote``); the judge turns it into an error result, never a 0.
* Pacing: request starts are spaced ``60 / rpm`` s apart, and ``60 · t / tpm`` s for a request of
  ``t`` estimated tokens (prompt characters / 4 + ``max_tokens · n``): no burst ever exceeds the
  per-minute rates.
* Cache: with ``cache`` set, answers are stored under (endpoint, model, messages, sampling
  parameters) (:mod:`.cache`); a cached answer costs nothing and counts as a cache hit.
* Usage: token counts from the answers' ``usage`` and their cost from the user's price table
  (``prices: {input: $/1M tokens, output: $/1M tokens}``) are summed in :attr:`JudgeClient.usage`
  and given per call in each result's ``details["usage"]``.

The API key is read from the environment variable named ``api_key_env`` when a request is sent;
it is never stored on the object, in a spec, a cache key, an error or a log line.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import email.utils
import json
import os
import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rewardsmith.core import ErrorKind

from .cache import AnswerCache, cache_key

RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
#: The longest wait a Retry-After header may impose before the call is given up (seconds).
MAX_RETRY_AFTER = 60.0

Message = dict[str, Any]
Call = tuple[list[Message], dict[str, Any]]


class JudgeError(Exception):
    """A judge call that failed for good: ``kind`` is ``timeout``, ``remote`` or ``dependency``."""

    def __init__(self, reason: str, kind: ErrorKind | str = ErrorKind.REMOTE) -> None:
        super().__init__(reason)
        self.kind = ErrorKind(kind)


@dataclass(frozen=True)
class Endpoint:
    """Where and how to call: the parameters every judge component shares.

    >>> Endpoint("http://127.0.0.1:8000/v1/", "judge").url
    'http://127.0.0.1:8000/v1/chat/completions'
    """

    base_url: str
    model: str
    api_key_env: str | None = None
    timeout: float = 60.0
    max_concurrency: int = 16
    rpm: float | None = None
    tpm: float | None = None
    retries: int = 4
    backoff: float = 0.5
    cache: str | None = None
    prices: tuple[tuple[str, float], ...] = ()

    @property
    def url(self) -> str:
        base = self.base_url.rstrip("/")
        return base if base.endswith("/chat/completions") else f"{base}/chat/completions"

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        """$ of one call: (prompt · input + completion · output) / 10⁶ with the user's prices."""
        table = dict(self.prices)
        return (prompt_tokens * table.get("input", 0.0) + completion_tokens * table.get("output", 0.0)) / 1e6


@dataclass
class Usage:
    """Calls, cache hits, tokens and cost, summed (over a client's life or over one result)."""

    calls: int = 0
    cached: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0

    def add(self, other: Usage) -> None:
        self.calls += other.calls
        self.cached += other.cached
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.cost += other.cost

    def as_dict(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "cached": self.cached,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cost": round(self.cost, 10),
        }


@dataclass
class Answer:
    """What the endpoint said: one text per choice, the first tokens' top logprobs when asked."""

    texts: list[str]
    top_logprobs: list[list[dict[str, float]]] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)


def parse_answer(body: Any, endpoint: Endpoint, cached: bool) -> Answer:
    """An :class:`Answer` from a chat-completions JSON body; a malformed body is a ``remote`` error.

    >>> body = {"choices": [{"message": {"content": "Yes"}}], "usage": {"prompt_tokens": 10, "completion_tokens": 1}}
    >>> answer = parse_answer(body, Endpoint("http://h", "m", prices=(("input", 1.0), ("output", 2.0))), False)
    >>> answer.texts, answer.usage.cost
    (['Yes'], 1.2e-05)
    """
    choices = body.get("choices") if isinstance(body, dict) else None
    if not isinstance(choices, list) or not choices:
        raise JudgeError("endpoint answered without choices", ErrorKind.REMOTE)
    texts, tops = [], []
    for choice in sorted(choices, key=lambda c: c.get("index", 0) if isinstance(c, dict) else 0):
        message = choice.get("message") if isinstance(choice, dict) else None
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, str):
            raise JudgeError("endpoint answered a choice without text content", ErrorKind.REMOTE)
        texts.append(content)
        tops.append(_top_logprobs(choice.get("logprobs")))
    usage_body = body.get("usage") if isinstance(body.get("usage"), dict) else {}
    prompt_tokens = int(usage_body.get("prompt_tokens") or 0)
    completion_tokens = int(usage_body.get("completion_tokens") or 0)
    usage = Usage(1, int(cached), prompt_tokens, completion_tokens)
    if not cached:
        usage.cost = endpoint.cost(prompt_tokens, completion_tokens)
    return Answer(texts, tops, usage)


def _top_logprobs(logprobs: Any) -> list[dict[str, float]]:
    """Per generated position, token → logprob of its top alternatives (and of the token itself)."""
    content = logprobs.get("content") if isinstance(logprobs, dict) else None
    positions = []
    for item in content if isinstance(content, list) else []:
        if not isinstance(item, dict):
            continue
        table: dict[str, float] = {}
        for alt in item.get("top_logprobs") or []:
            if isinstance(alt, dict) and isinstance(alt.get("logprob"), int | float):
                table.setdefault(str(alt.get("token")), float(alt["logprob"]))
        if isinstance(item.get("logprob"), int | float):
            table.setdefault(str(item.get("token")), float(item["logprob"]))
        positions.append(table)
    return positions


def retry_after(headers: Any) -> float | None:
    """Seconds an answer asks us to wait: ``retry-after-ms``, ``Retry-After`` (seconds or a date).

    >>> retry_after({"retry-after": "2"}), retry_after({"retry-after-ms": "250"}), retry_after({})
    (2.0, 0.25, None)
    """
    milliseconds = headers.get("retry-after-ms")
    if milliseconds:
        try:
            return max(0.0, float(milliseconds) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, moment.timestamp() - time.time())


class _Retry(Exception):
    def __init__(self, reason: str, kind: ErrorKind, delay: float | None = None) -> None:
        super().__init__(reason)
        self.kind = kind
        self.delay = delay


class _Pace:
    """Request starts spaced so that ``per_minute`` units are never exceeded in any minute."""

    def __init__(self, per_minute: float) -> None:
        self.interval = 60.0 / per_minute
        self.next = 0.0

    async def wait(self, units: float = 1.0) -> None:
        now = time.monotonic()
        start = max(now, self.next)
        self.next = start + units * self.interval
        if start > now:
            await asyncio.sleep(start - now)


class JudgeClient:
    """Sends chat requests to one endpoint; see the module docstring for what it guarantees."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.usage = Usage()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._http: Any = None
        self._gate: asyncio.Semaphore | None = None
        self._paces: list[tuple[_Pace, str]] = []
        self._cache: AnswerCache | None = None
        self._pid = os.getpid()

    # -- the loop thread --------------------------------------------------------------------
    def _start(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._pid != os.getpid():  # a forked child: the parent's loop thread is not here
                self._loop, self._cache, self._pid = None, None, os.getpid()
            if self._loop is None or self._loop.is_closed():
                import httpx

                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="rewardsmith-judge", daemon=True).start()
                limits = httpx.Limits(max_connections=self.endpoint.max_concurrency)

                async def setup() -> None:
                    self._http = httpx.AsyncClient(timeout=self.endpoint.timeout, limits=limits)
                    self._gate = asyncio.Semaphore(self.endpoint.max_concurrency)

                asyncio.run_coroutine_threadsafe(setup(), loop).result()
                self._paces = []
                if self.endpoint.rpm:
                    self._paces.append((_Pace(self.endpoint.rpm), "requests"))
                if self.endpoint.tpm:
                    self._paces.append((_Pace(self.endpoint.tpm), "tokens"))
                if self.endpoint.cache and self._cache is None:
                    self._cache = AnswerCache(self.endpoint.cache)
                self._loop = loop
            return self._loop

    def gather(self, calls: Sequence[Call]) -> list[Answer | JudgeError]:
        """Send every call (concurrently, within the limits); one answer or error each, in order."""
        if not calls:
            return []
        future = asyncio.run_coroutine_threadsafe(self._gather(calls), self._start())
        try:
            return future.result()
        except concurrent.futures.CancelledError:
            raise JudgeError("judge calls were cancelled", ErrorKind.REMOTE) from None

    async def agather(self, calls: Sequence[Call]) -> list[Answer | JudgeError]:
        """:meth:`gather` from any event loop, without blocking it."""
        if not calls:
            return []
        loop = self._start()
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self._gather(calls), loop))

    async def _gather(self, calls: Sequence[Call]) -> list[Answer | JudgeError]:
        results = await asyncio.gather(*(self._call(messages, params) for messages, params in calls))
        for result in results:
            if isinstance(result, Answer):
                self.usage.add(result.usage)
        return list(results)

    # -- one call ---------------------------------------------------------------------------
    def _headers(self) -> dict[str, str]:
        headers = {"content-type": "application/json"}
        name = self.endpoint.api_key_env
        if name:
            key = os.environ.get(name)
            if not key:
                raise JudgeError(f"the API key variable {name} is not set", ErrorKind.DEPENDENCY)
            headers["authorization"] = f"Bearer {key}"
        return headers

    def _tokens(self, messages: list[Message], params: dict[str, Any]) -> float:
        text = sum(len(str(m.get("content", ""))) for m in messages)
        return text / 4 + int(params.get("max_tokens") or 0) * int(params.get("n") or 1)

    async def _call(self, messages: list[Message], params: dict[str, Any]) -> Answer | JudgeError:
        endpoint = self.endpoint
        key = cache_key(endpoint.base_url, endpoint.model, messages, params) if self._cache is not None else None
        if self._cache is not None and key is not None:
            stored = self._cache.get(key)
            if stored is not None:
                return parse_answer(stored, endpoint, cached=True)
        try:
            headers = self._headers()
        except JudgeError as exc:
            return exc
        body = json.dumps({"model": endpoint.model, "messages": messages, **params}, ensure_ascii=False).encode()
        attempt = 0
        while True:
            try:
                raw = await self._post(body, headers, messages, params)
                answer = parse_answer(raw, endpoint, cached=False)
            except _Retry as exc:
                if attempt >= endpoint.retries:
                    tries = f" after {attempt + 1} attempts" if attempt else ""
                    return JudgeError(f"{endpoint.url}: {exc}{tries}", exc.kind)
                delay = exc.delay if exc.delay is not None else random.uniform(0, endpoint.backoff * 2**attempt)
                if delay > MAX_RETRY_AFTER:
                    return JudgeError(f"{endpoint.url}: {exc}; asked to wait {delay:.0f} s", exc.kind)
                await asyncio.sleep(delay)
                attempt += 1
                continue
            except JudgeError as exc:
                return JudgeError(f"{endpoint.url}: {exc}", exc.kind)
            if self._cache is not None and key is not None:
                self._cache.put(key, raw)
            return answer

    async def _post(
        self, body: bytes, headers: dict[str, str], messages: list[Message], params: dict[str, Any]
    ) -> dict[str, Any]:
        import httpx

        assert self._gate is not None
        async with self._gate:
            for pace, unit in self._paces:
                await pace.wait(1.0 if unit == "requests" else self._tokens(messages, params))
            try:
                response = await self._http.post(self.endpoint.url, content=body, headers=headers)
            except httpx.TimeoutException as exc:
                reason = f"timed out after {self.endpoint.timeout} s ({type(exc).__name__})"
                raise _Retry(reason, ErrorKind.TIMEOUT) from None
            except httpx.TransportError as exc:
                reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                raise _Retry(reason, ErrorKind.REMOTE) from None
        if response.status_code in RETRY_STATUS:
            raise _Retry(f"HTTP {response.status_code}", ErrorKind.REMOTE, retry_after(response.headers))
        if response.status_code != 200:
            raise JudgeError(f"HTTP {response.status_code}: {response.text[:300]}", ErrorKind.REMOTE)
        try:
            return response.json()
        except ValueError:
            raise JudgeError(f"endpoint answered with malformed JSON: {response.text[:120]!r}") from None

    def close(self) -> None:
        """Close the connections and stop the loop thread (a later call starts them again)."""
        with self._lock:
            loop, self._loop = self._loop, None
            if loop is None:
                return
            if self._http is not None:
                asyncio.run_coroutine_threadsafe(self._http.aclose(), loop).result()
            loop.call_soon_threadsafe(loop.stop)
            if self._cache is not None:
                self._cache.close()
                self._cache = None


_CLIENTS: dict[Endpoint, JudgeClient] = {}
_CLIENTS_LOCK = threading.Lock()


def client_for(endpoint: Endpoint) -> JudgeClient:
    """The process's one client for ``endpoint`` (judges naming the same endpoint share its limits)."""
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(endpoint)
        if client is None:
            client = _CLIENTS[endpoint] = JudgeClient(endpoint)
        return client
