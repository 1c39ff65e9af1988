"""The protocol: three kinds of result, per-sample failure isolation, coercion of user returns."""

from __future__ import annotations

import asyncio
import math
import pickle

import pytest

from rewardsmith import Reward, RewardResult, Sample, load
from rewardsmith.core.result import coerce_result


class Flaky(Reward):
    name = "flaky"

    def score_one(self, sample: Sample) -> float:
        if sample.text == "boom":
            raise ZeroDivisionError("division by zero")
        return len(sample.text)


def test_result_has_three_distinct_states():
    assert RewardResult.ok(0.0).status == "ok"
    assert RewardResult.not_applicable().status == "not_applicable"
    assert RewardResult.fail("timeout after 5s").status == "error"
    assert RewardResult.fail("timeout after 5s").value is None


def test_result_rejects_nan_and_value_with_error():
    with pytest.raises(ValueError):
        RewardResult(value=math.nan)
    with pytest.raises(ValueError):
        RewardResult(value=1.0, error="both")


def test_one_raising_sample_becomes_an_error_and_the_batch_goes_on():
    results = Flaky().score([Sample("ab"), Sample("boom"), Sample("abc")])
    assert [r.value for r in results] == [2.0, None, 3.0]
    assert results[1].error.startswith("flaky: ZeroDivisionError: division by zero")


def test_batch_override_that_returns_wrong_length_is_an_error_for_every_sample():
    class Short(Reward):
        name = "short"

        def score_batch(self, samples):
            return [1.0]

    results = Short().score([Sample("a"), Sample("b")])
    assert all(r.error == "short: returned 1 results for 2 samples" for r in results)


@pytest.mark.parametrize(
    ("raw", "value", "error_start"),
    [
        (True, 1.0, None),
        (3, 3.0, None),
        ([0.5], 0.5, None),
        ({"score": 0.25, "acc": True}, 0.25, None),
        (None, None, None),
        (math.nan, None, "returned a non-finite value"),
        ("high", None, "returned str"),
        ({"acc": 1}, None, "returned a dict without 'score'"),
    ],
)
def test_coerce_user_return_values(raw, value, error_start):
    result = coerce_result(raw)
    assert result.value == value
    if error_start is None:
        assert result.error is None
    else:
        assert result.error.startswith(error_start)


def test_dict_return_keeps_other_keys_as_details():
    assert coerce_result({"score": 1, "acc": True}).details == {"acc": True}


def test_ascore_matches_score():
    samples = [Sample("ab"), Sample("boom")]
    assert asyncio.run(Flaky().ascore(samples)) == Flaky().score(samples)


def test_chat_completion_scores_every_assistant_turn():
    sample = Sample(
        completion=[
            {"role": "assistant", "content": "calling"},
            {"role": "tool", "content": "42"},
            {"role": "assistant", "content": "Answer: 42"},
        ]
    )
    assert sample.text == "calling\nAnswer: 42"


def test_builtin_rewards_pickle_round_trip():
    reward = load({"type": "sum", "terms": [{"type": "text.exact"}, {"type": "format.regex", "pattern": "^A"}]})
    clone = pickle.loads(pickle.dumps(reward))
    assert clone("Answer", reference="answer").value == reward("Answer", reference="answer").value == 2.0
