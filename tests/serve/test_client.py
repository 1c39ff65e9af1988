"""``rewardsmith.Client`` against a real server, and its retry rules against a scripted one."""

from __future__ import annotations

import asyncio
import json
import pickle
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

import rewardsmith
from rewardsmith import Client, ErrorKind, Sample

from .conftest import Server

RECORDS = [{"completion": f"answer {i}", "reference": f"answer {i % 3}"} for i in range(7)]
EXPECTED = [1.0 if i % 3 == i else 0.0 for i in range(7)]


def test_sync_score_matches_in_process_scoring_in_order(exact_server: Server) -> None:
    local = [r.value for r in rewardsmith.load("text.exact").score([Sample.from_record(r) for r in RECORDS])]
    with Client(exact_server.url, batch_size=2) as client:
        assert [r.value for r in client.score(RECORDS)] == local == EXPECTED


def test_async_score_gives_the_same_results(exact_server: Server) -> None:
    client = Client(exact_server.url, batch_size=3, max_concurrency=2)
    results = asyncio.run(client.ascore([Sample.from_record(r) for r in RECORDS]))
    assert [r.value for r in results] == EXPECTED


def test_remote_component_in_a_spec_scores_on_the_server(exact_server: Server, tmp_path: Path) -> None:
    spec = tmp_path / "remote.yaml"
    spec.write_text(f"type: sum\nterms:\n  - type: remote\n    url: {exact_server.url}\n    weight: 2\n")
    reward = rewardsmith.load(spec)
    assert reward("Paris", reference="paris").value == 2.0


def test_client_pickles_and_works_after_unpickling(exact_server: Server) -> None:
    client = Client(exact_server.url)
    client.score(RECORDS[:1])
    clone = pickle.loads(pickle.dumps(client))
    assert [r.value for r in clone.score(RECORDS)] == EXPECTED


def test_health_and_spec_helpers(exact_server: Server) -> None:
    with Client(exact_server.url) as client:
        assert client.health()["reward"] == "text.exact"
        assert client.spec()["spec"]["type"] == "text.exact"


def test_server_that_is_down_gives_error_results_not_zeros() -> None:
    from .conftest import free_port

    results = Client(f"http://127.0.0.1:{free_port()}", retries=1).score(RECORDS[:2])
    assert [r.value for r in results] == [None, None]
    assert all(r.error and r.error.startswith("remote http://127.0.0.1:") for r in results)
    assert [r.error_kind for r in results] == [ErrorKind.REMOTE] * 2


def test_error_kinds_survive_the_server_json_and_the_client(exact_server: Server) -> None:
    import httpx

    records = [{"completion": "a"}, {"completion": "a", "reference": "a"}]
    answer = httpx.post(f"{exact_server.url}/score", json={"samples": records}).json()
    assert [(r["reward"], r["reward_error_kind"]) for r in answer["results"]] == [(None, "bad_input"), (1.0, None)]
    with Client(exact_server.url) as client:
        results = client.score(records)
    local = rewardsmith.load("text.exact").score([Sample.from_record(r) for r in records])
    assert results == local
    assert [r.error_kind for r in results] == [ErrorKind.BAD_INPUT, None]
    schema = httpx.get(f"{exact_server.url}/openapi.json").json()["components"]["schemas"]["Result"]
    assert "reward_error_kind" in schema["properties"]


class Scripted(BaseHTTPRequestHandler):
    """Answers POST /score with the next scripted (status, delay) and counts requests."""

    script: ClassVar[list[tuple[int, float]]] = []
    calls: ClassVar[int] = 0

    def do_POST(self) -> None:
        import time

        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        cls = type(self)
        status, delay = cls.script[min(cls.calls, len(cls.script) - 1)]
        cls.calls += 1
        time.sleep(delay)
        if status == 200:
            payload = {"results": [{"reward": 0.5, "reward_error": None, "reward_details": {}}
                                   for _ in body["samples"]]}
        else:
            payload = {"detail": f"scripted {status}"}
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def scripted() -> Iterator[tuple[str, type[Scripted]]]:
    handler = type("Handler", (Scripted,), {"script": [], "calls": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def test_5xx_and_429_are_retried_until_success(scripted: tuple[str, type[Scripted]]) -> None:
    url, handler = scripted
    handler.script = [(503, 0), (429, 0), (200, 0)]
    results = Client(url, retries=3, backoff=0.01).score(RECORDS[:2])
    assert [r.value for r in results] == [0.5, 0.5]
    assert handler.calls == 3


def test_4xx_is_not_retried(scripted: tuple[str, type[Scripted]]) -> None:
    url, handler = scripted
    handler.script = [(422, 0)]
    results = Client(url, retries=3, backoff=0.01).score(RECORDS[:1])
    assert results[0].error == "HTTP 422: scripted 422"
    assert results[0].error_kind == ErrorKind.REMOTE
    assert handler.calls == 1


def test_timeouts_are_retried_then_reported(scripted: tuple[str, type[Scripted]]) -> None:
    url, handler = scripted
    handler.script = [(200, 1.0)]
    client = Client(url, timeout=0.2, retries=2, backoff=0.01)
    results = asyncio.run(client.ascore(RECORDS[:1]))
    assert results[0].value is None
    assert results[0].error.startswith(f"remote {url}: ReadTimeout")
    assert results[0].error.endswith("after 3 attempts")
    assert results[0].error_kind == ErrorKind.TIMEOUT
    assert handler.calls == 3
