"""Running a transformers ``Trainer`` the way a training command should: a progress bar with the
loss and the ETA, metrics measured on the evaluation set after every epoch, Ctrl-C that stops at
the end of the current step with a checkpoint saved (a second Ctrl-C aborts at once), and
``--resume`` from the last checkpoint of the same data.

The per-epoch metrics run the model in memory through the scoring engine
(:func:`rewardsmith.models.engine.run`), the same padding and read-out the saved folder is later
scored with as ``model.classifier`` / ``model.prm``, so the last epoch's figure equals the final
one.
"""

from __future__ import annotations

import json
import shutil
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rewardsmith.core.errors import DataError
from rewardsmith.models import engine

try:
    from transformers import TrainerCallback
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(f"training needs transformers: pip install 'rewardsmith[train]' ({exc})") from exc

#: What a run records when it starts, to refuse a ``--resume`` on other data or another base.
RUN_FILE = "run.json"


class Stop:
    """A flag that Ctrl-C sets; the trainer checks it after every optimiser step."""

    def __init__(self) -> None:
        self.requested = False

    @contextmanager
    def on_interrupt(self) -> Iterator[Stop]:
        """While inside, the first SIGINT asks for a clean stop and the second aborts."""
        if threading.current_thread() is not threading.main_thread():
            yield self
            return

        def handler(signum: int, frame: Any) -> None:
            if self.requested:
                raise KeyboardInterrupt
            self.requested = True
            print(
                "\nstopping after this step and saving a checkpoint (Ctrl-C again to abort)",
                file=sys.stderr,
                flush=True,
            )

        previous = signal.signal(signal.SIGINT, handler)
        try:
            yield self
        finally:
            signal.signal(signal.SIGINT, previous)


class StopCallback(TrainerCallback):
    """Ends training after the step in which Ctrl-C was pressed, saving a checkpoint first."""

    def __init__(self, stop: Stop) -> None:
        self.stop = stop

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
        if self.stop.requested:
            control.should_save = True
            control.should_training_stop = True
        return control


class ProgressCallback(TrainerCallback):
    """One tqdm bar on stderr: steps done, the last logged loss, elapsed time and ETA."""

    def __init__(self) -> None:
        self.bar: Any = None

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        from tqdm.auto import tqdm

        self.bar = tqdm(total=state.max_steps, initial=state.global_step, desc="training", unit="step", file=sys.stderr)

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.bar is not None:
            self.bar.update(state.global_step - self.bar.n)

    def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        if self.bar is not None and logs:
            shown = {k: f"{v:.4f}" for k, v in logs.items() if k in ("loss", "eval_accuracy", "eval_process_f1")}
            if shown:
                self.bar.set_postfix(shown, refresh=False)

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class EpochMetrics(TrainerCallback):
    """After every epoch, ``measure(loaded_model)`` on the evaluation set, logged as ``eval_*``."""

    def __init__(self, measure: Callable[[engine.Loaded], dict[str, float]]) -> None:
        self.measure = measure

    def on_epoch_end(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
        if model is None:
            return
        was_training = model.training
        model.eval()
        try:
            loaded = engine.Loaded(model, next(model.parameters()).device, causal=engine.is_causal(model))
            metrics = self.measure(loaded)
        finally:
            model.train(was_training)
        entry = {"epoch": state.epoch, "step": state.global_step, **{f"eval_{k}": v for k, v in metrics.items()}}
        state.log_history.append(entry)


def last_checkpoint(out: Path) -> Path | None:
    """The newest ``checkpoints/checkpoint-N`` folder of a run, or None."""
    found = [p for p in (out / "checkpoints").glob("checkpoint-*") if p.name.split("-")[-1].isdigit()]
    return max(found, key=lambda p: int(p.name.split("-")[-1])) if found else None


def start_or_resume(out: Path, run: dict[str, Any], resume: bool) -> Path | None:
    """Check the output folder and return the checkpoint to resume from (None: a fresh run).

    A fresh run needs an empty (or new) folder. ``--resume`` needs a folder this command started
    on the same data file contents, base model and training options (epochs, learning rate, batch
    size, max length, truncation, loss options, seed: a run resumed with others would be neither
    run, and its spec would name a max length part of it was not trained at); without a checkpoint
    yet it starts afresh.
    """
    from rewardsmith.io.writer import check_output_folder

    check_output_folder(out)
    record = out / "checkpoints" / RUN_FILE
    if resume:
        if not record.is_file():
            raise DataError(str(out), "nothing to resume: no training run was started in this folder")
        started = json.loads(record.read_text(encoding="utf-8"))
        changed = [key for key in run if key in started and started[key] != run[key]]
        changed += [key for key in ("command", "data_sha256", "base") if key not in started]
        if changed:
            said = "; ".join(f"{key} {started.get(key)!r}, now {run.get(key)!r}" for key in changed)
            raise DataError(str(out), f"cannot resume: the run was started with {said} (resume with its options)")
        return last_checkpoint(out)
    if out.exists() and any(out.iterdir()):
        raise DataError(str(out), "output folder is not empty (use --resume to continue a run, or a new folder)")
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps(run, indent=1) + "\n", encoding="utf-8")
    return None


def history_of(log_history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The training loss per logged step and the evaluation metrics per epoch, from the trainer's log."""
    rows = []
    for entry in log_history:
        if "loss" in entry:
            rows.append({"step": entry["step"], "epoch": entry.get("epoch"), "loss": float(entry["loss"])})
        elif any(key.startswith("eval_") for key in entry):
            rows.append({k: v for k, v in entry.items() if k in ("step", "epoch") or k.startswith("eval_")})
    return rows


@contextmanager
def fresh_folder(out: Path, fresh: bool, existed: bool = True) -> Iterator[None]:
    """On a fresh run, a failure before training (bad data, a base that does not load) leaves
    ``out`` as it was: empty, or absent when the run created it."""
    try:
        yield
    except BaseException:
        if fresh and out.is_dir():
            shutil.rmtree(out)
            if existed:
                out.mkdir(parents=True)
        raise


def quiet_trainer(trainer: Any, stop: Stop, progress: bool) -> None:
    """Replace transformers' printed log lines and bar with ours, and add the Ctrl-C stop."""
    from transformers.trainer_callback import PrinterCallback
    from transformers.trainer_callback import ProgressCallback as Printed

    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(Printed)
    trainer.add_callback(StopCallback(stop))
    if progress:
        trainer.add_callback(ProgressCallback())
