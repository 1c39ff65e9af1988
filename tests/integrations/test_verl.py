"""verl adapter, called in the shapes verl 0.9.1 uses (read from its wheel):

* reward loop (``experimental/reward_loop/reward_manager/naive.py``): per-sample keywords, the
  ``reward_kwargs`` merged by ``trainer/ppo/reward.py::_call_with_kwargs``; a sync function runs in
  the loop's default thread pool, an ``async def`` is awaited; extra-info columns are keyed by the
  first sample's dict keys;
* legacy ``batch`` manager: ``data_sources=, solution_strs=, ground_truths=, extra_infos=`` as numpy
  arrays from ``non_tensor_batch``;
* legacy ``prime`` manager: positional ``(data_source, solution, ground_truth, extra_info)`` in a
  process pool, then ``float(result)``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import math
import multiprocessing
from functools import partial

import numpy as np
import pytest

from rewardsmith.core import RewardError
from rewardsmith.integrations.verl import (
    DEFAULT_ROUTES,
    VerlReward,
    compute_score,
    compute_score_async,
    compute_score_batch,
    compute_score_float,
    route_for,
)

from .faults import Hanging, NaNValues, Raising, WrongLength

ROWS = [
    ("qa", "Paris", "paris", {"index": 0, "split": "train"}),
    ("qa", "bad answer", "paris", {"index": 1, "split": "train"}),
    ("qa", "Rome", np.array(["rome", "roma"]), {"index": 2, "split": "train"}),
]


def _call_with_kwargs(raw_fn, extra_kwargs, *args, **kwargs):
    return raw_fn(*args, **{**kwargs, **extra_kwargs})


async def _call_with_kwargs_async(raw_fn, extra_kwargs, *args, **kwargs):
    return await raw_fn(*args, **{**kwargs, **extra_kwargs})


def reward_loop(function, reward_kwargs, rows=ROWS):
    """verl 0.9.1's reward loop: per-sample calls, then columns keyed by the first sample."""
    wrapped = (
        partial(_call_with_kwargs_async, function, reward_kwargs)
        if inspect.iscoroutinefunction(function)
        else partial(_call_with_kwargs, function, reward_kwargs)
    )

    async def one(source, solution, truth, extra):
        call = dict(data_source=source, solution_str=solution, ground_truth=truth, extra_info=extra)
        if inspect.iscoroutinefunction(function):
            result = await wrapped(**call)
        else:
            result = await asyncio.get_running_loop().run_in_executor(None, lambda: wrapped(**call))
        extra_info = dict(result) if isinstance(result, dict) else {"acc": result}
        return {
            "reward_score": result["score"] if isinstance(result, dict) else result,
            "reward_extra_info": extra_info,
        }

    async def main():
        return await asyncio.gather(*(one(*row) for row in rows))

    outputs = asyncio.run(main())
    keys = outputs[0]["reward_extra_info"].keys()
    columns = {key: [out["reward_extra_info"][key] for out in outputs] for key in keys}  # KeyError if keys vary
    return [out["reward_score"] for out in outputs], columns


@pytest.mark.parametrize("function", [compute_score, compute_score_async])
def test_reward_loop_scores_with_the_same_keys_for_every_sample_errors_included(function):
    scores, columns = reward_loop(function, {"spec": Raising()})
    assert scores == [1.0, 0.0, 1.0]
    assert columns["valid"] == [1.0, 0.0, 1.0]
    assert columns["status"] == ["ok", "error", "ok"]
    assert columns["error"][0] == "" and "RuntimeError: boom on 'bad answer'" in columns["error"][1]
    assert "data_source 'qa'" in columns["error"][1] and "id=1" in columns["error"][1]
    assert sorted(columns) == ["acc", "error", "errored", "score", "status", "valid"]


def test_abstain_score_and_zero_and_raise_policies():
    scores, columns = reward_loop(compute_score, {"spec": Raising(), "abstain_score": -1.0})
    assert scores == [1.0, -1.0, 1.0] and columns["status"][1] == "error"
    scores, _ = reward_loop(compute_score, {"spec": Raising(), "on_error": "zero"})
    assert scores == [1.0, 0.0, 1.0]
    with pytest.raises(RewardError, match="RuntimeError: boom on 'bad answer'"):
        reward_loop(compute_score, {"spec": Raising(), "on_error": "raise"})


@pytest.mark.parametrize("function", [compute_score, compute_score_async])
def test_hanging_nan_and_wrong_length_are_marked_invalid_never_silent(function):
    _, hanging = reward_loop(function, {"spec": Hanging(3.0), "timeout": 0.3}, [("qa", "hang", "x", {})])
    assert hanging["valid"] == [0.0]
    assert hanging["error"][0].endswith("timeout: no result within 0.3 s")
    _, nan = reward_loop(function, {"spec": NaNValues()}, [("qa", "nan", "x", {}), ("qa", "ok", "x", {})])
    assert nan["valid"] == [0.0, 1.0] and "non-finite" in nan["error"][0]
    _, short = reward_loop(function, {"spec": WrongLength()}, [("qa", "a", "x", {})])
    assert short["valid"] == [0.0] and "returned 0 results for 1 samples" in short["error"][0]


def validation_means(columns: dict[str, list]) -> dict[str, float]:
    """What verl's ``process_validation_metrics`` averages: every column not of strings, plain mean."""
    return {key: float(np.mean(values)) for key, values in columns.items() if not isinstance(values[0], str)}


@pytest.mark.parametrize("function", [compute_score, compute_score_async])
def test_single_spec_adds_finite_component_keys_for_every_sample(function):
    spec = {"type": "sum", "terms": [{"type": "text.exact"}, {"type": "format.regex", "pattern": "!$"}]}
    scores, columns = reward_loop(function, {"spec": spec}, [("qa", "Paris!", "paris", {}), ("qa", "x", None, {})])
    assert scores == [2.0, 0.0]
    assert columns["text.exact"] == [1.0, 0.0] and columns["text.exact/valid"] == [1.0, 0.0]
    assert columns["format.regex"] == [1.0, 0.0] and columns["format.regex/valid"] == [1.0, 1.0]
    assert columns["status"] == ["ok", "error"] and columns["errored"] == [0.0, 1.0]
    means = validation_means(columns)
    assert all(math.isfinite(mean) for mean in means.values())
    assert means["text.exact"] / means["text.exact/valid"] == 1.0  # the mean over the samples that have one
    assert means["errored"] == 0.5


def test_routes_by_data_source_with_verl_builtin_names():
    assert route_for("openai/gsm8k", DEFAULT_ROUTES) == "math.answer"
    assert route_for("lighteval/MATH", DEFAULT_ROUTES) == "math.answer"
    assert route_for("aime2025", DEFAULT_ROUTES) == "math.answer"
    assert route_for("searchR1_nq", DEFAULT_ROUTES) == "text.exact"
    assert route_for("unknown", DEFAULT_ROUTES) is None
    routes = {"openai/gsm8k": "text.exact", "my_*": {"type": "format.regex", "pattern": "^A"}}
    rows = [
        ("openai/gsm8k", "72", "72", {}),
        ("my_set", "A!", None, {}),
        ("searchR1_nq", "Paris", {"target": ["Paris"]}, {}),
    ]
    scores, columns = reward_loop(compute_score, {"routes": routes}, rows)
    assert scores == [1.0, 1.0, 1.0]
    assert columns["status"] == ["ok", "ok", "ok"]


def test_unrouted_data_source_is_an_error_not_a_zero(monkeypatch):
    monkeypatch.delenv("REWARDSMITH_SPEC", raising=False)
    _scores, columns = reward_loop(compute_score, {}, [("my_custom_set", "x", "x", {})])
    assert columns["valid"] == [0.0]
    assert "no reward for this data_source" in columns["error"][0] and "'my_custom_set'" in columns["error"][0]


def test_legacy_batch_manager_shape_with_numpy_columns():
    data_sources = np.array(["qa", "qa", "qa"], dtype=object)
    solutions = [row[1] for row in ROWS]
    truths = np.array([row[2] for row in ROWS], dtype=object)
    extras = np.array([row[3] for row in ROWS], dtype=object)
    out = compute_score_batch(
        data_sources=data_sources, solution_strs=solutions, ground_truths=truths, extra_infos=extras, spec=Raising()
    )
    assert [row["score"] for row in out] == [1.0, 0.0, 1.0]
    assert [row["status"] for row in out] == ["ok", "error", "ok"]
    assert len({tuple(sorted(row)) for row in out}) == 1
    with pytest.raises(ValueError, match="lists differ in length"):
        compute_score_batch(["qa"], ["a", "b"], ["a", "b"], spec="text.exact")


def test_legacy_prime_manager_positional_calls_in_a_process_pool():
    function = partial(_call_with_kwargs, compute_score_float, {"spec": "text.exact"})
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        futures = [pool.submit(partial(function, "qa", solution, truth, extra)) for _, solution, truth, extra in ROWS]
        results = [f.result(timeout=60) for f in futures]
    assert [float(r) for r in results] == [1.0, 0.0, 1.0]


def test_verl_reward_pickles_without_its_loaded_rewards():
    import pickle

    reward = VerlReward("text.exact")
    reward.bound("qa").score([])
    copy = pickle.loads(pickle.dumps(reward))
    assert copy._bound == {}
    assert copy.score([]) == []


@pytest.mark.parametrize("function", [compute_score, compute_score_async])
def test_a_group_reward_called_one_sample_at_a_time_is_an_error_not_a_zero_advantage(function):
    spec = {"type": "group_norm", "reward": {"type": "text.exact"}}
    scores, columns = reward_loop(function, {"spec": spec}, ROWS[:2])
    assert scores == [0.0, 0.0] and columns["valid"] == [0.0, 0.0] and columns["errored"] == [1.0, 1.0]
    assert "group_norm depends on the other samples of its group" in columns["error"][0]
    batch = compute_score_batch(["qa", "qa"], ["Paris", "Rome"], ["paris", "paris"], None, spec=spec)
    assert [row["status"] for row in batch] == ["error", "error"]  # verl passes no prompt groups at all


def test_a_running_norm_is_refused_per_sample_but_scores_a_batch():
    spec = {"type": "running_norm", "reward": {"type": "text.exact"}, "alpha": 1.0}
    assert compute_score("qa", "Paris", "paris", {}, spec=spec)["status"] == "error"
    batch = compute_score_batch(["qa", "qa"], ["Paris", "Rome"], ["paris", "paris"], None, spec=spec)
    assert [round(row["score"], 4) for row in batch] == [1.0, -1.0]
