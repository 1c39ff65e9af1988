"""The audit's efficiency section on real GSM8K groups, from the library, the HTML page and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rewardsmith.audit.html import render
from rewardsmith.audit.runner import audit
from rewardsmith.core import RewardResult, Sample
from rewardsmith.core.reward import Reward
from rewardsmith.verifiers.math import MathAnswer

MODELS = ("6b_finetuning", "6b_verification", "175b_finetuning", "175b_verification")


@pytest.fixture(scope="module")
def groups(shared_data: Path) -> list[Sample]:
    samples = []
    with (shared_data / "gsm8k/example_model_solutions.jsonl").open() as handle:
        for number, line in zip(range(200), handle, strict=False):
            row = json.loads(line)
            for model in MODELS:
                samples.append(Sample(row[model]["solution"], reference=row["ground_truth"], group=number,
                                      label=row[model]["is_correct"]))
    return samples


class PaysForWords(Reward):
    """The labels' correctness plus ``rate`` per word: an exactly known exchange rate."""

    name = "pays_for_words"

    def __init__(self, rate: float) -> None:
        self.rate = rate

    def score_one(self, sample: Sample) -> RewardResult:
        return RewardResult.ok(float(sample.label) + self.rate * len(sample.text.split()))


def test_accuracy_by_length_matches_the_labels(groups):
    section = audit(MathAnswer(), groups)["sections"]["efficiency"]
    parts = [[] for _ in range(4)]
    for start in range(0, len(groups), 4):
        members = sorted(groups[start : start + 4], key=lambda s: len(s.text.split()))
        for rank, sample in enumerate(members):
            parts[rank].append(float(sample.label))
    assert section["by_length"]["part"] == ["1/4", "2/4", "3/4", "4/4"]
    assert section["by_length"]["accuracy"] == pytest.approx([np.mean(p) for p in parts])


def test_a_correctness_reward_buys_no_length(groups):
    section = audit(MathAnswer(), groups)["sections"]["efficiency"]
    assert section["reward_per_correct"] == pytest.approx(1.0, abs=0.01)  # math.answer ≈ the labels
    assert section["words_per_correct"] is None and section["findings"] == []


def test_the_exchange_rate_recovers_what_a_reward_pays_per_word(groups):
    section = audit(PaysForWords(0.01), groups)["sections"]["efficiency"]
    assert section["reward_per_correct"] == pytest.approx(1.0)
    assert section["words_per_correct"] == pytest.approx(100.0)
    assert section["findings"] == []  # 100 words is more than a correct solution's length


def test_a_reward_paying_for_length_gets_a_finding_and_a_longer_best_of_n_pick(groups):
    report = audit(PaysForWords(0.05), groups)
    section = report["sections"]["efficiency"]
    assert section["words_per_correct"] == pytest.approx(20.0)
    assert "20 extra words earn as much reward as a correct answer" in section["findings"][0]["text"]
    correct_only = audit(MathAnswer(), groups)["sections"]["efficiency"]
    assert section["chosen_words"] > correct_only["chosen_words"]
    assert report["metrics"]["efficiency.reward_per_word"] == pytest.approx(0.05)
    assert 'id="efficiency"' in render(report)


def test_the_cli_audit_has_the_efficiency_section(tmp_path, shared_data):
    spec = "{type: efficiency.correct_short, correct: {type: math.answer}}"
    data = str(shared_data / "qwen-math-bon/math_cot_100.jsonl")
    mapping = ["--explode", "code,score,pred,pred_score,report,response", "--map", "completion=code",
               "--map", "label=score", "--map", "reference=gt"]
    done = subprocess.run(
        [sys.executable, "-m", "rewardsmith", "audit", spec, data, *mapping, "-o", str(tmp_path / "r"), "-q",
         "--fail-on", "efficiency.reward_per_word>0"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert report["sections"]["efficiency"]["groups"] == 100
    assert report["metrics"]["efficiency.reward_per_word"] < 0  # ShorterBetter pays shorter answers
