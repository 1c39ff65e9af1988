"""The shared adapter core: failure policy, boundary validation, timeouts without signals,
pickling and lazy loading."""

from __future__ import annotations

import asyncio
import pickle
import threading
import time

import pytest

from rewardsmith.core import RewardError, RewardResult, Sample
from rewardsmith.integrations.common import BoundReward, policy_value, spec_label

from .faults import BatchRaises, Hanging, NaNValues, Raising, WrongLength

SAMPLES = [Sample("Paris", reference="paris", id="a"), Sample("bad", reference="x"), Sample("nan hang", reference="y")]


def test_policy_maps_error_to_none_zero_or_raise_and_not_applicable_always_to_abstain():
    error, na, ok = RewardResult.fail("timeout"), RewardResult.not_applicable(), RewardResult.ok(0.5)
    assert [policy_value(r, "abstain") for r in (error, na, ok)] == [None, None, 0.5]
    assert [policy_value(r, "zero") for r in (error, na, ok)] == [0.0, None, 0.5]
    assert policy_value(na, "raise") is None
    with pytest.raises(RewardError, match="timeout"):
        policy_value(error, "raise")


def test_bound_reward_rejects_unknown_policy_and_bad_timeout():
    with pytest.raises(ValueError, match="on_error must be one of"):
        BoundReward("text.exact", on_error="ignore")  # type: ignore[arg-type]  # the invalid value under test
    with pytest.raises(ValueError, match="timeout"):
        BoundReward("text.exact", timeout=0)


def test_raising_record_is_an_error_naming_reward_and_record_while_others_score():
    results = BoundReward(Raising(), name="picky").score(SAMPLES[:2])
    assert results[0].value == 1.0
    assert results[1].value is None
    assert results[1].error.startswith("picky on record 1: test.raising: RuntimeError: boom on 'bad'")


def test_nan_value_becomes_an_error_not_a_number():
    results = BoundReward(NaNValues()).score(SAMPLES)
    assert [r.value for r in results] == [1.0, 1.0, None]
    assert results[2].error == "test_nan on record 2: returned a non-finite value nan"


def test_wrong_length_fails_every_record_with_a_message_naming_each():
    results = BoundReward(WrongLength()).score(SAMPLES)
    assert [r.value for r in results] == [None, None, None]
    assert results[0].error == "test_wrong_length on record 0 (id='a'): returned 2 results for 3 samples"
    assert results[2].error == "test_wrong_length on record 2: returned 2 results for 3 samples"


def test_a_reward_whose_score_raises_fails_the_batch_as_error_results():
    results = BoundReward(BatchRaises()).score(SAMPLES[:2])
    assert [r.error.rsplit(" (at faults.py:", 1)[0] for r in results] == [
        "test_batch_raises on record 0 (id='a'): MemoryError: out of memory in the reward",
        "test_batch_raises on record 1: MemoryError: out of memory in the reward",
    ]


def test_timeout_off_the_main_thread_returns_errors_instead_of_hanging():
    bound = BoundReward(Hanging(seconds=3.0), timeout=0.3)
    out: list = []
    worker = threading.Thread(target=lambda: out.append(bound.score(SAMPLES)))
    started = time.monotonic()
    worker.start()
    worker.join(10)
    assert time.monotonic() - started < 2.5
    assert [r.error for r in out[0]] == [
        "test_hanging on record 0 (id='a'): timeout: no result within 0.3 s",
        "test_hanging on record 1: timeout: no result within 0.3 s",
        "test_hanging on record 2: timeout: no result within 0.3 s",
    ]


def test_async_timeout_does_not_block_the_loop_or_its_shutdown():
    bound = BoundReward(Hanging(seconds=3.0), timeout=0.3)

    async def main() -> tuple[list[RewardResult], int]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        task = asyncio.create_task(ticker())
        results = await bound.ascore(SAMPLES)
        task.cancel()
        return results, ticks

    started = time.monotonic()
    results, ticks = asyncio.run(main())
    assert time.monotonic() - started < 2.5
    assert ticks > 5
    assert {r.error.split(": ", 1)[1] for r in results} == {"timeout: no result within 0.3 s"}


def test_lazy_spec_from_environment_is_pinned_when_pickled(monkeypatch):
    monkeypatch.delenv("REWARDSMITH_SPEC", raising=False)
    bound = BoundReward(name="env")
    assert bound._reward is None
    with pytest.raises(RewardError, match="set REWARDSMITH_SPEC"):
        bound.score(SAMPLES[:1])
    monkeypatch.setenv("REWARDSMITH_SPEC", "text.exact")
    copy = pickle.loads(pickle.dumps(bound))
    monkeypatch.setenv("REWARDSMITH_SPEC", "length")
    assert copy.spec == "text.exact"
    assert [r.value for r in copy.score(SAMPLES[:2])] == [1.0, 0.0]


def test_pickling_drops_the_loaded_reward_and_lock_and_reloads_on_use():
    bound = BoundReward({"type": "text.exact"})
    bound.score(SAMPLES[:1])
    state = bound.__getstate__()
    assert "_reward" not in state and "_lock" not in state
    copy = pickle.loads(pickle.dumps(bound))
    assert copy._reward is None
    assert copy.score(SAMPLES[:1])[0].value == 1.0


def test_concurrent_first_use_loads_the_spec_once():
    bound = BoundReward({"type": "text.exact"})
    seen: list[int] = []
    threads = [threading.Thread(target=lambda: seen.append(id(bound.reward))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(seen)) == 1


def test_spec_label_is_identifier_like():
    assert spec_label("specs/gsm8k-math.yaml") == "gsm8k_math"
    assert spec_label({"type": "format.regex"}) == "format_regex"
    assert spec_label(Raising()) == "test_raising"
