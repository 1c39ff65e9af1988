"""Ready-made potential functions Φ(obs) for ``shaping.potential`` and functions for ``env.term``.

Give them by path: ``potential: rewardsmith.classic.potentials:negative_norm``.
"""

from __future__ import annotations

import numpy as np


def negative_norm(obs: np.ndarray) -> float:
    """Φ(s) = −‖s‖₂: closer to the origin is better (goal at the origin, e.g. a centred pole or cart).

    >>> negative_norm(np.array([3.0, 4.0]))
    -5.0
    """
    return -float(np.linalg.norm(np.atleast_1d(obs)))


def progress(obs: np.ndarray, next_obs: np.ndarray) -> float:
    """s'₀ − s₀: progress along the first observation coordinate (forward-velocity rewards)."""
    return float(np.atleast_1d(next_obs)[0] - np.atleast_1d(obs)[0])
