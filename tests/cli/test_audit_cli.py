"""`rewardsmith audit` user mistakes: one error line and exit 2 (exit 1 means a --fail-on rule held)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_score_cli import MARKING_REWARD, RECORDS, rewardsmith, write_jsonl


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("plain", "plain: is a file; give the path of a folder to write into"),
        ("plain/report", "plain/report: plain is a file, not a folder"),
        ("/proc/nope", "/proc/nope: cannot create files in /proc (No such file or directory)"),
    ],
)
def test_a_report_folder_that_cannot_be_written_is_refused_before_the_audit(tmp_path, output, message):
    if output.startswith("/proc") and not Path("/proc/self").is_dir():
        pytest.skip("needs Linux /proc")
    (tmp_path / "plain").write_text("a file\n")
    (tmp_path / "my_rewards.py").write_text(MARKING_REWARD)
    write_jsonl(tmp_path / "in.jsonl", RECORDS)
    result = rewardsmith("audit", "my_rewards.py:mark", "in.jsonl", "-o", output, cwd=tmp_path)
    assert (result.returncode, result.stderr) == (2, f"error: {message}\n")
    assert not (tmp_path / "scored-once").exists()
    assert (tmp_path / "plain").read_text() == "a file\n"
