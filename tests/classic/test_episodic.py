"""Distances on an episodic MDP: the absorbing conversion and the canonicalisation on possible transitions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from rewardsmith.classic import epic_distance, starc_distance
from rewardsmith.classic.distances import UndefinedDistance
from rewardsmith.classic.episodic import absorb_terminal, support_canonical, support_distance, support_weights


def random_mdp(seed: int, n_states: int = 6, n_actions: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Sparse random dynamics (about 2 successors per (s, a)) and 1–2 terminal states."""
    rng = np.random.default_rng(seed)
    transitions = rng.random((n_states, n_actions, n_states)) * (rng.random((n_states, n_actions, n_states)) < 0.35)
    for s, a in np.ndindex(n_states, n_actions):
        transitions[s, a, rng.integers(n_states)] += 0.5
    transitions /= transitions.sum(axis=2, keepdims=True)
    terminal = np.zeros(n_states, dtype=bool)
    terminal[rng.choice(n_states, size=int(rng.integers(1, 3)), replace=False)] = True
    return transitions, terminal


def terminal_safe_shaping(phi: np.ndarray, terminal: np.ndarray, gamma: float, n_actions: int) -> np.ndarray:
    """What ``shaping.potential`` scores on every (s, a, s'): γ·Φ(s')·(1 − terminal(s')) − Φ(s)."""
    return gamma * (phi * ~terminal)[None, None, :] - phi[:, None, None] + np.zeros((len(phi), n_actions, len(phi)))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.5, 1.0))
def test_absorbing_rows_make_terminal_safe_shaping_a_shaping_on_every_triple(seed: int, gamma: float) -> None:
    transitions, terminal = random_mdp(seed)
    rng = np.random.default_rng(seed + 1)
    reward, phi = rng.normal(size=transitions.shape), rng.normal(size=len(terminal))
    shaped = reward + terminal_safe_shaping(phi, terminal, gamma, transitions.shape[1])
    psi = phi * ~terminal  # Φ = 0 at terminal states
    continuing = gamma * psi[None, None, :] - psi[:, None, None]
    assert np.allclose(absorb_terminal(shaped, terminal) - absorb_terminal(reward, terminal), continuing, atol=1e-12)
    assert np.array_equal(absorb_terminal(reward, terminal)[~terminal], reward[~terminal])
    # so EPIC and DARD cancel it, where the raw rows (Φ(t) still subtracted out of t) do not
    a, b = absorb_terminal(reward, terminal), absorb_terminal(shaped, terminal)
    assert epic_distance(a, b, gamma) == pytest.approx(0.0, abs=1e-6)
    assert starc_distance(a, b, transitions, gamma, "DARD") == pytest.approx(0.0, abs=1e-6)
    assume(np.abs(phi[terminal]).max() > 0.1)
    assert epic_distance(reward, shaped, gamma) > 1e-3


def test_support_canonical_is_the_weighted_orthogonal_projection() -> None:
    """C(R) is orthogonal under D to every shaping direction γ·1[s'=j] − 1[s=j] and to constants,
    and R − C(R) lies in their span: the definition, checked with the normal equations."""
    transitions, terminal = random_mdp(7)
    gamma = 0.9
    reward = absorb_terminal(np.random.default_rng(8).normal(size=transitions.shape), terminal)
    canonical = support_canonical(reward, transitions, gamma, terminal)
    weights = support_weights(transitions, terminal)
    n = len(terminal)
    basis = [np.ones_like(reward)] + [
        gamma * (np.arange(n) == j)[None, None, :] - (np.arange(n) == j)[:, None, None] + np.zeros_like(reward)
        for j in range(n)
    ]
    for direction in basis:
        assert float(np.sum(weights * canonical * direction)) == pytest.approx(0.0, abs=1e-12)
    on = weights > 0
    design = np.stack([direction[on] for direction in basis], axis=1)
    residual = (reward - canonical)[on]
    coefficients, *_ = np.linalg.lstsq(design, residual, rcond=None)
    assert np.allclose(design @ coefficients, residual, atol=1e-10)
    assert np.all(canonical[~on] == 0.0)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.5, 0.99), st.floats(0.1, 10.0))
def test_support_distance_keeps_the_epic_papers_properties(seed: int, gamma: float, scale: float) -> None:
    transitions, terminal = random_mdp(seed)
    rng = np.random.default_rng(seed + 2)
    a, b, c = (rng.normal(size=transitions.shape) for _ in range(3))
    phi = rng.normal(scale=5.0, size=len(terminal))  # Φ(t) ≠ 0: the terminal-safe term ignores it
    shaped = scale * (a + terminal_safe_shaping(phi, terminal, gamma, transitions.shape[1]))
    ab = support_distance(a, b, transitions, gamma, terminal)
    assert support_distance(a, a, transitions, gamma, terminal) == pytest.approx(0.0, abs=1e-7)
    assert support_distance(a, shaped, transitions, gamma, terminal) == pytest.approx(0.0, abs=1e-6)
    assert support_distance(a, -scale * a, transitions, gamma, terminal) == pytest.approx(1.0, abs=1e-9)
    assert 0.0 <= ab <= 1.0
    assert ab == pytest.approx(support_distance(b, a, transitions, gamma, terminal), abs=1e-12)
    ac, bc = (support_distance(x, c, transitions, gamma, terminal) for x in (a, b))
    assert ac <= ab + bc + 1e-9
    # values on transitions that cannot occur (and out of terminal states) are not read
    filler = np.where(support_weights(transitions, terminal) > 0, b, rng.normal(size=b.shape))
    assert support_distance(a, filler, transitions, gamma, terminal) == pytest.approx(ab, abs=1e-12)


def test_an_alive_bonus_is_not_a_shaping_of_an_episodic_task() -> None:
    """+1 on every step before the end pays for not finishing: in a corridor to a terminal goal it
    is the opposite of the goal reward, where EPIC's continuing view would call it a constant."""
    transitions = np.zeros((4, 2, 4))
    for s in range(3):
        transitions[s, 0, s + 1] = transitions[s, 1, max(s - 1, 0)] = 1.0
    transitions[3, :, 3] = 1.0
    goal = np.zeros((4, 2, 4))
    goal[2, 0, 3] = 1.0
    alive = np.ones((4, 2, 4))
    assert support_distance(goal, alive, transitions, 0.9, [3]) == pytest.approx(1.0, abs=1e-9)
    assert support_distance(goal, goal + alive, transitions, 0.9, [3]) > 0.5


def test_a_reward_equivalent_to_zero_on_the_mdp_has_no_support_distance() -> None:
    transitions, terminal = random_mdp(3)
    phi = np.random.default_rng(0).normal(size=len(terminal))
    only_shaping = terminal_safe_shaping(phi, terminal, 0.9, transitions.shape[1])
    with pytest.raises(UndefinedDistance):
        support_distance(
            only_shaping, np.random.default_rng(1).normal(size=transitions.shape), transitions, 0.9, terminal
        )


def test_support_distance_agrees_with_the_authors_gridworld_equivalences(shared_data: Path) -> None:
    """The EPIC repo's 3x3 gridworld rewards (no terminal state, deterministic moves, the dynamics
    read off its visitation distribution): every pair its EPIC puts at 0 (shift, scale, dense,
    antidense, transformed goal) is at 0 here, sparse_goal vs sparse_penalty at 1, and no other
    pair at either end."""
    data = json.loads((shared_data / "reward_distances" / "epic" / "gridworld_epic_reference.json").read_text())
    transitions = (np.asarray(data["visitation_dist"]) > 0).astype(float)
    assert np.allclose(transitions.sum(axis=2), 1.0)

    def reward(name: str) -> np.ndarray:
        entry = data["rewards"][name]
        state, phi = (np.asarray(entry[key], dtype=float).ravel() for key in ("state_reward", "potential"))
        return state[:, None, None] + 0.99 * phi[None, None, :] - phi[:, None, None] + np.zeros((9, 5, 9))

    for pair, reference in data["epic_pearson"].items():
        first, second = pair.split("|")
        ours = support_distance(reward(first), reward(second), transitions, 0.99)
        if reference < 1e-6:
            assert ours == pytest.approx(0.0, abs=1e-6), pair
        elif reference > 1 - 1e-6:
            assert ours == pytest.approx(1.0, abs=1e-6), pair
        else:
            assert 1e-3 < ours < 1 - 1e-3, pair
