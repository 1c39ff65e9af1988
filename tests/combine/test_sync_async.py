"""A composite's logic runs once for both paths: ``score`` and ``ascore`` give the same results."""

from __future__ import annotations

import asyncio

import pytest

import rewardsmith
from rewardsmith import Sample
from rewardsmith.combine.gate import Gate, If
from rewardsmith.core.composition import Composite
from rewardsmith.verifiers.format.regex import FormatRegex
from rewardsmith.verifiers.text.exact import TextExact

from .helpers import values

GATE_SAMPLES = [Sample("4", reference="4"), Sample("5 4", reference="4")]


def test_gate_counts_its_terms_only_when_open_on_the_async_path_too():
    reward = Gate(TextExact(), [FormatRegex("4")], weights=[0.5])
    assert values(reward.score(GATE_SAMPLES)) == [1.5, 0.0]
    assert values(asyncio.run(reward.ascore(GATE_SAMPLES))) == [1.5, 0.0]


def test_if_takes_the_same_branch_on_the_async_path():
    reward = If(FormatRegex("^[0-9]+$"), TextExact(), default=-1.0)
    batch = [Sample("4", reference="4"), Sample("four", reference="4"), Sample("5", reference="4")]
    assert values(asyncio.run(reward.ascore(batch))) == values(reward.score(batch)) == [1.0, -1.0, 0.0]


def test_reference_transform_scores_reference_completions_on_the_async_path():
    reward = rewardsmith.load({"type": "par", "reward": {"type": "format.regex", "pattern": "a"}})
    batch = [Sample("a", extra={"reference_completions": [1.0, "b"]})]
    assert values(asyncio.run(reward.ascore(batch))) == values(reward.score(batch)) == [0.6155292893150024]


def test_a_composite_cannot_override_one_scoring_path():
    with pytest.raises(TypeError, match="writes its logic once, in plan"):

        class Forgetful(Composite):
            def score_batch(self, samples):
                return []


def test_steps_aggregate_of_a_not_applicable_child_is_not_applicable():
    reward = rewardsmith.load(
        {"type": "steps.aggregate", "reward": {"type": "python", "function": "tests.combine.functions:nothing"}}
    )
    assert reward.score([Sample("x")])[0].status == "not_applicable"
