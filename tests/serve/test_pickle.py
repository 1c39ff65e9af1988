"""Rewards travel to worker processes (TRL AsyncGRPO, Ray, ``serve --workers``): they must pickle.

Every registered component is pickled, unpickled and scored again by the conformance battery
(``tests/test_conformance.py``, check ``pickle``; a component that cannot load fails there, it
is never skipped). This file keeps the cases the battery does not build on its own.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import rewardsmith
from rewardsmith import Sample

SAMPLES = [Sample("The answer is 4", reference="4", prompt="2+2?"), Sample("no", reference="yes")]


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


def test_a_cached_batch_dependent_reward_pickles_and_scores_the_same(tmp_path: Path) -> None:
    from rewardsmith.serve import CachedReward

    group = [Sample(c, reference="4", group="q") for c in ["4", "5", "4", "6"]]
    reward = CachedReward(rewardsmith.load({"type": "group_norm", "reward": "text.exact"}), tmp_path / "c.sqlite")
    before = [r.value for r in reward.score(group)]
    assert [r.value for r in pickle.loads(pickle.dumps(reward)).score(group)] == before
