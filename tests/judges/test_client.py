"""The judge client against a real local HTTP endpoint: retries, Retry-After, timeouts, limits,
the persistent cache, usage and cost, the API key, a server that dies mid-run."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from rewardsmith.core import Sample, load, to_spec
from rewardsmith.judges.client import Endpoint, JudgeClient
from rewardsmith.judges.pointwise import PointwiseJudge

from .scripted import Reply, ScriptedServer


def pointwise(url: str, **params) -> PointwiseJudge:
    return PointwiseJudge(url, "scripted", **params)


def score_seven(body) -> str:
    return "Fine. Score: 7"


def test_a_429_is_retried_after_the_retry_after_it_names() -> None:
    with ScriptedServer(score_seven) as server:
        server.faults = [Reply(status=429, headers={"retry-after": "0.3"})] * 2
        started = time.monotonic()
        result = pointwise(server.url)("answer", prompt="q")
        elapsed = time.monotonic() - started
    assert result.value == pytest.approx(6 / 9)
    assert len(server.requests) == 3
    assert elapsed >= 0.6


def test_a_500_that_persists_is_a_remote_error_naming_the_attempts_never_a_zero() -> None:
    with ScriptedServer(score_seven) as server:
        server.faults = [Reply(status=500, headers={"retry-after": "0"})] * 3
        result = pointwise(server.url, retries=2)("answer", prompt="q")
    assert result.value is None
    assert str(result.error_kind) == "remote"
    assert result.error.startswith("judge.pointwise: http://127.0.0.1:")
    assert result.error.endswith("HTTP 500 after 3 attempts")


def test_a_slow_answer_is_a_timeout_error() -> None:
    with ScriptedServer(lambda body: Reply(["Score: 7"], delay=1.0)) as server:
        result = pointwise(server.url, timeout=0.2, retries=0)("answer", prompt="q")
    assert str(result.error_kind) == "timeout"
    assert "timed out after 0.2 s" in result.error


def test_malformed_json_is_a_remote_error() -> None:
    with ScriptedServer(lambda body: Reply(raw="{not json")) as server:
        result = pointwise(server.url)("answer", prompt="q")
    assert str(result.error_kind) == "remote"
    assert "malformed JSON" in result.error
    assert len(server.requests) == 1


def test_an_answer_without_a_score_is_an_error_not_a_zero() -> None:
    with ScriptedServer(lambda body: "I refuse to grade this.") as server:
        result = pointwise(server.url)("answer", prompt="q")
    assert result.value is None and str(result.error_kind) == "remote"
    assert "no rating in the judge's answer" in result.error


def test_requests_per_minute_space_the_calls() -> None:
    with ScriptedServer(score_seven) as server:
        reward = pointwise(server.url, rpm=600)  # one start every 0.1 s
        started = time.monotonic()
        results = reward.score([Sample(f"answer {i}", prompt="q") for i in range(6)])
        elapsed = time.monotonic() - started
    assert [r.value for r in results] == [pytest.approx(6 / 9)] * 6
    assert elapsed >= 0.5


def test_concurrency_is_limited_per_endpoint() -> None:
    with ScriptedServer(lambda body: Reply(["Score: 7"], delay=0.1)) as server:
        reward = pointwise(server.url, max_concurrency=2)
        reward.score([Sample(f"answer {i}", prompt="q") for i in range(8)])
        assert server.in_flight_max == 2
        unlimited = pointwise(server.url, max_concurrency=8)
        server.in_flight_max = 0
        unlimited.score([Sample(f"other {i}", prompt="q") for i in range(8)])
    assert server.in_flight_max > 2


def test_a_rerun_with_the_cache_asks_the_endpoint_nothing_and_costs_nothing(tmp_path) -> None:
    samples = [Sample(f"answer {i}", prompt="q") for i in range(5)]
    cache = str(tmp_path / "judge.sqlite")
    prices = {"input": 2.0, "output": 8.0}
    with ScriptedServer(score_seven) as server:
        first = pointwise(server.url, cache=cache, prices=prices).score(samples)
        asked = len(server.requests)
        # a new client (another process would be the same): only the file is shared
        again = JudgeClient(pointwise(server.url, cache=cache, prices=prices).endpoint)
        reward = pointwise(server.url, cache=cache, prices=prices)
        calls = [call for s in samples for call in reward.requests(s)]
        answers = again.gather(calls)
        second = reward.score(samples)
        again.close()
    assert asked == 5
    assert len(server.requests) == 5
    assert [r.value for r in second] == [r.value for r in first]
    assert again.usage.cached == 5 and again.usage.cost == 0.0
    assert all(a.usage.cached == 1 for a in answers)
    usage = first[0].details["usage"]
    assert usage["cached"] == 0
    assert usage["cost"] == pytest.approx((usage["prompt_tokens"] * 2.0 + usage["completion_tokens"] * 8.0) / 1e6)


def test_usage_and_cost_are_summed_on_the_client() -> None:
    with ScriptedServer(score_seven) as server:
        reward = pointwise(server.url, prices={"input": 1.0, "output": 1.0})
        results = reward.score([Sample(f"answer {i}", prompt="q") for i in range(3)])
        client = reward.client()
        client.usage = type(client.usage)()
        results = reward.score([Sample(f"answer {i}", prompt="q") for i in range(3)])
    total = sum(r.details["usage"]["prompt_tokens"] + r.details["usage"]["completion_tokens"] for r in results)
    assert client.usage.calls >= 3
    assert results[0].details["usage"]["completion_tokens"] == 3  # the server counts words: "Fine. Score: 7"
    assert client.usage.cost == pytest.approx(total / 1e6)


def test_the_api_key_is_sent_and_never_written(monkeypatch) -> None:
    monkeypatch.setenv("JUDGE_TEST_KEY", "sk-very-secret")
    with ScriptedServer(score_seven) as server:
        reward = pointwise(server.url, api_key_env="JUDGE_TEST_KEY")
        result = reward("answer", prompt="q")
        headers = server.requests[0][1]
    assert headers["authorization"] == "Bearer sk-very-secret"
    written = json.dumps([to_spec(reward), repr(reward), result.to_dict()], default=str)
    assert "sk-very-secret" not in written
    assert to_spec(reward)["api_key_env"] == "JUDGE_TEST_KEY"


def test_a_missing_api_key_is_a_dependency_error(monkeypatch) -> None:
    monkeypatch.delenv("JUDGE_ABSENT_KEY", raising=False)
    with ScriptedServer(score_seven) as server:
        result = pointwise(server.url, api_key_env="JUDGE_ABSENT_KEY")("answer", prompt="q")
        assert server.requests == []
    assert str(result.error_kind) == "dependency"
    assert "JUDGE_ABSENT_KEY is not set" in result.error


def test_a_server_killed_mid_run_gives_errors_then_answers_again_when_back() -> None:
    server = ScriptedServer(score_seven).start()
    reward = pointwise(server.url, retries=1)
    assert reward("before", prompt="q").value == pytest.approx(6 / 9)
    port = server.port
    server.stop()
    down = reward.score([Sample(f"during {i}", prompt="q") for i in range(3)])
    assert all(r.value is None and str(r.error_kind) == "remote" for r in down)
    assert all("after 2 attempts" in r.error for r in down)
    revived = ScriptedServer(score_seven)
    revived.port = port
    with revived.start():
        assert reward("after", prompt="q").value == pytest.approx(6 / 9)


def test_score_and_ascore_share_one_client_and_agree() -> None:
    samples = [Sample(f"answer {i}", prompt="q") for i in range(4)]
    with ScriptedServer(lambda body: f"Score: {len(json.dumps(body)) % 10 + 1}") as server:
        reward = pointwise(server.url)
        sync = [r.value for r in reward.score(samples)]
        asynchronous = [r.value for r in asyncio.run(reward.ascore(samples))]
    assert sync == asynchronous


def test_the_spec_round_trips_and_runtime_params_stay_out_of_the_hash() -> None:
    from rewardsmith.core.spec import spec_hash

    a = load({"type": "judge.pointwise", "base_url": "http://h/v1", "model": "m", "rpm": 60})
    b = load({"type": "judge.pointwise", "base_url": "http://h/v1", "model": "m", "timeout": 5, "cache": "x.db"})
    c = load({"type": "judge.pointwise", "base_url": "http://h/v1", "model": "m", "temperature": 0.7})
    assert spec_hash(a) == spec_hash(b) != spec_hash(c)
    assert Endpoint("http://h/v1/", "m").url == "http://h/v1/chat/completions"
