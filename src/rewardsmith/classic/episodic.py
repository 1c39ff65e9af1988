"""Reward distances on an episodic tabular MDP: terminal states, and rewards known only where T > 0.

EPIC (Gleave et al. 2021) and DARD (Wulfe et al. 2022) are defined on a continuing MDP and on a
reward given on every (s, a, s'). A task with terminal states is the continuing MDP in which each
terminal state t is absorbing and earns nothing (Sutton & Barto 2018, §3.4); its potential
shaping has Φ(t) = 0 (Ng, Harada & Russell 1999), which is what a terminal-safe term computes:
F = γ·Φ(s')·(1 − terminated) − Φ(s). Two things follow:

* :func:`absorb_terminal` turns the rows of terminal states into those of the absorbing MDP, so
  that a terminal-safe shaping is a shaping of the continuing MDP on *every* triple, including
  the ones out of a terminal state that EPIC's and DARD's expectations read;
* :func:`support_distance` compares rewards known only on the transitions that can occur (a
  table of an environment's reward): its canonicalisation reads nothing else, and still removes
  every potential shaping exactly.

>>> import numpy as np
>>> T = np.zeros((3, 2, 3)); T[0, 0, 1] = T[0, 1, 0] = T[1, 0, 2] = T[1, 1, 0] = 1.0; T[2, :, 2] = 1.0
>>> goal = np.zeros((3, 2, 3)); goal[1, 0, 2] = 1.0            # state 2 terminal
>>> phi = np.array([3.0, 7.0, 0.0])                             # Φ = 0 at the terminal state
>>> shaped = goal + 0.9 * phi[None, None, :] - phi[:, None, None]
>>> round(support_distance(goal, 2 * shaped, T, 0.9, [2]), 6), round(support_distance(goal, -goal, T, 0.9, [2]), 6)
(0.0, 1.0)
"""

from __future__ import annotations

import numpy as np

from .distances import _check_reward, pearson_distance

Terminal = np.ndarray | list[int] | None


def _terminal_mask(terminal: Terminal, n_states: int) -> np.ndarray:
    mask = np.zeros(n_states, dtype=bool)
    if terminal is not None:
        given = np.asarray(terminal)
        if given.dtype == bool:
            mask[:] = given
        else:
            mask[given.astype(int)] = True
    return mask


def absorb_terminal(reward: np.ndarray, terminal: Terminal) -> np.ndarray:
    """The continuing MDP's reward: each terminal row taken relative to its absorbing step, R(t,a,s') − R(t,a,t).

    Out of a terminal state t — a transition no episode contains — a terminal-safe shaping term
    still subtracts Φ(t): γ·Φ(s')·(1 − terminated) − Φ(t). Subtracting the row's value on the
    absorbing step (t, a, t), where the term is −Φ(t), leaves γ·Φ(s') − 0: the shaping of the
    continuing MDP with Φ(t) = 0, which EPIC's and DARD's canonicalisations cancel. The absorbing
    step itself earns 0, as in the episodic task. Rows of non-terminal states — every transition
    an episode can contain — are unchanged.

    >>> r = np.zeros((2, 1, 2)); r[1, 0] = [4.0, -3.0]     # state 1 terminal: -3 on its step (1, 0, 1)
    >>> absorb_terminal(r, [1])[1, 0].tolist()
    [7.0, 0.0]
    """
    rebased = np.array(reward, dtype=np.float64)
    for state in np.flatnonzero(_terminal_mask(terminal, rebased.shape[0])):
        rebased[state] -= rebased[state, :, state][:, None]
    return rebased


def absorbing_transitions(transitions: np.ndarray, terminal: Terminal) -> np.ndarray:
    """T with every terminal state made absorbing: T(t | t, a) = 1 (what follows t is not played)."""
    absorbing = np.array(transitions, dtype=np.float64)
    for state in np.flatnonzero(_terminal_mask(terminal, absorbing.shape[0])):
        absorbing[state] = 0.0
        absorbing[state, :, state] = 1.0
    return absorbing


def support_weights(transitions: np.ndarray, terminal: Terminal = None) -> np.ndarray:
    """D(s,a,s') = D_S(s)·D_A(a)·T(s'|s,a) on the absorbing MDP, D_S and D_A uniform.

    The transitions that can occur, each as likely as the dynamics make it given (s, a).
    """
    transitions = absorbing_transitions(_check_reward(transitions, "transitions"), terminal)
    n_states, n_actions, _ = transitions.shape
    return transitions / (n_states * n_actions)


def support_canonical(
    reward: np.ndarray, transitions: np.ndarray, gamma: float, terminal: Terminal = None
) -> np.ndarray:
    """R minus its closest potential shaping and constant, fitted only where the (absorbing) T > 0.

    The canonical reward is the member of R's class nearest 0 in the L2 norm weighted by
    :func:`support_weights` (D):

        C(R) = R − (c + γ·Φ*(s') − Φ*(s)),   (c, Φ*) = argmin_{c, Φ} Σ D·(R − c − γ·Φ(s') + Φ(s))²,

    the orthogonal projection that STARC calls *minimal canonicalisation* (Skalse et al. 2024,
    with a weighted L2 norm; only shaping and constants are removed, the invariances of EPIC).
    It is linear and C(R + F) = C(R) for every Φ, so rewards that differ by shaping and a positive
    factor get canonical forms that differ by that factor alone. R is read on the transitions
    that can occur out of non-terminal states; out of a terminal state only the absorbing step
    counts, and it earns 0 (:func:`absorb_terminal`). A constant is removed only if it is paid
    after the end too: one paid on the steps of an episode alone is an alive bonus (or a step
    cost), which changes what is optimal, and stays. Every other entry of the result is 0. A
    dense least-squares fit with one unknown per state: for small MDPs.

    >>> T = np.zeros((3, 1, 3)); T[0, 0, 1] = T[1, 0, 2] = T[2, 0, 2] = 1.0   # 0 → 1 → 2 (terminal)
    >>> goal = np.zeros((3, 1, 3)); goal[1, 0, 2] = 1.0
    >>> phi = np.array([5.0, 2.0, 0.0])
    >>> shaped = goal + 0.9 * phi[None, None, :] - phi[:, None, None]
    >>> bool(np.allclose(support_canonical(goal, T, 0.9, [2]), support_canonical(3 * shaped, T, 0.9, [2]) / 3))
    True
    """
    reward = absorb_terminal(_check_reward(reward, "reward"), terminal)
    transitions = _check_reward(transitions, "transitions")
    if transitions.shape != reward.shape:
        raise ValueError(f"transitions: shape {transitions.shape} differs from the reward's {reward.shape}")
    weights = support_weights(transitions, terminal)
    cells = tuple(np.argwhere(weights > 0).T)
    source, following = cells[0], cells[2]
    rows = np.arange(len(source))
    design = np.zeros((len(source), 1 + reward.shape[0]))
    design[:, 0] = 1.0  # c
    np.add.at(design, (rows, 1 + following), gamma)  # + γ·Φ(s')
    np.add.at(design, (rows, 1 + source), -1.0)  # − Φ(s)
    scale = np.sqrt(weights[cells])
    fit, *_ = np.linalg.lstsq(design * scale[:, None], reward[cells] * scale, rcond=None)
    canonical = np.zeros_like(reward)
    canonical[cells] = reward[cells] - design @ fit
    return canonical


def support_distance(
    r1: np.ndarray, r2: np.ndarray, transitions: np.ndarray, gamma: float, terminal: Terminal = None
) -> float:
    """EPIC's Pearson distance D_ρ = sqrt((1 − ρ)/2) between :func:`support_canonical` rewards, under D.

    Reads the rewards only where T(s'|s,a) > 0 out of a non-terminal state. The EPIC paper's
    properties hold: 0 for rewards equal up to potential shaping (Φ = 0 at terminal states) and a
    positive factor; 1 for R and −R; in [0, 1]; a pseudometric. It differs from
    :func:`rewardsmith.classic.epic_distance` where the rewards differ on transitions that cannot
    occur, which EPIC counts and this (like the MDP's optimal policies) does not.
    A reward whose canonical form is constant — equivalent to 0 on this MDP — has no distance to
    one whose is not (:class:`rewardsmith.classic.distances.UndefinedDistance`).
    """
    weights = support_weights(transitions, terminal)
    c1 = support_canonical(r1, transitions, gamma, terminal)
    c2 = support_canonical(r2, transitions, gamma, terminal)
    return pearson_distance(c1, c2, weights)
