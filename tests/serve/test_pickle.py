"""Rewards travel to worker processes (TRL AsyncGRPO, Ray, ``serve --workers``): they must pickle."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest

import rewardsmith
from rewardsmith import Sample, SpecError
from rewardsmith.cli.listing import describe_params
from rewardsmith.core import registry

SAMPLES = [Sample("The answer is 4", reference="4", prompt="2+2?"), Sample("no", reference="yes")]


CHILD = {"type": "text.exact"}
#: Values for required plain parameters of built-ins; a component needing another is left out.
PLAIN = {"pattern": "answer", "field": "score"}


def minimal_spec(name: str) -> dict[str, Any] | None:
    """The smallest spec of a component: required children are ``text.exact``, known strings filled."""
    spec: dict[str, Any] = {"type": name}
    for param, annotation, default in describe_params(registry.get(name)):
        if default != "required":
            continue
        if annotation == "Reward":
            spec[param] = CHILD
        elif annotation.startswith("list[Reward"):
            spec[param] = [CHILD, {"type": "text.exact", "case_sensitive": True}]
        elif param in PLAIN:
            spec[param] = PLAIN[param]
        else:
            return None
    return spec


def builtin_specs() -> list[dict[str, Any]]:
    """Every registered component that has a minimal spec (learned models are left out: no hub)."""
    specs = []
    for name in registry.names():
        spec = None if name.startswith("models.") else minimal_spec(name)
        if spec is None:
            continue
        try:
            rewardsmith.load(spec)
        except (SpecError, ImportError):
            continue
        specs.append(spec)
    return specs


@pytest.mark.parametrize("spec", builtin_specs(), ids=lambda spec: spec["type"])
def test_builtin_reward_pickles_and_scores_the_same(spec: dict[str, Any]) -> None:
    reward = rewardsmith.load(spec)
    before = reward.score(SAMPLES)  # pools and caches start on first use; pickling must still work
    clone = pickle.loads(pickle.dumps(reward))
    assert repr(before) == repr(reward.score(SAMPLES))  # repr: details may hold NaN, which != itself
    assert rewardsmith.to_spec(clone) == rewardsmith.to_spec(reward)
    assert repr(clone.score(SAMPLES)) == repr(before)


def test_combinator_tree_with_a_python_function_pickles(tmp_path: Path) -> None:
    module = tmp_path / "user_reward.py"
    module.write_text("def length(completion, reference):\n    return len(completion)\n")
    spec = {
        "type": "sum",
        "terms": [{"type": "text.exact", "weight": 2}, {"type": "python", "function": f"{module}:length"}],
    }
    reward = rewardsmith.load(spec)
    clone = pickle.loads(pickle.dumps(reward))
    assert [r.value for r in clone.score(SAMPLES)] == [15.0, 2.0]
