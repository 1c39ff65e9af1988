"""Small tabular MDPs: value iteration, policy evaluation, and whether a reward change kept the
optimal policy.

Potential-based shaping F(s,a,s') = γΦ(s') − Φ(s) is the only additive change of a reward that
keeps the optimal policies of every MDP (Ng, Harada & Russell, "Policy invariance under reward
transformations", ICML 1999). A shaping term written without that form — a bonus for moving
closer with no matching penalty for moving away — can make loops optimal.
:func:`check_policy_invariance` solves the MDP under both rewards and compares their optimal
policies, so the check is on the policy itself rather than the form of the term.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rewardsmith.core.errors import RewardsmithError


class NotConverged(RewardsmithError, ValueError):
    """Value iteration diverged: γ = 1 and a policy that never reaches a terminal state."""

    kind = "bad_input"


@dataclass
class TabularMDP:
    """T[s, a, s'] = P(s' | s, a), a discount γ, a start distribution and absorbing terminal states.

    Rewards are arrays shaped [S, A, S'] (or broadcastable to it: [S, 1, 1] for a state reward).
    A terminal state ends the episode: nothing is earned after it, and a potential is 0 there.
    """

    transitions: np.ndarray
    gamma: float = 0.99
    # Given as anything array-like or None (terminal: state indices or an [S] bool mask); after
    # construction always arrays: the start distribution [S] and the terminal mask [S].
    initial: Any = None
    terminal: Any = None
    state_names: list[str] = field(default_factory=list)
    action_names: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.transitions = np.asarray(self.transitions, dtype=np.float64)
        if self.transitions.ndim != 3 or self.transitions.shape[0] != self.transitions.shape[2]:
            raise ValueError(f"transitions: expected [S, A, S'], got shape {self.transitions.shape}")
        if 0 in self.transitions.shape:
            raise ValueError(f"transitions: needs a state and an action, got shape {self.transitions.shape}")
        if not np.all(np.isfinite(self.transitions)):
            raise ValueError("transitions: contains NaN or infinite values")
        if np.any(self.transitions < 0):
            s, a, x = (int(i) for i in np.argwhere(self.transitions < 0)[0])
            raise ValueError(f"transitions: T[{s}, {a}, {x}] = {self.transitions[s, a, x]:g} is negative")
        sums = self.transitions.sum(axis=2)
        if not np.allclose(sums, 1.0):
            s, a = (int(i) for i in np.argwhere(~np.isclose(sums, 1.0))[0])
            raise ValueError(
                f"transitions: every T[s, a, :] must be a probability distribution; "
                f"T[{s}, {a}, :] sums to {sums[s, a]:g}"
            )
        if isinstance(self.gamma, bool) or not isinstance(self.gamma, (int, float, np.floating, np.integer)):
            raise ValueError(f"gamma: expected a number in [0, 1], got {self.gamma!r}")
        self.gamma = float(self.gamma)
        if not 0.0 <= self.gamma <= 1.0:  # also refuses NaN
            raise ValueError(f"gamma: must be in [0, 1], got {self.gamma}")
        n = self.n_states
        if self.initial is None:
            self.initial = np.full(n, 1.0 / n)
        else:
            initial = np.asarray(self.initial, dtype=np.float64)
            if initial.shape != (n,):
                raise ValueError(f"initial: expected a distribution over the {n} states, got shape {initial.shape}")
            if not np.all(np.isfinite(initial)) or np.any(initial < 0) or not np.isclose(initial.sum(), 1.0):
                raise ValueError(
                    f"initial: expected a probability distribution (non-negative, summing to 1), got {initial.tolist()}"
                )
            self.initial = initial
        mask = np.zeros(n, dtype=bool)
        if self.terminal is not None:
            terminal = np.asarray(self.terminal)
            if terminal.dtype == bool:
                if terminal.shape != (n,):
                    raise ValueError(f"terminal: a mask needs one bool per state ({n}), got shape {terminal.shape}")
                mask = terminal.copy()
            else:
                if terminal.ndim != 1 or (terminal.size and not np.issubdtype(terminal.dtype, np.integer)):
                    raise ValueError(
                        f"terminal: expected a list of state indices, got {np.asarray(self.terminal).tolist()!r}"
                    )
                bad = [int(i) for i in terminal if not 0 <= i < n]
                if bad:
                    raise ValueError(f"terminal: state index {bad[0]} is out of range (0 to {n - 1})")
                mask[terminal.astype(int)] = True
        self.terminal = mask
        for name, names, size in (
            ("state_names", self.state_names, n),
            ("action_names", self.action_names, self.n_actions),
        ):
            if names and len(names) != size:
                raise ValueError(f"{name}: expected {size} names, got {len(names)}")

    @property
    def n_states(self) -> int:
        return int(self.transitions.shape[0])

    @property
    def n_actions(self) -> int:
        return int(self.transitions.shape[1])

    def endless_states(self) -> list[int]:
        """The non-terminal states from which some policy can avoid every terminal state forever
        (the largest set W where each state has an action whose successors all stay in W).
        Empty when every policy ends every episode, which γ = 1 needs for finite values."""
        inside = ~self.terminal
        while True:
            support = self.transitions > 0
            stays = ~np.any(support & ~inside[None, None, :], axis=2)  # [S, A]: every successor in W
            updated = inside & stays.any(axis=1)
            if np.array_equal(updated, inside):
                return np.flatnonzero(inside).tolist()
            inside = updated

    def reward_array(self, reward: np.ndarray) -> np.ndarray:
        """``reward`` broadcast to [S, A, S'], with nothing earned from a terminal state."""
        full = np.broadcast_to(np.asarray(reward, dtype=np.float64), self.transitions.shape).copy()
        full[self.terminal] = 0.0
        return full

    def expected_reward(self, reward: np.ndarray) -> np.ndarray:
        """r(s, a) = Σ_s' T(s'|s,a)·R(s,a,s')."""
        return np.einsum("sax,sax->sa", self.transitions, self.reward_array(reward))

    def q_values(self, reward: np.ndarray, tol: float = 1e-10, max_iter: int = 100_000) -> np.ndarray:
        """Optimal Q by value iteration: Q(s,a) = r(s,a) + γ Σ_s' T(s'|s,a)·max_a' Q(s',a').

        With γ = 1 the MDP must reach a terminal state under every policy, or the values diverge
        (an error, not a wrong answer).
        """
        r = self.expected_reward(reward)
        continuing = self.transitions * (~self.terminal)[None, None, :]
        q = np.zeros_like(r)
        for _ in range(max_iter):
            v = q.max(axis=1)
            updated = r + self.gamma * continuing @ v
            if np.max(np.abs(updated - q)) < tol:
                return updated
            if not np.all(np.isfinite(updated)) or np.max(np.abs(updated)) > 1e12:
                break
            q = updated
        raise NotConverged("value iteration did not converge (γ = 1 with a loop that never terminates?)")

    def optimal_actions(self, reward: np.ndarray, tol: float = 1e-6) -> list[frozenset[int]]:
        """For each state, the set of optimal actions (ties within ``tol`` of the best Q)."""
        q = self.q_values(reward)
        best = q.max(axis=1, keepdims=True)
        scale = max(1.0, float(np.max(np.abs(q))))
        return [frozenset(np.flatnonzero(row >= top - tol * scale).tolist()) for row, top in zip(q, best, strict=True)]

    def greedy_policy(self, reward: np.ndarray) -> np.ndarray:
        """A deterministic optimal policy (the lowest-numbered optimal action in each state)."""
        return np.array([min(actions) for actions in self.optimal_actions(reward)])

    def policy_return(self, reward: np.ndarray, policy: np.ndarray) -> float:
        """Expected discounted return J(π) = Σ_s μ₀(s)·V^π(s) of a deterministic policy."""
        n = self.n_states
        states = np.arange(n)
        r = self.expected_reward(reward)[states, policy]
        p = self.transitions[states, policy] * (~self.terminal)[None, :]
        v = np.linalg.solve(np.eye(n) - self.gamma * p, r)
        return float(self.initial @ v)

    def rollout(self, policy: np.ndarray, start: int, horizon: int) -> list[tuple[int, int, int]]:
        """The most likely trajectory of ``policy`` from ``start``: (s, a, s') until a terminal or the horizon."""
        path = []
        state = start
        for _ in range(horizon):
            if self.terminal[state]:
                break
            action = int(policy[state])
            following = int(np.argmax(self.transitions[state, action]))
            path.append((state, action, following))
            state = following
        return path


def potential_shaping(mdp: TabularMDP, potential: np.ndarray) -> np.ndarray:
    """F(s,a,s') = γΦ(s') − Φ(s), with Φ = 0 at terminal states (terminal-safe, Ng et al. 1999)."""
    phi = np.asarray(potential, dtype=np.float64).copy()
    if phi.shape != (mdp.n_states,):
        raise ValueError(f"potential: expected one value per state ({mdp.n_states}), got shape {phi.shape}")
    phi[mdp.terminal] = 0.0
    return mdp.gamma * phi[None, None, :] - phi[:, None, None] + np.zeros(mdp.transitions.shape)


@dataclass
class InvarianceReport:
    """Whether the optimal policy survived a reward change, and where it did not."""

    invariant: bool
    changed_states: list[int]
    original_actions: list[frozenset[int]]
    shaped_actions: list[frozenset[int]]

    def __bool__(self) -> bool:
        return self.invariant


def check_policy_invariance(mdp: TabularMDP, reward: np.ndarray, shaped: np.ndarray) -> InvarianceReport:
    """Solve ``mdp`` under ``reward`` and ``shaped``; compare the sets of optimal actions per state.

    Terminal states are left out (nothing is chosen there).

    >>> T = np.zeros((3, 2, 3)); T[0, 0, 1] = T[0, 1, 0] = T[1, 0, 2] = T[1, 1, 0] = 1; T[2, :, 2] = 1
    >>> mdp = TabularMDP(T, gamma=0.9, terminal=[2])
    >>> goal = np.zeros((3, 2, 3)); goal[:, :, 2] = 1.0
    >>> bool(check_policy_invariance(mdp, goal, goal + potential_shaping(mdp, np.array([0.0, 5.0, 9.0]))))
    True
    >>> closer = goal.copy(); closer[0, 0, 1] += 2.0   # a bonus for stepping forward, none taken back
    >>> check_policy_invariance(mdp, goal, closer).changed_states
    [1]
    """
    original = mdp.optimal_actions(reward)
    changed = mdp.optimal_actions(shaped)
    states = [s for s in range(mdp.n_states) if not mdp.terminal[s] and original[s] != changed[s]]
    return InvarianceReport(not states, states, original, changed)
