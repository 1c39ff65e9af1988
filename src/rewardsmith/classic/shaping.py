"""``shaping.potential``: potential-based reward shaping, the one shaping that keeps optimal policies.

F(s, a, s') = γ·Φ(s') − Φ(s) (Ng, Harada & Russell, ICML 1999). Terminal-safe: Φ of a state in
which the episode *terminated* is 0, so an agent cannot bank potential by ending the episode.
A *truncated* step (a time limit) is not a terminal state — the Gymnasium docs ask to keep
bootstrapping there — so Φ(s') is kept. Add it to the task reward in a ``sum``; check the result
on a tabular model of the task with :func:`rewardsmith.classic.check_policy_invariance`.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from rewardsmith.core import register
from rewardsmith.core.functions import import_function

from .terms import TransitionTerm
from .transition import Transition


@register("shaping.potential")
class PotentialShaping(TransitionTerm):
    """F = γ·Φ(s')·(1 − terminated) − Φ(s), with Φ a function of the observation (``module:function``).

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "phi.py"
    >>> _ = path.write_text("def phi(obs):" + chr(10) + "    return -abs(obs[0] - 10)" + chr(10))
    >>> from rewardsmith.classic.transition import transition_sample
    >>> shaping = PotentialShaping(f"{path}:phi", gamma=0.5)
    >>> [r.value for r in shaping.score([transition_sample([0.0], 0, [4.0]),
    ...                                  transition_sample([8.0], 0, [10.0], terminated=True)])]
    [7.0, 2.0]
    """

    example: ClassVar[dict[str, Any]] = {
        "type": "shaping.potential",
        "potential": "rewardsmith.classic.potentials:negative_norm",
    }

    def __init__(self, potential: str, gamma: float = 0.99) -> None:
        if not 0.0 <= gamma <= 1.0:
            raise ValueError(f"gamma: must be in [0, 1], got {gamma}")
        self.potential = potential
        self.gamma = gamma
        self._phi = import_function(potential)

    def __getstate__(self) -> dict[str, Any]:
        return {"potential": self.potential, "gamma": self.gamma}

    def __setstate__(self, state: dict[str, Any]) -> None:
        PotentialShaping.__init__(self, **state)

    def _value(self, obs: np.ndarray) -> float:
        value = float(self._phi(obs))
        if not math.isfinite(value):
            raise ValueError(f"potential returned {value!r}")
        return value

    def term(self, transition: Transition) -> float:
        following = 0.0 if transition.terminated else self._value(transition.next_obs)
        return self.gamma * following - self._value(transition.obs)
