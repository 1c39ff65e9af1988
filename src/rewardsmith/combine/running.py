"""``running_norm``: z-score a reward with running statistics kept across calls."""

from __future__ import annotations

import threading
from typing import Any, ClassVar

import numpy as np

from rewardsmith.core import RewardResult, Sample, register
from rewardsmith.core.reward import Reward

from .transform import Transform, Transformed


@register("running_norm")
class RunningNorm(Transform):
    """r̃ = (r − μ) / (σ + ε) with μ, σ² exponential moving averages over the batches seen so far.

    Each batch b updates μ ← (1 − α)·μ + α·mean_b and σ² ← (1 − α)·σ² + α·var_b (the first batch
    sets them), and is then normalised with the updated statistics. Useful to put reward models
    of different scales on one footing before an ``ensemble``, as the ensemble papers do. The
    state lives in the object (one per training run); :meth:`reset` forgets it. Not
    order-independent by design: it follows the stream of batches.

    >>> from rewardsmith.verifiers.format.regex import FormatRegex
    >>> from rewardsmith.core import Sample
    >>> norm = RunningNorm(FormatRegex("a"), alpha=0.5, eps=0.0)
    >>> [r.value for r in norm.score([Sample("a"), Sample("b")])]
    [1.0, -1.0]
    >>> norm.mean, norm.var
    (0.5, 0.25)
    """

    example: ClassVar[dict[str, Any]] = {
        "type": "running_norm",
        "reward": {"type": "field", "field": "score"},
        "alpha": 0.5,
    }

    own_batch_scope = "batch"

    def __init__(self, reward: Reward, alpha: float = 0.01, eps: float = 1e-6) -> None:
        super().__init__(reward)
        if not 0.0 < alpha <= 1.0:
            raise ValueError(f"alpha: must be in (0, 1], got {alpha}")
        self.alpha = alpha
        self.eps = eps
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Forget the running statistics."""
        with self._lock:
            self.mean: float | None = None
            self.var: float | None = None
            self.count = 0

    def transform(self, values: np.ndarray, samples: list[Sample], results: list[RewardResult]) -> Transformed:
        present = values[~np.isnan(values)]
        with self._lock:
            if present.size:
                batch_mean, batch_var = float(present.mean()), float(present.var())
                if self.mean is None or self.var is None:
                    self.mean, self.var = batch_mean, batch_var
                else:
                    self.mean = (1 - self.alpha) * self.mean + self.alpha * batch_mean
                    self.var = (1 - self.alpha) * self.var + self.alpha * batch_var
                self.count += int(present.size)
            mean = self.mean if self.mean is not None else 0.0
            std = float(np.sqrt(self.var)) if self.var is not None else 1.0
        return Transformed((values - mean) / (std + self.eps))

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_lock"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()
