"""The ``field`` component: stored scores read back as rewards."""

from __future__ import annotations

import pytest

from rewardsmith.core import load
from rewardsmith.verifiers.field import Field


@pytest.mark.parametrize(
    ("path", "record", "expected"),
    [
        ("score", {"score": 0.25}, 0.25),
        ("score", {"score": True}, 1.0),
        ("score", {"score": " 2.5 "}, 2.5),
        ("rm.score", {"rm": {"score": -1}}, -1.0),
        ("scores.1", {"scores": [1, 2]}, 2.0),
        ("scores[-1]", {"scores": [1, 3]}, 3.0),
        ("a.b", {"a.b": 4}, 4.0),
        ("s", {"s": [[7.5]]}, None),
    ],
)
def test_reads_numbers_through_dotted_paths_and_indexes(path, record, expected):
    result = Field(path)(completion="x", **record)
    if expected is None:
        assert result.error == "field 's' holds a list that is not all numbers"
    else:
        assert result.value == expected


@pytest.mark.parametrize(
    ("record", "error"),
    [
        ({}, "no field 'score' in the record"),
        ({"score": None}, "field 'score' is null"),
        ({"score": "high"}, "field 'score' is str 'high', not a number"),
        ({"score": float("nan")}, "field 'score' is nan"),
        ({"score": [0.1, 0.2]}, "field 'score' holds 2 numbers; set aggregate (min, mean, last, ...)"),
    ],
)
def test_a_missing_or_unusable_value_is_an_error_not_zero(record, error):
    result = Field("score")(completion="x", **record)
    assert result.value is None and result.error == error


@pytest.mark.parametrize(("how", "expected"), [("min", 0.2), ("max", 0.9), ("last", 0.5), ("product", 0.09)])
def test_step_scores_are_aggregated_and_kept(how, expected):
    result = Field("steps", aggregate=how)(completion="x", steps=[0.9, 0.2, 0.5])
    assert result.value == pytest.approx(expected) and result.details["step_scores"] == [0.9, 0.2, 0.5]


def test_loads_from_a_spec_with_a_declared_range():
    reward = load({"type": "field", "field": "pred_score.0", "value_range": [0, 1]})
    assert reward.value_range == (0.0, 1.0) and reward(completion="x", pred_score=[0.75]).value == 0.75
