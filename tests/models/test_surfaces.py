"""The model rewards through every surface wave 1 built: the CLI, the server, TRL and the audit,
on real data where the issue names it (HH-RLHF, RM-Bench, ProcessBench). With a 260K-parameter
story model these are pipeline checks: the numbers compute and match direct scoring; no
accuracy is claimed."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

import rewardsmith
from rewardsmith.audit.runner import audit
from rewardsmith.core import Sample
from rewardsmith.integrations.trl import TRLReward
from rewardsmith.models.classifier import Classifier
from rewardsmith.models.prm import ProcessRewardModel
from rewardsmith.runner import score_file

from ..serve.conftest import running_server
from .conftest import ONE_THREAD

pytestmark = pytest.mark.models

RECORDS = [
    {"id": "a", "prompt": "Tell me a story.", "completion": "Once upon a time, there was a cat."},
    {"id": "b", "prompt": "Hi", "completion": "Hello! How are you today?"},
    {"id": "c", "prompt": "Hi", "completion": ""},
]


def hh_pairs(shared_data: Path, count: int) -> list[dict]:
    with gzip.open(shared_data / "hh_rlhf" / "helpful-base" / "test.jsonl.gz", "rt") as handle:
        return [json.loads(line) for _, line in zip(range(count), handle, strict=False)]


def test_score_file_writes_the_values_python_computes(classifier, tmp_path):
    """The file runner behind ``rewardsmith score``, in this process (the subprocess twin below
    is slow: it imports torch afresh)."""
    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    reward = rewardsmith.load({"type": "model.classifier", "model": str(classifier), "batch_size": 2})
    score_file(reward, data, tmp_path / "out.jsonl")
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    expected = Classifier(classifier).score([Sample.from_record(r) for r in RECORDS])
    assert [r["reward"] for r in rows] == pytest.approx([e.value for e in expected[:2]] + [None], abs=1e-6)
    assert rows[2]["reward_error"] == "model.classifier: record 'c': empty completion"
    assert rows[2]["reward_error_kind"] == "bad_input"


@pytest.mark.slow  # a subprocess that imports torch: 10-15 s on the shared machine
def test_cli_score_writes_the_values_python_computes(classifier, tmp_path):
    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    spec = tmp_path / "rm.yaml"
    spec.write_text(f"type: model.classifier\nmodel: {classifier}\nbatch_size: 2\n")
    done = subprocess.run(
        [sys.executable, "-m", "rewardsmith", "score", str(spec), str(data), "-o", str(tmp_path / "out.jsonl"),
         "--max-error-rate", "0.5", "--quiet"],
        capture_output=True, text=True, timeout=120, env={**os.environ, **ONE_THREAD},
    )
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    expected = Classifier(classifier).score([Sample.from_record(r) for r in RECORDS])
    assert [r["reward"] for r in rows] == pytest.approx([e.value for e in expected[:2]] + [None], abs=1e-6)
    assert rows[2]["reward_error"] == "model.classifier: record 'c': empty completion"
    assert rows[2]["reward_error_kind"] == "bad_input"


@pytest.mark.slow
def test_server_scores_micro_batched_requests_like_python(classifier, tmp_path):
    spec = tmp_path / "rm.yaml"
    spec.write_text(f"type: model.classifier\nmodel: {classifier}\n")
    expected = [r.value for r in Classifier(classifier).score([Sample.from_record(r) for r in RECORDS[:2]])]
    with running_server(spec, "--max-wait-ms", "20", tmp=tmp_path, env=ONE_THREAD) as server:
        response = httpx.post(f"{server.url}/score", json={"samples": RECORDS}, timeout=60)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["reward"] for r in results[:2]] == pytest.approx(expected, abs=1e-6)
    assert results[2]["reward"] is None and results[2]["reward_error_kind"] == "bad_input"


def test_trl_reward_function_gives_the_component_values_and_none_for_errors(classifier):
    reward = TRLReward({"type": "model.classifier", "model": classifier})
    values = reward(
        prompts=[r["prompt"] for r in RECORDS], completions=[r["completion"] for r in RECORDS],
        completion_ids=[[1, 2]] * 3,
    )
    expected = Classifier(classifier).score([Sample.from_record(r) for r in RECORDS[:2]])
    assert values[:2] == pytest.approx([e.value for e in expected], abs=1e-6)
    assert values[2] is None


def test_audit_pairwise_accuracy_on_hh_rlhf_pairs(classifier, shared_data):
    """HH-RLHF helpful-base: chosen and rejected dialogues as plain text, one group per pair."""
    samples = []
    for index, pair in enumerate(hh_pairs(shared_data, 12)):
        for label, key in ((1, "chosen"), (0, "rejected")):
            samples.append(Sample(pair[key], group=f"p{index}", label=label))
    reward = Classifier(classifier, chat_template="none", truncate="left", max_length=512)
    report = audit(reward, samples)
    values = [r.value for r in reward.score(samples)]
    expected = sum(values[2 * i] > values[2 * i + 1] for i in range(12)) / 12
    assert report["metrics"]["pairwise_accuracy"] == expected
    assert report["metrics"]["error_rate"] == 0.0


def test_audit_processbench_section_reads_prm_step_scores(tiny, shared_data):
    records = json.loads((shared_data / "processbench" / "gsm8k.json").read_text())[:30]
    samples = [Sample("", prompt=r["problem"], label=r["label"], extra={"steps": r["steps"]}) for r in records]
    reward = ProcessRewardModel(tiny, chat_template="none")
    report = audit(reward, samples)
    scored = sum(1 for r in reward.score(samples) if r.error is None)
    assert report["sections"]["process"]["n"] == scored
    assert 0.0 <= report["metrics"]["process_f1"] <= 1.0


def rm_bench_matrix(scores: list[tuple[list[float], list[float]]]) -> dict[str, float]:
    """RM-Bench's style–substance matrix (its README): M[i][j] = share of prompts with
    score(chosen[i]) > score(rejected[j]); hard = upper triangle, normal = diagonal, easy = lower."""
    m = [[sum(c[i] > r[j] for c, r in scores) / len(scores) for j in range(3)] for i in range(3)]
    return {
        "hard": (m[0][1] + m[0][2] + m[1][2]) / 3,
        "normal": (m[0][0] + m[1][1] + m[2][2]) / 3,
        "easy": (m[1][0] + m[2][0] + m[2][1]) / 3,
    }


def test_rm_bench_style_substance_matrix_computes_from_classifier_scores(classifier, shared_data):
    with gzip.open(shared_data / "rm_bench" / "chat_filtered.json.gz", "rt") as handle:
        prompts = json.load(handle)[:4]
    reward = Classifier(classifier, truncate="left", max_length=512)
    samples = [Sample(text, prompt=p["prompt"]) for p in prompts for text in p["chosen"] + p["rejected"]]
    values = [r.value for r in reward.score(samples)]
    assert None not in values
    scores = [(values[6 * k:6 * k + 3], values[6 * k + 3:6 * k + 6]) for k in range(len(prompts))]
    matrix = rm_bench_matrix(scores)
    assert all(0.0 <= v <= 1.0 for v in matrix.values())
    assert rm_bench_matrix([([3, 2, 1], [0, 0, 0])]) == {"hard": 1.0, "normal": 1.0, "easy": 1.0}
