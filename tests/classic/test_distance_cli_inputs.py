"""``rewardsmith distance`` refuses a discount outside [0, 1] and an unknown environment: exit 2, one message."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rewardsmith.classic.examples import looping_boat_race


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rewardsmith", *args], capture_output=True, text=True, timeout=120, check=False
    )


def _mdp(tmp_path: Path) -> Path:
    mdp, proxy, _ = looping_boat_race()
    body = {
        "transitions": mdp.transitions.tolist(),
        "terminal": np.flatnonzero(mdp.terminal).tolist(),
        "env_reward": proxy.tolist(),
    }
    path = tmp_path / "boat.json"
    path.write_text(json.dumps(body))
    return path


@pytest.mark.parametrize("gamma", ["1.5", "-3", "nan", "inf"])
def test_gamma_outside_the_unit_interval_is_refused(gamma: str, tmp_path: Path) -> None:
    done = _cli(
        "distance", "{type: env.reward}", "{type: env.reward, scale: 2}", "--mdp", str(_mdp(tmp_path)), "--gamma", gamma
    )
    assert done.returncode == 2, done.stdout
    assert "--gamma" in done.stderr and "[0, 1]" in done.stderr and "Traceback" not in done.stderr
    assert "EPIC distance" not in done.stdout


def test_gamma_one_is_allowed_for_epic(tmp_path: Path) -> None:
    done = _cli(
        "distance", "{type: env.reward}", "{type: env.reward, scale: 2}", "--mdp", str(_mdp(tmp_path)), "--gamma", "1"
    )
    assert done.returncode == 0, done.stderr
    assert "EPIC distance: 0.000000" in done.stdout


def test_an_unknown_environment_is_one_line_exit_2() -> None:
    pytest.importorskip("gymnasium")
    done = _cli("distance", "{type: env.reward}", "{type: env.reward, scale: 2}", "--env", "NoSuchEnv-v0")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "NoSuchEnv" in done.stderr and "--env" in done.stderr
