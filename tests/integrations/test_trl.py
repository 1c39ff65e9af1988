"""TRL adapter, called exactly as trl 1.16.0's GRPOTrainer._calculate_rewards calls a reward:
keyword arguments only (prompts, completions, completion_ids, trainer_state, log_extra,
log_metric and one list per dataset column)."""

from __future__ import annotations

import asyncio
import inspect
import multiprocessing
import pickle
import threading
from collections import defaultdict

import pytest

from rewardsmith.core import RewardError
from rewardsmith.integrations import trl as trl_adapter
from rewardsmith.integrations.trl import AsyncTRLReward, TRLReward

from .faults import Hanging, NaNValues, Raising, WrongLength, call_trl


class Recorder:
    """Stands in for TRL's _log_metric / _log_completion_extra (same signatures)."""

    def __init__(self) -> None:
        self.metrics: dict[str, list[float]] = defaultdict(list)
        self.extra: dict[str, list] = defaultdict(list)

    def log_metric(self, name: str, value: float) -> None:
        self.metrics[name].append(value)

    def log_extra(self, column: str, values: list) -> None:
        self.extra[column].extend(values)


def trl_call(reward, completions, recorder=None, **columns):
    recorder = recorder or Recorder()
    out = reward(
        prompts=["Capital of France?"] * len(completions),
        completions=completions,
        completion_ids=[[1, 2]] * len(completions),
        trainer_state=None,
        log_extra=recorder.log_extra,
        log_metric=recorder.log_metric,
        **columns,
    )
    return asyncio.run(out) if inspect.isawaitable(out) else out


def test_one_value_per_completion_with_reference_from_solution_column():
    reward = TRLReward("text.exact")
    assert trl_call(reward, ["Paris", "Lyon", "paris."], solution=["Paris"] * 3) == [1.0, 0.0, 1.0]


def test_conversational_completion_is_scored_on_every_assistant_turn():
    reward = TRLReward({"type": "format.regex", "pattern": "FINAL"})
    multi_turn = [
        {"role": "assistant", "content": "let me call a tool"},
        {"role": "tool", "content": "FINAL from tool"},
        {"role": "assistant", "content": "FINAL answer"},
    ]
    only_tool = [{"role": "assistant", "content": "hm"}, {"role": "tool", "content": "FINAL"}]
    assert trl_call(reward, [multi_turn, only_tool]) == [1.0, 0.0]


def test_name_is_stable_and_is_trl_metric_name():
    assert TRLReward("examples/gsm8k.yaml").__name__ == "gsm8k"
    assert TRLReward("text.exact", name="acc").__name__ == "acc"
    assert trl_adapter.reward.__name__ == "rewardsmith"
    assert trl_adapter.exact_match.__name__ == "exact_match"


def test_async_variant_is_seen_as_async_by_trl_and_gives_the_same_values():
    from trl.trainer.utils import get_callable_name, is_async_callable

    sync, asynchronous = TRLReward("text.exact"), AsyncTRLReward("text.exact")
    assert not is_async_callable(sync) and is_async_callable(asynchronous)
    assert get_callable_name(asynchronous) == "text_exact"
    columns = {"answer": ["Paris", "Rome"]}
    assert trl_call(asynchronous, ["Paris", "Paris"], **columns) == trl_call(sync, ["Paris", "Paris"], **columns)


def test_errors_and_components_are_logged_through_log_metric_and_log_extra():
    spec = {
        "type": "sum",
        "on_error": "skip",
        "terms": [{"type": "text.exact"}, {"type": "format.regex", "pattern": "!$"}],
    }
    recorder = Recorder()
    values = trl_call(TRLReward(spec, name="mix"), ["Paris!", "Rome"], recorder, solution=["Paris", None])
    assert values == [2.0, 0.0]
    assert recorder.metrics["mix/errors"] == [0.0]
    assert recorder.metrics["mix/text.exact/mean"] == [1.0]
    assert recorder.metrics["mix/format.regex/mean"] == [0.5]
    assert recorder.extra["mix/status"] == ["ok", "ok"]


@pytest.mark.parametrize("cls", [TRLReward, AsyncTRLReward])
def test_raising_record_abstains_as_none_and_is_counted(cls):
    recorder = Recorder()
    values = trl_call(cls(Raising(), name="picky"), ["Paris", "bad", "Rome"], recorder, solution=["paris"] * 3)
    assert values == [1.0, None, 0.0]
    assert recorder.metrics["picky/errors"] == [1.0]
    assert recorder.extra["picky/status"] == ["ok", "error", "ok"]
    assert recorder.extra["picky/error"][1].startswith("picky on record 1: test.raising: RuntimeError: boom")


@pytest.mark.parametrize("cls", [TRLReward, AsyncTRLReward])
def test_policy_zero_and_raise(cls):
    assert trl_call(cls(Raising(), on_error="zero"), ["bad", "x"], solution=["x", "x"]) == [0.0, 1.0]
    with pytest.raises(RewardError, match=r"record 0: test\.raising: RuntimeError: boom on 'bad'"):
        trl_call(cls(Raising(), on_error="raise"), ["bad", "x"], solution=["x", "x"])


@pytest.mark.parametrize("cls", [TRLReward, AsyncTRLReward])
def test_hanging_reward_times_out_to_none_not_zero(cls):
    recorder = Recorder()
    values = trl_call(cls(Hanging(3.0), timeout=0.3, name="slow"), ["hang", "ok"], recorder)
    assert values == [None, None]
    assert recorder.metrics["slow/errors"] == [2.0]
    assert recorder.extra["slow/error"][0] == "slow on record 0: timeout: no result within 0.3 s"


@pytest.mark.parametrize("cls", [TRLReward, AsyncTRLReward])
def test_nan_and_wrong_length_never_reach_trl_as_numbers(cls):
    assert trl_call(cls(NaNValues()), ["nan", "fine"]) == [None, 1.0]
    assert trl_call(cls(WrongLength()), ["a", "b", "c"]) == [None, None, None]


def test_column_of_the_wrong_length_is_refused_loudly():
    with pytest.raises(ValueError, match="column 'solution' has 1 values for 2 completions"):
        trl_call(TRLReward("text.exact"), ["a", "b"], solution=["a"])


def test_completions_of_one_prompt_share_a_group():
    samples = TRLReward("text.exact").samples(["p", "p", "q", "p"], ["a", "b", "c", "d"], id=[1, 2, 3, 4])
    assert [s.group for s in samples] == [0, 0, 1, 0]
    assert [s.id for s in samples] == [1, 2, 3, 4]


def test_module_level_reward_reads_spec_from_environment(monkeypatch):
    monkeypatch.setenv("REWARDSMITH_SPEC", "text.exact")
    fresh = pickle.loads(pickle.dumps(TRLReward(name="rewardsmith")))
    assert trl_call(fresh, ["Paris"], solution=["Paris"]) == [1.0]


def _in_child(payload: bytes) -> list:
    return call_trl(pickle.loads(payload))


@pytest.mark.parametrize("cls", [TRLReward, AsyncTRLReward])
def test_same_values_in_main_thread_worker_thread_spawned_child_and_event_loop(cls):
    reward = cls(Raising(), name="picky")
    expected = [1.0, None, 1.0]
    assert call_trl(reward) == expected
    out: list = []
    thread = threading.Thread(target=lambda: out.append(call_trl(reward)))
    thread.start()
    thread.join(30)
    assert out == [expected]
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        assert pool.apply(_in_child, (pickle.dumps(reward),)) == expected

    async def inside_loop() -> list:
        result = reward(
            prompts=["Q"] * 3, completions=["Paris", "bad answer", "rome"], solution=["paris", "paris", "Rome"]
        )
        return await result if inspect.isawaitable(result) else result

    assert asyncio.run(inside_loop()) == expected


def test_trl_cli_dotted_path_resolves_to_a_ready_reward(monkeypatch):
    """``trl grpo --reward_funcs pkg.module.attr`` resolves with rsplit + import_module + getattr."""
    import importlib

    monkeypatch.setenv("REWARDSMITH_SPEC", "text.exact")
    module_path, attribute = "rewardsmith.integrations.trl.async_reward".rsplit(".", 1)
    reward = pickle.loads(pickle.dumps(getattr(importlib.import_module(module_path), attribute)))
    assert trl_call(reward, ["Paris", "Rome"], answer=["paris", "paris"]) == [1.0, 0.0]
