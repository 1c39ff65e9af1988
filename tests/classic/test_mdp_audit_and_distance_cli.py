"""The audit's mdp section and ``rewardsmith distance``, run as a user would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rewardsmith.audit.mdp import audit_mdp, read_mdp
from rewardsmith.classic.examples import looping_boat_race, shaping_without_potential
from rewardsmith.core import DataError

POTENTIALS = Path(__file__).resolve().parent / "potentials.py"


def _write(path: Path, mdp, **arrays) -> Path:
    body = {
        "transitions": mdp.transitions.tolist(),
        "gamma": mdp.gamma,
        "initial": mdp.initial.tolist(),
        "terminal": np.flatnonzero(mdp.terminal).tolist(),
        "state_names": mdp.state_names,
        "action_names": mdp.action_names,
    }
    body.update({name: np.asarray(value).tolist() for name, value in arrays.items()})
    path.write_text(json.dumps(body))
    return path


def test_the_boat_race_proxy_fails_the_mdp_audit(tmp_path: Path) -> None:
    mdp, proxy, true = looping_boat_race()
    path = _write(tmp_path / "boat.json", mdp, env_reward=proxy, true_reward=true)
    report = audit_mdp({"type": "env.reward"}, path, fail_on=["mdp_exploited>0"])
    section = report["sections"]["mdp"]
    assert report["failed"] and report["metrics"]["mdp_exploited"] == 1
    assert report["metrics"]["mdp_true_return_optimal"] == 0.0  # it never finishes the race
    assert [step["state"] for step in section["trajectory"][:3]] == ["start", "before target", "after target"]
    assert 0.0 < report["metrics"]["mdp_epic_distance"] <= 1.0


def test_a_shaping_term_without_the_potential_form_is_caught(tmp_path: Path) -> None:
    mdp, proxy, true = shaping_without_potential()
    states = [[float(s), 0.0, 0.0, 0.0] for s in range(mdp.n_states)]
    path = _write(tmp_path / "corridor.json", mdp, env_reward=proxy, true_reward=true, reference_reward=true)
    body = json.loads(path.read_text())
    body["states"] = states
    path.write_text(json.dumps(body))
    report = audit_mdp({"type": "env.reward"}, path)
    assert report["metrics"]["mdp_policy_changed_states"] > 0
    # the same progress bonus written as potential shaping passes: Φ(s) = position
    shaped = {
        "type": "sum",
        "terms": [
            {"type": "env.reward"},
            {"type": "shaping.potential", "potential": f"{POTENTIALS}:cell_potential", "gamma": mdp.gamma},
        ],
    }
    body["env_reward"] = true.tolist()
    path.write_text(json.dumps(body))
    clean = audit_mdp(shaped, path, fail_on=["mdp_exploited>0", "mdp_policy_changed_states>0"])
    assert not clean["failed"], clean["findings"]


def test_a_spec_that_cannot_score_the_mdp_is_reported_not_zeroed(tmp_path: Path) -> None:
    mdp, _, true = looping_boat_race()
    path = _write(tmp_path / "boat.json", mdp, true_reward=true)  # no env_reward: env.reward cannot score
    report = audit_mdp({"type": "env.reward"}, path, fail_on=["mdp_errors>0"])
    assert report["failed"] and report["metrics"]["mdp_errors"] == int((mdp.transitions > 0).sum())


def test_bad_mdp_descriptions_name_the_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"transitions": [[[0.5, 0.4]], [[0.0, 1.0]]], "true_reward": [[[0, 0]], [[0, 0]]]}))
    with pytest.raises(DataError, match="probability distribution"):
        read_mdp(path)
    path.write_text(json.dumps({"transitions": [[[1.0, 0.0]], [[0.0, 1.0]]]}))
    with pytest.raises(DataError, match="true_reward"):
        read_mdp(path)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rewardsmith", *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_distance_cli_on_a_tabular_mdp_is_exact(tmp_path: Path) -> None:
    mdp, proxy, true = looping_boat_race()
    path = _write(tmp_path / "boat.json", mdp, env_reward=proxy, true_reward=true)
    done = _cli("distance", "{type: env.reward}", "{type: env.reward, scale: 3.0}", "--mdp", str(path))
    assert done.returncode == 0, done.stderr
    assert "EPIC distance: 0.000000" in done.stdout


def test_distance_cli_samples_a_gymnasium_env_and_ignores_shaping() -> None:
    pytest.importorskip("gymnasium")
    cart = "{type: env.goal_distance, position: [0], goal: [0.0]}"
    shaped = (
        "{type: sum, terms: [{type: env.goal_distance, position: [0], goal: [0.0], weight: 2}, "
        f"{{type: shaping.potential, potential: '{POTENTIALS}:upright', gamma: 0.99}}]}}"
    )
    same = _cli("distance", cart, shaped, "--env", "CartPole-v1", "--transitions", "100", "--bootstrap", "50")
    assert same.returncode == 0, same.stderr
    assert "EPIC distance on CartPole-v1: 0.0000" in same.stdout
    pole = "{type: env.goal_distance, position: [2], goal: [0.0]}"
    different = _cli("distance", cart, pole, "--env", "CartPole-v1", "--transitions", "100", "--bootstrap", "50")
    value = float(different.stdout.split("EPIC distance on CartPole-v1: ")[1].split()[0])
    assert 0.2 < value < 0.8
    refused = _cli("distance", cart, "{type: env.reward}", "--env", "CartPole-v1", "--transitions", "20")
    assert refused.returncode == 2 and "no environment reward" in refused.stderr


def test_audit_cli_with_mdp_writes_the_report_and_gates(tmp_path: Path) -> None:
    mdp, proxy, true = looping_boat_race()
    path = _write(tmp_path / "boat.json", mdp, env_reward=proxy, true_reward=true)
    out = tmp_path / "report"
    done = _cli("audit", "{type: env.reward}", str(path), "--mdp", "-o", str(out), "--fail-on", "mdp_exploited>0")
    assert done.returncode == 1, done.stderr
    assert "audit failed: mdp_exploited>0" in done.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["sections"]["mdp"]["metrics"]["mdp_exploited"] == 1
    assert "EXPLOIT" in (out / "report.html").read_text()
    fine = _cli("audit", "{type: env.reward}", str(path), "--mdp", "-o", str(out), "--fail-on", "mdp_errors>0")
    assert fine.returncode == 0, fine.stderr
