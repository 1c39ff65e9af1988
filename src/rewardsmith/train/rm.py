"""``rewardsmith train rm``: a Bradley-Terry reward model through TRL's ``RewardTrainer``.

Loss (Ouyang et al. 2022), with the Llama 2 report's margin and InternLM2's reward centring as
options (Touvron et al. 2023; Cai et al. 2024):

    L = −log σ(r(x, y_c) − r(x, y_r) − m) + η · (r(x, y_c) + r(x, y_r))²

with m the record's ``margin`` (0 for a record without one; only with ``margin=True``) and η
``center_rewards``. Pairs are tokenised by ``model.classifier``'s own ``prepare`` on the starting
folder, so the model is trained on exactly the tokens it is later scored on; TRL does the
optimisation, unchanged.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from rewardsmith.models.text import Truncate

from .common import check_paths, require, start_folder, wilson, write_manifest
from .data import Loaded, Pair, read_checked, read_pairs
from .report import write_report


def _tokenised(classifier: Any, loaded: Loaded, max_length: int, margin: bool) -> list[dict[str, Any]]:
    """Token ids of every pair as ``model.classifier`` reads them; a pair that does not fit, or
    whose prompt alone fills ``max_length``, moves to ``loaded.bad``."""
    from rewardsmith.models.text import BadInput, tokenize

    rows, kept = [], []
    with_margin = margin and any(pair.margin is not None for pair in loaded.records)
    for pair in loaded.records:
        chosen, rejected = pair.samples()
        prompt = chosen.prompt_text
        if prompt and len(tokenize(classifier.tokenizer, prompt, special=False).ids) >= max_length:
            loaded.bad.append((pair.where, f"the prompt is longer than --max-length {max_length}"))
            continue
        try:
            row: dict[str, Any] = {
                "chosen_ids": classifier.prepare(chosen, pair.where).ids,
                "rejected_ids": classifier.prepare(rejected, pair.where).ids,
            }
        except BadInput as exc:
            loaded.bad.append((pair.where, str(exc).removeprefix(f"{pair.where}: ")))
            continue
        if row["chosen_ids"] == row["rejected_ids"]:
            loaded.bad.append((pair.where, "chosen and rejected are the same tokens after truncation"))
            continue
        if with_margin:
            row["margin"] = pair.margin or 0.0
        rows.append(row)
        kept.append(pair)
    loaded.records = kept
    return rows


def pair_accuracy(loaded_model: Any, rows: list[dict[str, Any]], pad_id: int) -> dict[str, float]:
    """Share of pairs whose chosen side scores strictly higher, read as ``model.classifier`` reads."""
    from rewardsmith.models import engine

    sequences = [row["chosen_ids"] for row in rows] + [row["rejected_ids"] for row in rows]
    scores = engine.run(
        loaded_model, sequences, engine.sequence_logits, lambda _, output: float(output[-1, 0]),
        pad_id=pad_id, batch_size=32, max_tokens=16384,
    )
    n = len(rows)
    wins = sum(1 for i in range(n) if scores[i] > scores[n + i])
    return {"accuracy": wins / n if n else 0.0}


def scored_accuracy(spec: dict[str, Any], pairs: list[Pair]) -> dict[str, Any]:
    """Pairwise accuracy of the saved folder loaded from its ``spec``, with a 95 % Wilson interval."""
    from rewardsmith.core import load

    samples = [s for pair in pairs for s in pair.samples()]
    values = [r.value for r in load(spec).score(samples)]
    wins = 0
    for chosen, rejected in zip(values[::2], values[1::2], strict=True):
        wins += chosen is not None and rejected is not None and chosen > rejected
    low, high = wilson(wins, len(pairs))
    return {"pairs": len(pairs), "accuracy": wins / len(pairs) if pairs else 0.0, "ci95": [low, high]}


def _audit(spec: dict[str, Any], pairs: list[Pair]) -> dict[str, Any]:
    """The audit of the saved model on the evaluation pairs (its pairwise preference section)."""
    from rewardsmith.audit import Options, audit
    from rewardsmith.core import Sample, load

    samples = []
    for index, pair in enumerate(pairs):
        samples.append(Sample(pair.chosen, pair.prompt, group=f"pair{index}", label=1, id=f"{pair.where}:chosen"))
        samples.append(Sample(pair.rejected, pair.prompt, group=f"pair{index}", label=0, id=f"{pair.where}:rejected"))
    return audit(load(spec), samples, Options(recheck=0, batch_size=32))


def train_rm(
    data: str | Path,
    base: str,
    out: str | Path,
    eval_data: str | Path | None = None,
    epochs: float = 1.0,
    learning_rate: float = 1e-4,
    batch_size: int = 8,
    max_length: int = 512,
    truncate: Truncate = "error",
    margin: bool = True,
    center_rewards: float | None = None,
    max_bad: float = 0.05,
    resume: bool = False,
    seed: int = 0,
    progress: bool = True,
) -> dict[str, Any]:
    """Train, save the folder (model, tokenizer, ``rewardsmith.json``, ``report.html``) and return
    its manifest; ``status`` is ``interrupted`` when Ctrl-C stopped it (the folder still loads)."""
    from rewardsmith.models.engine import no_hub_bars

    check_paths(base, Path(out))
    with no_hub_bars():
        return _train(
            data, base, out, eval_data, epochs, learning_rate, batch_size, max_length, truncate, margin,
            center_rewards, max_bad, resume, seed, progress,
        )


def _train(
    data: str | Path, base: str, out: str | Path, eval_data: str | Path | None, epochs: float,
    learning_rate: float, batch_size: int, max_length: int, truncate: Truncate, margin: bool,
    center_rewards: float | None, max_bad: float, resume: bool, seed: int, progress: bool,
) -> dict[str, Any]:
    out = Path(out)
    loaded, evaluation = read_checked(read_pairs, data, eval_data, max_bad)
    torch, transformers, trl = require()
    import datasets

    from rewardsmith.models.classifier import Classifier

    from .loop import EpochMetrics, Stop, fresh_folder, history_of, quiet_trainer, start_or_resume

    run = {
        "command": "train rm", "data_sha256": loaded.digest, "base": base, "epochs": epochs,
        "learning_rate": learning_rate, "batch_size": batch_size, "max_length": max_length, "truncate": truncate,
        "margin": margin, "center_rewards": center_rewards, "seed": seed,
    }
    existed = out.exists()
    checkpoint = start_or_resume(out, run, resume)
    with fresh_folder(out, not resume, existed):
        if not (out / "config.json").is_file():
            start_folder(base, out, "sequence", num_labels=1, seed=seed)
        classifier = Classifier(str(out), max_length=max_length, truncate=truncate)
        rows = _tokenised(classifier, loaded, max_length, margin)
        loaded.check(max_bad, str(data))
        eval_rows = _tokenised(classifier, evaluation, max_length, False) if evaluation is not None else []
        if evaluation is not None:
            evaluation.check(max_bad, str(eval_data))
    model = transformers.AutoModelForSequenceClassification.from_pretrained(out)
    tokenizer = transformers.AutoTokenizer.from_pretrained(out)
    # TRL's default gradient_checkpointing=True: names transformers is renaming (FutureWarning noise)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*gradient_checkpointing.*", category=FutureWarning)
        args = trl.RewardConfig(
            output_dir=str(out / "checkpoints"),
            num_train_epochs=epochs,
            learning_rate=learning_rate,
            per_device_train_batch_size=batch_size,
            logging_steps=1,
            save_strategy="epoch",
            save_total_limit=1,
            report_to=[],
            seed=seed,
            use_cpu=not torch.cuda.is_available(),
            center_rewards_coefficient=center_rewards,
            max_length=None,
            disable_tqdm=True,
        )
        trainer = trl.RewardTrainer(
            model=model, args=args, train_dataset=datasets.Dataset.from_list(rows), processing_class=tokenizer
        )
        stop = Stop()
        quiet_trainer(trainer, stop, progress)
        if eval_rows:
            trainer.add_callback(EpochMetrics(lambda m: pair_accuracy(m, eval_rows, tokenizer.pad_token_id)))
        with stop.on_interrupt():
            trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    trainer.save_model(str(out))
    tokenizer.save_pretrained(out)
    history = history_of(trainer.state.log_history)
    spec: dict[str, Any] = {"type": "model.classifier", "model": str(out.resolve()), "max_length": max_length}
    if truncate != "error":
        spec["truncate"] = truncate
    metrics: dict[str, Any] = {
        "train_pairs": len(rows), "bad_records": len(loaded.bad), "steps": trainer.state.global_step,
    }
    if stop.requested:
        manifest = write_manifest(out, spec, loaded.digest, metrics, history, status="interrupted")
        return {"status": "interrupted", "manifest": str(manifest), "spec": spec, "metrics": metrics,
                "history": history, "bad": loaded.bad}
    audit: dict[str, Any] | None = None
    metrics["train"] = scored_accuracy(spec, loaded.records[:256])
    if evaluation is not None and evaluation.records:
        metrics["eval"] = scored_accuracy(spec, evaluation.records)
        metrics["eval_bad_records"] = len(evaluation.bad)
        audit = _audit(spec, evaluation.records)
    manifest = write_manifest(out, spec, loaded.digest, metrics, history)
    write_report(out, "reward model", spec, metrics, history, loaded.bad, audit)
    return {"status": "done", "manifest": str(manifest), "spec": spec, "metrics": metrics,
            "history": history, "bad": loaded.bad}
