"""EPIC, DARD and STARC of specs on a tabular MDP (the audit's mdp section, ``rewardsmith distance --mdp``).

The spec is scored as transition samples; a shaping.potential term must leave every distance at
0, whatever Φ is at terminal states, as the EPIC paper's canonicalisation promises. The old code
scored only possible transitions and put 0 elsewhere (0.826 on the corridor below).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rewardsmith.audit.mdp import audit_mdp, read_mdp, tabulate
from rewardsmith.audit.rules import RuleError
from rewardsmith.classic.examples import shaping_without_potential

POTENTIALS = Path(__file__).resolve().parent / "potentials.py"


def shaping(gamma: float, weight: float = 1.0) -> dict:
    return {"type": "shaping.potential", "potential": f"{POTENTIALS}:cell_potential", "gamma": gamma, "weight": weight}


def write(path: Path, transitions: np.ndarray, gamma: float, terminal: list[int], states: list, **arrays) -> Path:
    body = {"transitions": transitions.tolist(), "gamma": gamma, "terminal": terminal, "states": states}
    body.update({name: np.asarray(value).tolist() for name, value in arrays.items()})
    path.write_text(json.dumps(body))
    return path


def metrics(spec: dict, path: Path) -> dict:
    return audit_mdp(spec, path)["metrics"]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rewardsmith", *args], capture_output=True, text=True, timeout=120, check=False
    )


def cli_numbers(done: subprocess.CompletedProcess) -> list[float]:
    assert done.returncode == 0, done.stderr
    return [float(line.rsplit(":", 1)[1]) for line in done.stdout.splitlines() if ":" in line]


@pytest.fixture
def corridor(tmp_path: Path) -> Path:
    """The reviewer's file: a corridor 0 … 5, goal 5 terminal, observation [s, 0, 0, 0] (Φ(5) = 5)."""
    mdp, _, true = shaping_without_potential()
    states = [[float(s), 0.0, 0.0, 0.0] for s in range(mdp.n_states)]
    return write(tmp_path / "corridor.json", mdp.transitions, mdp.gamma, [5], states, env_reward=true, true_reward=true)


def test_the_reviewers_shaped_corridor_reward_is_at_distance_zero(corridor: Path) -> None:
    got = metrics({"type": "sum", "terms": [{"type": "env.reward"}, shaping(0.95)]}, corridor)
    assert got["mdp_epic_distance"] == pytest.approx(0.0, abs=1e-7)  # was 0.82631998438535
    assert got["mdp_support_distance"] == pytest.approx(0.0, abs=1e-7)
    shaped = json.dumps({"type": "sum", "terms": [{"type": "env.reward"}, shaping(0.95)]})
    numbers = cli_numbers(cli("distance", "{type: env.reward}", shaped, "--mdp", str(corridor), "--gamma", "0.95"))
    assert numbers == [0.0, 0.0, 0.0]  # EPIC, STARC-EPIC, STARC-DARD; were 0.826320, 1.652640, 1.521410


def test_distance_takes_the_files_gamma_and_needs_no_true_reward(tmp_path: Path) -> None:
    """Without --gamma the canonicalisation uses the file's γ (the one shaping must use to cancel);
    a distance between two specs needs no true_reward or intended_policy in the file."""
    mdp, _, true = shaping_without_potential()
    states = [[float(s), 0.0, 0.0, 0.0] for s in range(mdp.n_states)]
    bare = write(tmp_path / "bare.json", mdp.transitions, mdp.gamma, [5], states, env_reward=true)
    shaped = json.dumps({"type": "sum", "terms": [{"type": "env.reward"}, shaping(mdp.gamma)]})
    done = cli("distance", "{type: env.reward}", shaped, "--mdp", str(bare))
    assert f"gamma {mdp.gamma:g} (the file's)" in done.stdout
    assert cli_numbers(done) == [0.0, 0.0, 0.0]
    other = cli_numbers(cli("distance", "{type: env.reward}", shaped, "--mdp", str(bare), "--gamma", "0.5"))
    assert min(other) > 0.01  # another γ does not cancel the shaping


def test_the_spec_is_scored_on_transitions_that_cannot_occur(corridor: Path) -> None:
    from rewardsmith.core import load

    description = read_mdp(corridor)
    table, problems = tabulate(load({"type": "sum", "terms": [{"type": "env.reward"}, shaping(0.95)]}), description)
    assert not problems
    # 0 → 3 cannot occur; the spec still gives γΦ(3) − Φ(0) = 2.85 (EPIC reads it)
    assert description["mdp"].transitions[0, 0, 3] == 0.0 and table[0, 0, 3] == pytest.approx(2.85)
    # out of the terminal state 5 the row is taken relative to its absorbing step: γΦ(s') − 0
    assert table[5, 0, 3] == pytest.approx(2.85) and table[5, 0, 5] == 0.0


@pytest.fixture
def authors_gridworld(shared_data: Path, tmp_path: Path) -> tuple[dict, Path]:
    """The EPIC repo's 3x3 gridworld (no terminal state); observation [row, col], so cell_potential
    is the dense_goal potential row + col − 4 up to a constant."""
    data = json.loads((shared_data / "reward_distances" / "epic" / "gridworld_epic_reference.json").read_text())
    transitions = (np.asarray(data["visitation_dist"]) > 0).astype(float)

    def state_reward(name: str) -> np.ndarray:
        return np.asarray(data["rewards"][name]["state_reward"], dtype=float).ravel()[:, None, None] + np.zeros(
            (9, 5, 9)
        )

    states = [[float(s // 3), float(s % 3)] for s in range(9)]
    sparse = state_reward("sparse_goal")
    path = write(tmp_path / "gridworld.json", transitions, 0.99, [], states, env_reward=sparse, true_reward=sparse)
    return {"data": data, "path": path, "state_reward": state_reward}, path


@pytest.mark.parametrize(
    ("spec_terms", "true_name"),
    [
        ([{"type": "env.reward"}, shaping(0.99)], "sparse_goal"),  # dense_goal
        ([{"type": "env.reward"}, shaping(0.99, weight=-1.0)], "sparse_goal"),  # antidense_goal
        (
            [{"type": "env.reward", "scale": 4.0}, {"type": "env.alive", "bonus": -1.0}, shaping(0.99, 3.0)],
            "sparse_goal",
        ),
        ([{"type": "env.reward"}, shaping(0.99)], "center_goal"),
        ([{"type": "env.reward"}, shaping(0.99)], "dirt_path"),
        ([{"type": "env.reward"}, shaping(0.99)], "cliff_walk"),
        ([{"type": "env.reward"}, shaping(0.99)], "sparse_penalty"),
    ],
)
def test_shaped_specs_reproduce_the_authors_epic_values(authors_gridworld, spec_terms: list, true_name: str) -> None:
    """A spec for sparse_goal plus shaping, against each true reward: the EPIC repo's stored
    sparse_goal distance (0 for the shaped and transformed versions, 0.75 center_goal, 0.1602
    dirt_path, 0.3676 cliff_walk, 1 sparse_penalty)."""
    fixture, path = authors_gridworld
    body = json.loads(path.read_text())
    body["true_reward"] = fixture["state_reward"](true_name).tolist()
    path.write_text(json.dumps(body))
    expected = fixture["data"]["epic_pearson_uniform_dist"][f"sparse_goal|{true_name}"]
    got = metrics({"type": "sum", "terms": spec_terms}, path)
    assert got["mdp_epic_distance"] == pytest.approx(expected, abs=1e-7)


def test_the_distance_command_on_the_authors_gridworld(authors_gridworld) -> None:
    _, path = authors_gridworld
    shaped = json.dumps({"type": "sum", "terms": [{"type": "env.reward", "scale": 2.0}, shaping(0.99, 2.0)]})
    assert cli_numbers(cli("distance", "{type: env.reward}", shaped, "--mdp", str(path))) == [0.0, 0.0, 0.0]
    negated = cli_numbers(cli("distance", "{type: env.reward}", "{type: env.reward, scale: -1}", "--mdp", str(path)))
    assert negated == [1.0, 2.0, 2.0]  # EPIC 1; STARC with L2 normalisation: ‖c + c‖ = 2


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_epic_papers_properties_hold_for_specs_on_a_random_episodic_mdp(tmp_path: Path, seed: int) -> None:
    """Random sparse dynamics, two terminal states with Φ ≠ 0 there, random rewards and
    observations: shaping invariance, scale invariance, identity 0, negation 1, values in [0, 1],
    for EPIC and the possible-transitions distance (audit) and for EPIC, STARC-EPIC and STARC-DARD
    (``distance --mdp``)."""
    rng = np.random.default_rng(seed)
    n_states, n_actions, gamma = 7, 3, 0.9
    transitions = rng.random((n_states, n_actions, n_states)) * (rng.random((n_states, n_actions, n_states)) < 0.3)
    for s, a in np.ndindex(n_states, n_actions):
        transitions[s, a, rng.integers(n_states)] += 0.5
    transitions /= transitions.sum(axis=2, keepdims=True)
    env_reward, true_reward = rng.normal(size=transitions.shape), rng.normal(size=transitions.shape)
    states = rng.normal(scale=3.0, size=(n_states, 2)).tolist()
    path = write(tmp_path / "random.json", transitions, gamma, [5, 6], states, env_reward=env_reward)
    body = json.loads(path.read_text())

    def audit(spec: dict, true: np.ndarray) -> dict:
        body["true_reward"] = true.tolist()
        path.write_text(json.dumps(body))
        return metrics(spec, path)

    cases = {
        "shaped": ({"type": "sum", "terms": [{"type": "env.reward"}, shaping(gamma)]}, 0.0),
        "scaled and shaped": (
            {"type": "sum", "terms": [{"type": "env.reward", "scale": 2.5}, shaping(gamma, 2.5)]},
            0.0,
        ),
        "identical": ({"type": "env.reward"}, 0.0),
        "negated": ({"type": "env.reward", "scale": -0.5}, 1.0),
    }
    for name, (spec, expected) in cases.items():
        got = audit(spec, env_reward)
        assert got["mdp_epic_distance"] == pytest.approx(expected, abs=1e-6), name
        assert got["mdp_support_distance"] == pytest.approx(expected, abs=1e-6), name
    other = audit({"type": "sum", "terms": [{"type": "env.reward"}, shaping(gamma)]}, true_reward)
    assert 0.05 < other["mdp_epic_distance"] < 0.95 and 0.05 < other["mdp_support_distance"] < 0.95
    shaped = json.dumps(cases["shaped"][0])
    assert cli_numbers(cli("distance", "{type: env.reward}", shaped, "--mdp", str(path), "--gamma", "0.9")) == [0.0] * 3


def test_a_spec_that_fails_where_no_transition_goes_keeps_the_audit_but_not_epic(corridor: Path) -> None:
    """A function that refuses jumps of more than one cell: fine on every transition of the
    corridor, an error on the triples EPIC reads. The exploit search and the distance on possible
    transitions run; EPIC is reported as not computed, and a rule on it says it is undefined."""
    steps = {"type": "env.term", "function": f"{POTENTIALS}:one_cell_step"}
    report = audit_mdp({"type": "sum", "terms": [{"type": "env.reward"}, steps]}, corridor)
    got = report["metrics"]
    assert got["mdp_errors"] == 0 and got["mdp_exploited"] == 0
    assert got["mdp_epic_distance"] is None and got["mdp_support_distance"] is not None
    assert any("EPIC is not computed" in finding["text"] for finding in report["findings"])
    with pytest.raises(RuleError, match="not defined"):
        audit_mdp(
            {"type": "sum", "terms": [{"type": "env.reward"}, steps]}, corridor, fail_on=["mdp_epic_distance>0.1"]
        )
    refused = cli("distance", "{type: env.reward}", json.dumps(steps), "--mdp", str(corridor))
    assert refused.returncode == 2 and "cannot occur" in refused.stderr


def test_a_true_reward_equivalent_to_zero_has_no_epic_distance(corridor: Path) -> None:
    body = json.loads(corridor.read_text())
    body["true_reward"] = np.zeros((6, 2, 6)).tolist()
    corridor.write_text(json.dumps(body))
    report = audit_mdp({"type": "env.reward"}, corridor)
    assert report["metrics"]["mdp_epic_distance"] is None and report["metrics"]["mdp_support_distance"] is None
    assert any("mdp_epic_distance is not defined" in finding["text"] for finding in report["findings"])


def test_distance_on_an_env_refuses_a_reward_that_prefers_nothing() -> None:
    """Pure shaping canonicalises to a constant: the old command printed 0.7071 (interval 0.7071 –
    0.7071) for it; the Pearson distance is undefined, and the command says so."""
    pytest.importorskip("gymnasium")
    pure = f"{{type: shaping.potential, potential: '{POTENTIALS}:upright', gamma: 0.99}}"
    cart = "{type: env.goal_distance, position: [0], goal: [0.0]}"
    done = cli("distance", cart, pure, "--env", "CartPole-v1", "--transitions", "50", "--bootstrap", "20")
    assert done.returncode == 2 and "Pearson distance undefined: the second values are constant" in done.stderr
