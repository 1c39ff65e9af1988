"""Step statistics of known batches, and the trend tests, against values worked out by hand."""

from __future__ import annotations

import pytest

from rewardsmith.combine.sum import Sum
from rewardsmith.core import RewardResult, Sample
from rewardsmith.monitor.stats import batch_stats, mann_kendall, no_signal_share, theil_sen, variance_shares

from .rewards import Distinct, Repeat


def test_errors_timeouts_and_not_applicable_are_counted_by_kind_never_as_values():
    results = [
        RewardResult.ok(1.0),
        RewardResult.ok(0.0),
        RewardResult.fail("late", kind="timeout"),
        RewardResult.fail("no reference", kind="bad_input"),
        RewardResult.fail("boom"),
        RewardResult.not_applicable(),
        RewardResult.ok(0.5),
        RewardResult.ok(0.5),
    ]
    stats = batch_stats(results)
    assert stats["n"] == 8 and stats["ok"] == 4
    assert stats["mean"] == 0.5
    assert stats["std"] == pytest.approx(0.3535533905932738)
    assert stats["errors"] == {"timeout": 1, "bad_input": 1, "dependency": 0, "crash": 1, "remote": 0}
    assert stats["error_rate"] == 3 / 8
    assert stats["timeout_rate"] == 1 / 8
    assert stats["not_applicable_rate"] == 1 / 8


def test_a_group_whose_scored_completions_agree_or_that_has_one_value_has_no_signal():
    ok, fail = RewardResult.ok, RewardResult.fail
    groups = [0, 0, 1, 1, 2, 2, 3, 3, None]
    results = [ok(1), ok(1), ok(0), ok(1), ok(1), fail("x"), fail("x"), fail("y"), ok(0)]
    assert no_signal_share(groups, results) == (4, 0.75)


def test_length_correlation_is_pearson_over_the_scored_samples():
    results = [RewardResult.ok(v) for v in (0.0, 0.5, 1.0)] + [RewardResult.fail("x")]
    stats = batch_stats(results, lengths=[10, 20, 30, 1000])
    assert stats["length_mean"] == 265.0
    assert stats["length_corr"] == pytest.approx(1.0)


def test_variance_shares_of_a_weighted_sum_add_up_to_one():
    reward = Sum([Repeat(), Distinct()], weights=[2.0, 1.0])
    texts = ["a a a b", "a b c d", "a a b b", "x y x y x", "p q r"]
    results = reward.score([Sample(t) for t in texts])
    parts = batch_stats(results)["components"]
    assert set(parts) == {"repeat", "distinct"}
    assert parts["repeat"]["mean"] == pytest.approx((0.75 + 0.25 + 0.5 + 0.6 + 1 / 3) / 5)
    assert parts["repeat"]["share"] + parts["distinct"]["share"] == pytest.approx(1.0)
    totals = [r.value for r in results]
    repeat = [2 * c for c in (0.75, 0.25, 0.5, 0.6, 1 / 3)]
    distinct = [0.5, 1.0, 0.5, 0.4, 1.0]
    expected = variance_shares(totals, {"repeat": repeat, "distinct": distinct})
    assert parts["repeat"]["share"] == pytest.approx(expected["repeat"])
    # by hand: R = (2.0, 1.5, 1.5, 1.6, 5/3); Σ(x - x̄)(R - R̄) = 0.234889 over Σ(R - R̄)² = 0.170222
    assert expected["repeat"] == pytest.approx(0.2348888889 / 0.1702222222)
    assert parts["distinct"]["share"] == pytest.approx(1 - 0.2348888889 / 0.1702222222)  # pulls against R


def test_mann_kendall_matches_the_textbook_statistic_with_ties():
    # n = 6, S = 13 - 0 with one tie pair: Var = (6*5*17 - 2*1*9)/18 = 27.333...
    s, z = mann_kendall([1, 2, 3, 3, 4, 5])
    assert s == 14
    assert z == pytest.approx((14 - 1) / (492 / 18) ** 0.5)
    assert mann_kendall([5, 4, 3, 2, 1])[1] == pytest.approx(-2.2045407685048604)


def test_theil_sen_ignores_one_outlying_step():
    assert theil_sen([1, 2, 3, 4, 5, 6, 7], [0, 1, 2, 30, 4, 5, 6]) == 1.0
