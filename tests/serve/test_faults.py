"""Fault injection: rewards that raise, hang, exit, return NaN, garbage or the wrong number of
values. No record may be zeroed or lost, and the server must keep answering."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import rewardsmith

from .conftest import Server, running_server, write

FAULTY = """
import sys
import time


def faulty(completion, reference):
    if completion == "raise":
        raise RuntimeError("injected failure")
    if completion == "nan":
        return float("nan")
    if completion == "hang":
        time.sleep(3600)
    if completion == "exit":
        sys.exit(3)
    if completion == "garbage":
        return "not a number"
    if completion == "none":
        return None
    if completion == "slow":
        time.sleep(1.5)
    return float(len(completion))


def wrong_length(prompts, completions, **columns):
    return [1.0] * (len(completions) + 1)
"""


@pytest.fixture(scope="module")
def faults(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("faults")
    module = write(tmp / "faults.py", FAULTY)
    write(tmp / "faulty.yaml", f"type: python\nfunction: {module}:faulty\n")
    write(tmp / "wrong.yaml", f"type: python\nfunction: {module}:wrong_length\n")
    return tmp


@pytest.fixture(scope="module")
def faulty_server(faults: Path) -> Iterator[Server]:
    args = ("--timeout", "1", "--max-wait-ms", "0", "--on-error", "zero")
    with running_server(faults / "faulty.yaml", *args, tmp=faults) as server:
        yield server


def score(server: Server, completions: list[str]) -> list[dict]:
    response = httpx.post(f"{server.url}/score", json={"samples": [{"completion": c} for c in completions]})
    assert response.status_code == 200, response.text
    return response.json()["results"]


def named(faults: Path, function: str = "faulty") -> str:
    """How an error of the ``python`` component begins: the component and the function."""
    return f"python {faults / 'faults.py'}:{function}: "


def test_raising_nan_and_garbage_become_error_results_next_to_good_ones(faulty_server: Server, faults: Path) -> None:
    results = score(faulty_server, ["abc", "raise", "nan", "garbage", "none", "de"])
    assert [r["reward"] for r in results] == [3.0, None, None, None, None, 2.0]
    errors = [r["reward_error"] for r in results]
    assert errors[0] is None and errors[4] is None and errors[5] is None
    assert errors[1].startswith(named(faults) + "RuntimeError: injected failure")
    assert errors[2] == named(faults) + "returned a non-finite value nan"
    assert errors[3] == named(faults) + "returned str 'not a number', not a number"


def test_hanging_reward_times_out_as_error_and_server_keeps_answering(faulty_server: Server) -> None:
    started = time.monotonic()
    results = score(faulty_server, ["hang"])
    timed_out = {"reward": None, "reward_error": "timed out after 1 s", "reward_error_kind": "timeout"}
    assert results == [{**timed_out, "reward_details": {}}]
    assert time.monotonic() - started < 30
    assert [r["reward"] for r in score(faulty_server, ["four"])] == [4.0]


def test_sys_exit_in_a_reward_is_an_error_result_not_a_dead_server(faulty_server: Server) -> None:
    results = score(faulty_server, ["exit"])
    assert results[0]["reward"] is None
    assert results[0]["reward_error"] == "python: SystemExit: 3 (at faults.py:13)"
    assert httpx.get(f"{faulty_server.url}/health").status_code == 200


def test_get_reward_zero_policy_counts_every_zeroed_error(faulty_server: Server) -> None:
    body = {"query": ["P: raise", "P: ok"], "prompts": ["P: ", "P: "], "labels": [None, None]}
    answer = httpx.post(f"{faulty_server.url}/get_reward", json=body).json()
    assert answer["rewards"] == [0.0, 2.0]
    assert answer["extra_logs"]["reward_error"] == [1.0, 0.0]


def test_client_reports_faults_as_errors(faulty_server: Server, faults: Path) -> None:
    with rewardsmith.Client(faulty_server.url) as client:
        results = client.score([{"completion": "nan"}, {"completion": "xy"}])
    assert [r.value for r in results] == [None, 2.0]
    assert results[0].error == named(faults) + "returned a non-finite value nan"


def test_metrics_count_errors_by_kind(faulty_server: Server) -> None:
    score(faulty_server, ["raise", "raise"])
    text = httpx.get(f"{faulty_server.url}/metrics").text
    line = next(x for x in text.splitlines() if x.startswith('rewardsmith_errors_total{kind="crash"}'))
    assert float(line.split()[-1]) >= 2


def test_wrong_number_of_values_fails_every_sample_of_the_batch(faults: Path) -> None:
    with running_server(faults / "wrong.yaml", "--max-wait-ms", "0", tmp=faults) as server:
        results = score(server, ["a", "b"])
    assert [r["reward"] for r in results] == [None, None]
    expected = named(faults, "wrong_length") + "returned 3 values for 2 samples"
    assert [r["reward_error"] for r in results] == [expected] * 2


def test_shutdown_drains_in_flight_requests(faults: Path) -> None:
    with running_server(faults / "faulty.yaml", "--max-wait-ms", "0", tmp=faults) as server:
        answers: list[httpx.Response] = []
        request = threading.Thread(
            target=lambda: answers.append(
                httpx.post(f"{server.url}/score", json={"samples": [{"completion": "slow"}]}, timeout=30)
            )
        )
        request.start()
        time.sleep(0.7)
        code = server.stop()
        request.join(30)
    assert code == 0  # a graceful stop, not the -15 of the signal uvicorn raises again
    assert "Finished server process" in server.output()
    assert answers[0].status_code == 200
    assert answers[0].json()["results"][0]["reward"] == 4.0


def test_ctrl_c_also_stops_the_server_with_exit_status_0(faults: Path) -> None:
    with running_server(faults / "faulty.yaml", tmp=faults) as server:
        server.process.send_signal(signal.SIGINT)
        server.process.wait(20)
    assert server.process.returncode == 0
    assert "Finished server process" in server.output()
