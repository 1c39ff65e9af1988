"""The shipped GRPO reward works end to end, from Python and from the CLI."""

import json
import subprocess
import sys

import pytest

import rewardsmith
from rewardsmith.core import Sample
from tests.conftest import REPO_ROOT

SPEC = REPO_ROOT / "examples" / "grpo_reward.yaml"
DATA = REPO_ROOT / "examples" / "data" / "grpo_samples.jsonl"
# Correct and well formed earns 1; wrong, unformatted or empty-think earns 0; q1-d is correct but
# far past L_max (overlong −1): sums q1 = [1, 0, 0, 0], q2 = [1, 1, 0, 0].
EXPECTED_SUMS = {"q1-a": 1.0, "q1-b": 0.0, "q1-c": 0.0, "q1-d": 0.0,
                 "q2-a": 1.0, "q2-b": 1.0, "q2-c": 0.0, "q2-d": 0.0}


def expected_advantage(sample_id: str) -> float:
    group = [v for k, v in EXPECTED_SUMS.items() if k[:2] == sample_id[:2]]
    mean = sum(group) / len(group)
    std = (sum((v - mean) ** 2 for v in group) / (len(group) - 1)) ** 0.5
    return (EXPECTED_SUMS[sample_id] - mean) / (std + 1e-4)


def records() -> list[dict]:
    return [json.loads(line) for line in DATA.read_text().splitlines()]


def test_example_spec_scores_samples_from_python():
    reward = rewardsmith.load(SPEC)
    batch = [Sample.from_record(r) for r in records()]
    results = reward.score(batch)
    for sample, result in zip(batch, results, strict=True):
        assert result.value == pytest.approx(expected_advantage(sample.id), abs=1e-12), sample.id
        assert result.details["components"]["sum"]["value"] == EXPECTED_SUMS[sample.id]
    overlong = results[3].details["components"]["sum"]["details"]["components"]["length.overlong"]
    assert overlong["value"] == -1.0


def test_example_spec_scores_the_example_data_with_the_cli(tmp_path):
    out = tmp_path / "scored.jsonl"
    command = [sys.executable, "-m", "rewardsmith", "score", str(SPEC), str(DATA), "-o", str(out)]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    scored = {row["id"]: row for row in map(json.loads, out.read_text().splitlines())}
    assert set(scored) == set(EXPECTED_SUMS)
    for sample_id, row in scored.items():
        assert row["reward"] == pytest.approx(expected_advantage(sample_id), abs=1e-12)
