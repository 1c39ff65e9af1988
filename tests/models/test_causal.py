"""model.likelihood, model.implicit and model.self_certainty against the stored greedy reference
of the tiny Llama and against hand computations with plain transformers."""

from __future__ import annotations

import itertools
import json
import math

import pytest

from rewardsmith.core import ErrorKind, Sample, load
from rewardsmith.models.implicit import Implicit
from rewardsmith.models.likelihood import Likelihood
from rewardsmith.models.self_certainty import SelfCertainty

from .conftest import CHAT_TEMPLATE, torch

pytestmark = pytest.mark.models

STEPS = ["Tom had a red ball.", "He gave it to Lily.", "She was very happy and they played."]


@pytest.fixture(scope="module")
def greedy(shared_data) -> dict:
    return json.loads((shared_data / "tiny_llama_stories260k" / "reference" / "greedy_reference.json").read_text())


def log_probs(model, ids: list[int]):
    """log p(ids[i] | ids[<i]) for i ≥ 1, from one plain forward pass."""
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids])).logits[0]
    return torch.log_softmax(logits[:-1].double(), -1).gather(-1, torch.tensor(ids[1:])[:, None])[:, 0]


def test_likelihood_reproduces_the_stored_greedy_logprobs(tiny, greedy):
    result = Likelihood(tiny, chat_template="none")(greedy["text"])
    assert result.value == pytest.approx(-94.6835322898182, abs=1e-4)
    assert result.details["tokens"] == 200
    assert result.details["token_logprobs"] == pytest.approx(greedy["token_logprobs"], abs=1e-4)


def test_likelihood_of_the_reference_given_prompt_and_reasoning(tiny, load_plain):
    """VeriFree: log π(y* | x, z), the reference after the reasoning cut at the marker."""
    model, tokenizer = load_plain(tiny)
    reward = Likelihood(tiny, chat_template="none", target="reference", reasoning_until="Answer:",
                        reference_prefix=" ", reduce="mean")
    sample = Sample("Lily had a cat. Answer: a dog, I think", prompt="What did Lily have? ", reference="a cat")
    context = "What did Lily have? Lily had a cat. Answer: "
    full = tokenizer(context + "a cat")["input_ids"]
    start = len(tokenizer(context.rstrip())["input_ids"])  # "▁a" carries the space: it starts the target
    expected = log_probs(model, full)[start - 1:]
    result = reward.score([sample])[0]
    assert result.details["token_logprobs"] == pytest.approx(expected.tolist(), abs=1e-5)
    assert result.value == pytest.approx(expected.mean().item(), abs=1e-5)
    summed = Likelihood(tiny, chat_template="none", target="reference", reasoning_until="Answer:",
                        reference_prefix=" ", reduce="min").score([sample])[0]
    assert summed.value == pytest.approx(expected.min().item(), abs=1e-5)


def test_likelihood_errors_are_bad_input(tiny):
    reward = Likelihood(tiny, chat_template="none", target="reference", reasoning_until="Answer:")
    results = reward.score([Sample("no marker", reference="x", id=7), Sample("Answer: it", id=8)])
    assert [r.error for r in results] == [
        "model.likelihood: record 7: the completion has no 'Answer:' to end its reasoning",
        "model.likelihood: record 8: no reference text to score",
    ]
    assert {r.error_kind for r in results} == {ErrorKind.BAD_INPUT}
    assert Likelihood(tiny, chat_template="none")("").error == "model.likelihood: record #0: empty target text"


def test_likelihood_with_a_chat_template_conditions_on_the_generation_prompt(tiny, load_plain, tmp_path):
    template = tmp_path / "chat.jinja"
    template.write_text(CHAT_TEMPLATE)
    model, tokenizer = load_plain(tiny)
    context = "<s><|user|>\nHi\n<|assistant|>\n"
    full = tokenizer(context + "Lily was happy.", add_special_tokens=False)["input_ids"]
    start = len(tokenizer(context, add_special_tokens=False)["input_ids"])
    result = Likelihood(tiny, chat_template=str(template))("Lily was happy.", prompt="Hi")
    assert result.value == pytest.approx(log_probs(model, full)[start - 1:].sum().item(), abs=1e-5)


def test_likelihood_left_truncation_drops_the_oldest_context(tiny, greedy, load_plain):
    model, _ = load_plain(tiny)
    ids = greedy["token_ids"]
    result = Likelihood(tiny, chat_template="none", max_length=64, truncate="left")(greedy["text"])
    assert result.details["truncated_tokens"] == len(ids) - 64
    assert result.details["token_logprobs"] == pytest.approx(log_probs(model, ids[-64:]).tolist(), abs=1e-5)
    over = Likelihood(tiny, chat_template="none", max_length=64)(greedy["text"])
    assert over.error_kind == ErrorKind.BAD_INPUT and "201 tokens exceed max_length 64" in over.error


def test_likelihood_is_the_same_batched_and_alone(tiny, greedy):
    words = greedy["text"].split()
    many = [Sample(" ".join(words[i:i + 3 + i % 17]), prompt=" ".join(words[:i % 4])) for i in range(0, 40, 3)]
    reward = Likelihood(tiny, chat_template="none", batch_size=3, max_tokens=60)
    alone = [reward.score([s])[0].value for s in many]
    assert [r.value for r in reward.score(many)] == alone


def test_implicit_reward_of_a_model_against_itself_is_zero(tiny):
    reward = Implicit(tiny, tiny, chat_template="none", granularity="step")
    result = reward("\n\n".join(STEPS), prompt="Story:")
    assert result.value == 0.0
    assert result.details["step_scores"] == [0.0, 0.0, 0.0]


def test_implicit_step_reward_is_beta_log_ratio_summed_over_the_steps_tokens(tiny, policy, load_plain):
    """Free Process Rewards: r_t = β Σ_{i in step t} log π(y_i)/π_ref(y_i), checked by hand."""
    pi, tokenizer = load_plain(policy)
    ref, _ = load_plain(tiny)
    prompt, completion = "Story:", "\n\n".join(STEPS)
    full = tokenizer(prompt + completion)["input_ids"]
    ratio = 0.1 * (log_probs(pi, full) - log_probs(ref, full))
    # token counts of the growing prefixes give each step's tokens, without character offsets
    bounds = [len(tokenizer(prompt)["input_ids"])]
    bounds += [len(tokenizer(prompt + "\n\n".join(STEPS[:k + 1]) + "\n\n")["input_ids"]) for k in range(2)]
    bounds.append(len(full))
    expected = [ratio[a - 1:b - 1].sum().item() for a, b in itertools.pairwise(bounds)]
    result = Implicit(policy, tiny, beta=0.1, chat_template="none", granularity="step")(completion, prompt=prompt)
    assert result.details["step_scores"] == pytest.approx(expected, abs=1e-5)
    assert result.value == pytest.approx(ratio[bounds[0] - 1:].sum().item(), abs=1e-5)
    assert min(abs(v) for v in expected) > 1e-3  # the perturbed policy really differs per step


def test_implicit_token_rewards_sum_to_the_sequence_reward(tiny, policy):
    reward = Implicit(policy, tiny, chat_template="none", granularity="token")
    result = reward("Lily was happy.", prompt="Story:")
    assert sum(result.details["token_rewards"]) == pytest.approx(result.value, abs=1e-9)
    assert len(result.details["token_rewards"]) == result.details["tokens"]


def test_implicit_steps_from_the_record_compose_with_steps_aggregate(tiny, policy):
    spec = {"type": "steps.aggregate", "method": "min",
            "reward": {"type": "model.implicit", "model": policy, "ref_model": tiny, "chat_template": "none",
                       "granularity": "step"}}
    from_record = load(spec)("", prompt="Story:", steps=STEPS)
    from_text = Implicit(policy, tiny, chat_template="none", granularity="step")("\n\n".join(STEPS), prompt="Story:")
    assert from_record.value == pytest.approx(min(from_text.details["step_scores"]), abs=1e-9)


def test_self_certainty_is_the_mean_kl_from_uniform_computed_by_hand(tiny, load_plain):
    """INTUITOR / Kang et al.: SC = −1/(nV) Σ_i Σ_j log(V · p(j | x, y_<i))."""
    model, tokenizer = load_plain(tiny)
    prompt, completion = "Story:", "Lily was happy."
    full = tokenizer(prompt + completion)["input_ids"]
    start = len(tokenizer(prompt)["input_ids"])
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([full])).logits[0, start - 1:-1].double()
    p = torch.softmax(logits, -1)
    V, n = p.shape[-1], p.shape[0]
    expected = -(torch.log(V * p)).sum().item() / (n * V)
    entropy = -(p * torch.log(p)).sum(-1).mean().item()
    result = SelfCertainty(tiny, chat_template="none")(completion, prompt=prompt)
    assert result.value == pytest.approx(expected, abs=1e-4)
    assert len(result.details["token_values"]) == n
    assert SelfCertainty(tiny, chat_template="none", measure="entropy")(completion, prompt=prompt).value == (
        pytest.approx(entropy, abs=1e-4)
    )
    assert expected > 0 and math.isfinite(expected)


def test_self_certainty_is_the_same_batched_and_alone(tiny, greedy):
    words = greedy["text"].split()
    many = [Sample(" ".join(words[i:i + 2 + i % 13]), prompt="Story:") for i in range(0, 30, 2)]
    reward = SelfCertainty(tiny, chat_template="none", batch_size=4)
    alone = [reward.score([s])[0].value for s in many]
    assert [r.value for r in reward.score(many)] == alone
