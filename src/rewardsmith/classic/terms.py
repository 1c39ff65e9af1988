"""Reward terms over environment transitions (``env.*``), to compose into a spec.

Each term is a registered component; a spec such as

.. code-block:: yaml

    type: sum
    terms:
      - {type: env.reward}
      - {type: env.alive, bonus: 1.0, weight: 0.1}
      - {type: env.action_magnitude, weight: -0.001}

replaces an inline ``reward = ...`` in ``step()``, and :class:`rewardsmith.gym.RewardWrapper`
logs every term per step. A sample without a transition is bad input (an error result).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from rewardsmith.core import RewardResult, Sample, register
from rewardsmith.core.errors import DataError
from rewardsmith.core.functions import import_function
from rewardsmith.core.result import kind_of
from rewardsmith.core.reward import Reward

from .transition import TRANSITION_FIELDS, Transition


class TransitionTerm(Reward):
    """A reward over one transition: subclasses implement :meth:`term`."""

    def term(self, transition: Transition) -> float | RewardResult | None:
        raise NotImplementedError

    def score_batch(self, samples: list[Sample]) -> list[RewardResult]:
        results = []
        for sample in samples:
            try:
                value = self.term(Transition.of(sample))
            except DataError as exc:
                results.append(RewardResult.fail(f"{self.name}: {exc}", kind="bad_input"))
                continue
            except Exception as exc:  # noqa: BLE001 - a failing term is an error result, never a 0
                results.append(RewardResult.fail(f"{self.name}: {type(exc).__name__}: {exc}", kind=kind_of(exc)))
                continue
            if isinstance(value, RewardResult):
                results.append(value)
            elif value is None:
                results.append(RewardResult.not_applicable())
            else:
                number = float(value)
                if not np.isfinite(number):
                    results.append(RewardResult.fail(f"{self.name}: non-finite value {number!r}"))
                else:
                    results.append(RewardResult.trusted(number, {}))
        return results


@register("env.reward")
class EnvReward(TransitionTerm):
    """The reward the environment itself returned, times ``scale``: r' = scale·r_env.

    >>> from rewardsmith.classic.transition import transition_sample
    >>> EnvReward(scale=2.0).score([transition_sample([0], 0, [1], reward=1.5)])[0].value
    3.0
    """

    def __init__(self, scale: float = 1.0) -> None:
        self.scale = scale

    def term(self, transition: Transition) -> float | RewardResult:
        if transition.reward is None:
            return RewardResult.fail("the transition has no environment reward", kind="bad_input")
        return self.scale * transition.reward


@register("env.alive")
class AliveBonus(TransitionTerm):
    """A bonus for every step that does not end in termination: r = bonus·(1 − terminated).

    The MuJoCo locomotion tasks' "healthy reward" (Gymnasium's Hopper, Walker2d, Ant). A
    truncated step (time limit) still earns it: the agent did not fail.

    >>> from rewardsmith.classic.transition import transition_sample
    >>> [r.value for r in AliveBonus().score([transition_sample([0], 0, [1]),
    ...                                       transition_sample([0], 0, [1], terminated=True)])]
    [1.0, 0.0]
    """

    def __init__(self, bonus: float = 1.0) -> None:
        self.bonus = bonus

    def term(self, transition: Transition) -> float:
        return 0.0 if transition.terminated else self.bonus


@register("env.action_magnitude")
class ActionMagnitude(TransitionTerm):
    """‖a‖_ord^power: a control cost when given a negative weight (MuJoCo's ctrl_cost = c·Σ aᵢ²).

    >>> from rewardsmith.classic.transition import transition_sample
    >>> ActionMagnitude().score([transition_sample([0], [3.0, 4.0], [1])])[0].value
    25.0
    """

    value_range = (0.0, float("inf"))
    infinite_params: ClassVar[frozenset[str]] = frozenset({"ord"})  # ord=inf: the max norm

    def __init__(self, ord: float = 2, power: float = 2) -> None:
        self.ord = ord
        self.power = power

    def term(self, transition: Transition) -> float:
        return float(np.linalg.norm(np.atleast_1d(transition.action), ord=self.ord) ** self.power)


@register("env.goal_distance")
class GoalDistance(TransitionTerm):
    """‖pos(s') − goal‖_ord: the distance to the goal after the step (negate its weight to reward closeness).

    ``position`` lists the indices of the position in the observation; the goal is ``goal`` (a
    fixed point) or read from the observation at ``goal_indices`` (goal-conditioned tasks).

    >>> from rewardsmith.classic.transition import transition_sample
    >>> GoalDistance(position=[0, 1], goal=[3.0, 4.0]).score([transition_sample([0, 0], 0, [0.0, 0.0])])[0].value
    5.0
    """

    value_range = (0.0, float("inf"))
    example: ClassVar[dict[str, Any]] = {"type": "env.goal_distance", "position": [0], "goal": [0.0]}
    infinite_params: ClassVar[frozenset[str]] = frozenset({"ord"})  # ord=inf: the max norm

    def __init__(
        self,
        position: list[int],
        goal: list[float] | None = None,
        goal_indices: list[int] | None = None,
        ord: float = 2,
    ) -> None:
        if (goal is None) == (goal_indices is None):
            raise ValueError("give exactly one of goal and goal_indices")
        self.position = list(position)
        self.goal = None if goal is None else list(goal)
        self.goal_indices = None if goal_indices is None else list(goal_indices)
        self.ord = ord

    def term(self, transition: Transition) -> float:
        state = np.atleast_1d(transition.next_obs)
        target = np.asarray(self.goal) if self.goal is not None else state[self.goal_indices]
        return float(np.linalg.norm(state[self.position] - target, ord=self.ord))


def _read_info(info: dict[str, Any], key: str) -> Any:
    if key in info:
        return info[key]
    value: Any = info
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            raise KeyError(key)
        value = value[part]
    return value


@register("env.info")
class InfoValue(TransitionTerm):
    """A number the environment reports in ``info[key]`` (a dotted path for nested dicts).

    When the key is absent the value is ``default``; with no default that is bad input (an
    error result naming the key), never a silent 0.

    >>> from rewardsmith.classic.transition import transition_sample
    >>> reward = InfoValue("reward_forward", default=0.0)
    >>> [r.value for r in reward.score([transition_sample([0], 0, [1], info={"reward_forward": 0.7}),
    ...                                 transition_sample([0], 0, [1])])]
    [0.7, 0.0]
    """

    example: ClassVar[dict[str, Any]] = {"type": "env.info", "key": "x_velocity", "default": 0.0}

    def __init__(self, key: str, default: float | None = None) -> None:
        self.key = key
        self.default = default

    def term(self, transition: Transition) -> float | RewardResult:
        try:
            value = _read_info(transition.info, self.key)
        except KeyError:
            if self.default is None:
                return RewardResult.fail(f"info has no {self.key!r} and no default is set", kind="bad_input")
            return self.default
        if isinstance(value, bool) or not isinstance(value, int | float | np.number):
            return RewardResult.fail(f"info[{self.key!r}] is {value!r}, not a number", kind="bad_input")
        return float(value)


def _bind(function: Callable[..., Any]) -> Callable[[Transition], Any]:
    """Call ``function`` with the transition fields its signature names (``obs``, ``action`` …)."""
    parameters = inspect.signature(function).parameters
    if any(p.kind == p.VAR_KEYWORD for p in parameters.values()):
        names = list(TRANSITION_FIELDS)
    else:
        names = [name for name in parameters if name in TRANSITION_FIELDS]
        unknown = [
            name
            for name, p in parameters.items()
            if name not in TRANSITION_FIELDS and p.default is p.empty and p.kind != p.VAR_POSITIONAL
        ]
        if unknown:
            raise ValueError(f"function parameters {unknown} are not transition fields {list(TRANSITION_FIELDS)}")

    def call(transition: Transition) -> Any:
        return function(**{name: getattr(transition, name) for name in names})

    return call


@register("env.term")
class FunctionTerm(TransitionTerm):
    """Any function of the transition, given as ``module:function`` or ``file.py:function``.

    The function takes the fields it names — ``obs``, ``action``, ``next_obs``, ``reward``,
    ``terminated``, ``truncated``, ``info`` — and returns a number (None: not applicable). It is
    imported again after unpickling, so the term travels to worker processes by name.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "terms.py"
    >>> _ = path.write_text("def forward(obs, next_obs):" + chr(10) + "    return next_obs[0] - obs[0]" + chr(10))
    >>> from rewardsmith.classic.transition import transition_sample
    >>> FunctionTerm(f"{path}:forward").score([transition_sample([1.0, 0.0], 0, [1.5, 0.0])])[0].value
    0.5
    """

    example: ClassVar[dict[str, Any]] = {"type": "env.term", "function": "rewardsmith.classic.potentials:progress"}

    def __init__(self, function: str) -> None:
        self.function = function
        self._call = _bind(import_function(function))

    def __getstate__(self) -> dict[str, Any]:
        return {"function": self.function}

    def __setstate__(self, state: dict[str, Any]) -> None:
        FunctionTerm.__init__(self, state["function"])

    def term(self, transition: Transition) -> Any:
        return self._call(transition)
