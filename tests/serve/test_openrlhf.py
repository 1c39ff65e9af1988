"""Cutting OpenRLHF's decoded prompt+response apart, and mapping results to its answer."""

from __future__ import annotations

import pytest

from rewardsmith import RewardResult
from rewardsmith.serve.openrlhf import RewardFailed, split_query, to_response, to_samples, unit_score

CHATML_PROMPT = "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n"


def test_chatml_query_keeps_only_the_response_without_end_tokens() -> None:
    query = CHATML_PROMPT + "The answer is 4.<|im_end|>\n<|endoftext|>"
    assert split_query(query, CHATML_PROMPT) == ("The answer is 4.", True)


def test_bos_token_added_by_decoding_is_skipped() -> None:
    query = "<|begin_of_text|>Question: 1+1?\nAnswer: 2<|eot_id|>"
    assert split_query(query, "Question: 1+1?\nAnswer:") == (" 2", True)


def test_whitespace_changed_by_decoding_still_matches() -> None:
    assert split_query("Q :  1 + 1 ?\n\nA: 2", "Q : 1 + 1 ? ") == ("\n\nA: 2", True)


def test_prompt_missing_from_query_keeps_the_whole_query_and_says_so() -> None:
    assert split_query("<s>unrelated text</s>", "Question:") == ("unrelated text", False)


def test_tokenizer_round_trip_finds_a_prompt_the_decoder_rewrote() -> None:
    tokenizers = pytest.importorskip("tokenizers")
    from tokenizers import models, pre_tokenizers

    vocabulary = {w: i for i, w in enumerate(["[UNK]", "what", "is", "2", "+", "?", "4", "it"])}
    tokenizer = tokenizers.Tokenizer(models.WordLevel(vocabulary, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    prompt = "what is 2+2?"
    query = tokenizer.decode(tokenizer.encode(prompt + " it is 4").ids)
    assert query == "what is 2 + 2 ? it is 4"
    assert split_query(query, prompt, tokenizer=tokenizer) == (" it is 4", True)


def test_to_samples_maps_labels_to_references() -> None:
    samples, found = to_samples(["P: x", "Q: y"], ["P:", "Z:"], ["gold", {"a": 1}])
    assert [(s.completion, s.reference, s.prompt) for s in samples] == [
        (" x", "gold", "P:"),
        ("Q: y", {"a": 1}, "Z:"),
    ]
    assert found == [True, False]
    assert samples[0].extra == {"query": "P: x"}


def test_scores_are_rescaled_into_the_unit_interval() -> None:
    assert unit_score(0.0, (-1.0, 1.0)) == 0.5
    assert unit_score(5.0, (0.0, 10.0)) == 0.5
    assert unit_score(1.5, None) == 1.0


def test_abstain_policy_answers_null_and_counts_the_error() -> None:
    results = [RewardResult.ok(0.25), RewardResult.fail("boom"), RewardResult.not_applicable()]
    answer = to_response(results, [True, True, False])
    assert answer["rewards"] == [0.25, None, None]
    assert answer["scores"] == [0.25, None, None]
    assert answer["extra_logs"] == {
        "reward_error": [0.0, 1.0, 0.0],
        "reward_not_applicable": [0.0, 0.0, 1.0],
        "prompt_not_found": [0.0, 0.0, 1.0],
    }


def test_raise_policy_names_the_failing_query() -> None:
    with pytest.raises(RewardFailed, match=r"query\[1\]: reward failed: boom"):
        to_response([RewardResult.ok(1), RewardResult.fail("boom")], [True, True], "raise")


def test_get_reward_refuses_a_group_reward_with_error_results() -> None:
    import httpx

    from rewardsmith.core import load
    from rewardsmith.testing.paths import conformance_server

    url = conformance_server().serve(load({"type": "group_norm", "reward": "text.exact"}))
    body = {"query": ["Q: A: Paris"], "prompts": ["Q: A:"], "labels": ["Paris"]}
    answer = httpx.post(f"{url}/get_reward", json=body, timeout=30).json()
    assert answer["rewards"] == [None] and answer["extra_logs"]["reward_error"] == [1.0]
