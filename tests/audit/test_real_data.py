"""The audit on real data: Qwen2.5-Math best-of-8, ProcessBench, GSM8K model solutions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rewardsmith.audit import Options, audit
from rewardsmith.audit.html import render
from rewardsmith.combine.steps import StepsClip
from rewardsmith.core import Sample
from rewardsmith.core.reward import Reward
from rewardsmith.verifiers.field import Field


def qwen_samples(shared_data: Path) -> list[Sample]:
    """Each of the 100 problems exploded into its 8 responses, grouped by problem."""
    samples = []
    with (shared_data / "qwen-math-bon" / "math_cot_100.jsonl").open() as handle:
        for problem, line in enumerate(handle):
            record = json.loads(line)
            for j, response in enumerate(record["code"]):
                samples.append(
                    Sample(
                        completion=response,
                        prompt=record["question"],
                        reference=record["gt"],
                        id=f"{problem}-{j}",
                        group=problem,
                        label=int(record["score"][j]),
                        extra={"pred": record["pred"][j], "pred_score": record["pred_score"][j]},
                    )
                )
    return samples


def test_qwen_best_of_8_figures_are_reproduced_from_stored_reward_model_scores(shared_data):
    samples = qwen_samples(shared_data)
    report = audit(Field("pred_score"), samples, Options(answer_field="pred", recheck=0))
    metrics = report["metrics"]
    assert len(samples) == 800
    assert round(metrics["pass_at_1"], 4) == 0.91
    assert metrics["pass_at_n"] == 0.96
    assert metrics["majority_at_n"] == 0.93
    assert metrics["bon_accuracy"] == 0.94
    assert report["sections"]["best_of_n"]["curve"]["k"] == [1, 2, 3, 4, 5, 6, 7, 8]


GSM8K_MODELS = ("6b_finetuning", "6b_verification", "175b_finetuning", "175b_verification")


def gsm8k_samples(shared_data: Path, problems: int | None = None) -> list[Sample]:
    """The four labelled model solutions of each GSM8K test problem, grouped by problem."""
    samples = []
    with (shared_data / "gsm8k" / "example_model_solutions.jsonl").open() as handle:
        for problem, line in enumerate(handle):
            if problems is not None and problem >= problems:
                break
            record = json.loads(line)
            for model in GSM8K_MODELS:
                samples.append(
                    Sample(
                        completion=record[model]["solution"],
                        prompt=record["question"],
                        reference=record["ground_truth"],
                        id=f"{problem}-{model}",
                        group=problem,
                        label=int(record[model]["is_correct"]),
                    )
                )
    return samples


def independent_best_of_4(samples: list[Sample], values: dict[str, float]) -> float:
    """Best-of-4 by hand: the highest reward wins, an incorrect completion wins a tie."""
    groups: dict[int, list[Sample]] = {}
    for sample in samples:
        groups.setdefault(sample.group, []).append(sample)
    picks = [max(g, key=lambda s: (values[s.id], -s.label)).label for g in groups.values()]
    return sum(picks) / len(picks)


def test_math_answer_agrees_with_gsm8k_labels_and_picks_best_of_4(shared_data):
    samples = gsm8k_samples(shared_data)
    report = audit("math.answer", samples, Options(recheck=16, batch_size=64))
    metrics = report["metrics"]
    assert len(samples) == 5276 and sum(s.label for s in samples) == 2001
    assert metrics["error_rate"] == 0.0 and metrics["nondeterministic_rate"] == 0.0
    assert metrics["accuracy"] == 1.0 and metrics["auroc"] == 1.0
    assert metrics["pass_at_1"] == 2001 / 5276 and metrics["pass_at_n"] == 887 / 1319
    from rewardsmith.core import load

    values = {s.id: r.value for s, r in zip(samples, load("math.answer").score(samples), strict=True)}
    assert metrics["bon_accuracy"] == independent_best_of_4(samples, values)
    assert metrics["bon_accuracy"] == metrics["pass_at_n"]  # a perfect verifier picks a right answer when one exists


def processbench_samples(shared_data: Path, split: str) -> list[Sample]:
    """ProcessBench solutions with a positional step score (later steps look more suspicious)."""
    records = json.loads((shared_data / "processbench" / f"{split}.json").read_text())
    return [
        Sample(
            completion="\n\n".join(r["steps"]),
            prompt=r["problem"],
            id=r["id"],
            label=int(r["label"]),
            extra={"steps": r["steps"], "step_scores": [1 - t / len(r["steps"]) for t in range(len(r["steps"]))]},
        )
        for r in records
    ]


def brute_force_f1(samples: list[Sample]) -> float:
    """Best earliest-error F1 over every threshold, by direct prediction at each one."""
    best = 0.0
    thresholds = sorted({v for s in samples for v in s.extra["step_scores"]} | {2.0})
    for tau in thresholds:
        err = [s for s in samples if s.label >= 0]
        ok = [s for s in samples if s.label == -1]
        predict = [next((t for t, v in enumerate(s.extra["step_scores"]) if v < tau), -1) for s in samples]
        by_id = {s.id: p for s, p in zip(samples, predict, strict=True)}
        acc_err = sum(by_id[s.id] == s.label for s in err) / len(err)
        acc_ok = sum(by_id[s.id] == -1 for s in ok) / len(ok)
        if acc_err + acc_ok:
            best = max(best, 2 * acc_err * acc_ok / (acc_err + acc_ok))
    return best


def test_processbench_earliest_error_f1_with_threshold_search(shared_data):
    samples = processbench_samples(shared_data, "gsm8k")
    report = audit(Field("step_scores", aggregate="min"), samples, Options(recheck=0))
    section = report["sections"]["process"]
    assert section["n"] == 400 and section["source"] == "step scores"
    assert report["metrics"]["process_f1"] == pytest.approx(brute_force_f1(samples), abs=1e-12)
    assert section["searched"]["f1"] >= section["at_threshold"]["f1"]
    assert "agreement" not in report["sections"]


class Constant(Reward):
    name = "constant"

    def score_one(self, sample: Sample) -> float:
        return 1.0


def test_processbench_f1_reads_the_prm_inside_a_wrapping_spec(shared_data):
    """steps.clip writes clipped values at the top; the section measures the wrapped model's own
    step scores, so the F1 is the bare one's. A reward with no step scores gets a finding, not silence."""
    samples = processbench_samples(shared_data, "gsm8k")[::4]  # the file is sorted: erroneous ones first
    bare = audit(Field("step_scores", aggregate="min"), samples, Options(recheck=0))
    clipped = audit(StepsClip(Field("step_scores", aggregate="min"), eta=0.5), samples, Options(recheck=0))
    assert clipped["sections"]["process"]["n"] == 100
    assert clipped["metrics"]["process_f1"] == bare["metrics"]["process_f1"] == pytest.approx(
        brute_force_f1(samples), abs=1e-12
    )
    blind = audit(Constant(), samples, Options(recheck=0))
    assert blind["sections"]["process"]["n"] == 0 and "process_f1" not in blind["metrics"]
    assert "100 records carry ProcessBench steps and labels" in blind["sections"]["process"]["findings"][0]["text"]
    assert "100 records carry ProcessBench steps and labels" in render(blind)
