"""OpenRLHF file form, loaded and called the way openrlhf 0.11.2's SingleTurnAgentExecutor does:
``importlib.util.spec_from_file_location("reward_func", path)``, then
``asyncio.to_thread(reward_func, [query], [prompt], [label])`` once per sample."""

from __future__ import annotations

import asyncio
import importlib.util
import multiprocessing
import pickle

import pytest

import rewardsmith.integrations.openrlhf as openrlhf_module
from rewardsmith.core import Sample
from rewardsmith.integrations.openrlhf import OpenRLHFReward
from rewardsmith.serve.openrlhf import RewardFailed

from .faults import Hanging, NaNValues, Raising, WrongLength, call_openrlhf

CHAT = "<|im_start|>user\nCapital of France?<|im_end|>\n<|im_start|>assistant\n"


def load_like_openrlhf(path: str):
    spec = importlib.util.spec_from_file_location("reward_func", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.reward_func


def fetch(reward_func, samples):
    """OpenRLHF's per-sample thread offload: one call per (query, prompt, label)."""

    async def main():
        return await asyncio.gather(*(asyncio.to_thread(reward_func, [q], [p], [lbl]) for q, p, lbl in samples))

    return asyncio.run(main())


@pytest.fixture
def file_form(monkeypatch):
    monkeypatch.setenv("REWARDSMITH_SPEC", "text.exact")
    monkeypatch.delenv("REWARDSMITH_ON_ERROR", raising=False)
    return load_like_openrlhf(openrlhf_module.__file__)


def test_file_form_strips_the_chat_prompt_and_scores_the_response(file_form):
    answers = fetch(file_form, [(CHAT + "Paris<|im_end|>", CHAT, "paris"), (CHAT + "Lyon<|im_end|>", CHAT, "paris")])
    assert [a["rewards"] for a in answers] == [[1.0], [0.0]]
    assert [a["scores"] for a in answers] == [[1.0], [0.0]]
    assert answers[0]["extra_logs"] == {
        "reward_error": [0.0],
        "reward_not_applicable": [0.0],
        "prompt_not_found": [0.0],
    }


def test_bos_token_before_the_prompt_is_still_matched(file_form):
    [answer] = fetch(file_form, [("<s>" + CHAT + " Paris</s>", CHAT, "Paris")])
    assert answer["rewards"] == [1.0]
    assert answer["extra_logs"]["prompt_not_found"] == [0.0]


def test_tokenizer_aware_fallback_uses_a_local_tokenizer(shared_data):
    tokenizer_json = str(shared_data / "tiny_llama_stories260k" / "hf" / "tokenizer.json")
    reward = OpenRLHFReward("text.exact", tokenizer=tokenizer_json)
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(tokenizer_json)
    prompt = "Once upon a time"
    query = tokenizer.decode(tokenizer.encode(prompt + " there was a cat").ids, skip_special_tokens=False)
    answer = reward([query], [prompt], ["there was a cat"])
    assert answer["extra_logs"]["prompt_not_found"] == [0.0]
    assert answer["rewards"] == [1.0]


def test_failures_are_never_a_silent_zero(file_form, monkeypatch):
    abstain = OpenRLHFReward(Raising())
    [answer] = fetch(abstain, [(CHAT + "bad", CHAT, "x")])
    assert answer["rewards"] == [None] and answer["extra_logs"]["reward_error"] == [1.0]
    zero = OpenRLHFReward(Raising(), on_error="zero")
    [answer] = fetch(zero, [(CHAT + "bad", CHAT, "x")])
    assert answer["rewards"] == [0.0] and answer["extra_logs"]["reward_error"] == [1.0]
    with pytest.raises(RewardFailed, match=r"query\[0\]: reward failed: .*boom on 'bad'"):
        OpenRLHFReward(Raising(), on_error="raise")([CHAT + "bad"], [CHAT], ["x"])


@pytest.mark.parametrize(
    ("reward", "query", "reason"),
    [
        (Hanging(3.0), "hang", "timeout: no result within 0.3 s"),
        (NaNValues(), "nan", "returned a non-finite value nan"),
        (WrongLength(), "a", "returned 0 results for 1 samples"),
    ],
)
def test_hang_nan_and_wrong_length_are_counted_as_errors(reward, query, reason):
    bound = OpenRLHFReward(reward, on_error="zero", timeout=0.3)
    [answer] = fetch(bound, [(CHAT + query, CHAT, "x")])
    assert answer["rewards"] == [0.0]
    assert answer["extra_logs"]["reward_error"] == [1.0]
    assert bound.bound.score([Sample(query)])[0].error.endswith(reason)


def test_environment_configures_policy(monkeypatch):
    monkeypatch.setenv("REWARDSMITH_SPEC", "text.exact")
    monkeypatch.setenv("REWARDSMITH_ON_ERROR", "zero")
    reward_func = load_like_openrlhf(openrlhf_module.__file__)
    [answer] = fetch(reward_func, [(CHAT + "Paris", CHAT, None)])
    assert answer["rewards"] == [0.0] and answer["extra_logs"]["reward_error"] == [1.0]
    monkeypatch.setenv("REWARDSMITH_ON_ERROR", "ignore")
    with pytest.raises(ValueError, match="REWARDSMITH_ON_ERROR must be one of"):
        load_like_openrlhf(openrlhf_module.__file__)(["q"], ["p"], ["l"])


def _in_child(payload: bytes) -> list:
    return call_openrlhf(pickle.loads(payload))


def test_same_answers_in_a_spawned_child_as_in_this_process():
    reward = OpenRLHFReward(Raising(), on_error="zero")
    expected = call_openrlhf(reward)
    assert [a["rewards"] for a in expected] == [[1.0], [0.0]]
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        assert pool.apply(_in_child, (pickle.dumps(reward),)) == expected


def test_tokenizer_path_is_pickled_as_a_path_and_loaded_lazily(shared_data):
    tokenizer_json = str(shared_data / "tiny_llama_stories260k" / "hf" / "tokenizer.json")
    reward = OpenRLHFReward("text.exact", tokenizer=tokenizer_json)
    assert reward._tokenizer() is reward._tokenizer()
    copy = pickle.loads(pickle.dumps(reward))
    assert copy._loaded_tokenizer is None and copy.tokenizer == tokenizer_json
    assert copy(["Once upon a time the end"], ["Once upon a time"], ["the end"])["rewards"] == [1.0]


def test_a_group_reward_is_refused_not_answered_with_a_constant():
    reward = OpenRLHFReward({"type": "group_norm", "reward": {"type": "text.exact"}})
    answer = reward(["Q: A: Paris"], ["Q: A:"], ["Paris"])
    assert answer["rewards"] == [None] and answer["extra_logs"]["reward_error"] == [1.0]
