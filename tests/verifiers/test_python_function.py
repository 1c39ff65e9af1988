"""The ``python`` component runs existing reward functions in their own convention."""

from __future__ import annotations

import textwrap

import pytest

from rewardsmith import Sample, SpecError, load

USER_REWARDS = '''
import asyncio
import math

def trl_reward(prompts, completions, solution, **kwargs):
    return [1.0 if c.strip() == s else 0.0 for c, s in zip(completions, solution)]

def trl_partial(completions, **kwargs):
    return [None if c == "skip" else float(len(c)) for c in completions]

def compute_score(data_source, solution_str, ground_truth, extra_info=None):
    return {"score": float(solution_str == ground_truth), "source": data_source}

def plain(completion, reference):
    return completion == reference

async def plain_async(completion, reference):
    await asyncio.sleep(0)
    return 0.5

def wrong_length(prompts, completions, **kwargs):
    return [1.0]

def returns_nan(completion, reference):
    return math.nan

def raises(completion, reference):
    if completion == "bad":
        raise RuntimeError("reward code crashed")
    return 1.0
'''


@pytest.fixture
def user_file(tmp_path):
    path = tmp_path / "user_rewards.py"
    path.write_text(textwrap.dedent(USER_REWARDS))
    return path


def reward(user_file, name, **params):
    return load({"type": "python", "function": f"{user_file}:{name}", **params})


def samples():
    return [
        Sample("42", prompt="q", reference="42", extra={"data_source": "openai/gsm8k"}),
        Sample("41", prompt="q", reference="42", extra={"data_source": "openai/gsm8k"}),
    ]


def test_trl_convention_gets_columns_by_name(user_file):
    results = reward(user_file, "trl_reward", reference_as="solution").score(samples())
    assert [r.value for r in results] == [1.0, 0.0]


def test_trl_none_means_not_applicable(user_file):
    results = reward(user_file, "trl_partial").score([Sample("skip"), Sample("abc")])
    assert [r.status for r in results] == ["not_applicable", "ok"]


def test_verl_convention_and_dict_return(user_file):
    results = reward(user_file, "compute_score").score(samples())
    assert [r.value for r in results] == [1.0, 0.0]
    assert results[0].details == {"source": "openai/gsm8k"}


def test_plain_and_async_functions(user_file):
    assert [r.value for r in reward(user_file, "plain").score(samples())] == [1.0, 0.0]
    assert [r.value for r in reward(user_file, "plain_async").score(samples())] == [0.5, 0.5]


def test_wrong_length_nan_and_crash_are_errors_not_zeros(user_file):
    where = f"python {user_file}"
    assert all(
        r.error == f"{where}:wrong_length: returned 1 values for 2 samples"
        for r in reward(user_file, "wrong_length").score(samples())
    )
    nan = reward(user_file, "returns_nan").score(samples())[0]
    assert nan.error.startswith(f"{where}:returns_nan: returned a non-finite")
    results = reward(user_file, "raises").score([Sample("bad"), Sample("good")])
    assert results[0].error.startswith(f"{where}:raises: RuntimeError: reward code crashed")
    assert results[1].value == 1.0


def test_module_function_path_and_bad_targets(user_file, monkeypatch):
    monkeypatch.syspath_prepend(str(user_file.parent))
    assert load({"type": "python", "function": "user_rewards:plain"})("a", "a").value == 1.0
    with pytest.raises(SpecError, match="has no callable 'missing'"):
        load({"type": "python", "function": f"{user_file}:missing"})
    with pytest.raises(SpecError, match="expected 'module:function'"):
        load({"type": "python", "function": "no_colon"})
