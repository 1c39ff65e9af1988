import asyncio

import pytest

import rewardsmith
from rewardsmith.combine.ensemble import Ensemble
from rewardsmith.combine.extremes import Max, Min
from rewardsmith.combine.gate import Gate, If
from rewardsmith.combine.product import Product
from rewardsmith.combine.sum import Sum
from rewardsmith.verifiers.field import Field

from .helpers import A, B, C, samples, values


def test_sum_product_min_max_apply_weights_per_sample():
    batch = samples({"a": 2.0, "b": 0.5}, {"a": -1.0, "b": 3.0})
    assert values(Sum([A, B], weights=[1.0, 2.0]).score(batch)) == [3.0, 5.0]
    assert values(Product([A, B]).score(batch)) == [1.0, -3.0]
    assert values(Product([A, B], weights=[2.0, 1.0]).score(batch)) == [2.0, 3.0]
    assert values(Min([A, B], weights=[1.0, 2.0]).score(batch)) == [1.0, -1.0]
    assert values(Max([A, B]).score(batch)) == [2.0, 3.0]


def test_product_of_negative_base_with_fractional_weight_is_an_error_not_nan():
    result = Product([A], weights=[0.5]).score(samples({"a": -4.0}))[0]
    assert result.value is None and "not finite" in result.error


def test_errored_child_fails_the_combination_and_names_the_child_by_default():
    result = Sum([A, B]).score(samples({"a": 1.0}))[0]
    assert result.value is None
    assert result.error.startswith("field#2: no field 'b'")
    assert result.details["components"]["field"]["value"] == 1.0


def test_on_error_skip_and_zero_are_explicit_policies():
    batch = samples({"a": 3.0})
    assert Min([A, B], on_error="skip").score(batch)[0].value == 3.0
    assert Min([A, B], on_error="zero").score(batch)[0].value == 0.0


def test_every_child_not_applicable_makes_the_combination_not_applicable():
    na = rewardsmith.load({"type": "python", "function": "tests.combine.functions:nothing"})
    result = Max([na, na]).score(samples({}))[0]
    assert result.status == "not_applicable"


def test_components_keep_each_child_value_weight_and_details():
    result = Sum([A, B], weights=[1.0, 0.5]).score(samples({"a": 1.0, "b": 2.0}))[0]
    assert result.details["components"]["field#2"]["weight"] == 0.5
    assert result.details["components"]["field#2"]["value"] == 2.0


@pytest.mark.parametrize(
    ("method", "expected"),
    [("mean", 2.0), ("wco", 1.0), ("uwo", 2.0 - 0.5 * (2.0 / 3.0))],
)
def test_ensemble_methods_match_their_formulas(method, expected):
    result = Ensemble([A, B, C], method=method, lam=0.5).score(samples({"a": 1.0, "b": 2.0, "c": 3.0}))[0]
    assert result.value == pytest.approx(expected, abs=1e-15)


def test_ensemble_takes_no_term_weights_in_a_spec():
    with pytest.raises(rewardsmith.SpecError, match="takes no term weights"):
        rewardsmith.load({"type": "ensemble", "terms": [{"type": "field", "field": "a", "weight": 2}]})


def test_gate_adds_terms_only_when_the_gate_reaches_the_threshold():
    gate = Gate(A, [B, C], weights=[1.0, 0.5], threshold=1.0)
    batch = samples({"a": 1.0, "b": 2.0, "c": 4.0}, {"a": 0.5, "b": 2.0, "c": 4.0})
    results = gate.score(batch)
    assert values(results) == [1.0 + 2.0 + 2.0, 0.5]
    assert results[1].details["open"] is False
    assert results[1].details["components"]["field#2"]["details"] == {"skipped": True}


def test_gate_without_include_gate_counts_only_the_gated_terms():
    assert Gate(A, [B], threshold=0.0, include_gate=False).score(samples({"a": 5.0, "b": 2.0}))[0].value == 2.0


def test_gate_error_makes_the_result_an_error():
    assert Gate(A, [B]).score(samples({"b": 1.0}))[0].error.startswith("field: no field 'a'")


def test_if_scores_each_branch_only_on_its_samples():
    calls = Field("x")
    reward = If(A, calls, Field("y"), threshold=0.5)
    batch = samples({"a": 1.0, "x": 7.0}, {"a": 0.0, "y": -2.0})
    results = reward.score(batch)
    assert values(results) == [7.0, -2.0]
    assert [r.details["branch"] for r in results] == ["then", "otherwise"]
    assert results[0].details["components"]["field#3"]["details"] == {"skipped": True}


def test_if_without_otherwise_uses_default_and_passes_branch_errors_through():
    reward = If(A, B, default=-1.0)
    results = reward.score(samples({"a": 0.0}, {"a": 1.0}))
    assert results[0].value == -1.0
    assert results[1].error == "no field 'b' in the record"


def test_if_condition_error_is_an_error():
    result = If(A, B).score(samples({"b": 1.0}))[0]
    assert result.value is None and result.error.startswith("field: ")


def test_combinator_tree_loads_from_a_spec_and_round_trips():
    spec = {
        "type": "if",
        "condition": {"type": "field", "field": "a"},
        "then": {"type": "gate", "gate": {"type": "field", "field": "b"},
                 "terms": [{"type": "field", "field": "c", "weight": 0.5}], "threshold": 1.0},
        "default": -1.0,
    }
    reward = rewardsmith.load(spec)
    assert rewardsmith.to_spec(rewardsmith.load(rewardsmith.to_spec(reward))) == rewardsmith.to_spec(reward)
    assert values(reward.score(samples({"a": 1.0, "b": 1.0, "c": 4.0}, {"a": 0.0}))) == [3.0, -1.0]


def test_ascore_matches_score_for_combinators():
    batch = samples({"a": 1.0, "b": 2.0})
    reward = Sum([A, Product([A, B])])
    assert values(asyncio.run(reward.ascore(batch))) == values(reward.score(batch)) == [3.0]
