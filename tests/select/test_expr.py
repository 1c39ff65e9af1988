"""The filter language: what it accepts, what it refuses, and that missing values never pass."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rewardsmith.select import ExpressionError, parse
from rewardsmith.select.expr import UNKNOWN

SCORED = {
    "reward": 1.5, "reward_error": None, "label": "1", "completion": "<answer>14</answer>",
    "meta": {"source": "gsm8k"}, "csv_zero": "0",
    "reward_details": {"components": {"sum": {"value": 1.0, "error": None, "details": {"components": {
        "math.answer": {"value": 1.0, "error": None, "details": {"extracted": "14"}},
        "format.tags": {"value": None, "error": "regex timed out", "details": {}},
    }}}}},
}
ERROR_ROW = {"reward": None, "reward_error": "timeout", "reward_error_kind": "timeout", "reward_details": {}}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("reward >= 0.5 and not error", True),
        ("components.math.answer == 1", True),
        ('components["math.answer"].extracted == "14"', True),
        ("components.format.tags.error", True),
        ("components.format.tags >= 0", UNKNOWN),
        ("label == 1", True),  # a CSV-style "1" compares as a number
        ("label and not csv_zero", True),  # ... and "0" is false in a boolean position
        ("meta.source in ('gsm8k', 'math')", True),
        ("len(completion) < 10", False),
        ("lower(meta.source) == 'gsm8k' and reward - 1 > 0.4", True),
        ("details.missing is None", True),
        ("ok and not na", True),
    ],
)
def test_names_resolve_against_a_composed_scored_row(expression, expected):
    assert parse(expression).evaluate(SCORED) is expected


def test_an_error_row_never_passes_however_the_filter_is_written():
    for expression in ("reward >= 0.5", "not (reward < 0.5)", "reward > -1e9 or reward < 1e9", "not not reward"):
        assert parse(expression).evaluate(ERROR_ROW) is not True
    assert parse("error and error_kind == 'timeout'").evaluate(ERROR_ROW) is True


def test_kleene_logic_false_wins_an_and_true_wins_an_or():
    assert parse("reward > 0 and label == 0").evaluate({"reward": None, "label": 1}) is False
    assert parse("reward > 0 or label == 1").evaluate({"reward": None, "label": 1}) is True
    assert parse("reward > 0 or label == 0").evaluate({"reward": None, "label": 1}) is UNKNOWN


def test_clauses_are_the_top_level_and_terms_and_the_first_failing_one_is_named():
    expression = parse("reward >= 0.5 and components.math.answer == 1 and not error")
    assert expression.clauses == ["reward >= 0.5", "components.math.answer == 1", "not error"]
    assert expression.first_failing({"reward": 0.2}) == (0, False)
    assert expression.first_failing(ERROR_ROW) == (0, UNKNOWN)
    assert expression.first_failing(SCORED) is None


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("__import__('os').system('rm -rf /')", "only the functions len, abs, lower can be called"),
        ("completion.__class__", "dunder names are not allowed"),
        ("[x for x in completion]", "ListComp is not allowed"),
        ("lambda: 1", "Lambda is not allowed"),
        ("reward >= ", "not a valid expression"),
        ("reward.value > 1", "'reward' has no fields"),
        ("components > 1", "'components' needs a key"),
        ("reward is 1", "`is` and `is not` only compare with None"),
        ("reward ** 2 > 1", "only + - * / % are allowed"),
        ("", "the expression is empty"),
    ],
)
def test_anything_outside_the_language_is_refused_with_the_piece_named(expression, message):
    with pytest.raises(ExpressionError, match="--filter") as raised:
        parse(expression)
    assert message in str(raised.value)


@given(
    value=st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False)),
    error=st.one_of(st.none(), st.text(min_size=1, max_size=5)),
    threshold=st.floats(-10, 10),
)
def test_a_row_without_a_reward_value_never_passes_a_comparison_or_its_negation(value, error, threshold):
    row = {"reward": None if error else value, "reward_error": error}
    texts = (f"reward >= {threshold!r}", f"not (reward < {threshold!r})", f"reward != {threshold!r}")
    for position, text in enumerate(texts):
        result = parse(text).evaluate(row)
        if row["reward"] is None:
            assert result is UNKNOWN
        else:
            r = row["reward"]
            assert result is (r >= threshold, not r < threshold, r != threshold)[position]
