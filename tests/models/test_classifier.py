"""model.classifier against plain transformers on the exact rendered text."""

from __future__ import annotations

import pickle
import sys

import pytest

from rewardsmith.core import ErrorKind, Sample, SpecError, load, spec_hash
from rewardsmith.models import engine
from rewardsmith.models.classifier import Classifier

from .conftest import torch

pytestmark = pytest.mark.models

CONVERSATIONS = [
    ("Tell me a story.", "Once upon a time, there was a little girl named Lily."),
    ("What did Tom do?", "Tom ran to the park. He saw a big dog and they played all day long in the sun."),
    ([{"role": "system", "content": "Be kind."}, {"role": "user", "content": "Hi"}], "Hello!"),
    ("Why?", "Because the sky was blue."),
]


def samples() -> list[Sample]:
    return [Sample(completion, prompt=prompt, id=f"c{i}") for i, (prompt, completion) in enumerate(CONVERSATIONS)]


def plain_logit(model, tokenizer, text: str, special: bool, keep: slice = slice(None)) -> float:
    ids = tokenizer(text, add_special_tokens=special)["input_ids"][keep]
    with torch.no_grad():
        return model(input_ids=torch.tensor([ids])).logits[0, 0].item()


def test_score_is_the_logit_of_plain_transformers_on_the_chat_template_text(classifier, load_plain):
    model, tokenizer = load_plain(classifier, "sequence")
    expected = []
    for prompt, completion in CONVERSATIONS:
        messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else list(prompt)
        text = tokenizer.apply_chat_template([*messages, {"role": "assistant", "content": completion}], tokenize=False)
        expected.append(plain_logit(model, tokenizer, text, special=False))
    results = Classifier(classifier).score(samples())
    assert [r.value for r in results] == pytest.approx(expected, abs=1e-5)
    assert len({round(v, 3) for v in expected}) == len(expected)  # the texts really score differently


def test_chat_template_none_reads_prompt_then_completion_as_plain_text(classifier, load_plain):
    model, tokenizer = load_plain(classifier, "sequence")
    result = Classifier(classifier, chat_template="none")("Lily was happy.", prompt="Story: ")
    expected = plain_logit(model, tokenizer, "Story: Lily was happy.", special=True)
    assert result.value == pytest.approx(expected, abs=1e-5)


def test_chat_template_file_is_used_instead_of_the_models_own(classifier, load_plain, tmp_path):
    template = tmp_path / "template.jinja"
    template.write_text("{% for m in messages %}[{{ m['role'] }}] {{ m['content'] }}\n{% endfor %}")
    model, tokenizer = load_plain(classifier, "sequence")
    result = Classifier(classifier, chat_template=str(template))("Lily was happy.", prompt="Hi")
    text = "[user] Hi\n[assistant] Lily was happy.\n"
    assert result.value == pytest.approx(plain_logit(model, tokenizer, text, special=False), abs=1e-5)


def test_auto_template_on_a_tokenizer_without_one_is_a_spec_error(classifier_no_template):
    with pytest.raises(SpecError, match=r"^chat_template: the model's tokenizer has no chat template"):
        load({"type": "model.classifier", "model": classifier_no_template})


def test_missing_template_file_and_missing_model_are_spec_errors(classifier, tmp_path):
    with pytest.raises(SpecError, match=r"^chat_template: .*is not a file"):
        load({"type": "model.classifier", "model": classifier, "chat_template": "nowhere.jinja"})
    absent = str(tmp_path / "absent")
    with pytest.raises(SpecError, match=rf"^model: cannot load a tokenizer from .*: no model folder at '{absent}'$"):
        load({"type": "model.classifier", "model": absent})


def test_a_base_model_without_a_trained_head_is_an_error_not_noise(tiny, tmp_path):
    """transformers would start the missing score head at random and only log it: every score
    would be noise that looks like a reward."""
    results = load({"type": "model.classifier", "model": tiny, "chat_template": "none"}).score(samples())
    assert all(r.value is None and r.error_kind == ErrorKind.DEPENDENCY for r in results)
    assert "has no trained sequence head: score.weight missing from the checkpoint" in results[0].error
    prm = load({"type": "model.prm", "model": tiny, "family": "head", "chat_template": "none", "step_tag": "\n"})
    result = prm.score([Sample("Tom has 3.\nHe gets 2, so 5.", prompt="How many?", id="p0")])[0]
    assert result.value is None and "has no trained token head" in result.error


def test_over_long_input_is_a_bad_input_error_naming_the_record(classifier):
    results = Classifier(classifier, max_length=12).score(samples())
    assert all(r.error_kind == ErrorKind.BAD_INPUT for r in results)
    assert results[1].error == "model.classifier: record 'c1': 64 tokens exceed max_length 12 (truncate: error)"


def test_left_truncation_keeps_the_last_tokens_and_right_the_first(classifier, load_plain):
    model, tokenizer = load_plain(classifier, "sequence")
    prompt, completion = CONVERSATIONS[1]
    text = tokenizer.apply_chat_template(
        [{"role": "user", "content": prompt}, {"role": "assistant", "content": completion}], tokenize=False
    )
    left = Classifier(classifier, max_length=12, truncate="left")(completion, prompt=prompt)
    right = Classifier(classifier, max_length=12, truncate="right")(completion, prompt=prompt)
    assert left.value == pytest.approx(plain_logit(model, tokenizer, text, False, slice(-12, None)), abs=1e-5)
    assert right.value == pytest.approx(plain_logit(model, tokenizer, text, False, slice(0, 12)), abs=1e-5)
    assert left.details == {"tokens": 12, "truncated_tokens": 52}


def test_score_does_not_depend_on_batch_neighbours_or_budget(classifier):
    many = [Sample("word " * n, prompt="p" * (n % 5), id=n) for n in range(1, 30, 2)]
    alone = [Classifier(classifier).score([s])[0].value for s in many]
    packed = [r.value for r in Classifier(classifier, batch_size=4, max_tokens=120).score(many)]
    one_batch = [r.value for r in Classifier(classifier, batch_size=64, max_tokens=None).score(many)]
    assert packed == alone  # bit for bit: each sample is computed at a width of its own
    assert one_batch == alone


def test_score_is_the_same_with_left_and_right_padding(classifier):
    reward = Classifier(classifier)
    sequences = [reward.prepare(s, "x").ids for s in samples()]
    loaded = reward.loaded()

    def scores(side: str) -> list[float]:
        return engine.run(loaded, sequences, engine.sequence_logits, lambda i, out: out[-1, 0].item(),
                          pad_id=0, batch_size=8, max_tokens=None, side=side)

    assert scores("left") == pytest.approx(scores("right"), abs=1e-5)


def test_a_named_head_of_a_multi_objective_model(multi_head):
    base = Classifier(multi_head, chat_template="none")("Lily was happy.")
    named = Classifier(multi_head, chat_template="none", label="concise")("Lily was happy.")
    assert named.value == base.details["logits"][2]
    assert base.value == base.details["logits"][0]
    with pytest.raises(SpecError, match=r"^label: unknown label 'safe' \(known: helpful, correct, concise\)"):
        load({"type": "model.classifier", "model": multi_head, "chat_template": "none", "label": "safe"})
    with pytest.raises(SpecError, match=r"^label_index: 3 is out of range for 3 labels"):
        load({"type": "model.classifier", "model": multi_head, "chat_template": "none", "label_index": 3})


def test_empty_completion_is_a_bad_input_error_not_a_score(classifier):
    result = Classifier(classifier)("", prompt="Hi")
    assert result.value is None and result.error_kind == ErrorKind.BAD_INPUT
    assert result.error == "model.classifier: record #0: empty completion"


def test_components_naming_one_model_share_it(classifier):
    first, second = Classifier(classifier), Classifier(classifier, truncate="left", batch_size=2)
    assert first.loaded() is second.loaded()


def test_device_and_dtype_are_runtime_parameters(classifier):
    base = Classifier(classifier)
    other = Classifier(classifier, device="cpu", dtype="bfloat16", batch_size=3, max_tokens=99)
    assert spec_hash(base) == spec_hash(other)
    assert spec_hash(base) != spec_hash(Classifier(classifier, truncate="left"))
    value, approx = base("Lily was happy.").value, other("Lily was happy.").value
    assert approx == pytest.approx(value, abs=0.1)  # bfloat16 rounds; the value is the same score


def test_pickled_component_scores_the_same(classifier):
    reward = Classifier(classifier)
    again = pickle.loads(pickle.dumps(reward))
    assert [r.value for r in again.score(samples())] == [r.value for r in reward.score(samples())]


def test_spec_round_trip(classifier):
    reward = load({"type": "model.classifier", "model": classifier, "truncate": "left", "max_length": 64})
    assert reward.get_params()["truncate"] == "left"
    assert reward("Lily was happy.").value == Classifier(classifier, truncate="left", max_length=64)(
        "Lily was happy."
    ).value


def test_missing_torch_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match=r"pip install 'rewardsmith\[models\]'") as caught:
        engine.require()
    assert caught.value.kind == "dependency"


def test_a_spec_naming_a_model_component_without_the_extra_is_refused_before_scoring(monkeypatch):
    monkeypatch.setitem(sys.modules, "transformers", None)  # as if the models extra were not installed
    with pytest.raises(SpecError, match=r"^type: model.prm needs the package 'transformers'.*rewardsmith\[models\]"):
        load({"type": "model.prm", "model": "any/model"})


def test_threads_scoring_at_once_share_one_model_and_agree(classifier):
    """verl's reward workers and the server's request threads call one process concurrently."""
    from concurrent.futures import ThreadPoolExecutor

    expected = [r.value for r in Classifier(classifier).score(samples())]
    with ThreadPoolExecutor(4) as pool:
        runs = list(pool.map(lambda _: [r.value for r in Classifier(classifier).score(samples())], range(8)))
    assert runs == [expected] * 8
