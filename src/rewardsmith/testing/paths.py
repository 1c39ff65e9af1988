"""The ways a reward reaches a trainer, run for real by the conformance battery: the runner's
process pool (``rewardsmith score --workers 2``), the HTTP server (``/score``, with its cache on
and off) and the TRL, verl and OpenRLHF adapters (sync and async).

The server and the process pool are started once per process and shared by every component
checked after them, so a battery over every registered component stays cheap: the server is
the real application of ``rewardsmith serve`` (:func:`rewardsmith.serve.app.create_app`: its
guard, micro-batcher and result cache) on a uvicorn server on 127.0.0.1, in a background
thread; each reward gets its own application, mounted under ``/r/<key>``.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import gc
import hashlib
import itertools
import json
import multiprocessing
import pickle
import socket
import tempfile
import threading
from collections.abc import Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from rewardsmith.core import Reward, RewardResult, Sample

Record = dict[str, Any]


def result_from_row(row: dict[str, Any]) -> RewardResult:
    """A result back from an output row or a ``/score`` answer (``reward``, ``reward_error``, ...)."""
    return RewardResult(
        row.get("reward"), row.get("reward_error"), row.get("reward_details") or {}, row.get("reward_error_kind")
    )


# --- the runner's process pool ------------------------------------------------------------------

_pool: concurrent.futures.ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()
_worker_rewards: dict[str, Reward] = {}


def _score_in_worker(payload: bytes, batch: list[Sample]) -> list[RewardResult]:
    from rewardsmith.runner import score_batch_paused

    key = hashlib.sha256(payload).hexdigest()
    if key not in _worker_rewards:
        _worker_rewards.clear()
        _worker_rewards[key] = pickle.loads(payload)
    return score_batch_paused(_worker_rewards[key], batch)


def process_pool(workers: int = 2) -> concurrent.futures.ProcessPoolExecutor:
    """The shared pool of spawned worker processes (started on first use, closed at exit)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
            atexit.register(_pool.shutdown, cancel_futures=True)
        return _pool


def shared_pool_executor(reward: Reward, batches: list[list[Sample]]) -> Iterator[tuple[int, list[RewardResult]]]:
    """A :data:`rewardsmith.runner.Executor` like ``--workers 2``: each batch is scored by a copy of
    the reward unpickled in a spawned process (one copy per worker and reward), on the shared pool."""
    payload = pickle.dumps(reward)
    pool = process_pool()
    futures = {pool.submit(_score_in_worker, payload, batch): index for index, batch in enumerate(batches)}
    for future in concurrent.futures.as_completed(futures):
        yield futures[future], future.result()


def through_runner(reward: Reward, records: list[Record], batch_size: int) -> list[RewardResult]:
    """Score ``records`` with :func:`rewardsmith.runner.score_file` on the shared process pool."""
    from rewardsmith.runner import score_file

    with tempfile.TemporaryDirectory() as folder:
        data, out = Path(folder) / "data.jsonl", Path(folder) / "out.jsonl"
        data.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
        report = score_file(reward, data, out, batch_size=batch_size, executor=shared_pool_executor)
    return [result_from_row(row) for row in report.rows]


# --- the server ---------------------------------------------------------------------------------


class _Host:
    """An ASGI app that forwards ``/r/<key>/<route>`` to the application mounted under ``key``."""

    def __init__(self) -> None:
        self.apps: dict[str, Any] = {}
        self.loop: asyncio.AbstractEventLoop | None = None
        self.ready = threading.Event()
        self._stack = AsyncExitStack()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    self.loop = asyncio.get_running_loop()
                    self.ready.set()
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await self._stack.aclose()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        _, _, key, rest = (scope["path"] + "/").split("/", 3)
        app = self.apps.get(key)
        if app is None:
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b"no such reward"})
            return
        path = "/" + rest.rstrip("/")
        await app({**scope, "path": path, "raw_path": path.encode()}, receive, send)

    async def mount(self, key: str, app: Any) -> None:
        await self._stack.enter_async_context(app.router.lifespan_context(app))
        self.apps[key] = app


class ConformanceServer:
    """One uvicorn server on 127.0.0.1 serving any number of rewards, each under its own URL."""

    def __init__(self) -> None:
        import uvicorn

        self.host = _Host()
        self.folder = tempfile.mkdtemp(prefix="rewardsmith-conformance-")
        self._keys = itertools.count()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = uvicorn.Config(self.host, log_level="warning", lifespan="on", timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [sock]}, name="rewardsmith-conformance-server", daemon=True
        )
        self.thread.start()
        if not self.host.ready.wait(30):
            raise RuntimeError("the conformance server did not start")

    def serve(self, reward: Reward, cache: bool = False) -> str:
        """Serve ``reward`` (with a fresh result cache when ``cache``); its base URL."""
        from rewardsmith.serve.app import ServeConfig, create_app

        key = f"r{next(self._keys)}"
        config = ServeConfig(cache=str(Path(self.folder) / f"{key}.sqlite") if cache else None, timeout=120.0)
        app = create_app(reward, config)
        assert self.host.loop is not None
        asyncio.run_coroutine_threadsafe(self.host.mount(key, app), self.host.loop).result(30)
        gc.unfreeze()  # the app's startup freezes the heap (right for a server process, not for a test run)
        return f"{self.url}/r/{key}"

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


_server: ConformanceServer | None = None
_server_lock = threading.Lock()


def conformance_server() -> ConformanceServer:
    """The shared server (started on first use, stopped at exit)."""
    global _server
    with _server_lock:
        if _server is None:
            _server = ConformanceServer()
            atexit.register(_server.close)
        return _server


def through_server(url: str, records: list[Record]) -> list[RewardResult]:
    """POST ``records`` to ``url``/score and read the results back."""
    import httpx

    response = httpx.post(f"{url}/score", json={"samples": records}, timeout=120)
    if response.status_code != 200:
        raise AssertionError(f"/score answered {response.status_code}: {response.text[:300]}")
    return [result_from_row(row) for row in response.json()["results"]]


# --- the trainer adapters -----------------------------------------------------------------------


def trl_call(records: list[Record]) -> dict[str, Any]:
    """The keyword arguments TRL passes for ``records`` (one list per dataset column)."""
    columns = sorted({key for record in records for key in record} - {"prompt", "completion", "group", "id"})
    call: dict[str, Any] = {
        "prompts": [record.get("prompt") for record in records],
        "completions": [record.get("completion") for record in records],
    }
    call.update({column: [record.get(column) for record in records] for column in columns})
    return call


def verl_calls(records: list[Record]) -> list[dict[str, Any]]:
    """verl's per-sample keyword calls for ``records`` (the reference is the ground truth)."""
    return [
        {
            "data_source": "conformance",
            "solution_str": record.get("completion") if isinstance(record.get("completion"), str) else "",
            "ground_truth": record.get("reference"),
            "extra_info": {"index": index},
        }
        for index, record in enumerate(records)
    ]
