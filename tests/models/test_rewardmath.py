"""RewardMATH and RewardBench math-prm figures reproduced from the stored scores of 31 / 13 real
reward models (``../shared/data/rewardmath``), through the audit and its ranking metric, with
process-reward steps aggregated by the library's own components.

The expected values are the data set's ``expected_metrics_*.json`` (the RewardMATH authors'
metric code run on their stored outputs); InternLM2-7B-Reward's 37.27 accuracy / 55.17 MRR is the
paper's figure.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from rewardsmith.audit.ranking import correct_rank
from rewardsmith.audit.runner import audit
from rewardsmith.core import Sample, load

CHOSEN = "human_to_GPT-4"
#: RewardMATH's step aggregations -> the spec that computes each from stored step scores.
AGGREGATES = {
    "min": {"type": "steps.aggregate", "method": "min"},
    "max": {"type": "field", "field": "step_scores", "aggregate": "max"},
    "prod": {"type": "steps.aggregate", "method": "product"},
    "geometric_mean": {"type": "steps.aggregate", "method": "geometric"},
    "mean": {"type": "steps.aggregate", "method": "mean"},
    "last": {"type": "steps.aggregate", "method": "last"},
}


@pytest.fixture(scope="module")
def folder(shared_data: Path) -> Path:
    return shared_data / "rewardmath"


def read(path: Path) -> Any:
    with gzip.open(path, "rt") as handle:
        return json.load(handle)


def expected(folder: Path, name: str) -> dict[str, Any]:
    return json.loads((folder / f"expected_metrics_{name}.json").read_text())


def aggregated(spec: dict[str, Any], step_lists: list[list[float]]) -> list[float]:
    results = load(spec).score([Sample("", extra={"step_scores": steps}) for steps in step_lists])
    assert all(r.error is None for r in results), next(r.error for r in results if r.error)
    return [r.value for r in results]


def metrics(problems: list[tuple[list[float], list[int]]]) -> dict[str, Any]:
    """RewardMATH accuracy, MRR (the audit's pessimistic ranks) and accuracy with ties, ×100."""
    ranks = [correct_rank(scores, labels) for scores, labels in problems]
    with_tie = [
        min(s for s, y in zip(scores, labels, strict=True) if y)
        >= max(s for s, y in zip(scores, labels, strict=True) if not y)
        for scores, labels in problems
    ]
    return {
        "n": len(problems),
        "acc": round(100 * sum(r == 1 for r in ranks) / len(ranks), 3),
        "mrr": round(100 * sum(1 / r for r in ranks) / len(ranks), 3),
        "acc_with_tie": round(100 * sum(with_tie) / len(with_tie), 3),
    }


def pairwise_scores(record: dict[str, Any]) -> tuple[list[float], list[int]]:
    """The repo's rule: the correct solution gets 1 + its wins; a rejected one 1 if the judge
    picked the correct solution over it, else 11."""
    wins = [pick == position for pick, position in zip(record["score"], record["chosen_position"], strict=True)]
    return [1.0 + sum(wins)] + [1.0 if won else 11.0 for won in wins], [1] + [0] * len(wins)


def test_audit_reproduces_internlm2_reward_on_rewardmath(folder):
    """The paper's figure, through ``rewardsmith audit``'s best-of-N section on a stored score."""
    records = read(folder / "results" / "RewardMATH" / "internlm2_reward.json.gz")
    samples = [
        Sample("", group=index, label=int(tag == CHOSEN), extra={"rm": score})
        for index, record in enumerate(records)
        for tag, score in zip(record["solution_reference"], record["score"], strict=True)
    ]
    report = audit({"type": "field", "field": "rm"}, samples)
    assert round(100 * report["metrics"]["top1_accuracy"], 2) == 37.27
    assert round(100 * report["metrics"]["mrr"], 2) == 55.17


@pytest.mark.slow
def test_every_rewardmath_figure_of_31_models(folder):
    for name, table in expected(folder, "rewardmath").items():
        records = read(folder / "results" / "RewardMATH" / f"{name}.json.gz")
        for variant, want in table.items():
            if variant == "pairwise":
                problems = [pairwise_scores(r) for r in records]
            else:
                if variant == "normal_dedup_first_occurrence":
                    seen: set[str] = set()
                    records = [r for r in records if not (r["problem"] in seen or seen.add(r["problem"]))]
                labels = [[int(tag == CHOSEN) for tag in r["solution_reference"]] for r in records]
                if variant in AGGREGATES:
                    flat = aggregated(AGGREGATES[variant], [steps for r in records for steps in r["score"]])
                    sizes = [len(r["score"]) for r in records]
                    starts = [sum(sizes[:i]) for i in range(len(sizes))]
                    scores = [flat[a:a + n] for a, n in zip(starts, sizes, strict=True)]
                else:
                    scores = [[float(s) for s in r["score"]] for r in records]
                problems = list(zip(scores, labels, strict=True))
            got = metrics(problems)
            assert {k: got[k] for k in want} == want, f"{name} / {variant}"


def test_every_rewardbench_math_prm_figure_of_13_models(folder):
    for name, table in expected(folder, "rewardbench_math_prm").items():
        records = read(folder / "results" / "Rewardbench" / f"{name}.json.gz")
        for variant, want in table.items():
            if variant == "normal":
                pairs = [(float(r["score"][0]), float(r["score"][1])) for r in records]
            else:
                values = aggregated(AGGREGATES[variant], [r["output"]["step_scores"] for r in records])
                by_problem: dict[Any, dict[str, float]] = {}
                for record, value in zip(records, values, strict=True):
                    by_problem.setdefault(record["problem_id"], {})[record["solution_type"]] = value
                pairs = [(v["chosen"], v["rejected"]) for v in by_problem.values()]
            got = {"n": len(pairs), "acc": round(100 * sum(c > r for c, r in pairs) / len(pairs), 3)}
            assert got == want, f"{name} / {variant}"
