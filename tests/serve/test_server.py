"""The HTTP API of a real ``rewardsmith serve`` process: routes, 4xx answers, batching, metrics."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

import rewardsmith

from .conftest import JSON, Server, metric, running_server, write


def test_score_returns_one_result_per_record_in_order(exact_server: Server) -> None:
    records = [
        {"completion": "Paris.", "reference": "paris", "id": 1},
        {"completion": "Lyon", "reference": ["paris", "rome"]},
        {"completion": "no reference here"},
        {"completion": [{"role": "assistant", "content": "Rome"}], "reference": "rome", "group": "g"},
    ]
    response = httpx.post(f"{exact_server.url}/score", json={"samples": records})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["reward"] for r in results] == [1.0, 0.0, None, 1.0]
    assert [r["reward_error"] for r in results] == [None, None, "no reference to compare with", None]
    assert results[0]["reward_details"] == {"normalised": "paris", "matched": "paris"}


def test_empty_batch_gives_empty_results(exact_server: Server) -> None:
    response = httpx.post(f"{exact_server.url}/score", json={"samples": []})
    assert response.json() == {"results": []}


def test_health_names_the_reward(exact_server: Server) -> None:
    assert httpx.get(f"{exact_server.url}/health").json() == {"status": "ok", "reward": "text.exact"}


def test_spec_returns_the_loaded_spec_and_its_hash(exact_server: Server) -> None:
    answer = httpx.get(f"{exact_server.url}/spec").json()
    reward = rewardsmith.load({"type": "text.exact"})
    assert answer == {"spec": rewardsmith.to_spec(reward), "hash": rewardsmith.spec_hash(reward)}


def test_bad_field_gets_422_naming_its_path(exact_server: Server) -> None:
    body = {"samples": [{"completion": "ok"}, {"completion": 3}]}
    response = httpx.post(f"{exact_server.url}/score", json=body)
    assert response.status_code == 422
    assert response.json()["detail"].startswith("body.samples[1].completion: Value error, expected a string")


def test_missing_field_and_broken_json_get_422(exact_server: Server) -> None:
    missing = httpx.post(f"{exact_server.url}/score", json={"samples": [{"prompt": "p"}]})
    assert missing.status_code == 422
    assert missing.json()["detail"] == "body.samples[0].completion: Field required"
    broken = httpx.post(f"{exact_server.url}/score", content=b'{"samples": [', headers=JSON)
    assert broken.status_code == 422


def test_oversize_body_gets_413(exact_server: Server) -> None:
    body = {"samples": [{"completion": "x" * 70_000}]}
    response = httpx.post(f"{exact_server.url}/score", json=body)
    assert response.status_code == 413
    assert "65536 bytes" in response.json()["detail"]


def test_unknown_route_gets_404_and_wrong_method_405(exact_server: Server) -> None:
    assert httpx.get(f"{exact_server.url}/nope").status_code == 404
    assert httpx.get(f"{exact_server.url}/score").status_code == 405


def test_get_reward_cuts_the_prompt_out_of_the_query(exact_server: Server) -> None:
    body = {
        "query": ["<s>What is the capital of France?\nAnswer: Paris</s>", "Q: capital of Italy? Milan"],
        "prompts": ["What is the capital of France?\nAnswer:", "Q: capital of Italy?"],
        "labels": ["paris", "rome"],
    }
    answer = httpx.post(f"{exact_server.url}/get_reward", json=body).json()
    assert answer == {
        "rewards": [1.0, 0.0],
        "scores": [1.0, 0.0],
        "extra_logs": {
            "reward_error": [0.0, 0.0],
            "reward_not_applicable": [0.0, 0.0],
            "prompt_not_found": [0.0, 0.0],
        },
    }


def test_get_reward_with_lists_of_different_lengths_gets_422(exact_server: Server) -> None:
    body = {"query": ["a", "b"], "prompts": ["a"], "labels": ["x", "y"]}
    response = httpx.post(f"{exact_server.url}/get_reward", json=body)
    assert response.status_code == 422
    assert response.json()["detail"] == "body.prompts: 1 items for 2 queries"


def test_get_reward_error_is_null_by_default_never_zero(exact_server: Server) -> None:
    answer = httpx.post(f"{exact_server.url}/get_reward", json={"query": ["Paris"]}).json()
    assert answer["rewards"] == [None]
    assert answer["extra_logs"]["reward_error"] == [1.0]


def test_concurrent_one_sample_requests_are_merged_into_batches(exact_server: Server) -> None:
    before = httpx.get(f"{exact_server.url}/metrics").text

    async def fire() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=exact_server.url) as client:
            bodies = [{"query": [f"Q{i}? {i}"], "prompts": [f"Q{i}?"], "labels": [str(i)]} for i in range(48)]
            return await asyncio.gather(*(client.post("/get_reward", json=b) for b in bodies))

    responses = asyncio.run(fire())
    assert [r.json()["rewards"] for r in responses] == [[1.0]] * 48
    after = httpx.get(f"{exact_server.url}/metrics").text
    batches = metric(after, "rewardsmith_batch_size_count") - metric(before, "rewardsmith_batch_size_count")
    samples = metric(after, "rewardsmith_batch_size_sum") - metric(before, "rewardsmith_batch_size_sum")
    assert samples == 48
    assert batches < 48


def test_metrics_count_requests_samples_and_error_kinds(exact_server: Server) -> None:
    before = httpx.get(f"{exact_server.url}/metrics").text
    httpx.post(f"{exact_server.url}/score", json={"samples": [{"completion": "a"}, {"completion": "b"}]})
    text = httpx.get(f"{exact_server.url}/metrics").text
    ok = 'rewardsmith_requests_total{route="/score",status="200"}'
    assert metric(text, ok) - metric(before, ok) == 1
    samples = 'rewardsmith_samples_total{route="/score"}'
    assert metric(text, samples) - metric(before, samples) == 2
    bad_input = 'rewardsmith_errors_total{kind="bad_input"}'  # no reference: the records are at fault
    assert metric(text, bad_input) - metric(before, bad_input) == 2
    assert metric(text, "rewardsmith_queue_depth") == 0
    assert 'rewardsmith_request_duration_seconds_bucket{route="/score",le="+Inf"}' in text


def test_openapi_schema_lists_every_route(exact_server: Server) -> None:
    paths = httpx.get(f"{exact_server.url}/openapi.json").json()["paths"]
    assert set(paths) == {"/score", "/get_reward", "/health", "/spec", "/metrics"}


def test_several_worker_processes_serve_the_same_answers(tmp_path: Path) -> None:
    spec = write(tmp_path / "spec.yaml", "type: text.exact\n")
    with running_server(spec, "--workers", "2", tmp=tmp_path) as server:
        body = {"samples": [{"completion": "Paris", "reference": "paris"}, {"completion": "x", "reference": "y"}]}
        answers = [httpx.post(f"{server.url}/score", json=body).json() for _ in range(4)]
        spec_answer = httpx.get(f"{server.url}/spec").json()
    assert all([r["reward"] for r in a["results"]] == [1.0, 0.0] for a in answers)
    assert spec_answer["hash"] == rewardsmith.spec_hash(rewardsmith.load("text.exact"))


def test_composed_spec_answers_with_every_component(tmp_path: Path) -> None:
    spec = write(
        tmp_path / "spec.yaml",
        "type: sum\nterms:\n  - {type: text.exact}\n  - {type: format.regex, pattern: '^The', weight: 0.1}\n",
    )
    with running_server(spec, tmp=tmp_path) as server:
        body = {"samples": [{"completion": "The answer", "reference": "the answer"}]}
        result = httpx.post(f"{server.url}/score", json=body).json()["results"][0]
    assert result["reward"] == 1.1
    components = result["reward_details"]["components"]
    assert components["text.exact"]["value"] == 1.0
    assert components["format.regex"] == {"value": 1.0, "error": None, "details": {"matched": "The"}, "weight": 0.1}
