"""The verl and OpenRLHF adapters feed the monitor the way those trainers call them: verl one
sample per call from a pool of threads, OpenRLHF one sample per call with the prompt inside
the query. Each keeps one fixed key set in what it returns to the trainer."""

from __future__ import annotations

import os
import pickle
from concurrent.futures import ThreadPoolExecutor

from rewardsmith.integrations.openrlhf import OpenRLHFReward
from rewardsmith.integrations.verl import compute_score
from rewardsmith.monitor import Monitor
from rewardsmith.monitor.log import load_records


def test_verl_calls_from_many_threads_make_steps_of_monitor_every_samples(tmp_path):
    options = {"spec": "text.exact", "monitor_dir": str(tmp_path), "monitor_every": 8}
    calls = [
        ("qa", "Paris" if response == 0 else "Rome", "Paris", {"index": prompt})
        for prompt in range(4)
        for response in range(4)
    ]
    with ThreadPoolExecutor(8) as pool:
        rows = list(pool.map(lambda call: compute_score(*call, **options), calls))
    assert {frozenset(row) for row in rows} == {
        frozenset({"score", "acc", "valid", "errored", "status", "error", "monitor_alerts"})
    }
    records = load_records(tmp_path / f"monitor-{os.getpid()}.jsonl")
    assert [r["step"] for r in records] == [1, 2]
    stats = [r["rewards"]["qa"] for r in records]
    assert [s["n"] for s in stats] == [8, 8]
    assert sum(s["mean"] * s["n"] for s in stats) == 4.0
    assert sum(s["groups"] for s in stats) >= 4


def test_openrlhf_reward_func_feeds_the_monitor_and_logs_active_alerts(tmp_path):
    monitor = Monitor(tmp_path, every=4, probe_every=0)
    reward = OpenRLHFReward("text.exact", monitor=monitor)
    answers = []
    for prompt in ("Capital of France?", "Capital of Italy?"):
        for response in ("Paris", "Rome", "Paris", "Rome"):
            answers.append(reward([f"<s>{prompt} {response}</s>"], [f"<s>{prompt}"], ["Paris"]))
    assert [a["rewards"] for a in answers] == [[1.0], [0.0], [1.0], [0.0]] * 2
    assert all(set(a["extra_logs"]) == {"reward_error", "reward_not_applicable", "prompt_not_found",
                                        "monitor_alerts"} for a in answers)
    records = load_records(tmp_path)
    assert [r["step"] for r in records] == [1, 2]
    assert [r["rewards"]["text_exact"]["mean"] for r in records] == [0.5, 0.5]
    assert [r["rewards"]["text_exact"]["groups"] for r in records] == [1, 1]
    assert pickle.loads(pickle.dumps(reward)).monitor.steps == 2
