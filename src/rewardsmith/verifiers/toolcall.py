"""``toolcall.match``: tool-call correctness against reference calls, in the ToolRL style."""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from rewardsmith.core import RewardResult, Sample, register
from rewardsmith.core.reward import Reward

_TOOL_CALL = re.compile(r"<tool_call>(.*?)</tool_call>", re.DOTALL)
_FENCE = re.compile(r"```(?:json)?\s*\n(.*?)```", re.DOTALL)


@dataclass(frozen=True)
class Call:
    """One parsed tool call."""

    name: str
    arguments: dict[str, Any]


def _call_from(obj: Any) -> Call | str:
    """A Call from an OpenAI ``tool_calls`` entry or a ``{"name", "arguments"}`` dict, else why not."""
    if not isinstance(obj, dict):
        return f"a call must be an object, got {type(obj).__name__}"
    if isinstance(obj.get("function"), dict):
        obj = obj["function"]
    name = obj.get("name")
    arguments = obj.get("arguments", obj.get("parameters", {}))
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except json.JSONDecodeError as exc:
            return f"arguments of {name!r} are not JSON: {exc.msg}"
    if not isinstance(name, str) or not name:
        return "a call without a name"
    if not isinstance(arguments, dict):
        return f"arguments of {name!r} are not an object"
    return Call(name, arguments)


def _calls_from_json(value: Any) -> list[Call | str]:
    items = value if isinstance(value, list) else [value]
    return [_call_from(item) for item in items]


def _calls_from_text(text: str) -> list[Call | str]:
    blocks = _TOOL_CALL.findall(text)
    if not blocks:
        candidates = [text.strip(), *reversed(_FENCE.findall(text))]
        for candidate in candidates:
            try:
                return _calls_from_json(json.loads(candidate))
            except json.JSONDecodeError:
                continue
        return []
    calls: list[Call | str] = []
    for block in blocks:
        try:
            calls.extend(_calls_from_json(json.loads(block)))
        except json.JSONDecodeError as exc:
            calls.append(f"<tool_call> block is not JSON: {exc.msg}")
    return calls


def parse_calls(value: Any) -> list[Call | str]:
    """Tool calls from chat messages (``tool_calls`` and Hermes/Qwen ``<tool_call>`` text),
    text, or a JSON list of calls; unparseable calls become strings that say why.

    >>> parse_calls('<tool_call>{"name": "add", "arguments": {"a": 1}}</tool_call>')
    [Call(name='add', arguments={'a': 1})]
    """
    if value is None:
        return []
    if isinstance(value, str):
        return _calls_from_text(value)
    if isinstance(value, dict) and ("role" in value or "tool_calls" in value):
        value = [value]
    if isinstance(value, list) and any(isinstance(v, dict) and ("role" in v or "tool_calls" in v) for v in value):
        calls: list[Call | str] = []
        for message in value:
            if not isinstance(message, dict) or message.get("role", "assistant") != "assistant":
                continue
            calls.extend(_call_from(c) for c in message.get("tool_calls") or [])
            if isinstance(message.get("content"), str):
                calls.extend(_calls_from_text(message["content"]) if "<tool_call>" in message["content"] else [])
        return calls
    return _calls_from_json(value)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.strip() == b.strip()
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return a == b


def _pair_score(gold: Call, predicted: Call) -> float:
    keys_g, keys_p = set(gold.arguments), set(predicted.arguments)
    union = keys_g | keys_p
    jaccard = len(keys_g & keys_p) / len(union) if union else 1.0
    values = sum(k in predicted.arguments and _same(predicted.arguments[k], v) for k, v in gold.arguments.items())
    return jaccard + values


def _best_matching(gold: list[Call], predicted: list[Call]) -> list[tuple[int, int]]:
    """Pairs (gold index, predicted index) of equal names maximising the total pair score."""
    pairs: list[tuple[int, int]] = []
    for name in {g.name for g in gold}:
        gi = [i for i, g in enumerate(gold) if g.name == name]
        pi = [j for j, p in enumerate(predicted) if p.name == name]
        if not pi:
            continue
        small, large, flip = (gi, pi, False) if len(gi) <= len(pi) else (pi, gi, True)
        options: Iterator[list[tuple[int, int]]]
        if len(large) <= 7:
            options = (list(zip(small, chosen, strict=True)) for chosen in itertools.permutations(large, len(small)))
        else:
            options = iter([list(zip(small, large, strict=False))])

        def total(option: list[tuple[int, int]], flip: bool = flip) -> float:
            return sum(_pair_score(gold[b], predicted[a]) if flip else _pair_score(gold[a], predicted[b])
                       for a, b in option)

        best = max(options, key=total)
        pairs.extend((b, a) if flip else (a, b) for a, b in best)
    return pairs


@register("toolcall.match")
class ToolCallMatch(Reward):
    """Tool-call correctness from name, parameter-name and parameter-value matches.

    *ToolRL: Reward is All Tool Learning Needs* (Qian et al., 2025). With gold calls G and
    predicted calls P, and the matching of equal-named calls that maximises the score:
    r_name = |N_G ∩ N_P| / |N_G ∪ N_P| (Jaccard of tool names), r_param = Σ_matched
    |keys_G ∩ keys_P| / |keys_G ∪ keys_P|, r_value = Σ_matched Σ_{k ∈ keys_G} 1[P[k] = G[k]],
    S_max = 1 + |G| + Σ_G |keys_G|, and R_correct = 6 · (r_name + r_param + r_value) / S_max − 3
    ∈ [−3, 3]. With ``scale: toolrl`` the reward is R_format + R_correct ∈ [−3, 4], R_format = 1
    when every call parses; ``scale: unit`` gives (r_name + r_param + r_value) / S_max ∈ [0, 1].

    ``details["errors"]`` names each mistake in the categories of *TL-Training* (Ye et al.,
    2025): ``malformed call``, ``wrong tool``, ``missing call``, ``extra call``,
    ``wrong parameter``, ``wrong value``. Calls are read from OpenAI ``tool_calls`` messages,
    Hermes/Qwen ``<tool_call>{json}</tool_call>`` text, or a JSON list; so is the reference.

    >>> gold = [{"name": "weather", "arguments": {"city": "Paris", "unit": "C"}}]
    >>> ToolCallMatch()('<tool_call>{"name": "weather", "arguments": {"city": "Paris", "unit": "C"}}</tool_call>',
    ...                 reference=gold).value
    4.0
    >>> result = ToolCallMatch(scale="unit")('[{"name": "weather", "arguments": {"city": "Rome"}}]', reference=gold)
    >>> round(result.value, 4), result.details["counts"]  # (1 + 1/2 + 0) / 4
    (0.375, {'wrong parameter': 1, 'wrong value': 1})
    """

    value_range = (-3.0, 4.0)

    def __init__(self, scale: Literal["toolrl", "unit"] = "toolrl") -> None:
        self.scale = scale
        if scale == "unit":
            self.value_range = (0.0, 1.0)

    def score_one(self, sample: Sample) -> RewardResult:
        if sample.reference is None:
            return RewardResult.fail("no reference calls to compare with", kind="bad_input")
        reference = sample.reference
        if isinstance(reference, str) and "<tool_call>" not in reference:
            try:
                reference = json.loads(reference)
            except json.JSONDecodeError:
                return RewardResult.fail("reference is neither tool-call text nor JSON", kind="bad_input")
        gold_parsed = parse_calls(reference)
        bad_gold = [g for g in gold_parsed if isinstance(g, str)]
        if bad_gold:
            return RewardResult.fail(f"reference call is malformed: {bad_gold[0]}", kind="bad_input")
        gold: list[Call] = [g for g in gold_parsed if isinstance(g, Call)]
        parsed = parse_calls(sample.completion if not isinstance(sample.completion, str) else sample.text)
        predicted = [p for p in parsed if isinstance(p, Call)]
        errors: list[dict[str, Any]] = [{"category": "malformed call", "why": p} for p in parsed if isinstance(p, str)]

        names_g, names_p = {g.name for g in gold}, {p.name for p in predicted}
        r_name = len(names_g & names_p) / len(names_g | names_p) if names_g | names_p else 1.0
        pairs = _best_matching(gold, predicted)
        r_param = r_value = 0.0
        for gi, pi in pairs:
            g, p = gold[gi], predicted[pi]
            keys_g, keys_p = set(g.arguments), set(p.arguments)
            union = keys_g | keys_p
            r_param += len(keys_g & keys_p) / len(union) if union else 1.0
            wrong = sorted(k for k, v in g.arguments.items() if k in p.arguments and not _same(p.arguments[k], v))
            r_value += sum(k in p.arguments and _same(p.arguments[k], v) for k, v in g.arguments.items())
            if keys_g != keys_p:
                errors.append({"category": "wrong parameter", "name": g.name,
                               "missing": sorted(keys_g - keys_p), "unexpected": sorted(keys_p - keys_g)})
            if wrong:
                errors.append({"category": "wrong value", "name": g.name, "keys": wrong})
        matched_g, matched_p = {gi for gi, _ in pairs}, {pi for _, pi in pairs}
        errors += [{"category": "missing call", "name": g.name} for i, g in enumerate(gold) if i not in matched_g]
        for j, p in enumerate(predicted):
            if j not in matched_p:
                errors.append({"category": "wrong tool" if p.name not in names_g else "extra call", "name": p.name})

        s_max = 1 + len(gold) + sum(len(g.arguments) for g in gold)
        share = (r_name + r_param + r_value) / s_max
        r_format = 0.0 if any(e["category"] == "malformed call" for e in errors) else 1.0
        value = share if self.scale == "unit" else r_format + 6 * share - 3
        counts = dict(Counter(e["category"] for e in errors))
        return RewardResult.ok(value, r_name=r_name, r_param=r_param, r_value=r_value, s_max=s_max,
                               r_format=r_format, errors=errors, counts=counts,
                               calls=[{"name": p.name, "arguments": p.arguments} for p in predicted])
