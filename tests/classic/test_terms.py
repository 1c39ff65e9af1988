"""Environment reward terms, potential shaping and intrinsic rewards as components."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

import rewardsmith
from rewardsmith.classic.intrinsic import CountBonus, RandomNetworkDistillation
from rewardsmith.classic.transition import transition_sample
from rewardsmith.core import Sample

HERE = Path(__file__).resolve().parent
POTENTIALS = HERE / "potentials.py"


def test_a_spec_of_env_terms_sums_with_weights_and_keeps_each_term() -> None:
    reward = rewardsmith.load(
        {
            "type": "sum",
            "terms": [
                {"type": "env.reward"},
                {"type": "env.alive", "bonus": 1.0, "weight": 0.1},
                {"type": "env.action_magnitude", "weight": -0.5},
                {"type": "env.goal_distance", "position": [0, 1], "goal": [3.0, 4.0], "weight": -1.0},
            ],
        }
    )
    result = reward.score([transition_sample([0, 0], [1.0, 1.0], [0.0, 0.0], reward=2.0)])[0]
    assert result.value == pytest.approx(2.0 + 0.1 - 0.5 * 2.0 - 5.0)
    components = result.details["components"]
    assert components["env.goal_distance"]["value"] == 5.0
    assert components["env.action_magnitude"]["value"] == pytest.approx(2.0)


def test_goal_read_from_the_observation() -> None:
    reward = rewardsmith.load({"type": "env.goal_distance", "position": [0], "goal_indices": [1], "ord": 1})
    assert reward.score([transition_sample([0, 0], 0, [2.0, -1.0])])[0].value == 3.0


def test_potential_shaping_is_terminal_safe_and_keeps_potential_on_truncation() -> None:
    shaping = rewardsmith.load({"type": "shaping.potential", "potential": f"{POTENTIALS}:upright", "gamma": 0.9})
    obs, following = [0, 0, 0.2, 0], [0, 0, 0.1, 0]
    ended = shaping.score(
        [
            transition_sample(obs, 0, following),
            transition_sample(obs, 0, following, terminated=True),
            transition_sample(obs, 0, following, truncated=True),
        ]
    )
    assert [r.value for r in ended] == pytest.approx([0.9 * -0.1 + 0.2, 0.2, 0.9 * -0.1 + 0.2])


def test_a_term_without_its_transition_is_bad_input_not_zero() -> None:
    results = rewardsmith.load({"type": "env.alive"}).score([Sample("just text")])
    assert results[0].value is None
    assert results[0].error_kind == "bad_input"
    assert "missing obs, action, next_obs" in results[0].error


def test_missing_info_key_is_an_error_unless_a_default_is_given() -> None:
    sample = transition_sample([0], 0, [1], info={"nested": {"cost": 2}})
    assert rewardsmith.load({"type": "env.info", "key": "nested.cost"}).score([sample])[0].value == 2.0
    missing = rewardsmith.load({"type": "env.info", "key": "speed"}).score([sample])[0]
    assert missing.error_kind == "bad_input" and "speed" in missing.error
    assert rewardsmith.load({"type": "env.info", "key": "speed", "default": 0.5}).score([sample])[0].value == 0.5
    text = rewardsmith.load({"type": "env.info", "key": "name"}).score(
        [transition_sample([0], 0, [1], info={"name": "x"})]
    )
    assert text[0].error_kind == "bad_input"


def test_function_terms_get_the_fields_they_name() -> None:
    forward = rewardsmith.load({"type": "env.term", "function": f"{POTENTIALS}:forward"})
    assert forward.score([transition_sample([1.0], 0, [3.5])])[0].value == 2.5
    info = rewardsmith.load({"type": "env.term", "function": f"{POTENTIALS}:with_info"})
    assert info.score([transition_sample([0], 0, [1], terminated=True, info={"x": 1})])[0].value == 6.0
    with pytest.raises(rewardsmith.SpecError, match="velocity"):
        rewardsmith.load({"type": "env.term", "function": f"{POTENTIALS}:needs_unknown"})


def test_a_non_finite_potential_is_an_error_result() -> None:
    shaping = rewardsmith.load({"type": "shaping.potential", "potential": f"{POTENTIALS}:broken"})
    result = shaping.score([transition_sample([0], 0, [1])])[0]
    assert result.value is None and "nan" in result.error


def test_function_terms_pickle_by_name() -> None:
    term = rewardsmith.load({"type": "shaping.potential", "potential": f"{POTENTIALS}:upright", "gamma": 0.5})
    copy = pickle.loads(pickle.dumps(term))
    sample = transition_sample([0, 0, 0.4, 0], 0, [0, 0, 0.2, 0])
    assert copy.score([sample])[0].value == term.score([sample])[0].value == pytest.approx(0.3)


def test_count_bonus_hashes_continuous_states_and_counts_in_order() -> None:
    bonus = CountBonus(beta=1.0, hash_bits=8, seed=3)
    near = [transition_sample([0], 0, [1.0, 2.0]), transition_sample([0], 0, [1.0001, 2.0])]
    far = transition_sample([0], 0, [-3.0, -7.0])
    values = [r.value for r in bonus.score([*near, far])]
    assert values == pytest.approx([1.0, 1 / np.sqrt(2), 1.0])
    fresh = CountBonus(beta=1.0, hash_bits=8, seed=3)
    one_by_one = [fresh.score([sample])[0].value for sample in [*near, far]]
    assert one_by_one == values
    bonus.reset()
    assert bonus.score([far])[0].value == 1.0


def test_rnd_bonus_falls_for_a_state_seen_often_and_is_high_for_a_new_one() -> None:
    pytest.importorskip("torch")
    rnd = RandomNetworkDistillation(seed=0, learning_rate=1e-2)
    seen = [transition_sample([0], 0, [1.0, 2.0, 3.0])] * 16
    first = rnd.score(seen)[0].value
    for _ in range(30):
        last = rnd.score(seen)[0].value
    new = rnd.score([transition_sample([0], 0, [-4.0, 9.0, 0.5])])[0].value
    assert last < 0.2 * first
    assert new > 5 * last
    again = RandomNetworkDistillation(seed=0, learning_rate=1e-2)
    assert again.score(seen)[0].value == first  # same seed, same stream: same values
