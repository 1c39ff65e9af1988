"""``rewardsmith train rm`` on real data: HH-RLHF pairs on the tiny trained Llama backbone, CPU, no hub.

Asserts what is robust for a 260K-parameter model: the loss falls, training-set accuracy rises
above the untrained start, the folder loads as ``model.classifier`` and scores the held-out pairs
exactly as the last epoch's in-memory evaluation did, and the audit reads the same accuracy.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("trl")

from rewardsmith.core import Sample, load
from rewardsmith.core.errors import DataError
from rewardsmith.core.spec import to_spec
from rewardsmith.train.common import start_folder
from rewardsmith.train.data import read_pairs
from rewardsmith.train.rm import scored_accuracy, train_rm


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def hh(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The first 128 helpful-base test pairs to train on, the last 200 held out."""
    with gzip.open(shared_data / "hh_rlhf" / "helpful-base" / "test.jsonl.gz", "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    folder = tmp_path_factory.mktemp("hh")
    return _write(folder / "train.jsonl", rows[:128]), _write(folder / "eval.jsonl", rows[-200:])


@pytest.fixture(scope="module")
def base(shared_data: Path) -> str:
    return str(shared_data / "tiny_llama_stories260k" / "hf")


@pytest.fixture(scope="module")
def trained(hh: tuple[Path, Path], base: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("rm") / "model"
    result = train_rm(
        hh[0], base, out, eval_data=hh[1], epochs=2, learning_rate=1e-3, max_length=256, truncate="left",
        progress=False,
    )
    return out, result


def test_the_loss_falls_and_training_accuracy_rises_above_the_start(
    trained: tuple[Path, dict[str, Any]], hh: tuple[Path, Path], base: str, tmp_path: Path
) -> None:
    _, result = trained
    assert result["status"] == "done"
    losses = [h["loss"] for h in result["history"] if "loss" in h]
    quarter = len(losses) // 4
    assert sum(losses[-quarter:]) / quarter < sum(losses[:quarter]) / quarter
    start = tmp_path / "start"
    start_folder(base, start, "sequence", num_labels=1, seed=0)
    pairs = read_pairs(hh[0]).records
    before = scored_accuracy({"type": "model.classifier", "model": str(start), "max_length": 256,
                              "truncate": "left"}, pairs)
    assert result["metrics"]["train"]["accuracy"] > before["accuracy"]


def test_the_folder_loads_as_model_classifier_and_scores_like_the_last_epoch(
    trained: tuple[Path, dict[str, Any]],
) -> None:
    out, result = trained
    manifest = json.loads((out / "rewardsmith.json").read_text())
    assert manifest["status"] == "done"
    assert manifest["spec"] == {"type": "model.classifier", "model": str(out.resolve()), "max_length": 256,
                                "truncate": "left"}
    reward = load(manifest["spec"])
    assert reward.score([Sample("I can help with that.", "Help me.")])[0].value is not None
    epochs = [h for h in result["history"] if "eval_accuracy" in h]
    assert [h["epoch"] for h in epochs] == [1.0, 2.0]
    evaluation = result["metrics"]["eval"]
    assert evaluation["pairs"] == 199  # one held-out pair has chosen == rejected: counted bad, left out
    assert result["metrics"]["eval_bad_records"] == 1
    assert epochs[-1]["eval_accuracy"] == evaluation["accuracy"]
    low, high = evaluation["ci95"]
    assert 0 <= low < evaluation["accuracy"] < high <= 1
    audit = json.loads((out / "audit" / "report.json").read_text())
    assert audit["metrics"]["pairwise_accuracy"] == evaluation["accuracy"]
    report = (out / "report.html").read_text()
    assert "<svg" in report and "Evaluation after every epoch" in report


@pytest.mark.slow  # a second audit, through the CLI (make test-all and CI run it)
def test_the_folder_is_a_spec_wherever_it_is_copied_and_the_audit_reads_the_pairs_file(
    trained: tuple[Path, dict[str, Any]], hh: tuple[Path, Path], tmp_path: Path
) -> None:
    """``rewardsmith audit DIR EVAL`` on a copy of the folder: the manifest's spec loads the copy,
    and HH's chosen/rejected records become labelled pairs with the training run's accuracy."""
    import shutil

    out, result = trained
    copy = tmp_path / "moved"
    shutil.copytree(out, copy)
    assert to_spec(load(str(copy)))["model"] == str(copy.resolve())
    sample = [Sample("Sure, here is how.", "Human: help?")]
    assert load(str(copy / "rewardsmith.json")).score(sample)[0].value == load(str(out)).score(sample)[0].value
    report = tmp_path / "audit"
    done = subprocess.run([sys.executable, "-m", "rewardsmith", "audit", str(copy), str(hh[1]), "-o", str(report)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    metrics = json.loads((report / "report.json").read_text())["metrics"]
    evaluation = result["metrics"]["eval"]
    wins = round(evaluation["accuracy"] * evaluation["pairs"])
    assert metrics["pairwise_accuracy"] == pytest.approx(wins / 200)  # the chosen == rejected pair is a loss here


def test_bad_pairs_are_counted_with_file_and_line_and_stop_the_run(tmp_path: Path, base: str) -> None:
    good = {"prompt": "Say hi.", "chosen": "Hi there!", "rejected": "No."}
    lines = [
        json.dumps(good),
        json.dumps({**good, "rejected": "Hi there!"}),
        json.dumps({**good, "chosen": "  "}),
        json.dumps({"prompt": "x", "chosen": "y"}),
        "{not json",
        json.dumps({**good, "margin": "big"}),
    ]
    data = tmp_path / "pairs.jsonl"
    data.write_text("\n".join(lines) + "\n")
    loaded = read_pairs(data)
    assert len(loaded.records) == 1
    assert [where for where, _ in loaded.bad] == [f"pairs.jsonl:{n}" for n in (2, 3, 4, 5, 6)]
    assert "chosen equals rejected" in loaded.bad[0][1] and "an empty side" in loaded.bad[1][1]
    out = tmp_path / "out"
    with pytest.raises(DataError, match=r"5 of 6 records are bad .*pairs\.jsonl:2: chosen equals rejected"):
        train_rm(data, base, out, progress=False)
    assert not out.exists() or not any(out.iterdir())


def test_a_pair_longer_than_max_length_is_bad_unless_truncated(tmp_path: Path, base: str) -> None:
    rows = [{"prompt": "Once upon a time", "chosen": "the cat sat. " * (40 if i == 0 else 1) + str(i),
             "rejected": "a dog ran." + str(i)} for i in range(4)]
    data = _write(tmp_path / "pairs.jsonl", rows)
    out = tmp_path / "out"
    with pytest.raises(DataError, match=r"1 of 4 records are bad .*pairs\.jsonl:1: .*exceed max_length 64"):
        train_rm(data, base, out, max_length=64, max_bad=0.2, progress=False)
    assert not out.exists()  # a failed fresh run leaves the folder as it was: absent


def test_a_fresh_run_refuses_a_folder_that_is_not_empty(tmp_path: Path, base: str) -> None:
    data = _write(tmp_path / "pairs.jsonl", [{"prompt": "p", "chosen": "a b", "rejected": "c"}])
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(DataError, match="not empty"):
        train_rm(data, base, out, progress=False)
    assert (out / "keep.txt").read_text() == "mine"


@pytest.mark.slow
def test_ctrl_c_leaves_a_loadable_folder_and_resume_finishes(hh: tuple[Path, Path], base: str, tmp_path: Path) -> None:
    out = tmp_path / "model"
    command = [sys.executable, "-m", "rewardsmith", "train", "rm", str(hh[0]), "--base", base, "-o", str(out),
               "--max-length", "256", "--truncate", "left", "--epochs", "6", "--batch-size", "4"]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert process.stderr is not None
    seen = ""
    deadline = time.monotonic() + 120
    while "loss=" not in seen and time.monotonic() < deadline:
        seen += process.stderr.read(1)
    process.send_signal(signal.SIGINT)
    _, rest = process.communicate(timeout=120)
    assert process.returncode == 130, seen + rest
    manifest = json.loads((out / "rewardsmith.json").read_text())
    assert manifest["status"] == "interrupted"
    stopped_at = manifest["metrics"]["steps"]
    assert 0 < stopped_at < 6 * 32
    assert load(manifest["spec"]).score([Sample("hello", "Say hello.")])[0].value is not None
    finished = subprocess.run([*command, "--resume", "-q"], capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    manifest = json.loads((out / "rewardsmith.json").read_text())
    assert manifest["status"] == "done" and manifest["metrics"]["steps"] == 6 * 32
    other = _write(tmp_path / "other.jsonl", [{"prompt": "p", "chosen": "a b", "rejected": "c"}])
    refused = subprocess.run([*command[:5], str(other), *command[6:], "--resume"], capture_output=True, text=True)
    assert refused.returncode == 2 and "cannot resume" in refused.stderr
    refused = subprocess.run([*command, "--lr", "1e-2", "--resume"], capture_output=True, text=True)
    assert refused.returncode == 2 and "learning_rate 0.0001, now 0.01" in refused.stderr


def test_grpo_trainer_trains_a_policy_on_the_trained_reward_model(
    trained: tuple[Path, dict[str, Any]], base: str, tmp_path: Path
) -> None:
    """The last step of docs/train.md: trl's GRPOTrainer (CPU, the tiny Llama as the policy) with
    the folder as its reward through ``TRLReward``; the reward TRL logs is the one ``load`` gives."""
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import GRPOConfig, GRPOTrainer

    from rewardsmith.integrations.trl import TRLReward

    out, _ = trained
    reward = TRLReward(str(out), name="hh_rm")
    prompts = ["Human: How do I bake bread?\n\nAssistant:", "Human: Name a colour.\n\nAssistant:"]
    completions = [" Mix flour, water and yeast, knead, let it rise and bake.", " Blue."]
    direct = [r.value for r in load(str(out)).score([Sample(c, p) for p, c in zip(prompts, completions, strict=True)])]
    assert reward(prompts=prompts, completions=completions) == direct
    tokenizer = AutoTokenizer.from_pretrained(base)
    tokenizer.pad_token = tokenizer.eos_token
    policy = AutoModelForCausalLM.from_pretrained(base)
    args = GRPOConfig(
        output_dir=str(tmp_path), per_device_train_batch_size=4, num_generations=2, max_completion_length=16,
        max_steps=2, logging_steps=1, learning_rate=1e-4, report_to=[], save_strategy="no", use_cpu=True,
        bf16=False, seed=0,
    )
    trainer = GRPOTrainer(model=policy, reward_funcs=[reward], args=args, processing_class=tokenizer,
                          train_dataset=Dataset.from_dict({"prompt": prompts * 4}))
    trainer.train()
    logs = [entry for entry in trainer.state.log_history if "rewards/hh_rm/mean" in entry]
    assert trainer.state.global_step == 2 and len(logs) == 2
    for entry in logs:
        assert entry["hh_rm/errors"] == 0.0
        assert math.isfinite(entry["rewards/hh_rm/mean"])
