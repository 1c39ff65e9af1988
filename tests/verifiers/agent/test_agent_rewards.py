"""agent.* rewards and turns.* credit transforms on hand-made trajectories with exact values."""

from __future__ import annotations

import asyncio

import pytest

from rewardsmith.core import Sample, load


def call(name: str, arguments: str, call_id: str = "c") -> dict:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def assistant(*calls: dict, content: str | None = None) -> dict:
    message: dict = {"role": "assistant", "content": content}
    if calls:
        message["tool_calls"] = list(calls)
    return message


GOLD = [{"name": "book", "kwargs": {"flight": "HAT1", "bags": 2}}, {"name": "pay", "kwargs": {"amount": 250}}]


def test_actions_compare_json_string_arguments_as_values() -> None:
    trajectory = [
        assistant(call("book", '{"bags": 2.0, "flight": " HAT1"}', "a")),
        assistant(call("pay", '{"amount": 250.0}', "b")),
    ]
    assert load("agent.actions")(trajectory, reference=GOLD).value == 1.0


def test_extra_and_missing_calls_lower_the_value() -> None:
    trajectory = [
        assistant(call("book", '{"flight": "HAT1", "bags": 2}', "a")),
        assistant(call("refund", '{"amount": 250}', "b")),
    ]
    result = load("agent.actions")(trajectory, reference=GOLD)
    assert result.value == pytest.approx(1 / 3)  # 1 matched / (2 gold + 1 extra)
    assert result.details["missing"] == ["pay"] and result.details["extra"] == ["refund"]
    assert load({"type": "agent.actions", "extra_weight": 0.0})(trajectory, reference=GOLD).value == 0.5


def test_argument_mode_gives_partial_credit_and_ordered_mode_respects_order() -> None:
    wrong_bags = [
        assistant(call("book", '{"flight": "HAT1", "bags": 3}', "a")),
        assistant(call("pay", '{"amount": 250}', "b")),
    ]
    assert load({"type": "agent.actions", "match": "arguments"})(wrong_bags, reference=GOLD).value == pytest.approx(
        0.75
    )
    reversed_order = [
        assistant(call("pay", '{"amount": 250}', "b")),
        assistant(call("book", '{"flight": "HAT1", "bags": 2}', "a")),
    ]
    assert load("agent.actions")(reversed_order, reference=GOLD).value == 1.0
    assert load({"type": "agent.actions", "ordered": True})(reversed_order, reference=GOLD).value == pytest.approx(
        1 / 3
    )


def test_openai_shaped_reference_and_ignored_tools() -> None:
    gold = {"actions": [{"function": {"name": "pay", "arguments": '{"amount": 250}'}}]}
    trajectory = [assistant(call("get_user", "{}", "a")), assistant(call("pay", '{"amount": 250}', "b"))]
    assert load("agent.actions")(trajectory, reference=gold).value == 0.5
    assert load({"type": "agent.actions", "ignore": ["get_*"]})(trajectory, reference=gold).value == 1.0


def test_unreadable_references_and_completions_are_bad_input() -> None:
    trajectory = [assistant(call("pay", "{}"))]
    for reference in (None, "not json", [{"kwargs": {}}]):
        result = load("agent.actions")(trajectory, reference=reference)
        assert result.value is None and result.error_kind == "bad_input", reference
    assert load("agent.actions")("plain text", reference=GOLD).error_kind == "bad_input"


def test_outputs_follow_tau_bench_matching() -> None:
    trajectory = [assistant(content="Your total is $1,286.00 and the code is ABC.")]
    result = load({"type": "agent.outputs", "outputs": ["1286", "abc", "999"]})(trajectory)
    assert result.value == pytest.approx(2 / 3) and result.details["missing"] == ["999"]
    assert load({"type": "agent.outputs", "require": "all", "outputs": ["1286", "999"]})(trajectory).value == 0.0
    assert load("agent.outputs")(trajectory, reference={"outputs": []}).value == 1.0
    assert load("agent.outputs")(trajectory).error_kind == "bad_input"


def test_efficiency_budgets_and_repeats() -> None:
    same = call("search", '{"q": "x"}')
    trajectory = [assistant(same), assistant(same), assistant(content="one two three four")]
    result = load({"type": "agent.efficiency", "max_turns": 2, "max_words": 2, "repeat_penalty": 0.5})(trajectory)
    assert result.details["usage"] == {"tool_calls": 2, "turns": 3, "words": 4}
    assert result.value == pytest.approx(0.5 * (2 / 3) * 0.5)


def test_protocol_catches_unknown_tools_invalid_arguments_and_malformed_calls() -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "pay",
                "parameters": {"type": "object", "properties": {"amount": {"type": "number"}}, "required": ["amount"]},
            },
        }
    ]
    reward = load({"type": "agent.protocol", "tools": tools})
    assert reward([assistant(call("pay", '{"amount": 3}'))]).value == 1.0
    categories = {
        "unknown tool": [assistant(call("refund", "{}"))],
        "invalid arguments": [assistant(call("pay", '{"amount": "lots"}'))],
        "malformed call": [assistant(call("pay", "{amount: 3"))],
        "fabricated tool result": [assistant(content='<tool_response>{"ok": true}</tool_response>')],
    }
    for category, trajectory in categories.items():
        result = reward(trajectory)
        assert result.value == 0.0 and result.details["violations"][0]["category"] == category


def test_turns_each_applies_a_component_per_turn_and_credit_transforms_chain() -> None:
    trajectory = [
        assistant(content="<think>a</think>ok"),
        {"role": "user", "content": "and?"},
        assistant(content="no think"),
        assistant(content="<think>b</think>done"),
    ]
    each = {"type": "turns.each", "reward": {"type": "format.regex", "pattern": "<think>"}, "aggregate": "sum"}
    result = load(each)(trajectory)
    assert result.value == 2.0 and result.details["turns"] == [1.0, 0.0, 1.0]
    discounted = load({"type": "turns.discount", "reward": each, "gamma": 0.5})(trajectory)
    assert discounted.details["turns"] == [1.25, 0.5, 1.0] and discounted.value == 1.25
    outcome = {"type": "format.regex", "pattern": "done"}
    gated = load({"type": "turns.gate", "turns": each, "outcome": outcome, "threshold": 1.0})
    assert gated(trajectory).value == 3.0
    failing = [*trajectory[:-1], assistant(content="<think>b</think>gave up")]
    assert gated(failing).value == 0.0 and gated(failing).details["turns"] == [0.0, 0.0, 0.0]
    mixed = load({"type": "turns.mix", "turns": each, "outcome": outcome, "weight": 0.5})(trajectory)
    assert mixed.details["turns"] == [1.5, 0.5, 1.5] and mixed.value == pytest.approx(2 / 3 + 0.5)
    broadcast = load({"type": "turns.broadcast", "reward": outcome})(trajectory)
    assert broadcast.details["turns"] == [1.0, 1.0, 1.0]


def test_turns_each_sees_the_conversation_before_each_turn() -> None:
    trajectory = [assistant(content="first"), {"role": "user", "content": "second?"}, assistant(content="second")]
    reward = load({"type": "turns.each", "reward": {"type": "text.exact"}, "aggregate": "last"})
    sample = Sample(trajectory, reference="second")
    assert reward.score([sample])[0].details["turns"] == [0.0, 1.0]
    assert [r.value for r in asyncio.run(reward.ascore([sample]))] == [1.0]


def test_a_turn_error_names_the_turn() -> None:
    reward = load({"type": "turns.each", "reward": {"type": "text.exact"}})
    result = reward([assistant(content="a"), assistant(content="b")])  # no reference: text.exact errors
    assert result.value is None and result.error.startswith("turn 0: text.exact:")
    assert result.error_kind == "bad_input"
