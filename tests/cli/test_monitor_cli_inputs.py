"""``rewardsmith monitor`` user mistakes: one error line and exit 2, nothing written, no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .test_score_cli import rewardsmith

GOOD = [
    {"step": 1, "rewards/r/mean": 0.5, "rewards/gold/mean": 0.4},
    {"step": 2, "rewards/r/mean": 0.6, "rewards/gold/mean": 0.3},
]


def _log(path: Path, entries: list[dict]) -> Path:
    path.write_text("".join(json.dumps(entry) + "\n" for entry in entries))
    return path


def _flat(text: str) -> str:
    return " ".join(text.replace("│", " ").split())


@pytest.mark.parametrize(
    ("step", "message"),
    [("two", "log.jsonl:2: 'step' is 'two', not an integer step"), (2.5, "'step' is 2.5"), (None, "'step' is None")],
)
def test_a_step_that_is_not_an_integer_names_the_line(tmp_path, step, message):
    _log(tmp_path / "log.jsonl", [GOOD[0], {**GOOD[1], "step": step}])
    result = rewardsmith("monitor", "log.jsonl", "-o", "r.html", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert message in result.stderr
    assert not (tmp_path / "r.html").exists()


def test_a_trainer_state_step_that_is_not_an_integer_is_named(tmp_path):
    state = {"log_history": [{"step": 1, "loss": 0.5}, {"step": "two", "loss": 0.4}]}
    (tmp_path / "trainer_state.json").write_text(json.dumps(state))
    result = rewardsmith("monitor", "trainer_state.json", "-o", "r.html", cwd=tmp_path)
    assert result.returncode == 2 and "log_history[1].step is 'two'" in result.stderr


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("/proc/x.html", "/proc/x.html: cannot create files in /proc"),
        ("notes.txt", "notes.txt: is a file that is not .html"),
    ],
)
def test_an_output_that_cannot_be_written_is_refused_before_reading(tmp_path, output, message):
    if output.startswith("/proc") and not Path("/proc/self").is_dir():
        pytest.skip("needs Linux /proc")
    _log(tmp_path / "log.jsonl", GOOD)
    (tmp_path / "notes.txt").write_text("keep me\n")
    result = rewardsmith("monitor", "log.jsonl", "-o", output, cwd=tmp_path)
    assert (result.returncode, "Traceback" in result.stderr) == (2, False), result.stderr
    assert message in result.stderr
    assert (tmp_path / "notes.txt").read_text() == "keep me\n"


def test_a_gold_name_the_log_does_not_hold_is_refused(tmp_path):
    _log(tmp_path / "log.jsonl", GOOD)
    result = rewardsmith("monitor", "log.jsonl", "-o", "r.html", "--gold", "nosuch", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--gold" in _flat(result.stderr) and "'nosuch'" in _flat(result.stderr)
    assert not (tmp_path / "r.html").exists()
    fine = rewardsmith("monitor", "log.jsonl", "-o", "r.html", "--gold", "gold", cwd=tmp_path)
    assert fine.returncode == 0, fine.stderr
    default = rewardsmith("monitor", "log.jsonl", "-o", "folder", cwd=tmp_path)
    assert default.returncode == 0 and (tmp_path / "folder" / "report.html").is_file()
