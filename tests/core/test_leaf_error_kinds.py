"""Leaf rewards name the kind of each failure where it happens: a record the reward cannot read is
``bad_input`` (the data is at fault), an exception keeps its own kind, a missing package is
``dependency``."""

from __future__ import annotations

import pytest

from rewardsmith import ErrorKind, Reward, Sample, load
from rewardsmith.core.functions import call_function


@pytest.mark.parametrize(
    ("spec", "completion", "reference", "fields"),
    [
        ("text.exact", "Paris", None, {}),
        ("text.f1", "Paris", None, {}),
        ({"type": "field", "field": "score"}, "x", None, {}),
        ({"type": "field", "field": "score"}, "x", None, {"score": "high"}),
        ("toolcall.match", '{"name": "f", "arguments": {}}', None, {}),
        ("toolcall.match", '{"name": "f", "arguments": {}}', "neither", {}),
    ],
)
def test_an_unreadable_record_is_a_bad_input_error(spec, completion, reference, fields):
    result = load(spec)(completion, reference, **fields)
    assert result.value is None and result.error
    assert result.error_kind is ErrorKind.BAD_INPUT


def test_an_exception_keeps_its_kind_through_the_base_class_and_the_function_adapter():
    class Slow(Reward):
        name = "slow"

        def score_one(self, sample):
            raise TimeoutError("gave up")

    assert Slow()("x").error_kind is ErrorKind.TIMEOUT

    def needs_a_package(completion, reference):
        import a_package_that_is_not_installed  # noqa: F401

    (result,) = call_function(needs_a_package, "plain", [Sample("x", reference="y")])
    assert result.error_kind is ErrorKind.DEPENDENCY


def test_a_child_error_keeps_its_kind_through_a_combinator():
    reward = load({"type": "sum", "terms": ["text.exact", {"type": "format.regex", "pattern": "P"}]})
    result = reward("Paris")
    assert result.error.startswith("text.exact: no reference")
    assert result.error_kind is ErrorKind.BAD_INPUT
