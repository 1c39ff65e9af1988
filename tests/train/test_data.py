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
