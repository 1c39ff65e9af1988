"""Agreement of math.answer with real correctness labels (data read in place)."""

from __future__ import annotations

import json
from pathlib import Path

from rewardsmith.core import Sample
from rewardsmith.verifiers.math import MathAnswer

MODELS = ("6b_finetuning", "6b_verification", "175b_finetuning", "175b_verification")


def test_agreement_with_gsm8k_labels_is_complete(shared_data: Path) -> None:
    rows = [json.loads(line) for line in (shared_data / "gsm8k/example_model_solutions.jsonl").open()]
    samples, labels = [], []
    for row in rows:
        for model in MODELS:
            samples.append(Sample(row[model]["solution"], reference=row["ground_truth"]))
            labels.append(row[model]["is_correct"])
    results = MathAnswer().score(samples)
    assert len(results) == 5276
    assert all(r.error is None for r in results)
    agreement = sum((r.value == 1.0) == label for r, label in zip(results, labels, strict=True)) / len(labels)
    assert agreement >= 0.999, agreement
    false_positives = sum(r.value == 1.0 and not label for r, label in zip(results, labels, strict=True))
    assert false_positives == 0


def test_agreement_with_math_labels_on_latex_answers(shared_data: Path) -> None:
    rows = [json.loads(line) for line in (shared_data / "qwen-math-bon/math_cot_100.jsonl").open()]
    samples = [Sample(code, reference=row["gt"]) for row in rows for code in row["code"]]
    labels = [score for row in rows for score in row["score"]]
    results = MathAnswer().score(samples)
    disagreements = [
        (s.reference, r.details.get("normalised"))
        for s, r, label in zip(samples, results, labels, strict=True)
        if (r.value == 1.0) != label
    ]
    # The one disagreement is a label error: 10000 for the gold "10{,}000" is marked wrong.
    assert disagreements == [("10{,}000", "10000")]
