"""Gymnasium integration (the ``gym`` extra): ``RewardWrapper``, an environment whose reward is a
rewardsmith spec.

This module sits outside :mod:`rewardsmith.classic` so that listing components never imports
gymnasium.

The spec replaces the environment's reward; every term is logged per step in
``info["reward_terms"]`` (unweighted values, plus the environment's own reward under
``"env"``), weights can follow schedules over steps, and :class:`VectorRewardWrapper` scores all
sub-environments of a vector env as one batch. A step whose reward is an error or "not
applicable" raises :class:`~rewardsmith.core.errors.RewardError` naming the step and the cause:
an environment has no way to carry "no reward", and a silent 0 would train on it.

Speed: a spec made of ``env.*`` / ``shaping.*`` terms under a ``sum`` is compiled into one Python
function (no samples, results or numpy reductions per step), with exactly the same arithmetic as
the general path; anything else — and any step where the compiled function fails — goes through
the general path, so the numbers and errors are always those of ``reward.score``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from rewardsmith.classic.terms import TransitionTerm
from rewardsmith.classic.transition import Transition, transition_sample
from rewardsmith.combine.sum import Sum
from rewardsmith.core import RewardResult, load
from rewardsmith.core.composition import child_labels
from rewardsmith.core.errors import RewardError
from rewardsmith.core.reward import Reward

try:
    import gymnasium as gym
except ImportError as exc:  # pragma: no cover - exercised only without the gym extra
    raise ImportError("rewardsmith.gym needs gymnasium: pip install 'rewardsmith[gym]'") from exc

Schedule = Callable[[int], float]
Compiled = Callable[[Transition], tuple[float, dict[str, float]]]


def _top_weights(reward: Reward) -> tuple[list[str], list[float]] | None:
    if reward.name != "sum" or not isinstance(reward, Sum):
        return None
    terms = reward.terms
    weights = reward.weights if reward.weights is not None else [1.0] * len(terms)
    return child_labels(terms), list(weights)


def compile_reward(reward: Reward) -> Compiled | None:
    """One Python function for a ``sum`` of transition terms (or a single term); None if not compilable.

    The function returns the value and each term's unweighted value, and raises on anything the
    general path would turn into an error (a failing term, a non-finite value), so the wrapper
    can fall back to it.
    """
    if isinstance(reward, TransitionTerm):
        label = reward.name
        term = reward.term

        def single(transition: Transition) -> tuple[float, dict[str, float]]:
            value = term(transition)
            if isinstance(value, RewardResult) or value is None or not math.isfinite(value):
                raise ValueError("not a plain value")
            return float(value), {label: float(value)}

        return single
    top = _top_weights(reward)
    if top is None or not isinstance(reward, Sum) or getattr(reward, "on_error", "error") != "error":
        return None
    terms = [term for term in reward.terms if isinstance(term, TransitionTerm)]
    if len(terms) < len(reward.terms):
        return None
    labels = top[0]
    sum_reward = reward  # its weights are read at every call: schedules change them
    methods = [term.term for term in terms]
    pairs = list(zip(labels, methods, strict=True))
    isfinite = math.isfinite

    def summed(transition: Transition) -> tuple[float, dict[str, float]]:
        weights = sum_reward.weights if sum_reward.weights is not None else [1.0] * len(methods)
        total = 0.0
        values = {}
        # float() of a RewardResult or None raises TypeError: the wrapper falls back to the general path.
        for (label, method), weight in zip(pairs, weights):  # noqa: B905 - lengths checked at load
            value = float(method(transition))  # type: ignore[arg-type]  # deliberate: see above
            if not isfinite(value):
                raise ValueError("not finite")
            values[label] = value
            total += weight * value
        if not isfinite(total):
            raise ValueError("not finite")
        return total, values

    return summed


def _terms_of(result: RewardResult, label: str) -> dict[str, float]:
    components = result.details.get("components")
    if not components:
        return {label: result.value} if result.value is not None else {}
    return {name: entry["value"] for name, entry in components.items()}


class _Scorer:
    """The spec, its compiled form, and weight schedules: shared by the single and vector wrappers."""

    def __init__(self, spec: Any, schedules: dict[str, Schedule] | None, compiled: bool) -> None:
        self.reward = load(spec if not isinstance(spec, Path) else str(spec))
        self.schedules = dict(schedules or {})
        top = _top_weights(self.reward)
        if self.schedules:
            if top is None:
                raise ValueError("weight schedules need a 'sum' at the top of the spec")
            unknown = sorted(set(self.schedules) - set(top[0]))
            if unknown:
                raise ValueError(f"schedules name unknown terms {unknown}; the terms are {top[0]}")
        self._base = top
        self._compiled = compile_reward(self.reward) if compiled else None
        self.steps = 0

    def advance(self) -> None:
        """Count a step and set the scheduled weights for it: w_i(t) = w_i · schedule_i(t)."""
        self.steps += 1
        if self.schedules and self._base is not None and isinstance(self.reward, Sum):
            labels, weights = self._base
            self.reward.weights = [
                weight * float(self.schedules[label](self.steps)) if label in self.schedules else weight
                for label, weight in zip(labels, weights, strict=True)
            ]

    def one(self, transition: Transition) -> tuple[float, dict[str, float]]:
        if self._compiled is not None:
            try:
                return self._compiled(transition)
            except Exception:  # noqa: BLE001 - the general path below gives the exact error
                pass
        return self.many([transition])[0]

    def many(self, transitions: list[Transition]) -> list[tuple[float, dict[str, float]]]:
        samples = [
            transition_sample(t.obs, t.action, t.next_obs, t.reward, t.terminated, t.truncated, t.info)
            for t in transitions
        ]
        out = []
        for index, result in enumerate(self.reward.score(samples)):
            if result.value is None:
                cause = result.error or "the reward is not applicable to this transition"
                raise RewardError(f"step {self.steps}, env {index}: {cause}")
            out.append((result.value, _terms_of(result, self.reward.name)))
        return out


def _transition(
    obs: Any, action: Any, next_obs: Any, reward: Any, terminated: Any, truncated: Any, info: Any
) -> Transition:
    return Transition(
        obs=np.asarray(obs, dtype=np.float64),
        action=np.asarray(action, dtype=np.float64),
        next_obs=np.asarray(next_obs, dtype=np.float64),
        reward=float(reward),
        terminated=bool(terminated),
        truncated=bool(truncated),
        info=info,
    )


class RewardWrapper(gym.Wrapper):
    """Replace an environment's reward with a spec; log every term in ``info["reward_terms"]``.

    ``schedules`` maps a top-level term's label to a function of the step count (1 for the
    first step) multiplying its weight, e.g. ``{"env.alive": lambda t: max(0.0, 1 - t / 1e5)}``.

    >>> import gymnasium as gym
    >>> env = RewardWrapper(gym.make("CartPole-v1"), {"type": "sum", "terms": [
    ...     {"type": "env.alive", "bonus": 1.0}, {"type": "env.reward", "weight": 0.5}]})
    >>> _ = env.reset(seed=0)
    >>> _, reward, _, _, info = env.step(0)
    >>> reward, info["reward_terms"]
    (1.5, {'env.alive': 1.0, 'env.reward': 1.0, 'env': 1.0})
    """

    def __init__(
        self,
        env: gym.Env,
        spec: Any,
        schedules: dict[str, Schedule] | None = None,
        compiled: bool = True,
    ) -> None:
        super().__init__(env)
        self.scorer = _Scorer(spec, schedules, compiled)
        self._obs: Any = None

    @property
    def reward_spec(self) -> Reward:
        return self.scorer.reward

    def reset(self, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
        obs, info = self.env.reset(**kwargs)
        self._obs = obs
        return obs, info

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        if self._obs is None:
            raise RewardError("call reset() before step()")
        next_obs, env_reward, terminated, truncated, info = self.env.step(action)
        self.scorer.advance()
        value, terms = self.scorer.one(
            _transition(self._obs, action, next_obs, env_reward, terminated, truncated, info)
        )
        terms["env"] = float(env_reward)
        info = dict(info)
        info["reward_terms"] = terms
        self._obs = next_obs
        return next_obs, value, terminated, truncated, info


class VectorRewardWrapper(gym.vector.VectorWrapper):
    """The same for a vector env: all sub-environments' transitions are scored as one batch.

    Autoreset is handled as Gymnasium defines it: in ``NextStep`` mode the step that resets a
    finished sub-environment is not a transition (its reward stays 0 and its terms are NaN); in
    ``SameStep`` mode the finished episode's last observation is read from
    ``info["final_obs"]``. ``info["reward_terms"]`` holds one array per term.
    """

    def __init__(
        self,
        env: gym.vector.VectorEnv,
        spec: Any,
        schedules: dict[str, Schedule] | None = None,
    ) -> None:
        super().__init__(env)
        self.scorer = _Scorer(spec, schedules, compiled=False)
        self._obs: Any = None
        mode = env.metadata.get("autoreset_mode", gym.vector.AutoresetMode.NEXT_STEP)
        self._mode = gym.vector.AutoresetMode(mode) if not isinstance(mode, gym.vector.AutoresetMode) else mode
        self._resetting = np.zeros(self.num_envs, dtype=bool)

    def reset(self, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
        obs, info = self.env.reset(**kwargs)
        self._obs = obs
        self._resetting[:] = False
        return obs, info

    def _info_of(self, info: dict[str, Any], index: int) -> dict[str, Any]:
        own = {}
        for key, value in info.items():
            if key.startswith("_") or key in ("final_obs", "final_info"):
                continue
            mask = info.get(f"_{key}")
            if mask is not None and not mask[index]:
                continue
            own[key] = value[index] if isinstance(value, np.ndarray) else value
        return own

    def step(self, actions: Any) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        if self._obs is None:
            raise RewardError("call reset() before step()")
        next_obs, env_rewards, terminated, truncated, info = self.env.step(actions)
        self.scorer.advance()
        active = [i for i in range(self.num_envs) if not self._resetting[i]]
        transitions = []
        for i in active:
            following = next_obs[i]
            if self._mode == gym.vector.AutoresetMode.SAME_STEP and (terminated[i] or truncated[i]):
                following = info["final_obs"][i]
            transitions.append(
                _transition(
                    self._obs[i],
                    actions[i],
                    following,
                    env_rewards[i],
                    terminated[i],
                    truncated[i],
                    self._info_of(info, i),
                )
            )
        scored = self.scorer.many(transitions) if transitions else []
        rewards = np.zeros(self.num_envs, dtype=np.float64)
        labels = sorted({label for _, terms in scored for label in terms})
        logged = {label: np.full(self.num_envs, np.nan) for label in labels}
        for i, (value, terms) in zip(active, scored, strict=True):
            rewards[i] = value
            for label, term in terms.items():
                logged[label][i] = term
        logged["env"] = np.asarray(env_rewards, dtype=np.float64)
        info = dict(info)
        info["reward_terms"] = logged
        if self._mode == gym.vector.AutoresetMode.NEXT_STEP:
            self._resetting = np.logical_or(terminated, truncated)
        self._obs = next_obs
        return next_obs, rewards, terminated, truncated, info
