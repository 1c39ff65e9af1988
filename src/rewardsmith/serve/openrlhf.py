"""OpenRLHF's remote-reward protocol (``--reward.remote_url http://HOST:PORT/get_reward``).

OpenRLHF 0.11 POSTs ``{"query": [prompt+response decoded with special tokens], "prompts":
[prompt], "labels": [label]}``, one sample per request, and reads ``{"rewards", "scores",
"extra_logs"}``. The response must be cut out of the query: the prompt is usually a prefix of
it, but decoding token ids can add a BOS token or change whitespace, so the cut falls back to a
tokenizer round trip, a whitespace-insensitive match, and finally the whole query (flagged in
``extra_logs["prompt_not_found"]``, never silently).

OpenRLHF needs a number for every sample, so an error result is mapped by an explicit policy:
``abstain`` (default: ``null``, which OpenRLHF cannot train on, so the failure is loud),
``zero`` (0.0, counted in ``extra_logs["reward_error"]``) or ``raise`` (HTTP 422 naming the
sample; never a 5xx, which OpenRLHF retries five times and then reports misleadingly).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

from rewardsmith.core import RewardResult, Sample
from rewardsmith.core.reward import Reward

OnError = Literal["abstain", "zero", "raise"]

#: Special tokens of common chat templates, used when no tokenizer is given.
SPECIAL_TOKENS = (
    "<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>", "<|im_start|>", "<|im_end|>",
    "<|endoftext|>", "<|end|>", "<|assistant|>", "<s>", "</s>", "<bos>", "<eos>",
    "<start_of_turn>", "<end_of_turn>", "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>",
)


def _strip_leading(text: str, tokens: Sequence[str]) -> str:
    changed = True
    while changed:
        changed = False
        for token in tokens:
            if token and text.startswith(token):
                text, changed = text[len(token) :], True
    return text


def _strip_trailing(text: str, tokens: Sequence[str]) -> str:
    changed = True
    while changed:
        changed = False
        stripped = text.rstrip()
        for token in tokens:
            if token and stripped.endswith(token):
                text, changed = stripped[: -len(token)], True
                break
    return text


def _loose_prefix_end(query: str, prompt: str) -> int | None:
    """Where ``prompt`` ends in ``query`` when whitespace is ignored, or None."""
    position = 0
    for char in prompt:
        if char.isspace():
            continue
        while position < len(query) and query[position].isspace():
            position += 1
        if position >= len(query) or query[position] != char:
            return None
        position += 1
    return position


def _round_trip(tokenizer: Any, text: str) -> str:
    encoded = tokenizer.encode(text, add_special_tokens=False)
    ids = getattr(encoded, "ids", encoded)  # a `tokenizers.Encoding` or a list of ids
    return tokenizer.decode(ids, skip_special_tokens=False)


def split_query(
    query: str, prompt: str | None, tokenizer: Any = None, special_tokens: Sequence[str] = SPECIAL_TOKENS
) -> tuple[str, bool]:
    """(response, prompt_found): the response part of OpenRLHF's decoded prompt+response.

    Trailing special tokens (``<|im_end|>``, ``</s>``) are removed from the response.

    >>> split_query("<s>Q: 2+2?\\nA: 4</s>", "Q: 2+2?\\nA:")
    (' 4', True)
    >>> split_query("Q:  2+2? A: 4", "Q: 2+2?")
    (' A: 4', True)
    >>> split_query("something else", "Q:")
    ('something else', False)
    """
    tokens = tuple(special_tokens)
    if tokenizer is not None:
        tokens = (*tokens, *getattr(tokenizer, "all_special_tokens", ()))
    if prompt:
        candidates = [prompt]
        if tokenizer is not None:
            candidates.append(_round_trip(tokenizer, prompt))
        bare_query = _strip_leading(query, tokens)
        for text in (query, bare_query):
            for candidate in candidates:
                if text.startswith(candidate):
                    return _strip_trailing(text[len(candidate) :], tokens), True
        for text in (query, bare_query):
            for candidate in candidates:
                end = _loose_prefix_end(text, _strip_leading(candidate, tokens))
                if end is not None:
                    return _strip_trailing(text[end:], tokens), True
        found = query.rfind(prompt)
        if found >= 0:
            return _strip_trailing(query[found + len(prompt) :], tokens), True
    return _strip_trailing(_strip_leading(query, tokens), tokens), not prompt


def to_samples(
    queries: Sequence[str], prompts: Sequence[Any] | None, labels: Sequence[Any] | None, tokenizer: Any = None
) -> tuple[list[Sample], list[bool]]:
    """Samples for the reward (completion = response, reference = label) and which found their prompt."""
    samples, found = [], []
    for index, query in enumerate(queries):
        prompt = prompts[index] if prompts else None
        prompt_text = prompt if isinstance(prompt, str) else None
        response, ok = split_query(query, prompt_text, tokenizer)
        label = labels[index] if labels else None
        samples.append(Sample(completion=response, prompt=prompt, reference=label, extra={"query": query}))
        found.append(ok)
    return samples, found


def refusal(reward: Reward) -> str | None:
    """Why ``reward`` cannot serve OpenRLHF, or None.

    OpenRLHF sends one sample per call and no prompt group, so a reward that depends on its
    group or batch (``group_norm``, ``running_norm``, ...: :attr:`Reward.batch_dependent`) would
    see a group of one and answer a constant, silently.

    >>> from rewardsmith.core import load
    >>> refusal(load("text.exact")) is None, refusal(load({"type": "group_norm", "reward": "text.exact"}))[:40]
    (True, 'group_norm depends on the other samples ')
    """
    if not reward.batch_dependent:
        return None
    return (
        f"{reward.name} depends on the other samples of its {reward.batch_scope} (batch_scope "
        f"{reward.batch_scope!r}), but OpenRLHF sends one sample at a time with no prompt group: "
        "serve a per-sample spec and let OpenRLHF compute advantages"
    )


def unit_score(value: float, value_range: tuple[float, float] | None) -> float:
    """A reward mapped into [0, 1] for OpenRLHF's dynamic filtering.

    >>> unit_score(0.5, (-1.0, 1.0)), unit_score(3.0, None), unit_score(-2.0, None)
    (0.75, 1.0, 0.0)
    """
    if value_range is not None:
        low, high = value_range
        if math.isfinite(low) and math.isfinite(high) and high > low:
            value = (value - low) / (high - low)
    return min(1.0, max(0.0, value))


class RewardFailed(Exception):
    """Under ``on_error: raise``, a sample's reward failed; the server answers 422."""

    def __init__(self, index: int, error: str) -> None:
        self.index = index
        self.error = error
        super().__init__(f"query[{index}]: reward failed: {error}")


def to_response(
    results: Sequence[RewardResult],
    prompt_found: Sequence[bool],
    on_error: OnError = "abstain",
    value_range: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """OpenRLHF's answer: rewards, scores in [0, 1] and per-sample counters in ``extra_logs``.

    >>> to_response([RewardResult.ok(1.0), RewardResult.fail("boom")], [True, True], "zero")
    {'rewards': [1.0, 0.0], 'scores': [1.0, 0.0], 'extra_logs': {'reward_error': [0.0, 1.0], \
'reward_not_applicable': [0.0, 0.0], 'prompt_not_found': [0.0, 0.0]}}
    """
    rewards: list[float | None] = []
    for index, result in enumerate(results):
        if result.status == "ok":
            rewards.append(result.value)
        elif on_error == "zero":
            rewards.append(0.0)
        elif on_error == "raise" and result.status == "error":
            raise RewardFailed(index, result.error or "")
        else:
            rewards.append(None)
    return {
        "rewards": rewards,
        "scores": [None if r is None else unit_score(r, value_range) for r in rewards],
        "extra_logs": {
            "reward_error": [float(r.status == "error") for r in results],
            "reward_not_applicable": [float(r.status == "not_applicable") for r in results],
            "prompt_not_found": [float(not found) for found in prompt_found],
        },
    }
