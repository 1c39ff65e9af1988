"""model.prm, both families, against the model cards' own recipes written with plain transformers."""

from __future__ import annotations

import gzip
import json

import pytest

from rewardsmith.audit.process import earliest_error, earliest_error_f1, search_threshold
from rewardsmith.core import ErrorKind, Sample, SpecError, load
from rewardsmith.models.prm import ProcessRewardModel

from .conftest import torch

pytestmark = pytest.mark.models

QUESTION = "Tom has 3 balls and gets 2 more. How many balls?"
STEPS = ["Tom starts with 3 balls.", "He gets 2 more, so 3 + 2 = 5.", "The answer is 5."]


def test_head_family_reads_the_second_label_probability_at_each_separator(prm_head, load_plain):
    """Qwen2.5-Math-PRM's card: softmax of the logits at every <extra_0>, column 1."""
    model, tokenizer = load_plain(prm_head, "token")
    solution = "<extra_0>".join(STEPS) + "<extra_0>"
    messages = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": solution}]
    ids = tokenizer(tokenizer.apply_chat_template(messages, tokenize=False), add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids])).logits[0]
    mask = torch.tensor(ids) == tokenizer.convert_tokens_to_ids("<extra_0>")
    expected = torch.softmax(logits[mask], -1)[:, 1].tolist()
    result = ProcessRewardModel(prm_head)("\n\n".join(STEPS), prompt=QUESTION)
    assert result.details["step_scores"] == pytest.approx(expected, abs=1e-5)
    assert result.value == pytest.approx(min(expected), abs=1e-5)
    assert len(set(round(v, 4) for v in expected)) == 3


def test_token_family_is_math_shepherds_good_token_probability_at_the_tag(tiny, load_plain):
    """Math-Shepherd's card: softmax over the '+' / '-' logits where the step tag sits."""
    model, tokenizer = load_plain(tiny)
    text = QUESTION + " " + "\n".join(step + " ки" for step in STEPS)
    ids = tokenizer(text)["input_ids"]
    tag = tokenizer(" ки", add_special_tokens=False)["input_ids"][-1]
    good, bad = tokenizer.convert_tokens_to_ids("+"), tokenizer.convert_tokens_to_ids("-")
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids])).logits[0][:, [good, bad]]
    expected = logits.softmax(-1)[:, 0][torch.tensor(ids) == tag].tolist()
    reward = ProcessRewardModel(tiny, chat_template="none", aggregate="product")
    result = reward("\n\n".join(STEPS), prompt=QUESTION)
    assert reward.get_params()["family"] == "auto" and reward.task == "causal"  # picked from LlamaForCausalLM
    assert result.details["step_scores"] == pytest.approx(expected, abs=1e-5)
    assert result.value == pytest.approx(expected[0] * expected[1] * expected[2], rel=1e-5)


def test_steps_come_from_the_record_when_it_has_them(prm_head):
    reward = ProcessRewardModel(prm_head)
    from_record = reward.score([Sample("", prompt=QUESTION, extra={"steps": STEPS})])[0]
    from_text = reward.score([Sample("\n\n".join(STEPS), prompt=QUESTION)])[0]
    assert from_record.details["step_scores"] == pytest.approx(from_text.details["step_scores"], abs=1e-6)


def test_step_scores_compose_with_steps_transforms(prm_head):
    inner = {"type": "model.prm", "model": prm_head}
    steps = ProcessRewardModel(prm_head)("\n\n".join(STEPS), prompt=QUESTION).details["step_scores"]
    last = load({"type": "steps.aggregate", "method": "last", "reward": inner})("\n\n".join(STEPS), prompt=QUESTION)
    delta = load({"type": "steps.delta", "reward": inner})("\n\n".join(STEPS), prompt=QUESTION)
    assert last.value == pytest.approx(steps[-1], abs=1e-9)
    assert delta.value == pytest.approx(steps[0], abs=1e-9)


def test_scores_do_not_depend_on_batch_neighbours(prm_head):
    many = [Sample("\n\n".join(STEPS[: 1 + i % 3]) + " " * i, prompt=QUESTION[: 10 + 3 * i]) for i in range(9)]
    reward = ProcessRewardModel(prm_head, batch_size=2, max_tokens=150)
    alone = [reward.score([s])[0].details["step_scores"] for s in many]
    together = [r.details["step_scores"] for r in reward.score(many)]
    assert together == alone


def test_no_steps_and_cut_tags_are_bad_input(prm_head):
    reward = ProcessRewardModel(prm_head, max_length=16, truncate="right")
    results = reward.score([Sample("  \n\n ", prompt="q", id="a"), Sample("\n\n".join(STEPS), prompt=QUESTION, id="b")])
    assert [r.error_kind for r in results] == [ErrorKind.BAD_INPUT, ErrorKind.BAD_INPUT]
    assert results[0].error == "model.prm: record 'a': no steps to score (empty completion)"
    assert results[1].error == "model.prm: record 'b': a step tag falls outside max_length 16 after truncation"


def test_a_good_token_that_is_not_one_token_is_a_spec_error(tiny):
    with pytest.raises(SpecError, match=r"^good_token: 'correct' is not one token"):
        load({"type": "model.prm", "model": tiny, "chat_template": "none", "good_token": "correct"})


def test_processbench_earliest_error_f1_computes_from_prm_step_scores(tiny, shared_data):
    """Pipeline check on real ProcessBench solutions: the metric computes from the component's
    step scores, and solutions beyond the model's 512 tokens are bad-input errors, not scores.
    The 260K-parameter story model is no PRM; no accuracy is claimed."""
    records = json.loads((shared_data / "processbench" / "gsm8k.json").read_text())[:60]
    reward = ProcessRewardModel(tiny, chat_template="none")
    results = reward.score([Sample("", prompt=r["problem"], extra={"steps": r["steps"]}) for r in records])
    pairs = zip(records, results, strict=True)
    scored = [(r["label"], res.details["step_scores"]) for r, res in pairs if res.error is None]
    errors = [res for res in results if res.error is not None]
    assert all(e.error_kind == ErrorKind.BAD_INPUT and "exceed max_length 512" in e.error for e in errors)
    assert len(scored) >= 5
    assert all(len(steps) == len(r["steps"]) for r, res in zip(records, results, strict=True)
               if res.error is None for steps in [res.details["step_scores"]])
    labels, scores = [label for label, _ in scored], [steps for _, steps in scored]
    searched = search_threshold(labels, scores)
    fixed = earliest_error_f1(labels, [earliest_error(s, 0.5) for s in scores])
    assert 0.0 <= searched["f1"] <= 1.0 and fixed["n_erroneous"] + fixed["n_correct"] == len(scored)


def test_rewardbench_math_pairs_accuracy_computes_from_prm_values(tiny, shared_data):
    """Pipeline check on RewardBench math-prm pairs (chosen vs rejected steps): accuracy = share
    of pairs with value(chosen) > value(rejected). No accuracy is claimed for the tiny model."""
    with gzip.open(shared_data / "rewardmath" / "rewardbench_math_prm_pairs.jsonl.gz", "rt") as handle:
        pairs = [json.loads(line) for _, line in zip(range(20), handle, strict=False)]
    reward = ProcessRewardModel(tiny, chat_template="none")
    samples = [Sample("", prompt=p["problem"], extra={"steps": p[key]}) for p in pairs
               for key in ("chosen_steps", "rejected_steps")]
    values = [r.value for r in reward.score(samples)]
    both = [(values[2 * i], values[2 * i + 1]) for i in range(len(pairs)) if None not in values[2 * i:2 * i + 2]]
    assert len(both) >= 2  # most pairs exceed the tiny model's 512 tokens: those are errors, not scores
    accuracy = sum(chosen > rejected for chosen, rejected in both) / len(both)
    assert 0.0 <= accuracy <= 1.0
