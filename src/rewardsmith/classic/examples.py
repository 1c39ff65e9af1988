"""Classic reward hacks as small MDPs, each returning ``(mdp, proxy, true)`` rewards shaped [S, A, S'].

They are the test cases of :func:`rewardsmith.classic.find_exploits` and of the audit's ``mdp``
section, and a reference for what a degenerate optimum looks like.
"""

from __future__ import annotations

import numpy as np

from .mdp import TabularMDP, potential_shaping


def _deterministic(n_states: int, n_actions: int, moves: dict[tuple[int, int], int]) -> np.ndarray:
    transitions = np.zeros((n_states, n_actions, n_states))
    for state in range(n_states):
        for action in range(n_actions):
            transitions[state, action, moves.get((state, action), state)] = 1.0
    return transitions


def looping_boat_race() -> tuple[TabularMDP, np.ndarray, np.ndarray]:
    """A race track 0 → 1 → 2 → 3 → finish (4), with a respawning target between 1 and 2.

    Actions: 0 = forward, 1 = turn back. The proxy pays 1 for hitting the target (moving 1 → 2)
    and 5 for finishing; looping 2 → 1 → 2 collects the target forever, which beats finishing
    under γ = 0.99 (Clark & Amodei, "Faulty reward functions in the wild", OpenAI 2016). The
    true reward pays only the finish.
    """
    moves = {(0, 0): 1, (1, 0): 2, (2, 0): 3, (3, 0): 4, (1, 1): 0, (2, 1): 1, (3, 1): 2}
    transitions = _deterministic(5, 2, moves)
    mdp = TabularMDP(
        transitions,
        gamma=0.99,
        initial=np.eye(5)[0],
        terminal=[4],
        state_names=["start", "before target", "after target", "straight", "finish"],
        action_names=["forward", "back"],
    )
    proxy = np.zeros((5, 2, 5))
    proxy[1, 0, 2] = 1.0
    proxy[3, 0, 4] = 3.0
    true = np.zeros((5, 2, 5))
    true[3, 0, 4] = 1.0
    return mdp, proxy, true


def cleaning_robot_hides_dirt() -> tuple[TabularMDP, np.ndarray, np.ndarray]:
    """A robot paid for every step on which it *sees* no dirt.

    States: 0 = dirt visible, 1 = dirt cleaned (done, terminal), 2 = dirt hidden under a rug.
    Actions: 0 = clean (slow: stays dirty with probability 0.5), 1 = cover with the rug. The
    proxy pays 1 per step with no visible dirt; hiding it earns that forever, cleaning ends the
    episode. The true reward pays for cleaning (Amodei et al. 2016, §3).
    """
    transitions = np.zeros((3, 2, 3))
    transitions[0, 0, 0] = transitions[0, 0, 1] = 0.5
    transitions[0, 1, 2] = 1.0
    transitions[1, :, 1] = 1.0
    transitions[2, :, 2] = 1.0
    mdp = TabularMDP(
        transitions,
        gamma=0.95,
        initial=np.eye(3)[0],
        terminal=[1],
        state_names=["dirty", "clean", "hidden"],
        action_names=["clean", "cover"],
    )
    proxy = np.zeros((3, 2, 3))
    proxy[:, :, 1] = 1.0
    proxy[:, :, 2] = 1.0
    true = np.zeros((3, 2, 3))
    true[0, 0, 1] = 1.0
    return mdp, proxy, true


def corridor(length: int = 6, gamma: float = 0.95) -> TabularMDP:
    """A corridor 0 … length−1 with the goal (terminal) at the right end; actions 0 = right, 1 = left."""
    moves = {}
    for state in range(length - 1):
        moves[(state, 0)] = state + 1
        moves[(state, 1)] = max(state - 1, 0)
    return TabularMDP(_deterministic(length, 2, moves), gamma=gamma, initial=np.eye(length)[0], terminal=[length - 1])


def shaping_without_potential(length: int = 6) -> tuple[TabularMDP, np.ndarray, np.ndarray]:
    """A corridor whose proxy adds a bonus of 1 for every step toward the goal and nothing back.

    Without the potential form the bonus is farmed by stepping back and forth; the same bonus
    written as F = γΦ(s') − Φ(s) with Φ(s) = s would not change the optimal policy
    (:func:`potential_shaped_corridor`). The true reward pays only reaching the goal.
    """
    mdp = corridor(length)
    true = np.zeros((length, 2, length))
    true[length - 2, 0, length - 1] = 1.0
    proxy = true.copy()
    for state in range(length - 2):
        proxy[state, 0, state + 1] += 1.0
    return mdp, proxy, true


def potential_shaped_corridor(length: int = 6) -> tuple[TabularMDP, np.ndarray, np.ndarray]:
    """The same corridor with the progress bonus written as potential shaping: no exploit."""
    mdp = corridor(length)
    true = np.zeros((length, 2, length))
    true[length - 2, 0, length - 1] = 1.0
    return mdp, true + potential_shaping(mdp, np.arange(length, dtype=float)), true
