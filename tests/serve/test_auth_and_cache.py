"""A server started with ``--api-key-env`` and ``--cache``: bearer auth on every route but /health,
and repeated samples answered from the SQLite cache."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import rewardsmith

from .conftest import Server, metric, running_server, write

TOKEN = "s3cret-token"


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    tmp = tmp_path_factory.mktemp("guarded")
    spec = write(tmp / "spec.yaml", "type: text.exact\n")
    cache = tmp / "cache.sqlite"
    args = ("--api-key-env", "RS_TEST_TOKEN", "--cache", str(cache))
    with running_server(spec, *args, tmp=tmp, env={"RS_TEST_TOKEN": TOKEN}) as server:
        yield server, cache


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


@pytest.mark.parametrize("method,path", [("POST", "/score"), ("POST", "/get_reward"), ("GET", "/spec"),
                                         ("GET", "/metrics"), ("GET", "/openapi.json")])
def test_every_route_but_health_needs_the_token(guarded: tuple[Server, Path], method: str, path: str) -> None:
    server, _ = guarded
    response = httpx.request(method, f"{server.url}{path}", json={"samples": []})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    wrong = httpx.request(method, f"{server.url}{path}", json={"samples": []}, headers=auth("s3cret-tokem"))
    assert wrong.status_code == 401


def test_health_is_open(guarded: tuple[Server, Path]) -> None:
    server, _ = guarded
    assert httpx.get(f"{server.url}/health").status_code == 200


def test_right_token_is_let_in_and_client_reads_it_from_the_environment(
    guarded: tuple[Server, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, _ = guarded
    response = httpx.post(f"{server.url}/score", json={"samples": []}, headers=auth())
    assert response.status_code == 200
    monkeypatch.setenv("CLIENT_TOKEN", TOKEN)
    with rewardsmith.Client(server.url, api_key_env="CLIENT_TOKEN") as client:
        assert [r.value for r in client.score([{"completion": "a", "reference": "A"}])] == [1.0]
    with rewardsmith.Client(server.url) as anonymous:
        assert anonymous.score([{"completion": "a"}])[0].error == "HTTP 401: missing or wrong bearer token"


def test_repeated_samples_are_answered_from_the_cache(guarded: tuple[Server, Path]) -> None:
    server, cache = guarded
    body = {"samples": [{"completion": "Cached answer", "reference": "cached answer", "id": i} for i in range(3)]}
    before = httpx.get(f"{server.url}/metrics", headers=auth()).text
    first = httpx.post(f"{server.url}/score", json=body, headers=auth()).json()
    second = httpx.post(f"{server.url}/score", json=body, headers=auth()).json()
    after = httpx.get(f"{server.url}/metrics", headers=auth()).text
    assert first == second
    assert [r["reward"] for r in second["results"]] == [1.0, 1.0, 1.0]
    hits = metric(after, "rewardsmith_cache_hits_total") - metric(before, "rewardsmith_cache_hits_total")
    misses = metric(after, "rewardsmith_cache_misses_total") - metric(before, "rewardsmith_cache_misses_total")
    assert (hits, misses) == (5, 1)
    spec_hash = rewardsmith.spec_hash(rewardsmith.load("text.exact"))
    with sqlite3.connect(cache) as db:
        specs = {row[0] for row in db.execute("SELECT spec FROM results")}
    assert specs == {spec_hash}


def test_server_refuses_to_start_without_the_token_variable(tmp_path: Path) -> None:
    import subprocess
    import sys

    spec = write(tmp_path / "spec.yaml", "type: text.exact\n")
    done = subprocess.run(
        [sys.executable, "-m", "rewardsmith", "serve", str(spec), "--api-key-env", "RS_UNSET_VARIABLE_X"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "RS_UNSET_VARIABLE_X: the variable is unset or empty" in done.stderr
