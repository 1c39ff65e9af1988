"""Reading logs back (the monitor's JSONL, a trainer's flat metrics, verl's ``{"step", "data"}``
lines) and the ``rewardsmith monitor`` command: report written, exit codes, readable errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from rewardsmith.cli import app
from rewardsmith.core import RewardResult, Sample
from rewardsmith.monitor import Monitor
from rewardsmith.monitor.log import LogError, load_records


def write_lines(path, entries):
    path.write_text("".join(json.dumps(e) + "\n" for e in entries))
    return path


def test_flat_trainer_metrics_become_records_with_gold_pairs_kl_and_alerts(tmp_path):
    log = write_lines(tmp_path / "metrics.jsonl", [
        {"step": 1, "rewards/proxy/mean": 0.2, "rewards/proxy/std": 0.1, "rewards/gold/mean": 0.5, "kl": 0.0,
         "reward": 0.2, "frac_reward_zero_std": 0.25, "completions/mean_length": 12.0},
        {"step": 2, "data": {"critic/score/mean": 0.6, "actor/ppo_kl": 0.03, "response_length/mean": 40.0,
                             "monitor/score/error_rate/timeout": 0.125, "monitor/alert/error_rate": 1.0}},
    ])
    first, second = load_records(log)
    assert first["rewards"]["proxy"] == {"components": {}, "mean": 0.2, "std": 0.1, "length_mean": 12.0}
    assert first["rewards"]["reward"]["no_signal_share"] == 0.25
    assert first["gold"]["proxy"]["proxy_mean"] == 0.2 and first["gold"]["proxy"]["gold_mean"] == 0.5
    assert first["trainer"]["kl"] == 0.0
    assert second["rewards"]["score"]["mean"] == 0.6
    assert second["rewards"]["score"]["error_rates"] == {"timeout": 0.125}
    assert second["rewards"]["score"]["length_mean"] == 40.0
    assert second["trainer"]["kl"] == 0.03
    assert [(a["rule"], a["step"]) for a in second["alerts"]] == [("error_rate", 2)]


def test_a_broken_line_names_the_file_and_line(tmp_path):
    log = tmp_path / "monitor.jsonl"
    log.write_text('{"step": 1, "rewards": {}}\nnot json\n')
    with pytest.raises(LogError, match=r"monitor.jsonl:2: not a JSON line"):
        load_records(log)


def test_a_folder_with_several_per_process_logs_asks_which_one(tmp_path):
    for pid in (11, 12):
        write_lines(tmp_path / f"monitor-{pid}.jsonl", [{"step": 1, "rewards": {}}])
    with pytest.raises(LogError, match="several per-process monitor logs"):
        load_records(tmp_path)
    assert load_records(tmp_path / "monitor-11.jsonl")[0]["step"] == 1


def test_trainer_state_json_is_found_in_the_newest_checkpoint(tmp_path):
    for step in (2, 10):
        folder = tmp_path / f"checkpoint-{step}"
        folder.mkdir()
        history = [{"step": s, "rewards/r/mean": s / 10} for s in range(1, step + 1)]
        (folder / "trainer_state.json").write_text(json.dumps({"log_history": history}))
    records = load_records(tmp_path)
    assert len(records) == 10 and records[-1]["rewards"]["r"]["mean"] == 1.0


def test_monitor_command_writes_the_report_and_fails_on_alert_when_asked(tmp_path):
    monitor = Monitor(tmp_path / "run", probe_every=0)
    for step in (1, 2, 3):
        results = [RewardResult.ok(1.0), RewardResult.fail("late", kind="timeout")] if step == 2 else \
            [RewardResult.ok(1.0), RewardResult.ok(0.0)]
        monitor.observe("r", [Sample("a", group=0), Sample("bb", group=0)], results)
        monitor.end_step(step)
    runner = CliRunner()
    report = tmp_path / "out" / "report.html"
    result = runner.invoke(app, ["monitor", str(tmp_path / "run"), "-o", str(report)])
    assert result.exit_code == 0, result.output
    assert "3 steps, 1 alerts" in result.output and "step 2: error_rate" in result.output
    page = report.read_text()
    sections = [part.split('"', 1)[0] for part in page.split('<section id="')[1:]]
    assert sections == ["rewards", "length", "signal", "alerts"]  # no gold, components or probes here
    assert "<script" not in page
    assert 'class="plot timeline"' in page
    failed = runner.invoke(app, ["monitor", str(tmp_path / "run"), "-o", str(report), "--fail-on-alert"])
    assert failed.exit_code == 1


def test_monitor_command_on_a_missing_path_is_one_line_and_exit_2(tmp_path):
    import sys

    from rewardsmith.cli.app import run

    argv = sys.argv
    sys.argv = ["rewardsmith", "monitor", str(tmp_path / "nowhere")]
    try:
        with pytest.raises(SystemExit) as stop:
            run()
    finally:
        sys.argv = argv
    assert stop.value.code == 2


def test_a_rewardsmith_score_output_replays_through_the_monitor_every_n_records(tmp_path):
    data = write_lines(tmp_path / "data.jsonl", [
        {"completion": c, "reference": r, "group": g}
        for g, rows in enumerate([[("Paris", "Paris"), ("Rome", "Paris")], [("4", "4"), ("4", None)]] * 2)
        for c, r in rows
    ])
    scored = tmp_path / "scored.jsonl"
    runner = CliRunner()
    result = runner.invoke(app, ["score", "text.exact", str(data), "-o", str(scored)])
    assert result.exit_code == 1, result.output  # 2 of 8 records have no reference: bad_input errors
    records = load_records(scored, every=4)
    assert [r["step"] for r in records] == [1, 2]
    for record in records:
        stats = record["rewards"]["reward"]
        assert stats["n"] == 4 and stats["ok"] == 3 and stats["mean"] == 2 / 3
        assert stats["errors"]["bad_input"] == 1
        assert stats["groups"] == 2 and stats["no_signal_share"] == 0.5
    shown = runner.invoke(app, ["monitor", str(scored), "--every", "4", "-o", str(tmp_path / "r.html")])
    assert shown.exit_code == 0, shown.output
    assert "step 1: error_rate: reward: error rate 0.25" in shown.output
    assert "step 2: no_signal_groups" in shown.output  # the "4", "4"-without-reference group, twice
