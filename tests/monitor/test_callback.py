"""``RewardMonitorCallback`` driven through transformers' own ``TrainerState`` and
``TrainerControl`` in the order ``Trainer`` calls it: attach on train begin, close the step on
step end, merge the step's logs, stop training on an alert with ``on_alert="stop"``."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("transformers")

from transformers import TrainerControl, TrainerState

from rewardsmith.integrations.trl import TRLReward
from rewardsmith.monitor import RewardMonitorCallback, attached


def test_the_callback_writes_one_line_per_step_with_the_trainer_logs_and_stops_on_alert(tmp_path):
    callback = RewardMonitorCallback(tmp_path, on_alert="stop", probe_every=0)
    state, control = TrainerState(), TrainerControl()
    reward = TRLReward("text.exact", name="exact", reference_column="missing")  # every record: bad_input
    callback.on_train_begin(None, state, control)
    assert attached() == [callback.monitor]
    reward(prompts=["q", "q"], completions=["a", "b"], solution=["a", "a"])
    state.global_step = 1
    callback.on_step_end(None, state, control)
    assert control.should_training_stop is True
    callback.on_log(None, state, control, logs={"loss": 0.5, "kl": 0.01, "monitor/exact/mean": 1.0})
    callback.on_train_end(None, state, control)
    assert attached() == []
    (line,) = (tmp_path / "monitor.jsonl").read_text().splitlines()
    record = json.loads(line)
    assert record["step"] == 1
    assert record["rewards"]["exact"]["errors"]["bad_input"] == 2
    assert record["trainer"] == {"loss": 0.5, "kl": 0.01}
    assert [a["rule"] for a in record["alerts"]] == ["error_rate"]


def test_a_step_without_logs_is_written_when_the_next_step_ends(tmp_path):
    callback = RewardMonitorCallback(tmp_path, probe_every=0)
    state, control = TrainerState(), TrainerControl()
    reward = TRLReward("text.exact", name="exact")
    callback.on_train_begin(None, state, control)
    for step in (1, 2):
        reward(prompts=["q", "q"], completions=["a", "b"], solution=["a", "a"])
        state.global_step = step
        callback.on_step_end(None, state, control)
    assert len((tmp_path / "monitor.jsonl").read_text().splitlines()) == 1
    callback.on_train_end(None, state, control)
    steps = [json.loads(line)["step"] for line in (tmp_path / "monitor.jsonl").read_text().splitlines()]
    assert steps == [1, 2] and control.should_training_stop is False
