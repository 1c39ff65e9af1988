"""Functions the classic tests load by ``file.py:function`` path, as a user's spec would."""

import numpy as np


def upright(obs):
    return -abs(float(obs[2]))


def forward(obs, next_obs):
    return float(next_obs[0] - obs[0])


def broken(obs):
    return float("nan")


def with_info(info, terminated):
    return float(info.get("x", 0.0)) + (5.0 if terminated else 0.0)


def needs_unknown(obs, velocity):
    return 0.0


def cell_potential(obs):
    return float(np.asarray(obs).sum())


def one_cell_step(obs, next_obs):
    """0 on a move of at most one cell; a jump (a transition no corridor makes) is an error."""
    if abs(float(next_obs[0]) - float(obs[0])) > 1:
        raise ValueError("no move jumps over a cell")
    return 0.0
