"""Training data readers: a missing file is a clear error (no traceback), a datasets folder reads
like its JSONL, and the data hash names the content, not where it lies."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rewardsmith.core.errors import DataError
from rewardsmith.train.data import read_pairs, read_solutions

PAIRS = [
    {"prompt": "2+2?", "chosen": "4", "rejected": "5", "margin": None},
    {"prompt": "Capital of France?", "chosen": "Paris", "rejected": "Lyon", "margin": 2.0},
]


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["rm", "prm"])
def test_a_missing_data_file_is_a_clear_error_from_the_cli(command: str, tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "rewardsmith", "train", command, str(missing), "--base", str(tmp_path),
         "-o", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert f"{missing}: data file does not exist" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_readers_name_the_missing_file() -> None:
    with pytest.raises(DataError, match="data file does not exist"):
        read_pairs("/no/such/pairs.jsonl")
    with pytest.raises(DataError, match="data file does not exist"):
        read_solutions("/no/such/steps.jsonl")


def test_a_datasets_folder_reads_like_its_jsonl_and_the_hash_follows_the_content(tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    folder = tmp_path / "pairs_ds"
    datasets.Dataset.from_list(PAIRS).save_to_disk(str(folder))
    from_folder = read_pairs(folder)
    from_jsonl = read_pairs(_jsonl(tmp_path / "pairs.jsonl", PAIRS))
    assert [(p.prompt, p.chosen, p.rejected, p.margin) for p in from_folder.records] == [
        (p.prompt, p.chosen, p.rejected, p.margin) for p in from_jsonl.records
    ]
    assert not from_folder.bad and len(from_folder.digest) == 64

    moved = shutil.copytree(folder, tmp_path / "elsewhere" / "copy")
    assert read_pairs(moved).digest == from_folder.digest
    _jsonl(tmp_path / "other.jsonl", PAIRS[:1])
    assert read_pairs(tmp_path / "other.jsonl").digest != from_jsonl.digest


def test_non_finite_margins_and_non_text_sides_are_bad_records(tmp_path: Path) -> None:
    """A NaN margin made the loss NaN and the run 'succeed' with accuracy 0; a list of numbers
    as a side crashed inside TRL instead of being counted."""
    rows = [
        *PAIRS,
        {"prompt": "p", "chosen": "a", "rejected": "b", "margin": float("nan")},
        {"prompt": "p", "chosen": "a", "rejected": "b", "margin": float("inf")},
        {"prompt": "p", "chosen": [1, 2, 3], "rejected": "b"},
        {"prompt": "p", "chosen": [{"role": "assistant", "content": "a"}], "rejected": [{"role": "assistant"}]},
    ]
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")  # NaN/Infinity as Python writes
    loaded = read_pairs(path)
    assert len(loaded.records) == 2
    assert loaded.bad == [
        ("pairs.jsonl:3", "margin nan is not a finite number"),
        ("pairs.jsonl:4", "margin inf is not a finite number"),
        ("pairs.jsonl:5", "chosen and rejected must be strings or lists of chat messages"),
        ("pairs.jsonl:6", "chosen and rejected must be strings or lists of chat messages"),
    ]


def test_step_labels_out_of_range_or_given_twice_are_named(tmp_path: Path) -> None:
    rows = [
        {"problem": "q", "steps": ["a", "b"], "label": 1},
        {"problem": "q", "steps": ["a", "b"], "label": 7},
        {"problem": "q", "steps": ["a", "b"], "labels": [1, 1], "label": 0},
        {"problem": "q", "steps": ["a", "b"], "label": True},
    ]
    path = _jsonl(tmp_path / "steps.jsonl", rows)
    loaded = read_solutions(path)
    assert len(loaded.records) == 1
    assert loaded.bad == [
        ("steps.jsonl:2", "label 7 is not a step index (-1 to 1, -1 = all right)"),
        ("steps.jsonl:3", "give labels (one 0/1 per step) or label (the earliest wrong step), not both"),
        ("steps.jsonl:4", "label True is not a step index (-1 to 1, -1 = all right)"),
    ]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--center-rewards", "nan"], "must be a finite number, got nan"),
        (["--epochs", "inf"], "must be a finite number, got inf"),
        (["--base", "/no/such/model"], "--base: no model folder at '/no/such/model'"),
        (["-o", "/etc/hostname"], "/etc/hostname: is a file; give the path of a folder to write into"),
    ],
)
def test_bad_options_are_one_line_errors_before_training(extra: list[str], message: str, tmp_path: Path) -> None:
    data = _jsonl(tmp_path / "pairs.jsonl", PAIRS)
    out = tmp_path / "out"
    args = {"--base": str(tmp_path), "-o": str(out)}
    for flag, value in zip(extra[::2], extra[1::2], strict=True):
        args[flag] = value
    command = [sys.executable, "-m", "rewardsmith", "train", "rm", str(data), *[x for kv in args.items() for x in kv]]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert message in " ".join(done.stderr.split()) and "Traceback" not in done.stderr
    assert not out.exists()


def test_a_base_that_does_not_load_leaves_no_folder_behind(tmp_path: Path) -> None:
    pytest.importorskip("trl")
    from rewardsmith.train.rm import train_rm

    data = _jsonl(tmp_path / "pairs.jsonl", PAIRS)
    not_a_model = tmp_path / "not_a_model"
    not_a_model.mkdir()
    with pytest.raises(DataError, match=r"^--base: cannot load a tokenizer from"):
        train_rm(data, str(not_a_model), tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists()
