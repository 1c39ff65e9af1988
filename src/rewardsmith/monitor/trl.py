"""``RewardMonitorCallback``: the monitor inside a transformers/TRL ``Trainer``.

TRL's ``GRPOTrainer`` calls its reward functions while it builds a batch, before the optimiser
step. rewardsmith's TRL adapter (:class:`rewardsmith.integrations.trl.TRLReward`) hands each
scored batch to the monitors attached by :mod:`rewardsmith.monitor.hooks`; this callback attaches
its monitor on ``on_train_begin``, closes a step on ``on_step_end`` (``state.global_step``),
adds what the trainer logged for that step (``kl``, ``loss``, TRL's own ``reward``…) on
``on_log``, and writes one JSON line per step to ``log_dir/monitor.jsonl``. With
``on_alert="stop"`` an alert sets ``control.should_training_stop``. In a multi-process run each
rank's rewards score that rank's shard; only rank 0 writes ``monitor.jsonl``, from its shard.

>>> from rewardsmith.monitor import RewardMonitorCallback  # doctest: +SKIP
>>> trainer = GRPOTrainer(..., reward_funcs=[TRLReward("spec.yaml")],
...                       callbacks=[RewardMonitorCallback("runs/monitor")])  # doctest: +SKIP
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from . import hooks
from .monitor import Monitor

try:
    from transformers import TrainerCallback
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        f"RewardMonitorCallback needs transformers: pip install 'rewardsmith[trl]' ({exc})"
    ) from exc


def _scalars(logs: dict[str, Any]) -> dict[str, float]:
    out = {}
    for key, value in logs.items():
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(float(value)):
            out[key] = float(value)
    return out


class RewardMonitorCallback(TrainerCallback):
    """Writes ``log_dir/monitor.jsonl`` (one line per optimiser step) from the rewards TRL scored.

    ``monitor``: a :class:`Monitor` of your own; otherwise one is built from ``log_dir`` and
    ``options`` (``gold``, ``on_alert``, ``thresholds``, ``probe_every``…, see :class:`Monitor`).
    """

    def __init__(self, log_dir: str | Path | None = None, monitor: Monitor | None = None, **options: Any) -> None:
        if monitor is None and log_dir is None:
            raise ValueError("RewardMonitorCallback needs a log_dir or a monitor")
        self.monitor = monitor if monitor is not None else Monitor(log_dir, **options)
        self._pending: dict[str, Any] | None = None

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if not getattr(state, "is_world_process_zero", True):
            # every rank scores its own shard; only rank 0 writes the log (its shard's statistics)
            self.monitor.path = None
        hooks.attach(self.monitor)

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
        self._flush()
        self._pending = self.monitor.end_step(int(state.global_step), write=False)
        if self.monitor.stop_requested:
            control.should_training_stop = True
        return control

    def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        if self._pending is not None and logs and self._pending["step"] == int(state.global_step):
            trainer = {k: v for k, v in _scalars(logs).items() if not k.startswith("monitor/")}
            self._pending["trainer"] = {**self._pending.get("trainer", {}), **trainer}
            self._flush()

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self._flush()
        hooks.detach(self.monitor)

    def _flush(self) -> None:
        if self._pending is not None:
            self.monitor.write(self._pending)
            self._pending = None
