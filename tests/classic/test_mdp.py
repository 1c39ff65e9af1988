"""Value iteration, potential shaping and the policy-invariance check on small tabular MDPs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rewardsmith.classic import TabularMDP, check_policy_invariance, find_exploits, potential_shaping
from rewardsmith.classic.examples import (
    cleaning_robot_hides_dirt,
    corridor,
    looping_boat_race,
    potential_shaped_corridor,
    shaping_without_potential,
)


def test_value_iteration_matches_the_closed_form_on_a_corridor() -> None:
    mdp = corridor(4, gamma=0.5)
    goal = np.zeros((4, 2, 4))
    goal[2, 0, 3] = 1.0
    q = mdp.q_values(goal)
    # V(2) = 1, V(1) = γ·1, V(0) = γ²·1; Q(0, left) = γ·V(0) = γ³ (left at 0 stays at 0)
    assert q[2, 0] == pytest.approx(1.0)
    assert q[1, 0] == pytest.approx(0.5)
    assert q[0, 0] == pytest.approx(0.25)
    assert q[0, 1] == pytest.approx(0.125)
    assert mdp.policy_return(goal, np.array([0, 0, 0, 0])) == pytest.approx(0.25)


def test_terminal_states_earn_nothing_and_stop_the_episode() -> None:
    mdp = corridor(3, gamma=0.9)
    step_cost = -np.ones((3, 2, 3))
    # from 0: step to 1 (−1), step to 2 (−γ), then the terminal state costs nothing more
    assert mdp.q_values(step_cost)[0].max() == pytest.approx(-1.9)


def test_undiscounted_loop_is_an_error_not_a_number() -> None:
    transitions = np.zeros((1, 1, 1))
    transitions[0, 0, 0] = 1.0
    mdp = TabularMDP(transitions, gamma=1.0)
    with pytest.raises(ValueError, match="did not converge"):
        mdp.q_values(np.ones((1, 1, 1)))


def test_transitions_must_be_distributions() -> None:
    with pytest.raises(ValueError, match="probability distribution"):
        TabularMDP(np.ones((2, 1, 2)))


def _random_mdp(seed: int) -> TabularMDP:
    rng = np.random.default_rng(seed)
    transitions = rng.dirichlet(np.ones(5) * 0.3, size=(5, 3))
    return TabularMDP(transitions, gamma=0.9, terminal=[4])


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 10_000),
    arrays(np.float64, (5, 3, 5), elements=st.floats(-5, 5, width=64)),
    arrays(np.float64, (5,), elements=st.floats(-20, 20, width=64)),
)
def test_potential_shaping_never_changes_the_optimal_policy(
    seed: int, reward: np.ndarray, potential: np.ndarray
) -> None:
    mdp = _random_mdp(seed)
    shaped = reward + potential_shaping(mdp, potential)
    q_original = mdp.q_values(reward)
    q_shaped = mdp.q_values(shaped)
    # Ng et al. 1999: Q'(s, a) = Q(s, a) − Φ(s) for non-terminal s
    live = ~mdp.terminal
    phi = potential.copy()
    phi[mdp.terminal] = 0.0
    assert np.allclose(q_shaped[live], q_original[live] - phi[live, None], atol=1e-6)
    assert check_policy_invariance(mdp, reward, shaped)


def test_a_progress_bonus_without_the_potential_form_changes_the_policy() -> None:
    mdp, proxy, true = shaping_without_potential()
    report = check_policy_invariance(mdp, true, proxy)
    assert not report.invariant
    assert report.changed_states  # some state now prefers stepping back to farm the bonus
    mdp, shaped, true = potential_shaped_corridor()
    assert check_policy_invariance(mdp, true, shaped).invariant


@pytest.mark.parametrize("example", [looping_boat_race, cleaning_robot_hides_dirt, shaping_without_potential])
def test_classic_hacks_are_found_with_a_degenerate_trajectory(example) -> None:
    mdp, proxy, true = example()
    report = find_exploits(mdp, proxy, true)
    assert report.exploited
    assert report.gap > report.threshold
    assert "never terminates" in report.degenerate
    assert report.true_return_optimal < report.true_return_intended
    assert report.trajectory and "proxy_reward" in report.trajectory[0]


def test_the_boat_race_exploit_loops_through_the_target() -> None:
    mdp, proxy, true = looping_boat_race()
    report = find_exploits(mdp, proxy, true)
    states = [step["state"] for step in report.trajectory[:5]]
    assert states == ["start", "before target", "after target", "before target", "after target"]
    assert report.proxy_return_optimal == pytest.approx(0.99 / (1 - 0.99**2), rel=1e-9)  # Σ_k γ^(1+2k)


def test_potential_shaped_proxy_is_not_an_exploit() -> None:
    mdp, shaped, true = potential_shaped_corridor()
    report = find_exploits(mdp, shaped, true)
    assert not report.exploited
    assert report.gap == pytest.approx(0.0, abs=1e-9)


def test_a_better_proxy_return_that_still_terminates_is_not_flagged() -> None:
    mdp = corridor(5)
    true = np.zeros((5, 2, 5))
    true[3, 0, 4] = 1.0
    proxy = 10 * true  # same behaviour, larger numbers
    report = find_exploits(mdp, proxy, true)
    assert not report.exploited and report.degenerate == []


def test_intended_policy_can_be_given_instead_of_a_true_reward() -> None:
    mdp, proxy, _ = looping_boat_race()
    report = find_exploits(mdp, proxy, intended_policy=np.zeros(5, dtype=int))
    assert report.exploited and report.true_return_optimal is None
    with pytest.raises(ValueError, match="true reward or the intended policy"):
        find_exploits(mdp, proxy)
