"""The server's monitor over HTTP under concurrent load: a real ``rewardsmith serve`` on
127.0.0.1 (started as the serve tests start it), 24 concurrent requests, steps across requests,
the JSONL log, the error alert once per episode, and the monitor's gauges on ``/metrics``."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from rewardsmith.monitor.log import load_records

from ..serve.conftest import metric, running_server, write

pytest.importorskip("fastapi")

REQUESTS, PER_REQUEST, EVERY = 24, 8, 48


def request_body(index: int) -> dict:
    """Two prompts x four completions: per prompt one right answer and wrong ones of the same
    length (so length says nothing about the reward), and in the second prompt one record
    without a reference, which text.exact fails as bad_input."""
    samples = []
    for group in range(2):
        answer = f"answer {index}-{group}"
        for j in range(4):
            record = {"completion": answer if j == 0 else f"answer {index}-{j + 5}", "group": f"{index}-{group}"}
            if not (group == 1 and j == 3):
                record["reference"] = answer
            samples.append(record)
    return {"samples": samples}


async def hammer(url: str) -> list[int]:
    async with httpx.AsyncClient(timeout=30) as client:
        answers = await asyncio.gather(*(client.post(f"{url}/score", json=request_body(i)) for i in range(REQUESTS)))
    return [a.status_code for a in answers]


def test_server_monitor_counts_every_sample_of_concurrent_requests_and_alerts_once(tmp_path):
    spec = write(tmp_path / "spec.yaml", "type: text.exact\n")
    folder = tmp_path / "monitor"
    args = ("--monitor-dir", str(folder), "--monitor-every", str(EVERY), "--max-wait-ms", "10")
    with running_server(spec, *args, tmp=tmp_path) as server:
        assert asyncio.run(hammer(server.url)) == [200] * REQUESTS
        text = httpx.get(f"{server.url}/metrics").text
    records = load_records(folder)
    total = REQUESTS * PER_REQUEST
    assert len(records) == total // EVERY == 4
    stats = [r["rewards"]["text.exact"] for r in records]
    assert sum(s["n"] for s in stats) == total
    assert sum(s["errors"]["bad_input"] for s in stats) == REQUESTS
    assert sum(s["ok"] for s in stats) == total - REQUESTS
    assert sum(round(s["mean"] * s["ok"]) for s in stats) == 2 * REQUESTS  # one right answer per prompt
    assert all(s["error_rate"] == pytest.approx(1 / 8) for s in stats)
    assert all(s["groups"] == EVERY // 4 and s["no_signal_share"] == 0.0 for s in stats)
    alerts = [a for r in records for a in r["alerts"]]
    assert [(a["rule"], a["step"]) for a in alerts] == [("error_rate", 1)]
    assert alerts[0]["evidence"]["errors"] == {"bad_input": EVERY // PER_REQUEST}
    assert metric(text, "rewardsmith_monitor_steps_total") == 4
    assert metric(text, 'rewardsmith_monitor_alerts_total{rule="error_rate"}') == 1
    assert metric(text, "rewardsmith_monitor_alerts_active") == 1
    assert metric(text, 'rewardsmith_monitor_error_rate{source="text.exact",kind="bad_input"}') == 0.125
    assert metric(text, 'rewardsmith_monitor_reward_mean{source="text.exact"}') == pytest.approx(2 / 7)
    assert metric(text, 'rewardsmith_errors_total{kind="bad_input"}') == REQUESTS
    assert json.loads((folder / "monitor.jsonl").read_text().splitlines()[0])["samples"] == EVERY


async def openrlhf_calls(url: str) -> list[dict]:
    async with httpx.AsyncClient(timeout=30) as client:
        answers = await asyncio.gather(*(
            client.post(f"{url}/get_reward", json={"query": [f"<s>Capital of France? {city}</s>"],
                                                   "prompts": ["<s>Capital of France?"], "labels": ["Paris"]})
            for city in ["Paris", "Rome", "Lyon", "Paris"] * 4
        ))
    return [a.json() for a in answers]


def test_openrlhf_requests_to_the_server_feed_its_monitor(tmp_path):
    spec = write(tmp_path / "spec.yaml", "type: text.exact\n")
    folder = tmp_path / "monitor"
    with running_server(spec, "--monitor-dir", str(folder), "--monitor-every", "8", tmp=tmp_path) as server:
        answers = asyncio.run(openrlhf_calls(server.url))
        text = httpx.get(f"{server.url}/metrics").text
    assert sorted(a["rewards"][0] for a in answers) == [0.0] * 8 + [1.0] * 8
    records = load_records(folder)
    assert [r["rewards"]["text.exact"]["n"] for r in records] == [8, 8]
    assert sum(r["rewards"]["text.exact"]["mean"] * 8 for r in records) == 8.0
    assert metric(text, "rewardsmith_monitor_steps_total") == 2
    assert metric(text, 'rewardsmith_samples_total{route="/get_reward"}') == 16
    # as the file form: completions grouped by their prompt, the active alerts in extra_logs
    assert [r["rewards"]["text.exact"]["groups"] for r in records] == [1, 1]
    alerts = [a["extra_logs"]["monitor_alerts"] for a in answers]
    assert all(len(a) == 1 and a[0] in (0.0, 1.0) for a in alerts)
