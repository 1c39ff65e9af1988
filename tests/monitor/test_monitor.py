"""The monitor over synthetic streams of scored batches: metrics every step, alerts once per
episode with their evidence, the JSONL log, ``on_alert: stop``, the adapter hook and probes."""

from __future__ import annotations

import json
import logging

import pytest

from rewardsmith.combine.sum import Sum
from rewardsmith.core import RewardResult, Sample
from rewardsmith.integrations.trl import TRLReward
from rewardsmith.monitor import Monitor, Thresholds, attach, detach, flatten
from rewardsmith.monitor.log import load_records

from .rewards import Distinct, Repeat

GROUPS, PER_GROUP = 4, 4


def batch(step: int) -> list[Sample]:
    """Four prompts x four completions; completion j of every group is j + 1 words long."""
    return [
        Sample(" ".join(["w"] * (j + 1)), prompt=f"p{g}", group=g, id=f"{step}-{g}-{j}")
        for g in range(GROUPS)
        for j in range(PER_GROUP)
    ]


def around(mean: float) -> list[RewardResult]:
    """Values mean ± 0.05, alternating, so every group has signal and the mean is exact."""
    return [RewardResult.ok(mean + (0.05 if j % 2 else -0.05)) for _ in range(GROUPS) for j in range(PER_GROUP)]


def feed(monitor: Monitor, step: int, proxy: float, gold: float) -> dict:
    samples = batch(step)
    monitor.observe("proxy", samples, around(proxy))
    monitor.observe("gold", samples, around(gold))
    return monitor.end_step(step)


def test_every_step_is_one_json_line_with_every_metric(tmp_path):
    monitor = Monitor(tmp_path, probe_every=0)
    for step in (1, 2, 3):
        feed(monitor, step, 0.5, 0.4)
    lines = (tmp_path / "monitor.jsonl").read_text().splitlines()
    assert len(lines) == 3
    record = json.loads(lines[1])
    assert record["step"] == 2 and record["samples"] == 16
    proxy = record["rewards"]["proxy"]
    assert proxy["mean"] == pytest.approx(0.5) and proxy["std"] == pytest.approx(0.05)
    assert proxy["no_signal_share"] == 0.0 and proxy["groups"] == 4
    assert proxy["error_rate"] == 0.0 and proxy["not_applicable_rate"] == 0.0
    assert proxy["length_mean"] == 4.0 and proxy["length_unit"] == "chars"  # "w", "w w", ...: 1, 3, 5, 7
    assert record["gold"]["proxy"]["gold_mean"] == pytest.approx(0.4)
    assert record["gold"]["proxy"]["corr"] == pytest.approx(1.0)
    assert record["alerts"] == []
    assert [r["step"] for r in load_records(tmp_path)] == [1, 2, 3]


def test_proxy_rising_while_gold_stays_flat_alerts_once_per_episode_with_evidence(tmp_path, caplog):
    monitor = Monitor(tmp_path, thresholds=Thresholds(window=5, min_steps=5), probe_every=0)
    proxy = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2]
    with caplog.at_level(logging.WARNING, logger="rewardsmith.monitor"):
        for step, value in enumerate(proxy, 1):
            feed(monitor, step, value, 0.3)
    divergence = [a for a in monitor.alerts if a.rule == "proxy_gold_divergence"]
    # the first episode starts at step 5 (five rising steps) and lasts while the window rises;
    # the plateau of steps 7-12 clears it; the second rise starts a new episode at step 14, whose
    # window 0.7, 0.7, 0.7, 0.8, 0.9 has S = 7, Var(S) = (300 - 66)/18 = 13 with the three ties,
    # Z = 6/√13 = 1.664 and a Theil-Sen rise of 0.05 x 4 = 0.2
    assert [a.step for a in divergence] == [5, 14]
    assert divergence[1].evidence["proxy"]["z"] == pytest.approx(6 / 13**0.5, abs=1e-4)
    assert divergence[1].evidence["proxy"]["rise"] == pytest.approx(0.2)
    assert not monitor.book.active - {"proxy_gold_divergence:proxy"}
    first = divergence[0]
    assert first.subject == "proxy"
    assert first.evidence["proxy"]["first"] == pytest.approx(0.1)
    assert first.evidence["proxy"]["last"] == pytest.approx(0.5)
    assert first.evidence["proxy"]["rise"] == pytest.approx(0.4)
    assert first.evidence["gold"]["z"] == 0.0
    assert first.evidence["steps"] == [1, 5]
    assert sum("proxy_gold_divergence" in m for m in caplog.messages) == 2
    logged = [a for r in load_records(tmp_path) for a in r["alerts"]]
    assert [(a["rule"], a["step"]) for a in logged if a["rule"] == "proxy_gold_divergence"] == [
        ("proxy_gold_divergence", 5),
        ("proxy_gold_divergence", 14),
    ]


def test_no_divergence_when_the_gold_rises_with_the_proxy():
    monitor = Monitor(thresholds=Thresholds(window=5, min_steps=5), probe_every=0)
    for step in range(1, 11):
        feed(monitor, step, 0.1 * step, 0.05 * step)
    assert [a.rule for a in monitor.alerts if a.rule == "proxy_gold_divergence"] == []


def test_a_gold_component_of_the_spec_pairs_with_the_total():
    reward = Sum([Repeat(), Distinct()], weights=[1.0, 0.0])
    monitor = Monitor(gold="distinct", probe_every=0)
    samples = [Sample(t, group=i // 2) for i, t in enumerate(["a a", "a b", "a a a b", "x y z w"])]
    monitor.observe("spec", samples, reward.score(samples))
    pair = monitor.end_step(1)["gold"]["spec"]
    assert pair["proxy_mean"] == pytest.approx((1 + 0.5 + 0.75 + 0.25) / 4)
    assert pair["gold_mean"] == pytest.approx((0.5 + 1 + 0.5 + 1) / 4)
    assert pair["corr"] == pytest.approx(-2 / 5**0.5)  # centred (3, -1, 1, -3)/8 against (-1, 1, -1, 1)/4
    assert pair["n"] == 4


def test_error_rate_alert_names_the_kinds_and_fires_again_after_a_clean_step():
    monitor = Monitor(probe_every=0)
    samples = [Sample("x", group=i // 2) for i in range(10)]
    bad = [RewardResult.fail("late", kind="timeout")] * 2 + [RewardResult.fail("down", kind="remote")]
    bad += [RewardResult.ok(float(i % 2)) for i in range(7)]
    clean = [RewardResult.ok(float(i % 2)) for i in range(10)]
    for step, results in enumerate([bad, bad, clean, bad], 1):
        monitor.observe("r", samples, results)
        monitor.end_step(step)
    alerts = [a for a in monitor.alerts if a.rule == "error_rate"]
    assert [a.step for a in alerts] == [1, 4]
    assert alerts[0].evidence["errors"] == {"timeout": 2, "remote": 1}
    assert alerts[0].evidence["error_rate"] == pytest.approx(0.3)


def test_no_signal_groups_need_patience_and_length_drift_needs_a_trend():
    monitor = Monitor(thresholds=Thresholds(window=6, min_steps=5, patience=2), probe_every=0)
    for step in range(1, 7):
        samples = [Sample("w " * (10 * step), group=i // 4) for i in range(8)]
        monitor.observe("r", samples, [RewardResult.ok(1.0)] * 8)
        monitor.end_step(step)
    rules = [(a.rule, a.step) for a in monitor.alerts]
    assert ("no_signal_groups", 2) in rules
    assert ("length_drift", 5) in rules
    drift = next(a for a in monitor.alerts if a.rule == "length_drift")
    assert drift.evidence["first"] == 20.0 and drift.evidence["last"] == 100.0


def test_on_alert_stop_requests_a_stop_and_log_does_not():
    for mode, expected in (("stop", True), ("log", False)):
        monitor = Monitor(on_alert=mode, probe_every=0)
        monitor.observe("r", [Sample("x")], [RewardResult.fail("boom")])
        monitor.end_step(1)
        assert monitor.stop_requested is expected


def test_a_trl_reward_feeds_the_attached_monitor_and_logs_through_log_metric():
    monitor = Monitor(probe_every=0)
    logged: dict[str, list[float]] = {}
    reward = TRLReward({"type": "text.exact"}, name="exact")
    attach(monitor)
    try:
        reward(
            prompts=["q1", "q1", "q2", "q2"],
            completions=["Paris", "Rome", "4", "4"],
            solution=["Paris", "Paris", "4", "4"],
            completion_ids=[[1], [2, 3], [4], [5]],
            log_metric=lambda name, value: logged.setdefault(name, []).append(value),
        )
    finally:
        detach(monitor)
    record = monitor.end_step(1)
    stats = record["rewards"]["exact"]
    assert stats["mean"] == 0.75 and stats["no_signal_share"] == 0.5
    assert stats["length_mean"] == 1.25 and stats["length_unit"] == "tokens"
    assert logged["monitor/exact/mean"] == [0.75]
    assert logged["monitor/exact/no_signal_share"] == [0.5]
    reward(prompts=["q"], completions=["x"], solution=["x"])
    assert monitor.end_step(2)["rewards"] == {}  # detached: nothing reaches it


def test_cheap_probes_catch_a_reward_that_pays_for_repetition():
    monitor = Monitor(probe_every=1, probe_budget=4, probes=("repeat_steps", "empty"))
    samples = [
        Sample(f"First we add the numbers. Then we check the sum. The answer is {n}.", reference=str(n), group=n)
        for n in range(6)
    ]
    monitor.observe("repeat", samples, Repeat().score(samples), reward=Repeat())
    record = monitor.end_step(1)
    probes = record["probes"]["repeat"]
    assert probes["repeat_steps"]["n"] == 4
    assert probes["repeat_steps"]["exploit_rate"] == 1.0
    assert probes["empty"]["exploit_rate"] == 0.0
    assert [a.rule for a in monitor.alerts if a.rule == "probe_pays"] == ["probe_pays"]
    assert flatten(record)["probe/repeat/repeat_steps"] == 1.0


def test_every_n_samples_closes_a_step_for_callers_without_steps(tmp_path):
    monitor = Monitor(tmp_path, every=8, probe_every=0)
    for _ in range(5):
        monitor.observe("r", [Sample("x")] * 4, [RewardResult.ok(1.0)] * 4)
    assert [r["step"] for r in load_records(tmp_path)] == [1, 2]
    assert monitor.metrics()["r/mean"] == 1.0


def test_a_mismatched_batch_is_an_error_not_a_truncation():
    with pytest.raises(ValueError, match="2 results for 1 samples"):
        Monitor().observe("r", [Sample("x")], [RewardResult.ok(1), RewardResult.ok(0)])


def test_a_probe_that_keeps_paying_between_runs_is_one_episode():
    monitor = Monitor(probe_every=2, probe_budget=4, probes=("repeat_steps",))
    samples = [
        Sample(f"First we add the numbers. Then we check the sum. The answer is {n}.", reference=str(n), group=n)
        for n in range(6)
    ]
    for step in range(1, 7):
        monitor.observe("repeat", samples, Repeat().score(samples), reward=Repeat())
        record = monitor.end_step(step)
        assert ("repeat" in record["probes"]) is (step % 2 == 0)
    assert [(a.rule, a.step) for a in monitor.alerts if a.rule == "probe_pays"] == [("probe_pays", 2)]


def test_a_weight_zero_gold_term_does_not_make_the_proxy_dominant():
    texts = ["a a b", "a b c", "a a a", "x y x y", "p q r s", "m m n"]
    samples = [Sample(t, group=i // 2) for i, t in enumerate(texts)]
    for weights, expected in (([1.0, 0.0], []), ([1.0, 0.05], ["spec/repeat"])):
        monitor = Monitor(probe_every=0)
        reward = Sum([Repeat(), Distinct()], weights=weights)
        for step in (1, 2):
            monitor.observe("spec", samples, reward.score(samples))
            record = monitor.end_step(step)
        assert record["rewards"]["spec"]["components"]["distinct"]["weight"] == weights[1]
        assert [a.subject for a in monitor.alerts if a.rule == "component_dominance"] == expected
