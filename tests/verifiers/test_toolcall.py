import json

import pytest

import rewardsmith
from rewardsmith.verifiers.toolcall import Call, ToolCallMatch, parse_calls

GOLD = [
    {"name": "search", "arguments": {"query": "weather Paris", "limit": 3}},
    {"name": "convert", "arguments": {"value": 20, "unit": "F"}},
]


def hermes(*calls):
    return "".join(f"<tool_call>{json.dumps(c)}</tool_call>" for c in calls)


def test_calls_parse_from_openai_messages_hermes_text_and_json_lists():
    openai = [{"role": "assistant", "content": None, "tool_calls": [
        {"type": "function", "function": {"name": "search", "arguments": '{"query": "x"}'}}]},
        {"role": "tool", "content": "result"}]
    expected = [Call("search", {"query": "x"})]
    assert parse_calls(openai) == expected
    assert parse_calls(hermes({"name": "search", "arguments": {"query": "x"}})) == expected
    assert parse_calls('[{"name": "search", "parameters": {"query": "x"}}]') == expected
    assert parse_calls("<tool_call>{oops}</tool_call>")[0].startswith("<tool_call> block is not JSON")


def test_exact_calls_earn_the_toolrl_maximum():
    result = ToolCallMatch()(hermes(*reversed(GOLD)), reference=GOLD)
    assert result.value == 4.0 and result.details["errors"] == []


def test_partial_credit_follows_the_toolrl_formula():
    predicted = [{"name": "search", "arguments": {"query": "weather Paris", "limit": 5}}]
    result = ToolCallMatch()(hermes(*predicted), reference=GOLD)
    # r_name = 1/2, r_param = 1, r_value = 1, S_max = 1 + 2 + 4
    assert result.details["r_name"] == 0.5
    assert result.value == pytest.approx(1 + 6 * 2.5 / 7 - 3, abs=1e-15)
    assert result.details["counts"] == {"wrong value": 1, "missing call": 1}


def test_error_categories_name_wrong_tool_extra_call_and_malformed_call():
    predicted = hermes(GOLD[0], GOLD[0], {"name": "delete", "arguments": {}}) + "<tool_call>{</tool_call>"
    result = ToolCallMatch()(predicted, reference=GOLD)
    assert result.details["counts"] == {"malformed call": 1, "missing call": 1, "extra call": 1, "wrong tool": 1}
    assert result.details["r_format"] == 0.0


def test_wrong_parameter_names_the_missing_and_unexpected_keys():
    predicted = [{"name": "convert", "arguments": {"value": 20, "units": "F"}}]
    result = ToolCallMatch(scale="unit")(json.dumps(predicted), reference=[GOLD[1]])
    assert result.details["errors"] == [
        {"category": "wrong parameter", "name": "convert", "missing": ["unit"], "unexpected": ["units"]}
    ]
    assert result.value == pytest.approx((1 + 1 / 3 + 1) / 4, abs=1e-15)


def test_no_calls_when_none_were_expected_is_full_credit_and_missing_reference_is_an_error():
    assert ToolCallMatch()("I can answer directly.", reference=[]).value == 4.0
    assert ToolCallMatch()("x").error == "no reference calls to compare with"


def test_toolcall_loads_from_spec():
    assert rewardsmith.load({"type": "toolcall.match", "scale": "unit"})(
        hermes(GOLD[1]), reference=json.dumps([GOLD[1]])
    ).value == 1.0
