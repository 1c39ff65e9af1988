"""``rewardsmith.Client``: call a ``rewardsmith serve`` server, from Python or from a spec.

Trainers fan out thousands of reward calls at once; a client that opens a connection per call,
retries everything immediately, or retries a bad request forever brings the server down
(slime PR #1582 fixed exactly this: a pooled session, a semaphore, backoff with jitter, retries
only on 5xx, 429 and timeouts). This client does the same, with sync and async twins that
behave alike, and it is a :class:`~rewardsmith.Reward` itself (component ``remote``), so a spec
can score with a reward that runs on another machine:

.. code-block:: yaml

    type: remote
    url: http://10.0.0.5:8000
    api_key_env: REWARD_TOKEN

A chunk that still fails after its retries gives error results naming the cause, never zeros.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import random
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

from rewardsmith.core import ErrorKind, RewardResult, Sample, register
from rewardsmith.core.reward import Reward

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class _Retry(Exception):
    """A response worth retrying (5xx, 429); ``delay`` honours Retry-After when given."""

    def __init__(self, message: str, delay: float | None = None) -> None:
        super().__init__(message)
        self.delay = delay


def _retry_after(headers: Any) -> float | None:
    try:
        return min(30.0, max(0.0, float(headers.get("retry-after", ""))))
    except ValueError:
        return None


def _as_samples(samples: Sequence[Any]) -> list[Sample]:
    return [s if isinstance(s, Sample) else Sample.from_record(s) for s in samples]


def _kind(raw: Any) -> ErrorKind:
    """The kind the server gave an error; ``remote`` when it gave none or one this client does not know."""
    try:
        return ErrorKind(raw)
    except ValueError:
        return ErrorKind.REMOTE


def parse_results(data: Any, expected: int) -> list[RewardResult]:
    """Results from a ``/score`` answer, checked: one per sample, finite numbers, and each error with
    the kind the server gave it (``reward_error_kind``). A malformed answer is a ``remote`` error.

    >>> parse_results({"results": [{"reward": 1, "reward_error": None, "reward_details": {}}]}, 1)
    [RewardResult(value=1.0, error=None, details={}, error_kind=None)]
    >>> item = {"reward": None, "reward_error": "took 3 s", "reward_error_kind": "timeout", "reward_details": {}}
    >>> parse_results({"results": [item]}, 1)[0].error_kind
    <ErrorKind.TIMEOUT: 'timeout'>
    >>> parse_results({"results": []}, 1)[0].error, parse_results({"results": []}, 1)[0].error_kind
    ('server returned 0 results for 1 samples', <ErrorKind.REMOTE: 'remote'>)
    """
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, list) or len(results) != expected:
        size = len(results) if isinstance(results, list) else "no"
        return [RewardResult.fail(f"server returned {size} results for {expected} samples", kind="remote")] * expected
    parsed = []
    for item in results:
        value = item.get("reward") if isinstance(item, dict) else None
        error = item.get("reward_error") if isinstance(item, dict) else "not an object"
        details = item.get("reward_details") if isinstance(item, dict) else None
        details = details if isinstance(details, dict) else {}
        if value is not None and (not isinstance(value, int | float) or not math.isfinite(value)):
            parsed.append(RewardResult.fail(f"server returned a non-numeric reward {value!r}", kind="remote"))
        elif value is not None and error is not None:
            parsed.append(RewardResult.fail(f"server returned both a reward and an error: {error}", kind="remote"))
        elif error is not None:
            kind = _kind(item.get("reward_error_kind") if isinstance(item, dict) else None)
            parsed.append(RewardResult(error=str(error), details=details, error_kind=kind))
        else:
            parsed.append(RewardResult(value=value, details=details))
    return parsed


@register("remote")
class Client(Reward):
    """A reward served by ``rewardsmith serve`` at ``url``.

    Samples go in chunks of ``batch_size``, at most ``max_concurrency`` at once over one pooled
    connection set. A 5xx, a 429 or a timeout is retried up to ``retries`` times after
    ``uniform(0, backoff · 2^attempt)`` seconds (full jitter; a Retry-After header wins); any
    other failure is not retried. The token comes from ``api_key`` or the ``api_key_env``
    variable and is never part of the spec.

    >>> client = Client("http://127.0.0.1:8000/", batch_size=16)
    >>> client.url, client.name
    ('http://127.0.0.1:8000', 'remote')
    """

    example: ClassVar[dict[str, Any]] = {"type": "remote", "url": "http://127.0.0.1:8000"}

    requires: ClassVar[Mapping[str, str]] = {"httpx": "serve"}
    #: How requests are sent, never what the server answers: not part of the spec's identity.
    runtime_params = frozenset({"api_key_env", "batch_size", "max_concurrency", "retries", "backoff"})

    def __init__(
        self,
        url: str,
        api_key_env: str | None = None,
        timeout: float = 120.0,
        batch_size: int = 64,
        max_concurrency: int = 64,
        retries: int = 4,
        backoff: float = 0.5,
        api_key: str | None = None,
    ) -> None:
        if batch_size < 1 or max_concurrency < 1 or retries < 0:
            raise ValueError("batch_size and max_concurrency must be >= 1, retries >= 0")
        self.url = url.rstrip("/").removesuffix("/score").rstrip("/")
        self.api_key_env = api_key_env
        self.timeout = timeout
        self.batch_size = batch_size
        self.max_concurrency = max_concurrency
        self.retries = retries
        self.backoff = backoff
        self._api_key = api_key
        self._reset()

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._client: Any = None
        self._pool: ThreadPoolExecutor | None = None
        self._async: tuple[Any, Any, asyncio.Semaphore] | None = None

    def __getstate__(self) -> dict[str, Any]:
        skip = {"_lock", "_client", "_pool", "_async"}
        return {k: v for k, v in self.__dict__.items() if k not in skip}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._reset()

    def _headers(self) -> dict[str, str]:
        headers = {"content-type": "application/json"}
        key = self._api_key or (os.environ.get(self.api_key_env, "") if self.api_key_env else "")
        if key:
            headers["authorization"] = f"Bearer {key}"
        return headers

    def _delay(self, attempt: int, error: Exception) -> float:
        given = getattr(error, "delay", None)
        return given if given is not None else random.uniform(0, self.backoff * 2**attempt)

    @staticmethod
    def _body(samples: Sequence[Sample]) -> bytes:
        records = [s.to_record() for s in samples]
        return json.dumps({"samples": records}, default=str).encode()

    @staticmethod
    def _check(response: Any, expected: int) -> list[RewardResult]:
        if response.status_code in RETRY_STATUS:
            raise _Retry(f"HTTP {response.status_code}", _retry_after(response.headers))
        if response.status_code != 200:
            try:
                detail = response.json().get("detail", response.text)
            except ValueError:
                detail = response.text
            return [RewardResult.fail(f"HTTP {response.status_code}: {str(detail)[:300]}", kind="remote")] * expected
        try:
            return parse_results(response.json(), expected)
        except ValueError:
            return [RewardResult.fail("server answered with invalid JSON", kind="remote")] * expected

    def _fail(self, error: Exception, expected: int, attempts: int) -> list[RewardResult]:
        import httpx

        reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        kind = ErrorKind.TIMEOUT if isinstance(error, httpx.TimeoutException) else ErrorKind.REMOTE
        return [RewardResult.fail(f"remote {self.url}: {reason}{tries}", kind=kind)] * expected

    def _chunks(self, samples: Sequence[Any]) -> list[list[Sample]]:
        items = _as_samples(samples)
        return [items[i : i + self.batch_size] for i in range(0, len(items), self.batch_size)]

    def _sync_client(self) -> Any:
        import httpx

        with self._lock:
            if self._client is None:
                limits = httpx.Limits(max_connections=self.max_concurrency)
                self._client = httpx.Client(timeout=self.timeout, limits=limits)
                self._pool = ThreadPoolExecutor(self.max_concurrency, thread_name_prefix="rewardsmith-client")
            return self._client

    def _post_chunk(self, chunk: list[Sample]) -> list[RewardResult]:
        import httpx

        client, body = self._sync_client(), self._body(chunk)
        attempt = 0
        while True:
            try:
                response = client.post(f"{self.url}/score", content=body, headers=self._headers())
                return self._check(response, len(chunk))
            except (_Retry, httpx.TimeoutException) as exc:
                if attempt == self.retries:
                    return self._fail(exc, len(chunk), attempt + 1)
                time.sleep(self._delay(attempt, exc))
                attempt += 1
            except httpx.HTTPError as exc:
                return self._fail(exc, len(chunk), attempt + 1)

    def score_batch(self, samples: list[Sample]) -> list[RewardResult]:
        """Score on the server (sync); the same results as :meth:`ascore`."""
        chunks = self._chunks(samples)
        if len(chunks) == 1:
            return self._post_chunk(chunks[0])
        self._sync_client()
        assert self._pool is not None
        return [result for part in self._pool.map(self._post_chunk, chunks) for result in part]

    def _async_client(self) -> tuple[Any, asyncio.Semaphore]:
        import httpx

        loop = asyncio.get_running_loop()
        if self._async is None or self._async[0] is not loop:
            limits = httpx.Limits(max_connections=self.max_concurrency)
            client = httpx.AsyncClient(timeout=self.timeout, limits=limits)
            self._async = (loop, client, asyncio.Semaphore(self.max_concurrency))
        return self._async[1], self._async[2]

    async def _apost_chunk(self, chunk: list[Sample]) -> list[RewardResult]:
        import httpx

        client, gate = self._async_client()
        body = self._body(chunk)
        attempt = 0
        while True:
            try:
                async with gate:
                    response = await client.post(f"{self.url}/score", content=body, headers=self._headers())
                return self._check(response, len(chunk))
            except (_Retry, httpx.TimeoutException) as exc:
                if attempt == self.retries:
                    return self._fail(exc, len(chunk), attempt + 1)
                await asyncio.sleep(self._delay(attempt, exc))
                attempt += 1
            except httpx.HTTPError as exc:
                return self._fail(exc, len(chunk), attempt + 1)

    async def ascore(self, samples: Sequence[Any]) -> list[RewardResult]:
        """Score on the server without blocking the event loop; chunks run concurrently."""
        parts = await asyncio.gather(*(self._apost_chunk(c) for c in self._chunks(samples)))
        return [result for part in parts for result in part]

    def score(self, samples: Sequence[Any]) -> list[RewardResult]:
        """Score samples (``Sample`` objects or record dicts); one result per sample, in order."""
        return super().score(_as_samples(samples))

    def health(self) -> dict[str, Any]:
        """The server's ``/health`` answer (raises ``httpx.HTTPError`` when it is down)."""
        response = self._sync_client().get(f"{self.url}/health", headers=self._headers())
        response.raise_for_status()
        return response.json()

    def spec(self) -> dict[str, Any]:
        """The served spec and its hash, from ``/spec``."""
        response = self._sync_client().get(f"{self.url}/spec", headers=self._headers())
        response.raise_for_status()
        return response.json()

    def close(self) -> None:
        """Close pooled connections (a later call opens new ones)."""
        with self._lock:
            if self._client is not None:
                self._client.close()
            if self._pool is not None:
                self._pool.shutdown(wait=False)
            self._client, self._pool = None, None

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
