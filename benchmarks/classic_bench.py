"""What rewardsmith costs in a Gymnasium loop, and how fast the reward distances are.

1. ``RewardWrapper`` with a 5-term spec on CartPole-v1 against a hand-written ``gym.Wrapper``
   doing the same arithmetic (environment reward, alive bonus, action cost, distance to the
   centre, potential shaping on the pole angle) and logging the same terms; time per
   ``env.step`` including the environment itself. Target: ratio ≤ 1.5x.
2. EPIC and STARC on the 3x3 gridworld pairs of ../shared/data/reward_distances (all 6 pairs x
   canonicalisations), and sample-based EPIC on a 10,000-state MDP (too large for [S, A, S']
   arrays: 10⁴ x 4 x 10⁴ doubles is 3.2 GB per reward).

    python benchmarks/classic_bench.py [--steps 20000]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import gymnasium as gym
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from classic_potentials import upright

from rewardsmith.classic import epic_distance, sample_epic_distance, starc_distance
from rewardsmith.gym import RewardWrapper

SPEC = {
    "type": "sum",
    "terms": [
        {"type": "env.reward", "weight": 1.0},
        {"type": "env.alive", "bonus": 1.0, "weight": 0.1},
        {"type": "env.action_magnitude", "weight": -0.01},
        {"type": "env.goal_distance", "position": [0], "goal": [0.0], "weight": -0.1},
        {"type": "shaping.potential", "potential": "classic_potentials:upright", "gamma": 0.99, "weight": 1.0},
    ],
}


class HandWritten(gym.Wrapper):
    """The same five terms written inline, as a Gymnasium user would."""

    def reset(self, **kwargs):
        obs, info = self.env.reset(**kwargs)
        self._obs = obs
        return obs, info

    def step(self, action):
        next_obs, env_reward, terminated, truncated, info = self.env.step(action)
        obs = np.asarray(self._obs, dtype=np.float64)
        following = np.asarray(next_obs, dtype=np.float64)
        act = np.asarray(action, dtype=np.float64)
        alive = 0.0 if terminated else 1.0
        cost = float(np.linalg.norm(np.atleast_1d(act), ord=2) ** 2)
        distance = float(np.linalg.norm(following[[0]] - np.asarray([0.0]), ord=2))
        shaping = 0.99 * (0.0 if terminated else upright(following)) - upright(obs)
        terms = {
            "env.reward": float(env_reward),
            "env.alive": alive,
            "env.action_magnitude": cost,
            "env.goal_distance": distance,
            "shaping.potential": shaping,
        }
        reward = float(env_reward) + 0.1 * alive - 0.01 * cost - 0.1 * distance + shaping
        info = dict(info)
        info["reward_terms"] = terms
        self._obs = next_obs
        return next_obs, reward, terminated, truncated, info


def run(env: gym.Env, steps: int) -> tuple[float, list[float]]:
    rng = np.random.default_rng(0)
    actions = rng.integers(0, 2, steps)
    env.reset(seed=0)
    rewards = []
    start = time.perf_counter()
    for action in actions:
        _, reward, terminated, truncated, _ = env.step(int(action))
        rewards.append(reward)
        if terminated or truncated:
            env.reset()
    return time.perf_counter() - start, rewards


def wrapper_overhead(steps: int) -> None:
    bare_time, _ = run(gym.make("CartPole-v1"), steps)
    hand_time, hand = run(HandWritten(gym.make("CartPole-v1")), steps)
    ours_time, ours = run(RewardWrapper(gym.make("CartPole-v1"), SPEC), steps)
    general_time, general = run(RewardWrapper(gym.make("CartPole-v1"), SPEC, compiled=False), steps)
    assert np.allclose(ours, hand, rtol=0, atol=1e-12), "rewardsmith and the hand-written wrapper disagree"
    assert ours == general, "the compiled and general paths disagree"
    per = lambda seconds: 1e6 * seconds / steps  # noqa: E731
    print(f"CartPole-v1, 5-term spec, {steps} steps (µs per env.step, environment included)")
    print("| wrapper | µs/step | vs hand-written |")
    print("|---|---|---|")
    print(f"| none (bare env) | {per(bare_time):.1f} | {bare_time / hand_time:.2f}x |")
    print(f"| hand-written gym.Wrapper | {per(hand_time):.1f} | 1.00x |")
    print(f"| rewardsmith RewardWrapper (compiled) | {per(ours_time):.1f} | **{ours_time / hand_time:.2f}x** |")
    print(f"| rewardsmith RewardWrapper (general path) | {per(general_time):.1f} | {general_time / hand_time:.2f}x |")


def distances() -> None:
    data = Path(os.environ.get("REWARDSMITH_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
    folder = data / "reward_distances"
    if not folder.is_dir():
        print(f"(skipping gridworld distances: {folder} is absent)")
    else:
        definitions = json.loads((folder / "starc" / "gridworld_definitions.json").read_text())
        rewards = {name: np.asarray(value) for name, value in definitions["rewards"].items()}
        transitions = np.asarray(definitions["envs"]["deterministic"]["transition_dist"])
        names = list(rewards)
        pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]
        start = time.perf_counter()
        count = 0
        for _ in range(20):
            for a, b in pairs:
                for canon in ("None", "EPIC", "DARD"):
                    starc_distance(rewards[a], rewards[b], transitions, 0.99, canon, 2, 2)
                    count += 1
                epic_distance(rewards[a], rewards[b], 0.99)
                count += 1
        elapsed = time.perf_counter() - start
        print(
            f"\n3x3 gridworld: {count} distances (STARC None/EPIC/DARD + EPIC) in {elapsed * 1e3:.1f} ms "
            f"= {1e6 * elapsed / count:.0f} µs each"
        )
    n_states, n_actions = 10_000, 4
    rng = np.random.default_rng(0)
    state_reward = rng.normal(size=n_states)
    potential = rng.normal(size=n_states)

    def reward_a(s, a, x):
        return state_reward[s]

    def reward_b(s, a, x):
        return 3.0 * state_reward[s] + 0.99 * potential[x] - potential[s]

    batch = 4096
    obs = rng.integers(0, n_states, batch)
    actions = rng.integers(0, n_actions, batch)
    following = rng.integers(0, n_states, batch)
    state_samples = rng.integers(0, n_states, 512)
    action_samples = rng.integers(0, n_actions, 512)
    start = time.perf_counter()
    distance = sample_epic_distance(reward_a, reward_b, obs, actions, following, action_samples, state_samples, 0.99)
    elapsed = time.perf_counter() - start
    print(
        f"10,000-state MDP, sample-based EPIC ({batch} transitions, 512 mean samples): "
        f"{elapsed:.2f} s, distance {distance:.4f} (equivalent rewards: expected ≈ 0)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20_000)
    args = parser.parse_args()
    wrapper_overhead(args.steps)
    distances()


if __name__ == "__main__":
    main()
