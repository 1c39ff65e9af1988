"""``rewardsmith.load("grader.json")`` reads an OpenAI grader file as its equivalent spec."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import rewardsmith


def test_a_string_check_grader_file_loads_as_text_exact(tmp_path: Path) -> None:
    path = tmp_path / "grader.json"
    path.write_text(
        json.dumps(
            {
                "type": "string_check",
                "name": "exact",
                "input": "{{sample.output_text}}",
                "reference": "{{item.answer}}",
                "operation": "ne",
            }
        )
    )
    reward = rewardsmith.load(path)
    assert [reward("Paris", reference="Paris").value, reward("Lyon", reference="Paris").value] == [0.0, 1.0]


def test_a_grader_without_an_equivalent_is_refused_with_its_reason(tmp_path: Path) -> None:
    path = tmp_path / "grader.json"
    path.write_text(json.dumps({"type": "python", "name": "mine", "source": "def grade(sample, item): return 1"}))
    with pytest.raises(rewardsmith.SpecError, match="OpenAI grader"):
        rewardsmith.load(path)


def test_score_cli_takes_a_grader_file(tmp_path: Path) -> None:
    grader = tmp_path / "grader.json"
    grader.write_text(
        json.dumps(
            {
                "type": "text_similarity",
                "name": "bleu",
                "input": "{{sample.output_text}}",
                "reference": "{{item.answer}}",
                "evaluation_metric": "bleu",
            }
        )
    )
    data = tmp_path / "data.jsonl"
    data.write_text(json.dumps({"completion": "the cat sat on the mat", "answer": "the cat sat on the mat"}) + "\n")
    out = tmp_path / "out.jsonl"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "rewardsmith",
            "score",
            str(grader),
            str(data),
            "-o",
            str(out),
            "--map",
            "reference=answer",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text())["reward"] == pytest.approx(1.0)
