"""--fail-on rules: parsing, evaluation, and metrics the report lacks."""

from __future__ import annotations

import pytest

from rewardsmith.audit.rules import RuleError, evaluate, parse_rule
from rewardsmith.audit.runner import flat_metrics


@pytest.mark.parametrize(
    ("text", "value", "fails"),
    [
        ("accuracy<0.95", 0.94, True),
        ("accuracy<0.95", 0.95, False),
        ("error_rate>0.01", 0.02, True),
        ("error_rate >= 1%", 0.01, True),
        ("no_signal_groups>0.5", 0.5, False),
        ("exploit_rate.empty==0", 0.0, True),
        ("mrr != 1", 1.0, False),
        ("length_spearman<-0.2", -0.3, True),
    ],
)
def test_rule_fails_exactly_when_its_comparison_holds(text, value, fails):
    rule = parse_rule(text)
    assert rule.check({rule.metric: value}) is fails


@pytest.mark.parametrize("text", ["accuracy", "accuracy<<0.9", "<0.9", "accuracy<high", "accuracy~0.9"])
def test_malformed_rules_are_rejected_with_the_expected_form(text):
    with pytest.raises(RuleError, match="METRIC OP NUMBER"):
        parse_rule(text)


def test_a_rule_on_a_missing_metric_is_an_error_with_suggestions():
    with pytest.raises(RuleError, match="did you mean accuracy"):
        evaluate([parse_rule("acuracy<0.9")], {"accuracy": 0.5, "auroc": 0.7})


def test_hacking_numbers_are_reachable_by_rules():
    sections = {
        "distribution": {"metrics": {"error_rate": 0.0}},
        "hacking": {"probes": {"empty": {"exploit_rate": 0.25}}, "metrics": {"exploit_rate": 0.25}},
    }
    metrics = flat_metrics(sections)
    assert evaluate([parse_rule("exploit_rate>0")], metrics)[0]["failed"] is True
    assert flat_metrics({"hacking": {"exploit_rate": 0.5, "n": 3}}) == {"exploit_rate": 0.5, "n": 3}
