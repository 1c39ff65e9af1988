"""The FastAPI application behind ``rewardsmith serve``.

Routes: ``POST /score`` (records in, one result per record, in order), ``POST /get_reward``
(OpenRLHF), ``GET /health``, ``GET /spec``, ``GET /metrics`` and the OpenAPI schema. A bad
request gets a 4xx naming the bad field; a reward that crashes, hangs or returns garbage gives
error *results* in a 200, never a 5xx for the whole batch.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, replace
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse

from rewardsmith.core import RewardResult, RewardsmithError, Sample, load, spec_hash, to_spec
from rewardsmith.core.reward import Reward

from . import openrlhf
from .batching import MicroBatcher
from .cache import CachedReward
from .guard import Guard
from .metrics import Metrics
from .schemas import (
    Health,
    OpenRLHFRequest,
    OpenRLHFResponse,
    ScoreRequest,
    ScoreResponse,
    SpecInfo,
    dumps,
    jsonable,
)

CONFIG_ENV = "REWARDSMITH_SERVE_CONFIG"
ROUTES = {"/score", "/get_reward", "/health", "/spec", "/metrics", "/openapi.json", "/docs"}
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or wrong bearer token (with --api-key-env)."},
    413: {"description": "Body or sample count over the limit."},
    422: {"description": "Invalid body; `detail` names the bad field."},
}


@dataclass
class ServeConfig:
    """Everything ``rewardsmith serve`` passes to the app (JSON-able, for ``--workers N``)."""

    spec: str | dict[str, Any] = ""  # a spec file, a component name, or a spec mapping
    cache: str | None = None
    max_batch: int = 64
    max_wait_ms: float = 5.0
    concurrency: int = 4
    timeout: float = 60.0
    max_body_bytes: int = 32 * 2**20
    max_samples: int = 10_000
    api_key_env: str | None = None
    on_error: openrlhf.OnError = "abstain"
    tokenizer: str | None = None
    monitor_dir: str | None = None
    monitor_every: int = 256
    monitor_probe_every: int = 0

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> ServeConfig:
        return cls(**json.loads(text))

    def api_key(self) -> str | None:
        """The bearer token read from ``api_key_env``; an error if that variable is unset or empty."""
        if not self.api_key_env:
            return None
        key = os.environ.get(self.api_key_env, "")
        if not key:
            raise RewardsmithError(f"--api-key-env {self.api_key_env}: the variable is unset or empty")
        return key


class JSONBytes(JSONResponse):
    """A JSON response that never fails on NaN or odd objects in ``reward_details``."""

    def render(self, content: Any) -> bytes:
        return dumps(content)


def _field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    """``("body", "samples", 0, "completion")`` -> ``body.samples[0].completion``."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


async def _invalid(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"path": _field_path(e.get("loc", ())), "message": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]
    first = errors[0] if errors else {"path": "body", "message": "invalid request"}
    return JSONResponse(
        {"detail": f"{first['path']}: {first['message']}", "errors": jsonable(errors)}, status_code=422
    )


def _load_tokenizer(name: str | None) -> Any:
    if not name:
        return None
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(name)


def _monitor(config: ServeConfig, metrics: Metrics) -> Any:
    """The training monitor over every scored request (``--monitor-dir``), or None.

    A step closes every ``monitor_every`` samples across requests; its gauges join ``/metrics``.
    With ``--workers N`` each process writes its own ``monitor-<pid>.jsonl``.
    """
    if not config.monitor_dir:
        return None
    from rewardsmith.monitor import LOG_NAME, Monitor

    monitor = Monitor(
        config.monitor_dir,
        every=config.monitor_every,
        probe_every=config.monitor_probe_every,
        file_name=LOG_NAME if CONFIG_ENV not in os.environ else f"monitor-{os.getpid()}.jsonl",
    )
    metrics.extra = monitor.prometheus
    return monitor


def create_app(reward: Reward, config: ServeConfig | None = None) -> FastAPI:
    """The ASGI app serving ``reward``; the batcher starts and drains with the app's lifespan."""
    config = config or ServeConfig()
    metrics = Metrics()
    monitor = _monitor(config, metrics)
    served: Reward = reward
    if config.cache:
        cached = CachedReward(reward, config.cache)
        metrics.cache_counts = lambda: (cached.hits, cached.misses)
        served = cached
    batcher = MicroBatcher(
        served, config.max_batch, config.max_wait_ms / 1000, config.concurrency, metrics.record_batch
    )
    metrics.queue_depth = lambda: batcher.depth
    spec_info = {"spec": jsonable(to_spec(reward)), "hash": spec_hash(reward)}
    tokenizer = _load_tokenizer(config.tokenizer)

    def too_many() -> JSONResponse:
        return JSONResponse({"detail": f"more than {config.max_samples} samples in one request"}, 413)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await batcher.start()
        # Objects alive at startup (modules, the spec, a model) live as long as the server; freezing
        # them keeps full garbage collections, and the latency spikes they cause, short.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            await batcher.stop()
            if isinstance(served, CachedReward):
                served.cache.close()

    app = FastAPI(
        title="rewardsmith",
        summary=f"Scores samples with the reward {reward.name!r} (spec {spec_info['hash']}).",
        lifespan=lifespan,
    )
    app.add_exception_handler(RequestValidationError, _invalid)

    @app.post("/score", response_model=ScoreResponse, responses=_ERRORS)
    async def score(body: ScoreRequest, request: Request) -> Any:
        """Score records; one result per record, in order. Failures are error results, not 5xx."""
        if len(body.samples) > config.max_samples:
            return too_many()
        # The records as parsed (FastAPI keeps the JSON it validated; the model coerces nothing).
        records = (await request.json())["samples"]
        samples = [Sample.from_record(record) for record in records]
        results = await batcher.score(samples, timeout=config.timeout)
        metrics.record_results("/score", results)
        if monitor is not None:
            await asyncio.to_thread(monitor.observe, reward.name, samples, results, reward=reward)
        return JSONBytes({"results": [r.to_dict() for r in results]})

    @app.post("/get_reward", response_model=OpenRLHFResponse, responses=_ERRORS)
    async def get_reward(body: OpenRLHFRequest) -> Any:
        """OpenRLHF's remote reward: the response is cut out of each query by its prompt."""
        if len(body.query) > config.max_samples:
            return too_many()
        for name in ("prompts", "labels"):
            given = getattr(body, name)
            if given is not None and len(given) != len(body.query):
                message = f"body.{name}: {len(given)} items for {len(body.query)} queries"
                return JSONResponse({"detail": message}, status_code=422)
        samples, found = openrlhf.to_samples(body.query, body.prompts, body.labels, tokenizer)
        refused = openrlhf.refusal(reward)
        if refused is not None:
            results = [RewardResult.fail(refused) for _ in samples]
        else:
            results = await batcher.score(samples, timeout=config.timeout)
        metrics.record_results("/get_reward", results)
        if monitor is not None:
            # grouped by prompt, as the file form (integrations.openrlhf) groups them
            grouped = [replace(s, group=s.prompt_text) if s.group is None else s for s in samples]
            await asyncio.to_thread(monitor.observe, reward.name, grouped, results, reward=reward)
        try:
            answer = openrlhf.to_response(results, found, config.on_error, reward.value_range)
        except openrlhf.RewardFailed as exc:
            return JSONResponse({"detail": str(exc)}, status_code=422)
        if monitor is not None:
            answer["extra_logs"]["monitor_alerts"] = [float(len(monitor.book.active))] * len(samples)
        return JSONBytes(answer)

    @app.get("/health", response_model=Health)
    async def health() -> dict[str, str]:
        """Liveness; open even with --api-key-env."""
        return {"status": "ok", "reward": reward.name}

    @app.get("/spec", response_model=SpecInfo, responses={401: _ERRORS[401]})
    async def spec() -> dict[str, Any]:
        """The loaded spec and its hash (the key of cached and resumed results)."""
        return spec_info

    @app.get("/metrics", response_class=PlainTextResponse, responses={401: _ERRORS[401]})
    async def prometheus() -> PlainTextResponse:
        """Prometheus text: requests, samples, latency, errors by reason, queue depth, cache hits."""
        return PlainTextResponse(metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")

    app.add_middleware(
        Guard,
        metrics=metrics,
        routes=ROUTES,
        max_body_bytes=config.max_body_bytes,
        api_key=config.api_key(),
    )
    return app


def app_from_env() -> FastAPI:
    """Factory for uvicorn worker processes (``--workers N``): the config comes in ``$REWARDSMITH_SERVE_CONFIG``."""
    config = ServeConfig.from_json(os.environ[CONFIG_ENV])
    return create_app(load(config.spec), config)
