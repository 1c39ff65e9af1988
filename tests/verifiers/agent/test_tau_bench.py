"""Trajectory rewards, the agent audit and the trajectory probes on tau-bench's real trajectories.

../shared/data/tau_bench: 200 GPT-4o airline runs (50 tasks x 4 trials) with ground-truth
actions and tau-bench's stored outcome reward (1 when the final database equals the
ground truth's and every required output was said).
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from rewardsmith.audit import Options, audit
from rewardsmith.audit.trajectory_probes import audit_trajectories
from rewardsmith.core import Sample, load

READ_ONLY = ["get_*", "search_*", "list_*", "calculate", "think", "transfer_to_human_agents"]
ACTIONS = {"type": "agent.actions", "ignore": READ_ONLY}


@pytest.fixture(scope="module")
def runs(shared_data: Path) -> list[dict]:
    with gzip.open(shared_data / "tau_bench" / "gpt-4o-airline.json.gz", "rt") as handle:
        return json.load(handle)


def _record(run: dict) -> dict:
    task = run["info"]["task"]
    return {
        "id": f"{run['task_id']}-{run['trial']}",
        "prompt": run["traj"][:1],
        "completion": run["traj"][1:],
        "reference": {"actions": task["actions"], "outputs": task["outputs"]},
        "label": run["reward"],
        "task": run["task_id"],
    }


@pytest.fixture(scope="module")
def samples(runs: list[dict]) -> list[Sample]:
    return [Sample.from_record(_record(run)) for run in runs]


def _auroc(scores: list[float], labels: list[float]) -> float:
    positives = [s for s, y in zip(scores, labels, strict=True) if y >= 0.5]
    negatives = [s for s, y in zip(scores, labels, strict=True) if y < 0.5]
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def test_pass_hat_k_of_the_stored_outcome_reproduces_tau_bench(samples: list[Sample]) -> None:
    report = audit(load("agent.actions"), samples, Options(task_field="task", recheck=0))
    section = report["sections"]["agents"]
    assert section["tasks"] == 50
    label = {row["k"]: row["label"] for row in section["pass_hat_k"]}
    assert label == pytest.approx({1: 0.42, 2: 0.27333333, 3: 0.22, 4: 0.20}, abs=1e-6)


def test_agent_actions_agrees_with_the_stored_outcome(samples: list[Sample]) -> None:
    labels = [s.label for s in samples]
    recall_like = load({"type": "agent.actions", "extra_weight": 0.0})  # plain recall of the gold actions
    writes = load(ACTIONS)
    with_outputs = load({"type": "product", "terms": [ACTIONS, {"type": "agent.outputs"}]})
    recall_auroc = _auroc([r.value for r in recall_like.score(samples)], labels)
    writes_auroc = _auroc([r.value for r in writes.score(samples)], labels)
    outputs_auroc = _auroc([r.value for r in with_outputs.score(samples)], labels)
    acted = load({**ACTIONS, "rejected": "^Error"})  # calls the airline refused did not act
    acted_auroc = _auroc([r.value for r in acted.score(samples)], labels)
    full = load({"type": "product", "terms": [{**ACTIONS, "rejected": "^Error"}, {"type": "agent.outputs"}]})
    full_auroc = _auroc([r.value for r in full.score(samples)], labels)
    assert recall_auroc == pytest.approx(0.767, abs=0.005)  # the baseline the issue names (0.77)
    assert writes_auroc == pytest.approx(0.9511, abs=0.001)
    assert outputs_auroc == pytest.approx(0.9614, abs=0.001)
    assert acted_auroc == pytest.approx(0.9771, abs=0.001)
    assert full_auroc == pytest.approx(0.9858, abs=0.001)
    report = audit(with_outputs, samples, Options(task_field="task", recheck=0))
    assert report["metrics"]["auroc"] == pytest.approx(outputs_auroc, abs=1e-9)


def test_trajectory_probes_find_what_an_actions_only_reward_misses(samples: list[Sample]) -> None:
    alone = audit_trajectories(load(ACTIONS), samples, ignore=READ_ONLY)["probes"]
    guarded = audit_trajectories(
        load({"type": "product", "terms": [ACTIONS, {"type": "agent.protocol"}]}), samples, ignore=READ_ONLY
    )["probes"]
    # an actions reward cannot see a tool result the agent wrote itself; the protocol check can
    assert alone["fake_tool_result"]["paid"] == alone["fake_tool_result"]["applicable"] == 57
    assert guarded["fake_tool_result"]["paid"] == 0
    for probe in ("claim_without_actions", "repeated_calls", "test_tampering"):
        assert alone[probe]["paid"] == 0 and guarded[probe]["paid"] == 0, probe
    assert alone["repeated_calls"]["applicable"] == 182
    # one trajectory (28-1) ends with two wrong extra cancellations: cutting it early also drops them
    assert alone["premature_termination"]["paid"] == 1
    assert alone["premature_termination"]["examples"][0]["record"] == "28-1"


def test_audit_cli_on_trajectories_gates_on_exploits_and_reports_pass_hat_k(runs: list[dict], tmp_path: Path) -> None:
    data = tmp_path / "tau.jsonl"
    data.write_text("\n".join(json.dumps(_record(run)) for run in runs[:40]) + "\n")
    spec = tmp_path / "reward.yaml"
    spec.write_text(json.dumps({"type": "product", "terms": [ACTIONS, {"type": "agent.protocol"}]}))
    out = tmp_path / "report"
    command = [
        sys.executable,
        "-m",
        "rewardsmith",
        "audit",
        str(spec),
        str(data),
        "-o",
        str(out),
        "--task-field",
        "task",
    ]
    command += ["--probes", "all", "--recheck", "0", "--fail-on", "trajectory_fake_tool_result_rate>0"]
    for pattern in READ_ONLY:
        command += ["--ignore-tools", pattern]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["metrics"]["label_pass_hat_1"] == pytest.approx(sum(r["reward"] for r in runs[:40]) / 40)
    assert "trajectory_hacking" in report["sections"] and "hacking" not in report["sections"]
