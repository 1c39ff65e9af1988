"""EPIC and STARC against the reference values of their authors' code (../shared/data/reward_distances)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rewardsmith.classic import canonical_direct_distance, epic_distance, pearson_distance, starc_distance
from rewardsmith.classic.distances import (
    UndefinedDistance,
    bootstrap_interval,
    canonicalize,
    epic_canonical,
    sample_canonical,
    sample_epic_distance,
)


@pytest.fixture(scope="module")
def starc_data(shared_data: Path) -> dict:
    return json.loads((shared_data / "reward_distances" / "starc" / "gridworld_definitions.json").read_text())


@pytest.fixture(scope="module")
def epic_data(shared_data: Path) -> dict:
    return json.loads((shared_data / "reward_distances" / "epic" / "gridworld_epic_reference.json").read_text())


def _epic_reward(entry: dict) -> np.ndarray:
    state_reward = np.asarray(entry["state_reward"], dtype=float).ravel()
    potential = np.asarray(entry["potential"], dtype=float).ravel()
    return (
        state_reward[:, None, None] + 0.99 * potential[None, None, :] - potential[:, None, None] + np.zeros((9, 5, 9))
    )


@pytest.mark.parametrize(
    ("env", "results"),
    [("deterministic", "handpicked_epic_gridworlds.json"), ("slippery", "handpicked_epic_gridworlds_slippery.json")],
)
def test_every_stored_starc_value_is_reproduced(shared_data: Path, starc_data: dict, env: str, results: str) -> None:
    rewards = {name: np.asarray(value) for name, value in starc_data["rewards"].items()}
    transitions = np.asarray(starc_data["envs"][env]["transition_dist"])
    stored = json.loads((shared_data / "reward_distances" / "starc" / results).read_text())
    checked = 0
    for pair, values in stored.items():
        first, second = pair.split("-")
        for key, expected in values.items():
            canon, norm, metric = key.split("-") if key.count("-") == 2 else (None, None, None)
            if canon not in ("None", "EPIC", "DARD"):
                continue  # regret (Monte-Carlo) and Minimal (Adam optimisation) are not exact
            got = starc_distance(rewards[first], rewards[second], transitions, 0.99, canon, norm, metric)
            assert got == pytest.approx(expected, rel=1e-9, abs=1e-12), (pair, key)
            checked += 1
    assert checked == 216


def test_starc_example_from_the_data_readme(starc_data: dict) -> None:
    rewards = {name: np.asarray(value) for name, value in starc_data["rewards"].items()}
    transitions = np.asarray(starc_data["envs"]["deterministic"]["transition_dist"])
    got = starc_distance(rewards["sparse"], rewards["path"], transitions, 0.99, "EPIC", 2, 2)
    assert got == pytest.approx(0.3203644860139345, rel=1e-12)


@pytest.mark.parametrize("key", ["epic_pearson", "epic_pearson_uniform_dist"])
def test_every_stored_epic_gridworld_value_is_reproduced(epic_data: dict, key: str) -> None:
    rewards = {name: _epic_reward(entry) for name, entry in epic_data["rewards"].items()}
    dist = np.asarray(epic_data["visitation_dist"]) if key == "epic_pearson" else None
    for pair, expected in epic_data[key].items():
        first, second = pair.split("|")
        assert epic_distance(rewards[first], rewards[second], 0.99, dist) == pytest.approx(expected, abs=1e-7), pair
    assert len(epic_data[key]) == 100


def test_every_stored_canonical_direct_distance_is_reproduced(epic_data: dict) -> None:
    rewards = {name: _epic_reward(entry) for name, entry in epic_data["rewards"].items()}
    dist = np.asarray(epic_data["visitation_dist"])
    for pair, expected in epic_data["canonical_direct_p1"].items():
        first, second = pair.split("|")
        assert canonical_direct_distance(rewards[first], rewards[second], 0.99, 1, dist) == pytest.approx(
            expected, abs=1e-12
        ), pair
    assert len(epic_data["canonical_direct_p1"]) == 121


def test_named_epic_values_from_the_readme(epic_data: dict) -> None:
    rewards = {name: _epic_reward(entry) for name, entry in epic_data["rewards"].items()}
    assert epic_distance(rewards["sparse_goal"], rewards["center_goal"], 0.99) == pytest.approx(0.75, abs=1e-9)
    assert epic_distance(rewards["sparse_goal"], rewards["sparse_penalty"], 0.99) == pytest.approx(1.0, abs=1e-9)
    assert epic_distance(rewards["dirt_path"], rewards["cliff_walk"], 0.99) == pytest.approx(0.2672, abs=1e-4)


small_rewards = arrays(np.float64, (4, 3, 4), elements=st.floats(-10, 10, allow_nan=False, width=64))
potentials = arrays(np.float64, (4,), elements=st.floats(-10, 10, allow_nan=False, width=64))


@settings(max_examples=60, deadline=None)
@given(small_rewards, potentials, st.floats(0.1, 10))
def test_epic_and_starc_ignore_potential_shaping_and_positive_scaling(
    reward: np.ndarray, potential: np.ndarray, scale: float
) -> None:
    gamma = 0.9
    shaped = scale * (reward + gamma * potential[None, None, :] - potential[:, None, None])
    if np.ptp(canonicalize(reward, gamma)) < 1e-6:
        return  # equivalent to a constant: the distance is defined by convention
    assert epic_distance(reward, shaped, gamma) == pytest.approx(0.0, abs=1e-6)
    assert starc_distance(reward, shaped, gamma=gamma, canon="EPIC") == pytest.approx(0.0, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(small_rewards, small_rewards, small_rewards)
def test_epic_is_a_pseudometric(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> None:
    assume(all(np.ptp(epic_canonical(r, 0.9)) > 1e-6 for r in (a, b, c)))  # else undefined, tested below
    ab, bc, ac = epic_distance(a, b, 0.9), epic_distance(b, c, 0.9), epic_distance(a, c, 0.9)
    assert ab == pytest.approx(epic_distance(b, a, 0.9), abs=1e-12)
    assert ac <= ab + bc + 1e-9
    assert 0.0 <= ab <= 1.0


def test_dard_needs_transitions_and_epic_does_not() -> None:
    reward = np.random.default_rng(0).normal(size=(3, 2, 3))
    with pytest.raises(ValueError, match="transitions"):
        starc_distance(reward, reward, canon="DARD")
    with pytest.raises(ValueError, match="norm"):
        starc_distance(reward, reward, norm=3)


def test_pearson_distance_to_a_constant_is_undefined_and_between_constants_zero() -> None:
    """ρ divides by both standard deviations: one constant side has no distance (the old code said
    sqrt(0.5) = 0.7071 while its docstring said 0.5); two constants are equivalent, at 0."""
    assert pearson_distance(np.ones(4), 3 * np.ones(4)) == 0.0
    with pytest.raises(UndefinedDistance, match="the first values are constant"):
        pearson_distance(np.ones(4), np.arange(4.0))
    with pytest.raises(UndefinedDistance, match="the second values are constant"):
        pearson_distance(np.arange(4.0), np.zeros(4))
    # a reward that is pure potential shaping canonicalises to a constant up to rounding
    phi = np.random.default_rng(0).normal(scale=1e3, size=4)
    shaping = 0.9 * phi[None, None, :] - phi[:, None, None] + np.zeros((4, 3, 4))
    with pytest.raises(UndefinedDistance):
        epic_distance(shaping, np.random.default_rng(1).normal(size=(4, 3, 4)), 0.9)


def test_epic_canonical_is_the_papers_expectation_written_out() -> None:
    """C(R)(s,a,s') = R(s,a,s') + E[γR(s',A,S') − R(s,A,S') − γR(S,A,S')], S, S' ~ D_S and A ~ D_A
    independent (Gleave et al. 2021, Definition 4.1), summed term by term over every (S, A, S')."""
    rng = np.random.default_rng(4)
    reward, gamma = rng.normal(size=(4, 3, 4)), 0.8
    d_s, d_a = rng.dirichlet(np.ones(4)), rng.dirichlet(np.ones(3))
    expected = np.empty_like(reward)
    for s, a, x in np.ndindex(*reward.shape):
        total = 0.0
        for big_s, big_a, big_x in np.ndindex(*reward.shape):
            p = d_s[big_s] * d_a[big_a] * d_s[big_x]
            total += p * (
                gamma * reward[x, big_a, big_x] - reward[s, big_a, big_x] - gamma * reward[big_s, big_a, big_x]
            )
        expected[s, a, x] = reward[s, a, x] + total
    assert np.allclose(epic_canonical(reward, gamma, d_s, d_a), expected, atol=1e-12)


def test_bootstrap_leaves_out_resamples_without_a_distance() -> None:
    values = np.zeros(40)
    values[0] = 1.0  # most resamples of 40 draw index 0 at least once, some do not
    estimate, low, high = bootstrap_interval(values, np.arange(40.0), n_bootstrap=200)
    assert np.isfinite([estimate, low, high]).all() and low <= high
    with pytest.raises(UndefinedDistance):
        bootstrap_interval(np.ones(10), np.arange(10.0))


def test_sample_epic_converges_to_the_tabular_value() -> None:
    rng = np.random.default_rng(1)
    reward_a = rng.normal(size=(6, 3, 6))
    reward_b = reward_a + rng.normal(scale=0.7, size=(6, 3, 6))
    exact = epic_distance(reward_a, reward_b, 0.9)

    def lookup(table: np.ndarray):
        return lambda s, a, x: table[s, a, x]

    # every transition once, and every (action, state) pair as the mean samples: exact
    s, a, x = (grid.ravel() for grid in np.meshgrid(np.arange(6), np.arange(3), np.arange(6), indexing="ij"))
    pairs_a, pairs_x = (grid.ravel() for grid in np.meshgrid(np.arange(3), np.arange(6), indexing="ij"))
    full = sample_epic_distance(lookup(reward_a), lookup(reward_b), s, a, x, pairs_a, pairs_x, 0.9)
    assert full == pytest.approx(exact, abs=1e-12)
    # random transitions and mean samples: close
    pick = rng.integers(0, s.size, 5000)
    approx = sample_epic_distance(
        lookup(reward_a),
        lookup(reward_b),
        s[pick],
        a[pick],
        x[pick],
        rng.integers(0, 3, 256),
        rng.integers(0, 6, 256),
        0.9,
    )
    assert approx == pytest.approx(exact, abs=0.05)


def _point_mass_rewards():
    """PointMassLine (obs = [pos, vel, goal], one action) rewards of the EPIC paper's code, in numpy."""

    def distance(obs: np.ndarray) -> np.ndarray:
        return np.abs(obs[:, 0] - obs[:, 2])

    def ground_truth(s, a, x):
        return -distance(x) - (a**2).sum(axis=1)

    def sparse(s, a, x):
        return (distance(s) < 0.05).astype(float) - (a**2).sum(axis=1)

    def dense(s, a, x):
        return sparse(s, a, x) + 10.0 * (-distance(x) + distance(s))  # shaping with γ = 1, Φ = −distance

    return ground_truth, sparse, dense


def test_sample_epic_reproduces_the_point_mass_demo_within_sampling_error() -> None:
    """The EPIC repo's demo notebook (512 transitions and 512 mean samples drawn IID from the spaces,
    γ = 1): EPIC(GroundTruth, SparseWithCtrl) = EPIC(GroundTruth, DenseWithCtrl) = 0.571963 and
    EPIC(SparseWithCtrl, DenseWithCtrl) = 0. Sampling differs (seeds, RNG), so within 0.03."""
    ground_truth, sparse, dense = _point_mass_rewards()
    estimates = []
    for seed in range(4):
        rng = np.random.default_rng(seed)
        obs, following = rng.normal(size=(512, 3)), rng.normal(size=(512, 3))
        actions = rng.uniform(-1, 1, size=(512, 1))
        pairs = (rng.uniform(-1, 1, size=(512, 1)), rng.normal(size=(512, 3)))
        args = (obs, actions, following, *pairs, 1.0)
        estimates.append(sample_epic_distance(ground_truth, sparse, *args))
        assert sample_epic_distance(sparse, dense, *args) == pytest.approx(0.0, abs=1e-7)  # sqrt of rounding
        assert sample_epic_distance(ground_truth, dense, *args) == pytest.approx(estimates[-1], abs=1e-7)
    assert np.mean(estimates) == pytest.approx(0.571963, abs=0.03)


def test_bootstrap_interval_brackets_the_estimate() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(size=500)
    b = a + rng.normal(scale=1.0, size=500)
    estimate, low, high = bootstrap_interval(a, b, n_bootstrap=200)
    assert low < estimate < high
    assert estimate == pytest.approx(pearson_distance(a, b))


def test_sample_canonical_removes_shaping_of_a_function_reward() -> None:
    rng = np.random.default_rng(2)
    obs, following = rng.normal(size=(100, 2)), rng.normal(size=(100, 2))
    actions = rng.normal(size=(100, 1))

    def base(s, a, x):
        return x[:, 0] - a[:, 0] ** 2

    def shaped(s, a, x):
        return base(s, a, x) + 0.9 * np.sin(x[:, 1]) - np.sin(s[:, 1])

    samples = rng.normal(size=(32, 2))
    acts = rng.normal(size=(32, 1))
    c1 = sample_canonical(base, obs, actions, following, acts, samples, 0.9)
    c2 = sample_canonical(shaped, obs, actions, following, acts, samples, 0.9)
    assert np.allclose(c1, c2, atol=1e-9)
