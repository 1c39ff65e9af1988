"""``rewardsmith train prm``: a process reward model, a token-classification head read at a tag
after every reasoning step, trained with transformers' ``Trainer``.

Loss (Qwen2.5-Math-PRM, *The Lessons of Developing Process Reward Models in Mathematical
Reasoning*, Zhang et al. 2025): cross-entropy over the two labels (``bad`` 0, ``good`` 1) of the
head at each step tag ``<extra_0>``,

    L = −Σ_t log p(y_t | x, s_≤t),    p(· | x, s_≤t) = softmax(W h_{tag_t}),

summed over the labelled tags only. Labels are a 0/1 per step (Math-Shepherd, Wang et al. 2024),
or ProcessBench's earliest wrong step (*ProcessBench: Identifying Process Errors in Mathematical
Reasoning*, Zheng et al. 2024): the steps before it are good, it is bad, and the steps after it
are left out of the loss (whether they are right is not known). Solutions are tokenised by
``model.prm``'s own ``prepare`` on the starting folder, so the model is trained on exactly the
tokens and tag positions it is later scored on; the saved folder loads as ``model.prm`` with no
other parameter (family ``head``, tag ``<extra_0>``, ``label_index`` 1 = good).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from rewardsmith.models.text import Truncate

from .common import check_paths, require, start_folder, write_manifest
from .data import Loaded, Solution, read_checked, read_solutions
from .report import write_report

#: The step tag the head is read at (Qwen2.5-Math-PRM's), added to the tokenizer as a special token.
STEP_TAG = "<extra_0>"
#: Below this p(good), a step counts as wrong (ProcessBench's fixed-threshold prediction).
THRESHOLD = 0.5


def _tokenised(prm: Any, loaded: Loaded, max_length: int) -> list[dict[str, Any]]:
    """Token ids, tag positions and per-token labels (−100: not in the loss) of every solution as
    ``model.prm`` reads it; a solution that does not fit, or whose prompt alone fills
    ``max_length``, moves to ``loaded.bad``."""
    from rewardsmith.models.text import BadInput, tokenize

    rows, kept = [], []
    for solution in loaded.records:
        sample = solution.sample()
        prompt = sample.prompt_text
        if prompt and len(tokenize(prm.tokenizer, prompt, special=False).ids) >= max_length:
            loaded.bad.append((solution.where, f"the prompt is longer than --max-length {max_length}"))
            continue
        try:
            item = prm.prepare(sample, solution.where)
        except BadInput as exc:
            loaded.bad.append((solution.where, str(exc).removeprefix(f"{solution.where}: ")))
            continue
        if len(item.positions) != len(solution.labels):
            loaded.bad.append((solution.where, f"{len(item.positions)} step tags for {len(solution.labels)} labels"))
            continue
        labels = [-100] * len(item.ids)
        for position, label in zip(item.positions, solution.labels, strict=True):
            if label is not None:
                labels[position] = label
        rows.append({
            "input_ids": item.ids, "attention_mask": [1] * len(item.ids), "labels": labels,
            "positions": item.positions, "steps": solution.labels, "earliest_error": solution.earliest_error,
        })
        kept.append(solution)
    loaded.records = kept
    return rows


def process_scores(
    earliest: list[int], step_labels: list[list[int | None]], step_scores: list[list[float]]
) -> dict[str, Any]:
    """ProcessBench's earliest-error F1 at p(good) < 0.5 (``process_f1``) and at the best threshold
    (``process_f1_best``, found as ProcessBench does by search; the threshold in
    ``best_threshold``), and the F1 of the ``bad`` class over the labelled steps (``step_f1``).

    >>> process_scores([1, -1], [[1, 0], [1, 1]], [[0.9, 0.2], [0.8, 0.7]])["process_f1"]
    1.0
    """
    from rewardsmith.audit.process import earliest_error, earliest_error_f1, search_threshold

    searched = search_threshold(earliest, step_scores)
    found = earliest_error_f1(earliest, [earliest_error(scores, THRESHOLD) for scores in step_scores])
    tp = fp = fn = 0
    for labels, scores in zip(step_labels, step_scores, strict=True):
        for label, score in zip(labels, scores, strict=True):
            if label is None:
                continue
            wrong = score < THRESHOLD
            tp += wrong and label == 0
            fp += wrong and label == 1
            fn += not wrong and label == 0
    metrics: dict[str, Any] = {"process_f1": found["f1"], "step_f1": 2 * tp / (2 * tp + fp + fn) if tp else 0.0}
    for key in ("acc_erroneous", "acc_correct"):
        if found[key] is not None:
            metrics[f"process_{key}"] = found[key]
    metrics["process_f1_best"], metrics["best_threshold"] = searched["f1"], searched["threshold"]
    return metrics


def process_f1(loaded_model: Any, rows: list[dict[str, Any]], pad_id: int) -> dict[str, float]:
    """The ProcessBench F1 (and the step F1) of the model in memory, read as ``model.prm`` reads."""
    import torch

    from rewardsmith.models import engine

    def take(index: int, output: Any) -> list[float]:
        return torch.softmax(output[rows[index]["positions"]].float(), dim=-1)[:, 1].cpu().tolist()

    scores = engine.run(
        loaded_model, [row["input_ids"] for row in rows], engine.token_logits, take,
        pad_id=pad_id, batch_size=32, max_tokens=16384,
    )
    found = process_scores([row["earliest_error"] for row in rows], [row["steps"] for row in rows], scores)
    return {key: float(value) for key, value in found.items() if value is not None}


def scored_process(spec: dict[str, Any], solutions: list[Solution]) -> dict[str, Any]:
    """The ProcessBench F1 of the saved folder loaded from its ``spec`` (a sample it cannot score
    counts as predicted wrong)."""
    from rewardsmith.core import load

    results = load(spec).score([solution.sample() for solution in solutions])
    scores = [
        list(r.details["step_scores"]) if r.value is not None else [-1.0] * len(s.labels)
        for r, s in zip(results, solutions, strict=True)
    ]
    found = process_scores([s.earliest_error for s in solutions], [s.labels for s in solutions], scores)
    errors = sum(r.value is None for r in results)
    return {"solutions": len(solutions), **found, **({"errors": errors} if errors else {})}


def _audit(spec: dict[str, Any], solutions: list[Solution]) -> dict[str, Any]:
    """The audit of the saved model on the evaluation solutions (its ProcessBench section)."""
    from rewardsmith.audit import Options, audit
    from rewardsmith.core import load

    samples = [replace(s.sample(), label=s.earliest_error) for s in solutions]
    return audit(load(spec), samples, Options(recheck=0, batch_size=32, threshold=THRESHOLD))


def train_prm(
    data: str | Path,
    base: str,
    out: str | Path,
    eval_data: str | Path | None = None,
    epochs: float = 1.0,
    learning_rate: float = 1e-4,
    batch_size: int = 8,
    max_length: int = 512,
    truncate: Truncate = "error",
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
            data, base, out, eval_data, epochs, learning_rate, batch_size, max_length, truncate, max_bad,
            resume, seed, progress,
        )


def _train(
    data: str | Path, base: str, out: str | Path, eval_data: str | Path | None, epochs: float,
    learning_rate: float, batch_size: int, max_length: int, truncate: Truncate, max_bad: float,
    resume: bool, seed: int, progress: bool,
) -> dict[str, Any]:
    out = Path(out)
    loaded, evaluation = read_checked(read_solutions, data, eval_data, max_bad)
    torch, transformers, _ = require()
    import datasets

    from rewardsmith.models.prm import ProcessRewardModel

    from .loop import EpochMetrics, Stop, fresh_folder, history_of, quiet_trainer, start_or_resume

    run = {
        "command": "train prm", "data_sha256": loaded.digest, "base": base, "epochs": epochs,
        "learning_rate": learning_rate, "batch_size": batch_size, "max_length": max_length, "truncate": truncate,
        "seed": seed,
    }
    existed = out.exists()
    checkpoint = start_or_resume(out, run, resume)
    with fresh_folder(out, not resume, existed):
        if not (out / "config.json").is_file():
            start_folder(
                base, out, "token", special_tokens=(STEP_TAG,), seed=seed, num_labels=2,
                id2label={0: "bad", 1: "good"}, label2id={"bad": 0, "good": 1},
            )
        prm = ProcessRewardModel(str(out), max_length=max_length, truncate=truncate)
        rows = _tokenised(prm, loaded, max_length)
        loaded.check(max_bad, str(data))
        eval_rows = _tokenised(prm, evaluation, max_length) if evaluation is not None else []
        if evaluation is not None:
            evaluation.check(max_bad, str(eval_data))
    model = transformers.AutoModelForTokenClassification.from_pretrained(out)
    tokenizer = transformers.AutoTokenizer.from_pretrained(out)
    tokenizer.padding_side = "right"  # the positions of the real tokens as when scored alone
    args = transformers.TrainingArguments(
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
        disable_tqdm=True,
    )
    columns = ("input_ids", "attention_mask", "labels")
    trainer = transformers.Trainer(
        model=model,
        args=args,
        train_dataset=datasets.Dataset.from_list([{k: row[k] for k in columns} for row in rows]),
        data_collator=transformers.DataCollatorForTokenClassification(tokenizer),
        processing_class=tokenizer,
    )
    stop = Stop()
    quiet_trainer(trainer, stop, progress)
    if eval_rows:
        trainer.add_callback(EpochMetrics(lambda m: process_f1(m, eval_rows, tokenizer.pad_token_id)))
    with stop.on_interrupt():
        trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    trainer.save_model(str(out))
    tokenizer.save_pretrained(out)
    history = history_of(trainer.state.log_history)
    spec: dict[str, Any] = {"type": "model.prm", "model": str(out.resolve()), "max_length": max_length}
    if truncate != "error":
        spec["truncate"] = truncate
    metrics: dict[str, Any] = {
        "train_solutions": len(rows), "labelled_steps": sum(1 for row in rows for y in row["steps"] if y is not None),
        "bad_records": len(loaded.bad), "steps": trainer.state.global_step,
    }
    if stop.requested:
        manifest = write_manifest(out, spec, loaded.digest, metrics, history, status="interrupted")
        return {"status": "interrupted", "manifest": str(manifest), "spec": spec, "metrics": metrics,
                "history": history, "bad": loaded.bad}
    audit: dict[str, Any] | None = None
    metrics["train"] = scored_process(spec, loaded.records[:256])
    if evaluation is not None and evaluation.records:
        metrics["eval"] = scored_process(spec, evaluation.records)
        metrics["eval_bad_records"] = len(evaluation.bad)
        audit = _audit(spec, evaluation.records)
    manifest = write_manifest(out, spec, loaded.digest, metrics, history)
    write_report(out, "process reward model", spec, metrics, history, loaded.bad, audit)
    return {"status": "done", "manifest": str(manifest), "spec": spec, "metrics": metrics,
            "history": history, "bad": loaded.bad}
