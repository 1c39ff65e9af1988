import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import rewardsmith
from rewardsmith.combine.pointwise import Affine, Clip
from rewardsmith.combine.reference import PAR, Centre, LogSigmoid
from rewardsmith.combine.running import RunningNorm
from rewardsmith.verifiers.format.regex import FormatRegex

from .helpers import A, samples, values

finite = st.floats(min_value=-50, max_value=50, allow_nan=False)


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def test_clip_and_affine_hand_values():
    batch = samples({"a": -2.0}, {"a": 0.5}, {"a": 3.0})
    assert values(Clip(A, low=-1.0, high=1.0).score(batch)) == [-1.0, 0.5, 1.0]
    assert values(Affine(A, scale=2.0, shift=1.0).score(batch)) == [-3.0, 2.0, 7.0]


def test_clip_rejects_low_above_high():
    with pytest.raises(rewardsmith.SpecError, match=r"low: 2\.0 is above high 1\.0"):
        rewardsmith.load({"type": "clip", "reward": {"type": "field", "field": "a"}, "low": 2, "high": 1})


def test_transform_passes_child_errors_through_and_keeps_the_child_in_components():
    results = Affine(A, scale=2.0).score(samples({"a": 1.0}, {}))
    assert results[0].details["components"]["field"]["value"] == 1.0
    assert results[1].value is None and results[1].error == "field: no field 'a' in the record"


def test_centre_subtracts_group_mean_constant_or_reference_scores():
    batch = samples({"a": 1.0, "group": "g"}, {"a": 3.0, "group": "g"}, {"a": 10.0})
    assert values(Centre(A).score(batch)) == [-1.0, 1.0, 0.0]
    assert values(Centre(A, baseline="constant", constant=1.0).score(batch)) == [0.0, 2.0, 9.0]
    stored = samples({"a": 1.0, "reference_completions": [0.5, 1.5, 4.0]})
    result = Centre(A, baseline="reference").score(stored)[0]
    assert result.value == -1.0 and result.details["baseline"] == 2.0


def test_reference_completions_are_scored_with_the_same_child():
    regex = FormatRegex("yes")
    result = Centre(regex, baseline="reference").score(
        samples({"completion": "yes", "reference_completions": ["no", "yes", "no", "no"]})
    )[0]
    assert result.value == 0.75


def test_missing_reference_is_an_error_not_a_zero():
    result = LogSigmoid(A).score(samples({"a": 1.0}))[0]
    assert result.value is None
    assert result.error == "log_sigmoid: no reference reward: the record has no 'reference_completions'"


def test_log_sigmoid_and_par_hand_values():
    batch = samples({"a": 2.0, "reference_completions": [0.0, 1.0]})
    assert LogSigmoid(A).score(batch)[0].value == pytest.approx(math.log(sigmoid(2.0 - 0.5)), abs=1e-15)
    assert PAR(A).score(batch)[0].value == pytest.approx((sigmoid(2.0) + sigmoid(1.0)) / 2, abs=1e-15)


@given(st.lists(finite, min_size=2, max_size=12), st.floats(0.1, 5), finite)
def test_monotone_transforms_preserve_order(rewards, scale, shift):
    batch = samples(*({"a": r, "reference_completions": [0.3, -1.0]} for r in rewards))
    for transform in (Affine(A, scale=scale, shift=shift), Clip(A, low=-1, high=1), LogSigmoid(A), PAR(A)):
        out = values(transform.score(batch))
        for i in range(len(rewards)):
            for j in range(len(rewards)):
                if rewards[i] < rewards[j]:
                    assert out[i] <= out[j]


@given(st.lists(finite, min_size=1, max_size=12), st.lists(finite, min_size=1, max_size=4))
def test_par_is_in_0_1_log_sigmoid_below_0_clip_within_bounds(rewards, references):
    batch = samples(*({"a": r, "reference_completions": references} for r in rewards))
    assert all(0.0 <= v <= 1.0 for v in values(PAR(A).score(batch)))
    assert all(v <= 0.0 for v in values(LogSigmoid(A).score(batch)))
    assert all(-0.5 <= v <= 0.25 for v in values(Clip(A, low=-0.5, high=0.25).score(batch)))


def test_log_sigmoid_does_not_overflow_far_below_the_reference():
    result = LogSigmoid(A, baseline="constant", constant=1000.0).score(samples({"a": -1000.0}))[0]
    assert result.value == -2000.0


def test_running_norm_keeps_ema_state_across_calls_and_resets():
    norm = RunningNorm(A, alpha=0.5, eps=0.0)
    first = values(norm.score(samples({"a": 0.0}, {"a": 2.0})))
    assert first == [-1.0, 1.0] and (norm.mean, norm.var) == (1.0, 1.0)
    second = values(norm.score(samples({"a": 4.0}, {"a": 4.0})))
    # μ = ½·1 + ½·4 = 2.5, σ² = ½·1 + ½·0 = 0.5
    assert (norm.mean, norm.var) == (2.5, 0.5)
    assert second == pytest.approx([1.5 / math.sqrt(0.5)] * 2, abs=1e-12)
    norm.reset()
    assert norm.mean is None and values(norm.score(samples({"a": 5.0}, {"a": 7.0}))) == [-1.0, 1.0]


def test_running_norm_pickles_with_its_state():
    import pickle

    norm = RunningNorm(A, alpha=0.5)
    norm.score(samples({"a": 1.0}, {"a": 3.0}))
    copy = pickle.loads(pickle.dumps(norm))
    assert (copy.mean, copy.var) == (2.0, 1.0)
    assert values(copy.score(samples({"a": 2.0}))) == values(norm.score(samples({"a": 2.0})))


def test_transforms_load_from_spec_with_reward_key():
    reward = rewardsmith.load({"type": "par", "reward": {"type": "field", "field": "a"}, "field": "refs"})
    assert reward.score(samples({"a": 0.0, "refs": 0.0}))[0].value == 0.5
    assert np.isclose(
        rewardsmith.load({"type": "centre", "reward": "text.exact"})("x", reference="x").value, 0.0
    )
