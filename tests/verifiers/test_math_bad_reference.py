"""An unreadable reference is the record's fault: a ``bad_input`` error, never a 0 (review 3)."""

from __future__ import annotations

import pytest

from rewardsmith.core.result import ErrorKind
from rewardsmith.verifiers.math import MathAnswer


@pytest.fixture(scope="module")
def reward() -> MathAnswer:
    return MathAnswer()


@pytest.mark.parametrize(
    ("reference", "why"),
    [
        ({"a": 1}, "reference is a mapping"),
        ([{"a": 1}], "reference is a mapping"),
        (["3", ["4"]], "nested list"),
        (float("nan"), "not a finite number"),
        ("@@ not math @@", "'@' is neither mathematics nor a word answer"),
        ("3 🍎", "neither mathematics nor a word answer"),
        ("???", "no digit, letter or symbol"),
    ],
)
def test_unreadable_reference_is_a_bad_input_error(reward, reference, why):
    result = reward("The answer is 3.", reference)
    assert result.value is None
    assert result.error_kind == ErrorKind.BAD_INPUT
    assert why in (result.error or "")


@pytest.mark.parametrize(
    ("completion", "reference", "value"),
    [
        ("The answer is Tuesday.", "Tuesday", 1.0),
        ("The answer is Monday.", "Tuesday", 0.0),
        ("yes", "yes", 1.0),
        ("no", "yes", 0.0),
        ("The answer is 3.", ["3", "three"], 1.0),
        ("The answer is 3.", 3, 1.0),
        ("The answer is 4.", "|x-1|", 0.0),  # notation the parser does not know compares as text
        ("The answer is 5.", "\\text{4:30 p.m.}", 0.0),
        ("The answer is 30°.", "30°", 1.0),
    ],
)
def test_word_answers_and_unknown_notation_still_compare(reward, completion, reference, value):
    result = reward(completion, reference)
    assert result.error is None
    assert result.value == value
