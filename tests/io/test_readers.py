"""Records become samples: standard fields, mapped fields, and transitions without text."""

from __future__ import annotations

import pytest

from rewardsmith.core import DataError
from rewardsmith.io.readers import InputRecord, first_record_with, read_records


def test_a_transition_without_a_completion_is_a_sample_with_empty_text(tmp_path):
    data = tmp_path / "t.jsonl"
    data.write_text('{"obs": [0.0, 1.0], "action": 1, "next_obs": [0.5, 1.0], "terminated": true}\n')
    [record] = read_records(data)
    sample = record.to_sample({})
    assert sample.completion == ""
    assert sample.extra == {"obs": [0.0, 1.0], "action": 1, "next_obs": [0.5, 1.0], "terminated": True}
    assert "completion" not in record.raw  # the output row is the record as read


def test_a_record_with_only_part_of_a_transition_still_needs_a_completion():
    record = InputRecord(0, "t.jsonl:1", {"obs": [0], "action": 1})
    with pytest.raises(DataError, match=r"t\.jsonl:1: no 'completion' field \(fields: action, obs; use --map\)"):
        record.to_sample({})


def test_first_record_with_names_the_first_record_holding_a_field_and_which(tmp_path):
    data = tmp_path / "d.jsonl"
    data.write_text('{"completion": "a"}\n{broken\n{"reward_details": {}, "reward": 0.5}\n{"reward": 1}\n')
    names = ["reward", "reward_error", "reward_details"]
    assert first_record_with(data, names) == ("d.jsonl:3", ["reward", "reward_details"])
    assert first_record_with(data, ["label"]) is None
