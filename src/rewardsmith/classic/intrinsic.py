"""Intrinsic rewards for exploration: visit counts (with hashing) and random network distillation.

Both keep state across batches (counts, a trained predictor, running statistics): one object per
training run, :meth:`reset` to start over. They declare ``stateful = True``: two fresh objects fed
the same stream of batches give the same values. The count bonus takes a batch's samples in
order, so a batch scores exactly as the same samples one at a time; RND, like the paper, whitens
and trains once per batch, so its values depend on how the stream is batched.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import numpy as np

from rewardsmith.core import RewardResult, Sample, register
from rewardsmith.core.errors import DataError
from rewardsmith.core.reward import Reward

from .transition import Transition


@register("intrinsic.count")
class CountBonus(Reward):
    """r⁺ = β / sqrt(n(φ(s'))), n the number of visits so far including this one.

    MBIE-EB's count bonus (Strehl & Littman, 2008). For large or continuous observations φ is
    SimHash (Tang et al., "#Exploration", NeurIPS 2017): φ(s) = sgn(A·s) with A ∈ R^{k×D} drawn
    from N(0, 1) once (``hash_bits`` = k, ``seed``); without ``hash_bits`` the observation rounded
    to ``decimals`` is its own key (tabular).

    >>> from rewardsmith.classic.transition import transition_sample
    >>> bonus = CountBonus(beta=1.0)
    >>> [round(r.value, 4) for r in bonus.score([transition_sample([0], 0, [1])] * 4)]
    [1.0, 0.7071, 0.5774, 0.5]
    """

    stateful = True
    #: The value depends on every earlier sample of the run: never cached, never split across workers.
    own_batch_scope = "batch"
    value_range = (0.0, float("inf"))

    def __init__(self, beta: float = 0.01, hash_bits: int | None = None, decimals: int = 6, seed: int = 0) -> None:
        if hash_bits is not None and hash_bits < 1:
            raise ValueError("hash_bits: must be at least 1")
        self.beta = beta
        self.hash_bits = hash_bits
        self.decimals = decimals
        self.seed = seed
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Forget every count (and keep the hash projection)."""
        self.counts: Counter[bytes] = Counter()
        self._projection: np.ndarray | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_lock"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def _key(self, state: np.ndarray) -> bytes:
        flat = np.atleast_1d(state).astype(np.float64).ravel()
        if self.hash_bits is None:
            return np.round(flat, self.decimals).tobytes()
        if self._projection is None or self._projection.shape[1] != flat.size:
            self._projection = np.random.default_rng(self.seed).normal(size=(self.hash_bits, flat.size))
        return np.packbits(self._projection @ flat > 0).tobytes()

    def score_batch(self, samples: list[Sample]) -> list[RewardResult]:
        results = []
        with self._lock:
            for sample in samples:
                try:
                    transition = Transition.of(sample)
                except DataError as exc:
                    results.append(RewardResult.fail(f"{self.name}: {exc}", kind="bad_input"))
                    continue
                key = self._key(transition.next_obs)
                self.counts[key] += 1
                results.append(RewardResult.ok(self.beta / np.sqrt(self.counts[key])))
        return results


class _RunningMoments:
    """Mean and variance over everything seen (Chan et al.'s parallel update)."""

    def __init__(self, shape: tuple[int, ...] = ()) -> None:
        self.mean = np.zeros(shape)
        self.var = np.ones(shape)
        self.count = 1e-4

    def update(self, batch: np.ndarray) -> None:
        mean, var, count = batch.mean(axis=0), batch.var(axis=0), batch.shape[0]
        delta = mean - self.mean
        total = self.count + count
        self.mean = self.mean + delta * count / total
        self.var = (self.var * self.count + var * count + delta**2 * self.count * count / total) / total
        self.count = total


@register("intrinsic.rnd")
class RandomNetworkDistillation(Reward):
    """r⁺ = ‖f̂(s') − f(s')‖² / σ_R, f a fixed random network and f̂ a predictor trained to match it.

    Burda et al., "Exploration by Random Network Distillation", ICLR 2019: novel states are those
    the predictor has not yet learned. As in the paper, observations are whitened with running
    statistics and clipped to [−5, 5], the bonus is divided by a running standard deviation σ_R
    of the discounted intrinsic return (γ = ``gamma``), and the predictor takes ``updates``
    Adam steps on each batch after scoring it. Needs the ``models`` extra (torch).

    >>> from rewardsmith.classic.transition import transition_sample
    >>> rnd = RandomNetworkDistillation(seed=0, learning_rate=1e-2)
    >>> seen = [transition_sample([0], 0, [1.0, 2.0, 3.0])] * 16
    >>> first = rnd.score(seen)[0].value
    >>> later = [rnd.score(seen)[0].value for _ in range(30)][-1]
    >>> later < 0.2 * first, rnd.score([transition_sample([0], 0, [-4.0, 9.0, 0.5])])[0].value > 5 * later
    (True, True)
    """

    stateful = True
    own_batch_scope = "batch"
    value_range = (0.0, float("inf"))

    def __init__(
        self,
        hidden: int = 64,
        features: int = 32,
        learning_rate: float = 1e-3,
        updates: int = 1,
        gamma: float = 0.99,
        seed: int = 0,
    ) -> None:
        self.hidden = hidden
        self.features = features
        self.learning_rate = learning_rate
        self.updates = updates
        self.gamma = gamma
        self.seed = seed
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Forget the networks and running statistics; they are rebuilt on the next batch."""
        self._nets: Any = None
        self._obs_moments: _RunningMoments | None = None
        self._return_moments = _RunningMoments()
        self._return = 0.0

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_lock"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def _build(self, size: int) -> Any:
        try:
            import torch
        except ImportError as exc:
            raise ImportError("intrinsic.rnd needs torch: pip install 'rewardsmith[models]'") from exc
        generator = torch.Generator().manual_seed(self.seed)

        def network() -> Any:
            layers = torch.nn.Sequential(
                torch.nn.Linear(size, self.hidden),
                torch.nn.ReLU(),
                torch.nn.Linear(self.hidden, self.features),
            ).double()
            for parameter in layers.parameters():
                with torch.no_grad():
                    parameter.copy_(torch.randn(parameter.shape, generator=generator, dtype=torch.float64) * 0.3)
            return layers

        target, predictor = network(), network()
        target.requires_grad_(False)
        optimiser = torch.optim.Adam(predictor.parameters(), lr=self.learning_rate)
        return torch, target, predictor, optimiser

    def score_batch(self, samples: list[Sample]) -> list[RewardResult]:
        transitions: list[Transition | None] = []
        results: list[RewardResult | None] = []
        for sample in samples:
            try:
                transitions.append(Transition.of(sample))
                results.append(None)
            except DataError as exc:
                transitions.append(None)
                results.append(RewardResult.fail(f"{self.name}: {exc}", kind="bad_input"))
        good = [t for t in transitions if t is not None]
        if not good:
            return [r for r in results if r is not None]
        with self._lock:
            states = np.stack([np.atleast_1d(t.next_obs).ravel() for t in good])
            if self._nets is None:
                self._nets = self._build(states.shape[1])
                self._obs_moments = _RunningMoments((states.shape[1],))
            torch, target, predictor, optimiser = self._nets
            assert self._obs_moments is not None
            self._obs_moments.update(states)
            white = np.clip((states - self._obs_moments.mean) / np.sqrt(self._obs_moments.var + 1e-8), -5, 5)
            inputs = torch.from_numpy(white)
            with torch.no_grad():
                errors = ((predictor(inputs) - target(inputs)) ** 2).sum(dim=1).numpy()
            returns = []
            for error in errors:
                self._return = self._return * self.gamma + float(error)
                returns.append(self._return)
            self._return_moments.update(np.asarray(returns))
            bonus = errors / np.sqrt(self._return_moments.var + 1e-8)
            for _ in range(self.updates):
                optimiser.zero_grad()
                loss = ((predictor(inputs) - target(inputs)) ** 2).sum(dim=1).mean()
                loss.backward()
                optimiser.step()
        values = iter(bonus.tolist())
        return [r if r is not None else RewardResult.ok(next(values)) for r in results]
