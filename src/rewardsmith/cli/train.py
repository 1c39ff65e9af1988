"""``rewardsmith train rm|prm DATA --base MODEL -o DIR``: train a reward model or a process
reward model on your own data; the folder loads as ``model.classifier`` / ``model.prm``.

Thin: parses flags and calls :mod:`rewardsmith.train` (imported when the command runs).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from .app import app, console

train_app = typer.Typer(help="Train a reward model (rm) or a process reward model (prm), then audit it.",
                        no_args_is_help=True)
app.add_typer(train_app, name="train")

Data = Annotated[Path, typer.Argument(help="Training records (JSONL, JSON, CSV, Parquet or a datasets folder).")]
Base = Annotated[str, typer.Option("--base", help="Base model: a transformers folder or hub id.")]
Out = Annotated[Path, typer.Option("--out", "-o", help="Output folder (new or empty; with --resume, the run's).")]
Eval = Annotated[Path | None, typer.Option("--eval", help="Held-out records: metrics per epoch and the audit.")]
Epochs = Annotated[float, typer.Option(min=0.01, help="Passes over the training data.")]
Rate = Annotated[float, typer.Option("--lr", min=0.0, help="Peak learning rate (linear decay).")]
Batch = Annotated[int, typer.Option(min=1, help="Records per optimiser step.")]
Length = Annotated[int, typer.Option(min=8, help="Longest input in tokens.")]
Cut = Annotated[
    str, typer.Option(help="A record longer than --max-length: error (counted as bad), left or right (cut).")
]
MaxBad = Annotated[float, typer.Option(min=0.0, max=1.0, help="Stop when more than this share of records is bad.")]
Resume = Annotated[bool, typer.Option(help="Continue the run in --out from its last checkpoint (same data).")]
Seed = Annotated[int, typer.Option(help="Seed of the head initialisation and the data order.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]

_TRUNCATE = ("error", "left", "right")


def _truncate(value: str) -> Literal["error", "left", "right"]:
    if value not in _TRUNCATE:
        raise typer.BadParameter(f"expected one of {', '.join(_TRUNCATE)}, got {value!r}", param_hint="--truncate")
    return value  # type: ignore[return-value]


def _finite(value: float | None, name: str) -> None:
    """typer's min/max let NaN through (every comparison with NaN is false)."""
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"must be a finite number, got {value}", param_hint=name)


def _finish(result: dict[str, Any], out: Path) -> None:
    """Print what the run did; exit 130 when Ctrl-C stopped it."""
    metrics = result["metrics"]
    for where, why in result["bad"][:5]:
        console.print(f"[yellow]bad record[/] {where}: {why}", highlight=False)
    if len(result["bad"]) > 5:
        console.print(f"… {len(result['bad']) - 5} more bad records: see {out / 'report.html'}", highlight=False)
    if result["status"] == "interrupted":
        console.print(f"stopped at step {metrics['steps']}; the folder loads as it is; continue with --resume")
        raise typer.Exit(130)
    for part in ("train", "eval"):
        if part in metrics:
            shown = {k: v for k, v in metrics[part].items() if isinstance(v, int | float)}
            interval = metrics[part].get("ci95")
            text = ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in shown.items())
            if interval:
                text += f" (95% CI {interval[0]:.3f}-{interval[1]:.3f})"
            console.print(f"{part}: {text}", highlight=False)
    console.print(f"saved {out} ({result['spec']['type']}): {out / 'rewardsmith.json'}, {out / 'report.html'}")


@train_app.command("rm")
def train_rm_command(
    data: Data,
    base: Base,
    out: Out,
    eval_data: Eval = None,
    epochs: Epochs = 1.0,
    lr: Rate = 1e-4,
    batch_size: Batch = 8,
    max_length: Length = 512,
    truncate: Cut = "error",
    margin: Annotated[bool, typer.Option(help="Use the records' margin field in the loss (Llama 2).")] = True,
    center_rewards: Annotated[
        float | None, typer.Option(help="Reward-centring coefficient η (InternLM2; 0.01 is usual).")
    ] = None,
    max_bad: MaxBad = 0.05,
    resume: Resume = False,
    seed: Seed = 0,
    quiet: Quiet = False,
) -> None:
    """Bradley-Terry reward model on preference pairs (prompt, chosen, rejected[, margin]) with TRL's RewardTrainer."""
    from rewardsmith.train.rm import train_rm

    checked = ((epochs, "--epochs"), (lr, "--lr"), (center_rewards, "--center-rewards"), (max_bad, "--max-bad"))
    for value, name in checked:
        _finite(value, name)
    result = train_rm(
        data, base, out, eval_data=eval_data, epochs=epochs, learning_rate=lr, batch_size=batch_size,
        max_length=max_length, truncate=_truncate(truncate), margin=margin, center_rewards=center_rewards,
        max_bad=max_bad, resume=resume, seed=seed, progress=not quiet,
    )
    _finish(result, out)


@train_app.command("prm")
def train_prm_command(
    data: Data,
    base: Base,
    out: Out,
    eval_data: Eval = None,
    epochs: Epochs = 1.0,
    lr: Rate = 1e-4,
    batch_size: Batch = 8,
    max_length: Length = 512,
    truncate: Cut = "error",
    max_bad: MaxBad = 0.05,
    resume: Resume = False,
    seed: Seed = 0,
    quiet: Quiet = False,
) -> None:
    """Process reward model on step-labelled solutions (steps + labels, or ProcessBench's earliest-error label)."""
    from rewardsmith.train.prm import train_prm

    for value, name in ((epochs, "--epochs"), (lr, "--lr"), (max_bad, "--max-bad")):
        _finite(value, name)
    result = train_prm(
        data, base, out, eval_data=eval_data, epochs=epochs, learning_rate=lr, batch_size=batch_size,
        max_length=max_length, truncate=_truncate(truncate), max_bad=max_bad, resume=resume, seed=seed,
        progress=not quiet,
    )
    _finish(result, out)
