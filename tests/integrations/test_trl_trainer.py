"""A real trl==1.16.0 GRPOTrainer runs two steps with rewardsmith rewards (CPU, tiny random model).

The model is a randomly initialised LlamaConfig built here; the tokenizer is the real tiny llama
tokenizer read in place through the ``shared_data`` fixture. Nothing comes from a hub.
"""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("trl")

from rewardsmith.integrations.trl import AsyncTRLReward, TRLReward

from .faults import Raising

pytestmark = pytest.mark.models


@pytest.fixture
def tiny_model_and_tokenizer(shared_data):
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(shared_data / "tiny_llama_stories260k" / "hf", local_files_only=True)
    tokenizer.pad_token = tokenizer.eos_token
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=128,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    return LlamaForCausalLM(config), tokenizer


def test_grpo_trainer_runs_two_steps_with_sync_and_async_rewardsmith_rewards(tiny_model_and_tokenizer, tmp_path):
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    model, tokenizer = tiny_model_and_tokenizer
    dataset = Dataset.from_dict(
        {
            "prompt": ["Once upon a time", "The cat sat", "Lily went", "Tom saw"] * 2,
            "solution": ["a", "b", "c", "d"] * 2,
        }
    )
    has_e = TRLReward({"type": "format.regex", "pattern": "e"}, name="has_e")
    # Raising scores exact match with `solution`: random completions never equal one letter.
    picky = AsyncTRLReward(Raising(), name="picky")
    # Reads a column that does not exist: every record is an error, which TRL receives as None.
    unscored = TRLReward("text.exact", reference_column="missing", name="unscored")
    args = GRPOConfig(
        output_dir=str(tmp_path),
        per_device_train_batch_size=4,
        num_generations=2,
        max_completion_length=8,
        max_steps=2,
        logging_steps=1,
        learning_rate=1e-3,
        report_to=[],
        save_strategy="no",
        use_cpu=True,
        bf16=False,
        seed=0,
    )
    trainer = GRPOTrainer(
        model=model, reward_funcs=[has_e, picky, unscored], args=args, train_dataset=dataset, processing_class=tokenizer
    )
    trainer.train()
    logs = [entry for entry in trainer.state.log_history if "rewards/has_e/mean" in entry]
    assert trainer.state.global_step == 2
    assert len(logs) == 2
    for entry in logs:
        assert 0.0 <= entry["rewards/has_e/mean"] <= 1.0
        assert entry["rewards/picky/mean"] == 0.0
        assert entry["has_e/errors"] == 0.0
        assert entry["picky/errors"] == 0.0
        assert entry["unscored/errors"] == 4.0
        assert entry["rewards/unscored/mean"] is None  # TRL's nanmean of all-None, logged as null
