"""Potential functions for benchmarks/classic_bench.py (imported by ``module:function`` path)."""

import numpy as np


def upright(obs: np.ndarray) -> float:
    """Φ(s) = −|θ|: CartPole's pole angle, closer to upright is better."""
    return -abs(float(obs[2]))
