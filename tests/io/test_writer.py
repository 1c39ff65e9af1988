"""The atomic writer and the output-path checks: a path that cannot be written is refused before
any record is written, as one error naming the path and why."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from rewardsmith.io.writer import (
    AtomicJsonlWriter,
    OutputPathError,
    check_output_file,
    check_output_folder,
    meta_path,
    partial_path,
)


def test_an_existing_folder_is_refused_as_an_output_file(tmp_path):
    (tmp_path / "d").mkdir()
    with pytest.raises(OutputPathError) as info:
        AtomicJsonlWriter(tmp_path / "d", {})
    assert info.value.message == "is a folder; give the path of the file to write"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d"]


def test_a_path_under_a_file_is_refused_naming_the_file(tmp_path):
    (tmp_path / "plain").write_text("x")
    with pytest.raises(OutputPathError) as info:
        check_output_file(tmp_path / "plain" / "sub" / "out.jsonl")
    assert info.value.message == f"{tmp_path / 'plain'} is a file, not a folder"
    with pytest.raises(OutputPathError, match="is a file; give the path of a folder"):
        check_output_folder(tmp_path / "plain")
    with pytest.raises(OutputPathError, match="plain is a file, not a folder"):
        check_output_folder(tmp_path / "plain" / "report")


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_a_folder_where_no_file_can_be_created_is_refused():
    with pytest.raises(OutputPathError) as info:
        check_output_file(Path("/proc/nope/x.jsonl"))
    assert info.value.message.startswith("cannot create files in /proc (")
    with pytest.raises(OutputPathError, match="cannot create files in /proc"):
        check_output_folder(Path("/proc/nope"))


def test_missing_folders_are_fine_and_nothing_is_created_by_the_check(tmp_path):
    check_output_file(tmp_path / "a" / "b" / "out.jsonl")
    check_output_folder(tmp_path / "report")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_rename_keeps_every_record_for_resume(tmp_path):
    out = tmp_path / "out.jsonl"
    writer = AtomicJsonlWriter(out, {"spec_hash": "h"})
    writer.write({"reward": 1.0})
    out.mkdir()  # the destination turned into a folder while the run went on
    with pytest.raises(OutputPathError) as info:
        writer.commit()
    assert "cannot move out.jsonl.partial into place" in info.value.message
    assert partial_path(out).read_text() == json.dumps({"reward": 1.0}) + "\n"
    assert json.loads(meta_path(out).read_text()) == {"spec_hash": "h"}
    assert os.path.isdir(out)
