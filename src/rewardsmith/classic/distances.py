"""Distances between reward functions that ignore what cannot change a policy.

Two rewards that differ by potential shaping or positive scaling induce the same optimal policies,
so comparing their raw values (or training an agent on each) is misleading. Both pseudometrics
here first *canonicalise* a reward — remove the shaping term — and then compare:

* **EPIC** (Gleave et al., "Quantifying Differences in Reward Functions", ICLR 2021): canonicalise
  with next states and actions drawn from coverage distributions D_S and D_A,

      C(R)(s,a,s') = R(s,a,s') + γ·E[R(s',A,S')] − E[R(s,A,S')] − γ·E[R(S,A,S')],

  then take the Pearson distance D_ρ(X, Y) = sqrt((1 − ρ(X, Y)) / 2) under a distribution D over
  transitions. 0 for equivalent rewards, 1 for opposite ones.
* **STARC** (Skalse et al., "STARC: A General Framework For Quantifying Differences Between Reward
  Functions", ICLR 2024): canonicalise (None, EPIC or DARD), normalise by a norm, and measure
  the difference by a metric:

      d(R₁, R₂) = ‖ C(R₁)/‖C(R₁)‖ₙ − C(R₂)/‖C(R₂)‖ₙ ‖ₘ.

  DARD (Wulfe et al., "Dynamics-Aware Comparison of Learned Reward Functions", ICLR 2022) takes
  the expectations under the transition function T instead of D_S:

      C(R)(s,a,s') = R(s,a,s') + γ·E_{A, S'~T(s',A)}[R(s',A,S')] − E_{A, S'~T(s,A)}[R(s,A,S')]
                     − γ·E_{A, S₁~T(s,A), S₂~T(s',A)}[R(S₁,A,S₂)].

Rewards are numpy arrays shaped [S, A, S'] (tabular); :func:`sample_epic_distance` estimates EPIC
from samples for spaces too large to enumerate.

EPIC and DARD read the reward on triples that cannot occur (EPIC on every (s, a, s'), DARD on
S₁ → S₂ between successors of s and s'), and their shaping invariance holds only if the reward
is shaped *there too*: a table filled with 0 where T(s'|s,a) = 0 is not. Score a reward function
on every triple (the audit's :func:`rewardsmith.audit.mdp.tabulate` does), or, for a reward known
only on transitions that can occur, use :func:`rewardsmith.classic.episodic.support_distance`,
whose canonicalisation reads nothing else. An MDP with terminal states is first made the
continuing MDP these papers assume (:func:`rewardsmith.classic.episodic.absorb_terminal`).

>>> import numpy as np
>>> goal = np.zeros((3, 2, 3)); goal[:, :, 2] = 1.0
>>> shaped = goal + 0.9 * np.arange(3)[None, None, :] - np.arange(3)[:, None, None]
>>> round(epic_distance(goal, 5 * shaped, gamma=0.9), 9), round(epic_distance(goal, -goal, gamma=0.9), 9)
(0.0, 1.0)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np

from rewardsmith.core.errors import RewardsmithError

Canon = Literal["None", "EPIC", "DARD"]
Norm = float | int | str
_EPS = 1e-10


class UndefinedDistance(RewardsmithError, ValueError):
    """A Pearson distance with one constant side: the correlation ρ, hence D_ρ, is undefined.

    A reward whose canonical form is constant (a constant reward, pure potential shaping, the
    zero reward) prefers no transition to another; EPIC's Pearson distance to a reward that does
    has no value (Gleave et al. define D_ρ through ρ, which divides by both standard deviations).
    """

    kind = "bad_input"


def _order(norm: Norm) -> float:
    """``1``, ``2``, ``"inf"`` (or ``inf``) as a numpy vector-norm order."""
    if isinstance(norm, str):
        if norm.lower() in ("inf", "max"):
            return float("inf")
        norm = float(norm)
    order = float(norm)
    if order not in (1.0, 2.0, float("inf")) and order != 0.0:
        raise ValueError(f"norm must be 0 (none), 1, 2 or 'inf', got {norm!r}")
    return order


def _check_reward(reward: np.ndarray, name: str) -> np.ndarray:
    array = np.asarray(reward, dtype=np.float64)
    if array.ndim != 3 or array.shape[0] != array.shape[2]:
        raise ValueError(f"{name}: expected an [S, A, S'] array, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name}: contains NaN or infinite values")
    return array


def _distribution(dist: np.ndarray | None, size: int, name: str) -> np.ndarray:
    if dist is None:
        return np.full(size, 1.0 / size)
    array = np.asarray(dist, dtype=np.float64)
    if array.shape != (size,) or np.any(array < 0) or not np.isclose(array.sum(), 1.0):
        raise ValueError(f"{name}: expected a probability vector of length {size}")
    return array


def epic_canonical(
    reward: np.ndarray,
    gamma: float,
    state_dist: np.ndarray | None = None,
    action_dist: np.ndarray | None = None,
) -> np.ndarray:
    """EPIC's canonical reward: C(R)(s,a,s') = R + γ·m(s') − m(s) − γ·μ.

    m(s) = E_{A~D_A, S'~D_S}[R(s, A, S')] and μ = E_{S~D_S}[m(S)] (uniform D_S, D_A by default).
    Any potential shaping γΦ(s') − Φ(s) of R cancels: C(R + F) = C(R).
    """
    reward = _check_reward(reward, "reward")
    n_states, n_actions, _ = reward.shape
    d_s = _distribution(state_dist, n_states, "state_dist")
    d_a = _distribution(action_dist, n_actions, "action_dist")
    mean_next = reward @ d_s  # [S, A]: E_{S'}[R(s, a, S')]
    m = mean_next @ d_a  # [S]
    mu = float(m @ d_s)
    return reward + gamma * m[None, None, :] - m[:, None, None] - gamma * mu


def dard_canonical(
    reward: np.ndarray,
    transitions: np.ndarray,
    gamma: float,
    action_dist: np.ndarray | None = None,
) -> np.ndarray:
    """DARD's canonical reward: EPIC's expectations taken under the dynamics T(s' | s, a)."""
    reward = _check_reward(reward, "reward")
    transitions = _check_reward(transitions, "transitions")
    if transitions.shape != reward.shape:
        raise ValueError(f"transitions: shape {transitions.shape} differs from the reward's {reward.shape}")
    d_a = _distribution(action_dist, reward.shape[1], "action_dist")
    # m[s] = E_{A, S'~T(s,A)} R(s, A, S')
    m = np.einsum("a,sax,sax->s", d_a, transitions, reward)
    # k[s, t] = E_{A, S1~T(s,A), S2~T(t,A)} R(S1, A, S2)
    k = np.einsum("a,sax,xay,tay->st", d_a, transitions, reward, transitions)
    return reward + gamma * m[None, None, :] - m[:, None, None] - gamma * k[:, None, :]


def canonicalize(
    reward: np.ndarray,
    gamma: float,
    canon: Canon | None = "EPIC",
    transitions: np.ndarray | None = None,
) -> np.ndarray:
    """The canonical reward under ``canon``: ``None`` (unchanged), ``EPIC`` or ``DARD``."""
    if canon in (None, "None", "none"):
        return _check_reward(reward, "reward")
    if canon == "EPIC":
        return epic_canonical(reward, gamma)
    if canon == "DARD":
        if transitions is None:
            raise ValueError("canon='DARD' needs the transition function (transitions=[S, A, S'])")
        return dard_canonical(reward, transitions, gamma)
    raise ValueError(f"canon must be None, 'EPIC' or 'DARD', got {canon!r}")


def _normalise(reward: np.ndarray, norm: Norm) -> np.ndarray:
    order = _order(norm)
    if order == 0.0:
        return reward
    size = float(np.linalg.norm(reward.ravel(), ord=order))
    return reward * 0.0 if size < _EPS else reward / size


def starc_distance(
    r1: np.ndarray,
    r2: np.ndarray,
    transitions: np.ndarray | None = None,
    gamma: float = 0.99,
    canon: Canon | None = "EPIC",
    norm: Norm = 2,
    metric: Norm = 2,
) -> float:
    """STARC distance ‖C(R₁)/‖C(R₁)‖ₙ − C(R₂)/‖C(R₂)‖ₙ‖ₘ with plain vector norms over [S, A, S'].

    ``norm=0`` skips normalisation; ``"inf"`` is the max norm. A canonical reward of norm 0 (a
    reward equivalent to the zero reward) stays 0.

    >>> r = np.random.default_rng(0).normal(size=(4, 2, 4))
    >>> starc_distance(r, 3 * r + 2, gamma=0.9) < 1e-12, round(starc_distance(r, -r, gamma=0.9), 6)
    (True, 2.0)
    """
    if _order(metric) == 0.0:
        raise ValueError("metric must be 1, 2 or 'inf'")
    c1 = _normalise(canonicalize(r1, gamma, canon, transitions), norm)
    c2 = _normalise(canonicalize(r2, gamma, canon, transitions), norm)
    if c1.shape != c2.shape:
        raise ValueError(f"rewards have different shapes {c1.shape} and {c2.shape}")
    return float(np.linalg.norm((c1 - c2).ravel(), ord=_order(metric)))


def _is_constant(values: np.ndarray, centred: np.ndarray, weights: np.ndarray) -> bool:
    """Variance 0 up to rounding: a canonical reward that is constant in exact arithmetic (R minus
    its own shaping) carries rounding of the order of |R|·1e-16, so the floor is relative."""
    return float(weights @ (centred * centred)) <= _EPS**2 * max(1.0, float(weights @ (values * values)))


def pearson_distance(x: np.ndarray, y: np.ndarray, dist: np.ndarray | None = None) -> float:
    """D_ρ(X, Y) = sqrt((1 − ρ)/2), ρ the Pearson correlation weighted by ``dist`` (uniform if None).

    ρ divides by both standard deviations, so it is undefined when exactly one side is constant:
    that raises :class:`UndefinedDistance` rather than returning a number nobody could interpret
    (the authors' ``tabular.pearson_distance`` returns NaN there). Two constant sides are at
    distance 0 by convention: both prefer nothing, so they are equivalent.

    >>> round(pearson_distance(np.arange(4.0), -np.arange(4.0)), 12), pearson_distance(np.ones(4), np.ones(4))
    (1.0, 0.0)
    >>> pearson_distance(np.ones(4), np.arange(4.0))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    rewardsmith.classic.distances.UndefinedDistance: Pearson distance undefined: the first values are constant...
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise ValueError(f"arrays have different sizes {x.size} and {y.size}")
    weights = np.full(x.size, 1.0 / x.size) if dist is None else np.asarray(dist, dtype=np.float64).ravel()
    if weights.shape != x.shape or np.any(weights < 0) or not np.isclose(weights.sum(), 1.0):
        raise ValueError("dist: expected a probability distribution of the rewards' shape")
    xc = x - weights @ x
    yc = y - weights @ y
    flat_x, flat_y = _is_constant(x, xc, weights), _is_constant(y, yc, weights)
    if flat_x and flat_y:
        return 0.0
    if flat_x or flat_y:
        raise UndefinedDistance(
            f"Pearson distance undefined: the {'first' if flat_x else 'second'} values are constant, so "
            "their correlation with the other side is undefined (a reward whose canonical form is "
            "constant — a constant reward, pure potential shaping — prefers no transition to another)"
        )
    var_x, var_y = float(weights @ (xc * xc)), float(weights @ (yc * yc))
    rho = min(float(weights @ (xc * yc)) / np.sqrt(var_x * var_y), 1.0)
    return float(np.sqrt(0.5 * (1.0 - rho)))


def epic_distance(r1: np.ndarray, r2: np.ndarray, gamma: float, dist: np.ndarray | None = None) -> float:
    """EPIC: Pearson distance between EPIC-canonical rewards (uniform D_S, D_A), weighted by ``dist``.

    ``dist`` is a distribution over transitions shaped [S, A, S'] (e.g. the visitation
    distribution of the environment); uniform when None. Both rewards must be given on every
    (s, a, s'), possible or not: the canonicalisation averages over all of them. A reward whose
    canonical form is constant has no distance to one whose is not (:class:`UndefinedDistance`).
    """
    return pearson_distance(epic_canonical(r1, gamma), epic_canonical(r2, gamma), dist)


RewardFn = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def sample_canonical(
    reward_fn: RewardFn,
    obs: np.ndarray,
    actions: np.ndarray,
    next_obs: np.ndarray,
    action_samples: np.ndarray,
    state_samples: np.ndarray,
    gamma: float,
) -> np.ndarray:
    """Monte-Carlo EPIC canonicalisation of ``reward_fn`` on a batch of transitions.

    ``reward_fn(obs, actions, next_obs)`` is vectorised over a leading batch axis. The N pairs
    D = {(u_j, x_j)} (``action_samples[j]``, ``state_samples[j]``: u_j ~ D_A, x_j ~ D_S) stand for
    the coverage distributions, as in Gleave et al.'s sample-based EPIC:

        m(s) = (1/N) Σ_j R(s, u_j, x_j)
        C(R)(s,a,s') ≈ R(s,a,s') + γ·m(s') − m(s) − γ·(1/N) Σ_k m(x_k).

    Any potential shaping γΦ(s') − Φ(s) cancels exactly, whatever the samples.
    """
    if len(action_samples) != len(state_samples):
        raise ValueError("action_samples and state_samples are pairs (u_j, x_j): give as many of each")
    n_pairs = len(state_samples)

    def mean_from(states: np.ndarray) -> np.ndarray:
        batch = len(states)
        s = np.repeat(states, n_pairs, axis=0)
        u = np.tile(action_samples, (batch,) + (1,) * (np.ndim(action_samples) - 1))
        x = np.tile(state_samples, (batch,) + (1,) * (np.ndim(state_samples) - 1))
        return np.asarray(reward_fn(s, u, x), dtype=np.float64).reshape(batch, n_pairs).mean(axis=1)

    base = np.asarray(reward_fn(obs, actions, next_obs), dtype=np.float64)
    mean_all = float(mean_from(state_samples).mean())
    return base + gamma * mean_from(next_obs) - mean_from(obs) - gamma * mean_all


def sample_epic_distance(
    reward_a: RewardFn,
    reward_b: RewardFn,
    obs: np.ndarray,
    actions: np.ndarray,
    next_obs: np.ndarray,
    action_samples: np.ndarray,
    state_samples: np.ndarray,
    gamma: float,
) -> float:
    """Sample-based EPIC: Pearson distance of the two Monte-Carlo canonical rewards on the batch."""
    args = (obs, actions, next_obs, action_samples, state_samples, gamma)
    return pearson_distance(sample_canonical(reward_a, *args), sample_canonical(reward_b, *args))


def bootstrap_interval(
    values_a: np.ndarray,
    values_b: np.ndarray,
    *,
    n_bootstrap: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[float, float, float]:
    """Pearson distance of two canonical samples with a percentile bootstrap interval over transitions.

    Returns ``(distance, lower, upper)``; transitions are resampled with replacement. A resample
    on which one side happens to be constant has no distance and is left out of the quantiles;
    a constant side on the whole sample raises :class:`UndefinedDistance`.
    """
    values_a = np.asarray(values_a, dtype=np.float64)
    values_b = np.asarray(values_b, dtype=np.float64)
    rng = np.random.default_rng(seed)
    estimate = pearson_distance(values_a, values_b)
    draws = np.full(n_bootstrap, np.nan)
    for index in range(n_bootstrap):
        pick = rng.integers(0, len(values_a), len(values_a))
        try:
            draws[index] = pearson_distance(values_a[pick], values_b[pick])
        except UndefinedDistance:
            continue
    tail = (1.0 - confidence) / 2.0
    return estimate, float(np.nanquantile(draws, tail)), float(np.nanquantile(draws, 1.0 - tail))


def lp_norm(values: np.ndarray, p: float, dist: np.ndarray | None = None) -> float:
    """(Σ_i D_i·|x_i|^p)^(1/p) under ``dist`` (the uniform mean when None); ``p=inf`` is the max."""
    values = np.abs(np.asarray(values, dtype=np.float64).ravel())
    if p == float("inf"):
        return float(values.max()) if dist is None else float(values[np.asarray(dist).ravel() > 0].max())
    weights = np.full(values.size, 1.0 / values.size) if dist is None else np.asarray(dist, dtype=np.float64).ravel()
    return float((weights @ values**p) ** (1.0 / p))


def canonical_direct_distance(
    r1: np.ndarray, r2: np.ndarray, gamma: float, p: float = 1, dist: np.ndarray | None = None
) -> float:
    """½·‖C(R₁)/‖C(R₁)‖ − C(R₂)/‖C(R₂)‖‖ in the L^p norm under ``dist`` (EPIC paper's direct distance).

    The factor ½ puts opposite rewards at 1; a reward equivalent to 0 stays 0 after scaling, so
    its distance to any non-trivial reward is ½.
    """

    def scaled(reward: np.ndarray) -> np.ndarray:
        canonical = epic_canonical(reward, gamma)
        size = lp_norm(canonical, p, dist)
        return canonical * 0.0 if size < _EPS else canonical / size

    return 0.5 * lp_norm(scaled(r1) - scaled(r2), p, dist)
