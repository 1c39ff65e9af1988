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


@pytest.mark.parametrize(
    ("threshold", "message"),
    [
        ("nan", "must be a finite number, got nan"),
        ("inf", "must be a finite number, got inf"),
        ("5", "5 is outside the range [0, 1] that text.exact declares"),
        ("-1", "-1 is outside the range [0, 1] that text.exact declares"),
    ],
)
def test_a_threshold_that_is_not_finite_or_outside_the_declared_range_is_refused(tmp_path, threshold, message):
    write_jsonl(tmp_path / "in.jsonl", RECORDS)
    result = rewardsmith("audit", "text.exact", "in.jsonl", "-o", "out", "--threshold", threshold, cwd=tmp_path)
    assert result.returncode == 2, result.stdout
    assert message in " ".join(result.stderr.replace("│", " ").split()) and "Traceback" not in result.stderr
    assert not (tmp_path / "out" / "report.json").exists()


def test_a_threshold_is_only_range_checked_where_the_reward_declares_a_range(tmp_path):
    (tmp_path / "my_rewards.py").write_text("def length(completion):\n    return float(len(completion))\n")
    write_jsonl(tmp_path / "in.jsonl", RECORDS)
    result = rewardsmith("audit", "my_rewards.py:length", "in.jsonl", "-o", "out", "--threshold", "5", cwd=tmp_path)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("option", ["--answer-field", "--task-field", "--subset-field"])
def test_a_field_option_naming_a_field_no_record_has_is_refused(tmp_path, option):
    write_jsonl(tmp_path / "in.jsonl", [{**record, "task": "t", "answer": "4"} for record in RECORDS])
    result = rewardsmith("audit", "text.exact", "in.jsonl", "-o", "out", option, "nosuch", cwd=tmp_path)
    assert result.returncode == 2, result.stdout
    flat = " ".join(result.stderr.replace("│", " ").split())
    assert option in flat and "'nosuch'" in flat and "Traceback" not in result.stderr
    present = {"--answer-field": "answer", "--task-field": "task", "--subset-field": "task"}[option]
    fine = rewardsmith("audit", "text.exact", "in.jsonl", "-o", "out", option, present, cwd=tmp_path)
    assert fine.returncode == 0, fine.stderr
