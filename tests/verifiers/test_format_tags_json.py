import json

import pytest

import rewardsmith
from rewardsmith.verifiers.format.json_schema import FormatJSON
from rewardsmith.verifiers.format.regex import FormatRegex
from rewardsmith.verifiers.format.tags import FormatTags

R1 = FormatTags()


@pytest.mark.parametrize(
    ("completion", "reason"),
    [
        ("<think>a</think><answer>b</answer>", None),
        ("  <think>a</think>\n\n<answer>b</answer>\n", None),
        ("<answer>b</answer><think>a</think>", "text outside the tags or tags out of order"),
        ("Sure! <think>a</think><answer>b</answer>", "text outside the tags or tags out of order"),
        ("<think>a</think><answer> </answer>", "empty <answer> block"),
        ("<think>a</think><think>b</think><answer>c</answer>", "<think> appears 2 times, expected once"),
        ("<think>a</think>", "<answer> appears 0 times, expected once"),
    ],
)
def test_r1_format_requires_one_non_empty_block_per_tag_in_order(completion, reason):
    result = R1(completion)
    assert result.value == (1.0 if reason is None else 0.0)
    assert result.details["reason"] == reason


def test_non_strict_allows_text_outside_the_tags():
    assert FormatTags(strict=False)("Sure! <think>a</think> ok <answer>b</answer> bye").value == 1.0


def test_think_opened_by_the_chat_template_is_recognised():
    prompt = [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "<think>\n"}]
    completion = "2+2 is 4</think><answer>4</answer>"
    assert R1(completion, prompt=prompt).value == 1.0
    assert R1(completion, prompt="2+2?").value == 0.0
    assert FormatTags(opened_in_prompt="always")(completion).value == 1.0
    assert FormatTags(opened_in_prompt="never")(completion, prompt="x <think>").value == 0.0


def test_custom_tags_and_value():
    reward = rewardsmith.load({"type": "format.tags", "tags": ["reasoning", "code"], "value": 0.5})
    assert reward("<reasoning>r</reasoning><code>c</code>").value == 0.5


def test_invalid_tag_name_is_a_spec_error():
    with pytest.raises(rewardsmith.SpecError, match="not valid tag names"):
        rewardsmith.load({"type": "format.tags", "tags": ["a b"]})


SCHEMA = {
    "type": "object",
    "required": ["name", "age"],
    "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0},
                   "tags": {"type": "array"}},
}


def test_json_parses_whole_fenced_or_embedded():
    reward = FormatJSON()
    assert reward('{"a": 1}').value == 1.0
    assert reward('Result:\n```json\n[1, 2]\n```').value == 1.0
    assert reward('The object is {"a": [1, 2]} as asked.').value == 1.0
    assert reward("{'a': 1}").value == 0.0
    assert FormatJSON(extract="whole")('The object is {"a": 1}').details["errors"][0].startswith("not JSON")


def test_json_schema_all_or_nothing_and_partial_credit():
    strict, partial = FormatJSON(json_schema=SCHEMA), FormatJSON(json_schema=SCHEMA, partial=True)
    good = json.dumps({"name": "Ada", "age": 36})
    assert strict(good).value == 1.0
    bad = json.dumps({"name": "Ada", "age": -1, "tags": "x"})
    assert strict(bad).value == 0.0
    assert partial(bad).value == pytest.approx(1 / 3, abs=1e-15)
    assert partial(json.dumps({"name": "Ada"})).value == pytest.approx(2 / 3, abs=1e-15)
    assert "age: -1 is less than the minimum of 0" in strict(bad).details["errors"]


def test_schema_from_a_file_and_invalid_schema(tmp_path):
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(SCHEMA))
    assert rewardsmith.load({"type": "format.json", "json_schema": str(path)})('{"name": "A", "age": 1}').value == 1.0
    with pytest.raises(rewardsmith.SpecError, match="not a valid JSON Schema"):
        rewardsmith.load({"type": "format.json", "json_schema": {"type": 12}})


def test_a_regex_that_backtracks_catastrophically_is_a_timeout_error_not_a_hang():
    """``(a+)+$`` on ``aaaa…!`` hangs Python's ``re`` (40 a's: minutes); a policy that learns such a
    completion must not stall training. Quick patterns still give their value."""
    import time

    from rewardsmith.core import ErrorKind

    started = time.monotonic()
    assert FormatRegex(r"(a+)+$")("a" * 40 + "!").value == 0.0
    result = FormatRegex(r"(x+x+)+y", timeout=0.2)("x" * 3000)
    assert result.value is None and result.error_kind == ErrorKind.TIMEOUT
    assert "did not finish within 0.2s" in result.error
    assert time.monotonic() - started < 10
    assert FormatRegex(r"(x+x+)+y", timeout=0.2)("xxy").value == 1.0
