"""OpenAI grader objects become the equivalent specs, and score like them."""

from __future__ import annotations

import json

import pytest

from rewardsmith.core import Sample, load
from rewardsmith.judges.graders import GraderError, from_openai_grader, load_grader

from .scripted import Reply, ScriptedServer, fenced

EXACT = {"type": "string_check", "name": "exact", "input": "{{sample.output_text}}",
         "reference": "{{item.answer}}", "operation": "eq"}


def test_string_check_eq_and_ne() -> None:
    spec, fields = from_openai_grader(EXACT)
    assert fields == {"reference": "answer"}
    equal, different = load(spec), load(from_openai_grader({**EXACT, "operation": "ne"})[0])
    samples = [Sample("Paris", reference="Paris"), Sample("paris", reference="Paris")]
    assert [r.value for r in equal.score(samples)] == [1.0, 0.0]
    assert [r.value for r in different.score(samples)] == [0.0, 1.0]


def test_text_similarity_maps_rouge_and_bleu() -> None:
    grader = {**EXACT, "type": "text_similarity", "evaluation_metric": "rouge_l", "pass_threshold": 0.5}
    assert from_openai_grader(grader)[0] == {"type": "text.rouge", "rouge_type": "rougeL"}
    assert from_openai_grader({**grader, "evaluation_metric": "bleu"})[0] == {"type": "text.bleu"}


def score_rule(body) -> Reply:
    content = body["messages"][-1]["content"]
    (text,) = fenced(body)
    reference = content.split("Reference: ", 1)[1].split("\n", 1)[0]
    return Reply([json.dumps({"steps": [], "result": 0.9 if text == reference else 0.1})])


def test_score_model_is_a_pointwise_judge_with_the_graders_messages(tmp_path) -> None:
    grader = {
        "type": "score_model", "name": "gpt", "model": "o4-mini", "range": [0, 1],
        "sampling_params": {"seed": 42, "temperature": 0.0, "max_completions_tokens": 256},
        "input": [
            {"role": "system", "content": "Grade the answer."},
            {"role": "user", "content": "Answer: {{sample.output_text}}\nReference: {{item.reference_answer}}\n"},
        ],
    }
    with ScriptedServer(score_rule) as server:
        path = tmp_path / "grader.json"
        path.write_text(json.dumps(grader))
        reward = load_grader(path, base_url=server.url, api_key_env=None)
        results = reward.score([Sample("Paris", extra={"reference_answer": "Paris"}),
                                Sample("Lyon", extra={"reference_answer": "Paris"})])
        body = server.requests[0][0]
    assert [r.value for r in results] == [0.9, 0.1]
    assert (body["model"], body["seed"], body["max_tokens"]) == ("o4-mini", 42, 256)
    assert body["messages"][0] == {"role": "system", "content": "Grade the answer."}
    assert body["messages"][1]["content"].endswith('Answer with a JSON object {"result": <a number from 0 to 1>}.')


def test_label_model_passes_on_a_passing_label() -> None:
    grader = {"type": "label_model", "name": "tone", "model": "m", "labels": ["polite", "rude", "neutral"],
              "passing_labels": ["polite", "neutral"],
              "input": [{"role": "user", "content": "Tone of: {{sample.output_text}}"}]}
    with ScriptedServer(lambda body: "rude" if "idiot" in fenced(body)[0] else "neutral") as server:
        spec, _ = from_openai_grader(grader, base_url=server.url, api_key_env=None)
        results = load(spec).score([Sample("Thanks."), Sample("You idiot.")])
    assert [r.value for r in results] == [1.0, 0.0]


def test_multi_is_a_weighted_sum_of_its_graders() -> None:
    grader = {"type": "multi", "name": "both", "calculate_output": "(3 * exact + rouge) / 4",
              "graders": {"exact": EXACT, "rouge": {**EXACT, "type": "text_similarity",
                                                    "evaluation_metric": "rouge_l"}}}
    spec, fields = from_openai_grader(grader)
    assert [term["weight"] for term in spec["terms"]] == [0.75, 0.25]
    assert fields == {"reference": "answer"}
    assert load(spec).score([Sample("the cat sat", reference="the cat sat")])[0].value == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("grader", "reason"),
    [
        ({"type": "python", "name": "py", "source": "def grade(sample, item): return 1"}, "grader type 'python'"),
        ({**EXACT, "operation": "ilike"}, "operation 'ilike' has no equivalent"),
        ({**EXACT, "type": "text_similarity", "evaluation_metric": "cosine"}, "metric 'cosine'"),
        ({**EXACT, "reference": "Paris"}, "reference must be {{item.<field>}}"),
        ({"type": "multi", "name": "m", "calculate_output": "exact * exact", "graders": {"exact": EXACT}},
         "not a weighted sum"),
    ],
)
def test_graders_without_an_equivalent_are_refused_with_the_reason(grader, reason) -> None:
    with pytest.raises(GraderError, match=reason.replace("(", r"\(").replace("{", r"\{").replace("}", r"\}")
                       .replace("*", r"\*").replace("'", "'")):
        from_openai_grader(grader)
