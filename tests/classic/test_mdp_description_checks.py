"""A bad MDP description is refused at read time, naming the field: never a traceback, never a wrong number."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rewardsmith.audit.mdp import read_mdp
from rewardsmith.classic import TabularMDP
from rewardsmith.classic.examples import looping_boat_race
from rewardsmith.classic.mdp import NotConverged
from rewardsmith.core import DataError, RewardsmithError


def _body() -> dict[str, Any]:
    mdp, proxy, true = looping_boat_race()
    return {
        "transitions": mdp.transitions.tolist(),
        "gamma": 0.99,
        "initial": mdp.initial.tolist(),
        "terminal": np.flatnonzero(mdp.terminal).tolist(),
        "state_names": list(mdp.state_names) or [f"s{i}" for i in range(mdp.n_states)],
        "action_names": list(mdp.action_names) or [f"a{i}" for i in range(mdp.n_actions)],
        "env_reward": proxy.tolist(),
        "true_reward": true.tolist(),
    }


def test_the_boat_race_description_reads() -> None:
    assert read_mdp_body(_body())["mdp"].n_states == 5


def read_mdp_body(body: dict[str, Any], tmp: Path | None = None) -> dict[str, Any]:
    import tempfile

    folder = Path(tempfile.mkdtemp()) if tmp is None else tmp
    path = folder / "mdp.json"
    path.write_text(json.dumps(body))
    return read_mdp(path)


def _nan_reward() -> list:
    array = np.array(_body()["true_reward"])
    array[1, 0, 2] = math.nan
    return array.tolist()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("initial", [5.0] * 5, "initial: expected a probability distribution"),
        ("initial", [1.5, -0.5, 0, 0, 0], "initial: expected a probability distribution"),
        ("initial", [1.0], "initial: expected a distribution over the 5 states"),
        ("terminal", [-1], "terminal: state index -1 is out of range"),
        ("terminal", [999], "terminal: state index 999 is out of range"),
        ("terminal", [1.5], "terminal: expected a list of state indices"),
        ("state_names", ["a"], "state_names: expected 5 names, got 1"),
        ("action_names", ["a", "b", "c"], "action_names: expected 2 names, got 3"),
        ("true_reward", "nan", r"true_reward: \[1\]\[0\]\[2\] is nan"),
        ("gamma", math.nan, "gamma: must be in"),
        ("gamma", 1.5, "gamma: must be in"),
        ("gamma", -0.1, "gamma: must be in"),
        ("gamma", "0.9", "gamma: expected a number"),
        ("gamma", 1.0, "gamma: 1 needs every policy to reach a terminal state"),
        ("transitions", [[[0.5, 0.4]], [[0.0, 1.0]]], r"T\[0, 0, :\] sums to 0.9"),
        ("transitions", [[[1.0]], [[0.5, 0.5]]], "transitions: expected numbers"),
        ("transitions", [[[1.0, math.nan]], [[0.0, 1.0]]], "transitions: contains NaN"),
        ("intended_policy", [0, 0, 7, 0, 0], "intended_policy: expected one action index"),
        ("horizon", 0, "horizon: expected a positive integer"),
    ],
)
def test_each_bad_field_is_a_data_error_naming_it(field: str, value: Any, message: str, tmp_path: Path) -> None:
    body = _body()
    body[field] = _nan_reward() if value == "nan" else value
    with pytest.raises(DataError, match=message):
        read_mdp_body(body, tmp_path)


def test_gamma_one_is_fine_when_every_policy_terminates(tmp_path: Path) -> None:
    # two states, the second terminal, every action moves forward: episodes always end
    body = {
        "transitions": [[[0.0, 1.0]], [[0.0, 1.0]]],
        "gamma": 1.0,
        "terminal": [1],
        "true_reward": [[[0, 1]], [[0, 0]]],
    }
    assert read_mdp_body(body, tmp_path)["mdp"].gamma == 1.0


def test_value_iteration_that_diverges_is_a_rewardsmith_error() -> None:
    mdp = TabularMDP(np.array([[[1.0, 0.0]], [[0.0, 1.0]]]), gamma=1.0, terminal=[1])
    with pytest.raises(NotConverged, match="did not converge") as caught:
        mdp.q_values(np.ones(mdp.transitions.shape))
    assert isinstance(caught.value, RewardsmithError)
    assert mdp.endless_states() == [0]


@pytest.mark.parametrize("command", ["audit", "distance"])
def test_the_cli_answers_one_line_and_exit_2(command: str, tmp_path: Path) -> None:
    body = _body()
    body["terminal"] = [-1]
    path = tmp_path / "mdp.json"
    path.write_text(json.dumps(body))
    args = (
        ["audit", "{type: env.reward}", str(path), "--mdp", "-o", str(tmp_path / "out")]
        if command == "audit"
        else ["distance", "{type: env.reward}", "{type: env.reward, scale: 2}", "--mdp", str(path)]
    )
    done = subprocess.run([sys.executable, "-m", "rewardsmith", *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "terminal: state index -1" in done.stderr
