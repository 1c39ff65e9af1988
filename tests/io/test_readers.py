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


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bin.jsonl", b'{"completion": "a"}\n\x89PNG\r\n\x1a\n\x00\xff\xfe\n', r"bin\.jsonl:2: is not UTF-8"),
        ("u16.jsonl", '{"completion": "a"}\n'.encode("utf-16"), r"u16\.jsonl:1: is UTF-16"),
        ("latin.csv", b"completion\ncaf\xe9\n", r"latin\.csv:2: is not UTF-8"),
        ("latin.json", b'[{"completion": "a"},\n {"completion": "caf\xe9"}]', r"latin\.json:2: is not UTF-8"),
        ("text.parquet", b"completion\nhello\n", r"text\.parquet: not a readable Parquet file"),
        ("empty.parquet", b"", r"empty\.parquet: not a readable Parquet file"),
    ],
)
def test_a_file_that_is_not_what_its_name_says_is_a_data_error_naming_it(tmp_path, name, content, message):
    data = tmp_path / name
    data.write_bytes(content)
    with pytest.raises(DataError, match=message):
        read_records(data)


def test_a_datasets_folder_with_a_garbage_dataset_info_is_a_data_error(tmp_path):
    pytest.importorskip("datasets")
    folder = tmp_path / "ds"
    folder.mkdir()
    (folder / "dataset_info.json").write_text("not json {")
    (folder / "state.json").write_text("{")
    with pytest.raises(DataError, match=r"ds: not a readable datasets folder"):
        read_records(folder)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bom.jsonl", '\ufeff{"completion": "a", "reference": "b"}\n{"completion": "c"}\n'),
        ("bom.csv", "\ufeffcompletion,reference\r\na,b\r\nc,\r\n"),
        ("bom.json", '\ufeff[{"completion": "a", "reference": "b"}, {"completion": "c"}]'),
    ],
)
def test_a_byte_order_mark_is_dropped_as_excel_writes_it(tmp_path, name, content):
    data = tmp_path / name
    data.write_bytes(content.encode("utf-8"))
    records = read_records(data)
    assert [r.error for r in records] == [None, None]
    assert records[0].raw is not None and records[0].raw["completion"] == "a"
    assert records[0].to_sample({}).completion == "a"


def test_a_csv_field_may_span_lines(tmp_path):
    data = tmp_path / "m.csv"
    data.write_text('completion,id\n"two\nlines",1\nx,2\n', encoding="utf-8")
    records = read_records(data)
    assert [r.raw for r in records] == [{"completion": "two\nlines", "id": "1"}, {"completion": "x", "id": "2"}]
    assert records[1].where == "m.csv:4"


@pytest.mark.parametrize(
    ("completion", "got"),
    [(None, "got null"), ([1, 2, 3], "got a list holding int"), (4, "got int 4"), (True, "got bool true")],
)
def test_a_completion_that_is_not_text_or_chat_is_a_bad_record_not_made_up_text(completion, got):
    record = InputRecord(2, "d.jsonl:3", {"completion": completion, "reference": "4"})
    message = rf"d\.jsonl:3: 'completion' must be a string or a list of chat messages, {got}"
    with pytest.raises(DataError, match=message):
        record.to_sample({})


@pytest.mark.parametrize("completion", ["4", "", [{"role": "assistant", "content": "4"}], {"content": "4"}])
def test_text_and_chat_completions_are_samples(completion):
    assert InputRecord(0, "d.jsonl:1", {"completion": completion}).to_sample({}).completion == completion
