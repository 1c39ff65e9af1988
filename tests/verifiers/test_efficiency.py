"""Efficiency rewards on real model solutions (GSM8K, Qwen2.5-Math best-of-8), read in place.

Correctness comes from ``math.answer``; the formulas are recomputed here from the data's own
correctness labels and token counts of the ``tokenizers`` library, so each check measures the
component against something it did not compute itself.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from tokenizers import Tokenizer

from rewardsmith.core import ErrorKind, RewardResult, Sample, load
from rewardsmith.verifiers.efficiency.rewards import CorrectShort, Overthinking
from rewardsmith.verifiers.length.budget import Budget
from rewardsmith.verifiers.math import MathAnswer

MODELS = ("6b_finetuning", "6b_verification", "175b_finetuning", "175b_verification")
PROBLEMS = 300


@pytest.fixture(scope="module")
def gsm8k(shared_data: Path) -> tuple[list[Sample], list[bool]]:
    """The first 300 GSM8K problems, four real solutions each, one group per problem."""
    samples, labels = [], []
    with (shared_data / "gsm8k/example_model_solutions.jsonl").open() as handle:
        for number, line in zip(range(PROBLEMS), handle, strict=False):
            row = json.loads(line)
            for model in MODELS:
                samples.append(Sample(row[model]["solution"], reference=row["ground_truth"], group=number))
                labels.append(row[model]["is_correct"])
    return samples, labels


@pytest.fixture(scope="module")
def bon(shared_data: Path) -> tuple[list[Sample], list[bool]]:
    """The first 25 problems' eight responses each (all 100 take ~15 s to check line by line)."""
    rows = [json.loads(line) for line in (shared_data / "qwen-math-bon/math_cot_100.jsonl").open()][:25]
    samples = [Sample(code, reference=row["gt"], group=row["idx"]) for row in rows for code in row["code"]]
    return samples, [score for row in rows for score in row["score"]]


@pytest.fixture(scope="module")
def tokenizer(shared_data: Path) -> str:
    """A real tokenizer (the 260K TinyLlama's) standing in for a policy's."""
    return str(shared_data / "tiny_llama_stories260k/hf/tokenizer.json")


def token_counts(path: str, texts: list[str]) -> np.ndarray:
    loaded = Tokenizer.from_file(path)
    return np.array([len(loaded.encode(t, add_special_tokens=False).ids) for t in texts], dtype=float)


def test_correct_short_is_shorterbetter_on_gsm8k_groups(gsm8k, tokenizer):
    samples, labels = gsm8k
    reward = CorrectShort(MathAnswer(), unit="tokens", tokenizer=tokenizer)
    results = reward.score(samples)
    length = token_counts(tokenizer, [s.text for s in samples])
    correct = np.array(labels)
    checked = 0
    for start in range(0, len(samples), 4):
        group = slice(start, start + 4)
        if any(r.details["correct"] != label for r, label in zip(results[group], labels[group], strict=True)):
            continue  # math.answer and the label disagree here; the formula is checked on the rest
        right = length[group][correct[group]]
        optimal = right.min() if len(right) else length[group].mean()
        expected = 2.0 * correct[group] - 0.001 * np.abs(length[group] - optimal)
        assert [r.value for r in results[group]] == pytest.approx(expected.tolist(), abs=1e-12)
        checked += 1
    assert checked >= 298  # math.answer agrees with the labels on all but a handful of groups


def test_correct_short_pays_the_shortest_correct_solution_most(gsm8k):
    samples, _ = gsm8k
    results = CorrectShort(MathAnswer(), unit="words").score(samples)
    for start in range(0, len(samples), 4):
        group = results[start : start + 4]
        right = [r for r in group if r.details["correct"]]
        if right:
            best = max(group, key=lambda r: r.value)
            assert best.value == 2.0 and best.details["length"] == min(r.details["length"] for r in right)


def test_correct_short_without_penalising_wrong_pays_wrong_solutions_zero(gsm8k):
    samples, labels = gsm8k
    results = CorrectShort(MathAnswer(), penalise_wrong=False, unit="words").score(samples[:80])
    wrong = [r.value for r, label in zip(results, labels[:80], strict=True) if not label]
    assert wrong and set(wrong) == {0.0}


def test_budget_is_l1_max_with_real_token_counts(gsm8k, tokenizer):
    samples, labels = gsm8k
    reward = Budget(mode="max", budget=120, correct=MathAnswer(), unit="tokens", tokenizer=tokenizer)
    results = reward.score(samples)
    length = token_counts(tokenizer, [s.text for s in samples])
    for result, label, n in zip(results, labels, length, strict=True):
        if result.details["correct"] == label:
            assert result.value == pytest.approx(label * float(np.clip(0.0003 * (120 - n) + 0.5, 0, 1)))


def test_budget_exact_uses_each_records_own_target(tokenizer):
    reward = Budget(mode="exact", unit="tokens", tokenizer=tokenizer)
    text = "Janet sells 16 - 3 - 4 = 9 duck eggs a day."
    n = token_counts(tokenizer, [text])[0]
    results = reward.score([Sample(text, extra={"budget": 10}), Sample(text, extra={"budget": 4000})])
    assert [r.value for r in results] == pytest.approx([1 - 0.0003 * abs(10 - n), 1 - 0.0003 * abs(4000 - n)])


def test_budget_without_a_target_is_a_bad_input_error():
    result = Budget(unit="words")("some words")
    assert result.value is None and result.error_kind is ErrorKind.BAD_INPUT


def test_overthinking_on_best_of_8_math_responses(bon):
    samples, labels = bon
    checker = MathAnswer(last_number=False)
    results = Overthinking(checker, unit="words").score(samples)
    values = np.array([r.value for r in results])
    assert np.mean((values > 0) == np.array(labels)) >= 0.99  # paid when the data labels it correct
    assert all(0.0 < v <= 1.0 for v in values[values > 0])
    early = [(s, r) for s, r in zip(samples, results, strict=True) if r.value and r.details["tokens_after"] > 0]
    assert len(early) >= 20  # responses that reach the answer and keep going (143 with math.answer today)
    for sample, result in early:
        end = result.details["first_correct_chars"]
        # the first accepted prefix is accepted on its own, and no earlier line ending is
        assert checker(sample.text[:end], reference=sample.reference).value == 1.0
        earlier = sample.text[:end].rstrip("\n").rsplit("\n", 1)[0]
        if earlier != sample.text[:end]:
            assert checker(earlier, reference=sample.reference).value == 0.0


def test_overthinking_passes_a_checker_error_up_with_its_kind():
    child = MathAnswer()("The answer is 4.")  # no reference: the checker cannot judge
    result = Overthinking(MathAnswer(), unit="words")("The answer is 4.")
    assert child.error is not None
    assert result.value is None and result.error_kind is child.error_kind and "math.answer" in result.error


def test_efficiency_rewards_load_from_specs(tokenizer):
    spec = {"type": "efficiency.correct_short", "correct": {"type": "math.answer"}, "unit": "tokens",
            "tokenizer": tokenizer}
    assert isinstance(load(spec), CorrectShort)
    spec = {"type": "length.budget", "mode": "exact", "budget": 512, "correct": {"type": "math.answer"},
            "unit": "words"}
    assert load(spec)("The answer is 4.", reference="4").value == pytest.approx(1 - 0.0003 * (512 - 4))


class _TimesOutOnPrefixes(MathAnswer):
    """math.answer that times out on anything but the full completion used below."""

    def score(self, samples):
        return [
            RewardResult.fail("took too long", kind=ErrorKind.TIMEOUT) if not s.text.endswith("4.") else r
            for s, r in zip(samples, super().score(samples), strict=True)
        ]


def test_overthinking_with_an_unjudged_prefix_is_an_error_of_that_kind():
    result = Overthinking(_TimesOutOnPrefixes(), unit="words")("2 + 2 = 4\nso\nThe answer is 4.", reference="4")
    assert result.value is None and result.error_kind is ErrorKind.TIMEOUT and "prefix" in result.error
