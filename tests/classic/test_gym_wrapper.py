"""RewardWrapper and VectorRewardWrapper on real Gymnasium environments."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

gym = pytest.importorskip("gymnasium")

from rewardsmith.classic.transition import transition_sample  # noqa: E402
from rewardsmith.core.errors import RewardError  # noqa: E402
from rewardsmith.gym import RewardWrapper, VectorRewardWrapper, compile_reward  # noqa: E402

POTENTIALS = Path(__file__).resolve().parent / "potentials.py"
SPEC = {
    "type": "sum",
    "terms": [
        {"type": "env.reward", "weight": 1.0},
        {"type": "env.alive", "bonus": 1.0, "weight": 0.1},
        {"type": "env.action_magnitude", "weight": -0.01},
        {"type": "env.goal_distance", "position": [0], "goal": [0.0], "weight": -0.1},
        {"type": "shaping.potential", "potential": f"{POTENTIALS}:upright", "gamma": 0.99},
    ],
}


def _roll(env, steps: int = 300, seed: int = 0):
    rng = np.random.default_rng(seed)
    env.reset(seed=seed)
    out = []
    for _ in range(steps):
        _, reward, terminated, truncated, info = env.step(int(rng.integers(0, 2)))
        out.append((reward, info["reward_terms"]))
        if terminated or truncated:
            env.reset()
    return out


def test_compiled_and_general_paths_give_identical_rewards_and_terms() -> None:
    fast = _roll(RewardWrapper(gym.make("CartPole-v1"), SPEC))
    general = _roll(RewardWrapper(gym.make("CartPole-v1"), SPEC, compiled=False))
    assert fast == general
    assert any(terms["env.alive"] == 0.0 for _, terms in fast)  # episodes did terminate


def test_reward_equals_the_spec_scored_on_the_same_transition() -> None:
    wrapped = RewardWrapper(gym.make("CartPole-v1"), SPEC)
    obs, _ = wrapped.reset(seed=1)
    next_obs, reward, terminated, truncated, info = wrapped.step(1)
    sample = transition_sample(obs, 1, next_obs, info["reward_terms"]["env"], terminated, truncated)
    assert reward == wrapped.reward_spec.score([sample])[0].value
    assert set(info["reward_terms"]) == {
        "env.reward",
        "env.alive",
        "env.action_magnitude",
        "env.goal_distance",
        "shaping.potential",
        "env",
    }


def test_weight_schedules_scale_a_term_by_step() -> None:
    spec = {"type": "sum", "terms": [{"type": "env.alive", "weight": 2.0}, {"type": "env.reward"}]}
    wrapped = RewardWrapper(gym.make("CartPole-v1"), spec, schedules={"env.alive": lambda step: 1.0 / step})
    wrapped.reset(seed=0)
    rewards = [wrapped.step(0)[1] for _ in range(3)]
    assert rewards == pytest.approx([2.0 + 1, 1.0 + 1, 2 / 3 + 1])
    with pytest.raises(ValueError, match="unknown terms"):
        RewardWrapper(gym.make("CartPole-v1"), spec, schedules={"env.alvie": lambda step: 1.0})


def test_a_failing_term_raises_with_the_step_instead_of_paying_zero() -> None:
    spec = {"type": "sum", "terms": [{"type": "env.info", "key": "missing"}, {"type": "env.reward"}]}
    wrapped = RewardWrapper(gym.make("CartPole-v1"), spec)
    wrapped.reset(seed=0)
    with pytest.raises(RewardError, match=r"step 1, env 0: env\.info: info has no 'missing'"):
        wrapped.step(0)


def test_compile_reward_refuses_what_it_cannot_reproduce() -> None:
    import rewardsmith

    assert compile_reward(rewardsmith.load(SPEC)) is not None
    assert compile_reward(rewardsmith.load({"type": "env.alive"})) is not None
    assert compile_reward(rewardsmith.load({"type": "clip", "reward": {"type": "env.alive"}, "high": 0.5})) is None
    skip = {"type": "sum", "on_error": "skip", "terms": [{"type": "env.alive"}]}
    assert compile_reward(rewardsmith.load(skip)) is None


@pytest.mark.parametrize("mode", ["NextStep", "SameStep"])
def test_vector_env_scores_every_sub_env_and_handles_autoreset(mode: str) -> None:
    spec = {"type": "sum", "terms": [{"type": "env.alive", "bonus": 1.0}, {"type": "env.reward", "weight": 0.5}]}
    envs = gym.make_vec(
        "CartPole-v1",
        num_envs=3,
        vectorization_mode="sync",
        vector_kwargs={"autoreset_mode": gym.vector.AutoresetMode(mode)},
    )
    wrapped = VectorRewardWrapper(envs, spec)
    wrapped.reset(seed=0)
    rng = np.random.default_rng(0)
    finished = np.zeros(3, dtype=bool)
    saw_reset_step = False
    for _ in range(200):
        _, rewards, terminated, truncated, info = wrapped.step(rng.integers(0, 2, 3))
        terms = info["reward_terms"]
        for i in range(3):
            if mode == "NextStep" and finished[i]:
                saw_reset_step = True
                assert rewards[i] == 0.0 and np.isnan(terms["env.alive"][i])
            else:
                alive = 0.0 if terminated[i] else 1.0
                assert terms["env.alive"][i] == alive
                assert rewards[i] == pytest.approx(alive + 0.5 * terms["env"][i])
        finished = np.logical_or(terminated, truncated)
    assert saw_reset_step or mode == "SameStep"
