"""Selection on real data: Qwen2.5-Math best-of-8 figures, GSM8K best-of-4, pairs into TRL's DPO."""

from __future__ import annotations

import pytest

from rewardsmith import select
from rewardsmith.audit import Options, audit
from rewardsmith.core import Sample

from .real import gsm8k_rows, qwen_rows

PRED_SCORE = {"type": "field", "field": "pred_score"}


def test_best_of_8_with_stored_reward_model_scores_reproduces_qwen_rm_at_8(shared_data):
    selection = select.best_of(qwen_rows(shared_data), PRED_SCORE)
    summary = selection.report.as_dict()
    assert len(selection) == 100 and summary["records"] == 800 and summary["groups"] == 100
    assert summary["accuracy"] == 0.94  # published reward-model@8
    assert summary["label_mean_all"] == 0.91 and summary["pass_at_n"] == 0.96  # published pass@1, pass@8
    assert summary["dropped"] == {"not the best of its group": 700}


def test_best_of_8_reusing_an_already_scored_reward_gives_the_same_picks(shared_data):
    scored = select.best_of(qwen_rows(shared_data, reward_from="pred_score"))
    fresh = select.best_of(qwen_rows(shared_data), PRED_SCORE)
    assert [row["id"] for row in scored.rows] == [row["id"] for row in fresh.rows]
    assert scored.report.accuracy == 0.94


def test_majority_vote_on_extracted_answers_reproduces_qwen_majority_at_8(shared_data):
    selection = select.vote(qwen_rows(shared_data), "pred", PRED_SCORE)
    assert len(selection) == 100
    assert selection.report.accuracy == 0.93  # published majority@8


def test_majority_vote_keeps_the_answer_seen_first_on_a_tie_as_qwen_does():
    rows = [
        {"group": 0, "pred": "5", "reward": 0.1, "label": 0},
        {"group": 0, "pred": "4", "reward": 0.9, "label": 1},
        {"group": 0, "pred": "4", "reward": 0.2, "label": 1},
        {"group": 0, "pred": "5", "reward": 0.3, "label": 0},
    ]
    picked = select.vote(rows, "pred").rows
    assert [row["pred"] for row in picked] == ["5"]
    assert picked[0]["reward"] == 0.3  # the best-rewarded row of the winning answer
    weighted = select.vote(rows, "pred", weighted=True).rows
    assert [row["pred"] for row in weighted] == ["4"]  # 1.1 against 0.4


def test_best_of_4_with_math_answer_equals_the_audits_best_of_4_on_gsm8k(shared_data):
    rows = gsm8k_rows(shared_data)
    selection = select.best_of(rows, "math.answer")
    samples = [Sample.from_record({k: v for k, v in row.items() if k != "label"} | {"label": int(row["label"])})
               for row in rows]
    metrics = audit("math.answer", samples, Options(recheck=0))["metrics"]
    assert len(selection) == 1319 and selection.report.errors == 0
    assert selection.report.accuracy == metrics["bon_accuracy"] == 887 / 1319


def test_best_of_4_with_math_answer_on_the_first_200_gsm8k_problems(shared_data):
    rows = gsm8k_rows(shared_data, problems=200)
    selection = select.best_of(rows, "math.answer", n=4)
    groups_with_a_correct = sum(any(r["label"] for r in rows[4 * g: 4 * g + 4]) for g in range(200))
    assert selection.report.accuracy == groups_with_a_correct / 200
    assert selection.report.as_dict()["pass_at_n"] == groups_with_a_correct / 200


def test_pairs_from_gsm8k_groups_always_prefer_the_correct_solution(shared_data):
    rows = gsm8k_rows(shared_data, problems=100)
    selection = select.pairs(rows, "math.answer")
    summary = selection.report.as_dict()
    mixed = sum(1 for g in range(100) if 0 < sum(r["label"] for r in rows[4 * g: 4 * g + 4]) < 4)
    assert summary["kept"] == mixed  # one best-vs-worst pair per group with both a right and a wrong solution
    assert summary["accuracy"] == 1.0 and summary["pairs_with_different_labels"] == mixed
    assert all(pair["margin"] == 1.0 for pair in selection.rows)
    assert set(selection.rows[0]) == {"prompt", "chosen", "rejected", "margin"}


def test_pairs_pass_trls_dataset_format_checks(shared_data):
    trl_data = pytest.importorskip("trl.data_utils")
    pairs = select.pairs(gsm8k_rows(shared_data, problems=20), "math.answer").to_dataset()
    assert pairs.column_names == ["prompt", "chosen", "rejected", "margin"]
    assert not trl_data.is_conversational(pairs[0])
    chat = [dict(row, prompt=[{"role": "user", "content": row["prompt"]}]) for row in gsm8k_rows(shared_data, 20)]
    conversational = select.pairs(chat, "math.answer").to_dataset()
    assert trl_data.is_conversational(conversational[0])
    assert conversational[0]["chosen"][0]["role"] == "assistant"


@pytest.mark.slow
@pytest.mark.models
def test_trl_dpo_trainer_trains_one_step_on_the_pairs_with_the_tiny_llama(shared_data, tmp_path):
    pytest.importorskip("trl")
    torch = pytest.importorskip("torch")
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import DPOConfig, DPOTrainer

    pairs = select.pairs(gsm8k_rows(shared_data, problems=40), "math.answer").to_dataset()
    model_dir = shared_data / "tiny_llama_stories260k" / "hf"
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(model_dir)
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    config = DPOConfig(
        output_dir=str(tmp_path), max_steps=1, per_device_train_batch_size=4, max_length=256, report_to="none",
        logging_steps=1, save_strategy="no", use_cpu=True, learning_rate=1e-3, dataloader_num_workers=0,
    )
    trainer = DPOTrainer(model=model, args=config, train_dataset=pairs, processing_class=tokenizer)
    result = trainer.train()
    assert len(pairs) == 21 and result.global_step == 1
    assert result.training_loss == pytest.approx(0.6931, abs=1e-3)  # log 2: policy equals reference at step 1
    assert any(not torch.equal(before[name], p.detach()) for name, p in model.named_parameters())
