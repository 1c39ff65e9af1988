import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import rewardsmith
from rewardsmith.combine.steps import StepsAggregate, StepsClip, StepsDelta
from rewardsmith.verifiers.field import Field

from .helpers import samples, values

STEPS = [0.9, 0.2, 0.8]


@pytest.mark.parametrize(
    ("method", "expected"),
    [("min", 0.2), ("last", 0.8), ("mean", (0.9 + 0.2 + 0.8) / 3), ("product", 0.9 * 0.2 * 0.8),
     ("geometric", (0.9 * 0.2 * 0.8) ** (1 / 3))],
)
def test_aggregate_methods_match_their_definitions(method, expected):
    assert StepsAggregate(method=method).score(samples({"step_scores": STEPS}))[0].value == pytest.approx(
        expected, abs=1e-15
    )


def test_steps_are_read_from_the_child_reward_details():
    prm = Field("prm.steps", aggregate="last")
    result = StepsAggregate(prm, method="min").score(samples({"prm": {"steps": STEPS}}))[0]
    assert result.value == 0.2
    assert result.details["components"]["field"]["value"] == 0.8


def test_missing_steps_are_an_error_not_a_zero():
    assert StepsAggregate().score(samples({}))[0].error == "no step values under 'step_scores'"
    assert StepsAggregate(Field("a")).score(samples({}))[0].error == "field: no field 'a' in the record"


def test_clip_hand_values_and_chaining_into_aggregate():
    result = StepsClip(eta=0.5).score(samples({"step_scores": STEPS}))[0]
    assert result.details["step_scores"] == pytest.approx([0.0, -0.3, 0.0], abs=1e-15)
    assert result.value == pytest.approx(-0.3, abs=1e-15)
    chained = StepsAggregate(StepsClip(eta=0.5), method="min").score(samples({"step_scores": STEPS}))[0]
    assert chained.value == pytest.approx(-0.3, abs=1e-15)


def test_delta_hand_values():
    result = StepsDelta().score(samples({"step_scores": [0.5, 0.75, 1.0]}))[0]
    assert result.details["step_scores"] == [-0.25, -0.25, 1.0]


step_lists = st.lists(st.floats(-10, 10, allow_nan=False), min_size=1, max_size=20)


@given(step_lists)
def test_delta_telescopes_every_return_to_its_step_reward(steps):
    delta = StepsDelta().score(samples({"step_scores": steps}))[0].details["step_scores"]
    for t in range(len(steps)):
        assert math.isclose(sum(delta[t:]), steps[t], abs_tol=1e-9)


@given(step_lists, st.floats(-5, 5, allow_nan=False))
def test_clipped_return_is_bounded_by_zero_and_cannot_grow_with_more_steps(steps, eta):
    clip = StepsClip(eta=eta)
    value = clip.score(samples({"step_scores": steps}))[0].value
    assert value <= 0.0
    assert clip.score(samples({"step_scores": [*steps, *steps]}))[0].value <= value


def test_steps_spec_loads_without_a_child():
    reward = rewardsmith.load({"type": "steps.aggregate", "method": "mean", "key": "prm"})
    assert values(reward.score(samples({"prm": [1, 0]}))) == [0.5]
