"""Read a training run's log into monitor records: ``monitor.jsonl``, its folder, or TRL's
``trainer_state.json``.

Three shapes are understood:

* the monitor's own JSONL (one record per step, as :class:`~rewardsmith.monitor.Monitor` writes);
* a TRL ``trainer_state.json``: its ``log_history`` entries (``rewards/<f>/mean``, ``reward``,
  ``reward_std``, ``frac_reward_zero_std``, ``completions/mean_length``, ``kl``, and the
  ``monitor/...`` metrics rewardsmith's TRL adapter logs), turned into records by
  :func:`from_flat`; a reward function named like the monitor's ``gold`` is paired with each
  other one;
* a JSONL of flat metric dicts with a ``step`` key (or ``{"step": n, "data": {...}}``), read the
  same way (verl's ``critic/score/mean``, ``response_length/mean`` and ``actor/ppo_kl`` too).

A scored file (``rewardsmith score`` output: records with ``reward``, ``reward_error``,
``reward_error_kind`` and ``reward_details``) has no steps: :func:`replay_scored` runs it through a
:class:`~rewardsmith.monitor.Monitor`, ``every`` records per step, so the same statistics and
alerts come out of an offline scoring run.

A folder is searched for ``monitor.jsonl``, then one ``monitor-<pid>.jsonl``, then
``trainer_state.json`` (the newest ``checkpoint-*`` one when only checkpoints hold it).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from rewardsmith.core import RewardsmithError

from .monitor import LOG_NAME

SOURCE_KEYS = ("mean", "std", "error_rate", "not_applicable_rate", "no_signal_share", "length_mean", "length_corr")
PAIR_KEYS = ("proxy_mean", "gold_mean", "corr")
KL_KEYS = ("kl", "actor/ppo_kl", "actor/kl_loss", "objective/kl")


class LogError(RewardsmithError):
    """A log file that cannot be read, with the path and line."""


def find_log(path: Path) -> Path:
    """The log file to read for ``path`` (a file is returned as it is)."""
    if path.is_file():
        return path
    if not path.is_dir():
        raise LogError(f"{path}: no such file or folder")
    if (path / LOG_NAME).is_file():
        return path / LOG_NAME
    per_process = sorted(path.glob("monitor-*.jsonl"))
    if len(per_process) == 1:
        return per_process[0]
    if per_process:
        names = ", ".join(p.name for p in per_process[:5])
        raise LogError(f"{path}: several per-process monitor logs ({names}); name the one to draw")
    if (path / "trainer_state.json").is_file():
        return path / "trainer_state.json"
    checkpoints = sorted(path.glob("checkpoint-*/trainer_state.json"), key=lambda p: _number(p.parent.name))
    if checkpoints:
        return checkpoints[-1]
    raise LogError(f"{path}: no {LOG_NAME}, monitor-*.jsonl or trainer_state.json in this folder")


def _number(name: str) -> int:
    found = re.search(r"(\d+)$", name)
    return int(found.group(1)) if found else -1


def replay_scored(file: Path, every: int = 256, gold: str = "gold") -> list[dict[str, Any]]:
    """Records of a ``rewardsmith score`` output, ``every`` records per step (the last step may be
    shorter); a line that is not a scored record is an error naming the line."""
    from rewardsmith.core import ErrorKind, RewardResult, Sample

    from .monitor import Monitor

    monitor = Monitor(gold=gold, probe_every=0, log_alerts=False)
    records, pending = [], 0
    with file.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                details = record.get("reward_details") or {}
                if record.get("reward_error") is not None:
                    kind = record.get("reward_error_kind") or ErrorKind.CRASH
                    result = RewardResult.fail(str(record["reward_error"]), kind=kind, **details)
                elif record.get("reward") is None:
                    result = RewardResult.not_applicable(**details)
                else:
                    result = RewardResult.ok(record["reward"], **details)
                sample = Sample.from_record(record)
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                raise LogError(f"{file}:{number}: not a scored record ({exc})") from None
            monitor.observe("reward", [sample], [result])
            pending += 1
            if pending == every:
                records.append(monitor.end_step())
                pending = 0
    if pending:
        records.append(monitor.end_step())
    return records


def load_records(path: str | Path, gold: str = "gold", every: int = 256) -> list[dict[str, Any]]:
    """Monitor records, one per step, in step order, from any of the shapes above."""
    file = find_log(Path(path))
    if file.suffix == ".jsonl" and _is_scored(file):
        return replay_scored(file, every, gold)
    if file.name.endswith(".json"):
        try:
            state = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise LogError(f"{file}: not a readable JSON file ({exc})") from None
        if not isinstance(state, dict) or not isinstance(state.get("log_history"), list):
            raise LogError(f"{file}: no 'log_history' list (is it a transformers trainer_state.json?)")
        entries = [e for e in state["log_history"] if isinstance(e, dict) and "step" in e]
        return _merge([from_flat(e, gold) for e in entries])
    records = []
    with file.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except ValueError as exc:
                raise LogError(f"{file}:{number}: not a JSON line ({exc})") from None
            if not isinstance(entry, dict) or "step" not in entry:
                raise LogError(f"{file}:{number}: a record needs a 'step'")
            if "rewards" in entry:
                records.append(entry)
            else:
                data = entry.get("data")
                flat = {**data, "step": entry["step"]} if isinstance(data, dict) else entry
                records.append(from_flat(flat, gold))
    return _merge(records)


def _is_scored(file: Path) -> bool:
    """Whether the first line is a scored record (``reward`` and no ``step``)."""
    with file.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                try:
                    first = json.loads(line)
                except ValueError:
                    return False
                return isinstance(first, dict) and "step" not in first and "reward" in first
    return False


def _merge(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One record per step (later entries of a step fill in what earlier ones lacked)."""
    by_step: dict[int, dict[str, Any]] = {}
    for record in records:
        step = int(record["step"])
        if step not in by_step:
            by_step[step] = record
            continue
        into = by_step[step]
        for key, value in record.items():
            if isinstance(value, dict) and isinstance(into.get(key), dict):
                into[key] = {**value, **into[key]}
            elif isinstance(value, list) and isinstance(into.get(key), list):
                into[key] = into[key] + value
            else:
                into.setdefault(key, value)
    return [by_step[step] for step in sorted(by_step)]


def _number_or_none(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(float(value)):
        return None
    return float(value)


def from_flat(entry: dict[str, Any], gold: str = "gold") -> dict[str, Any]:
    """A monitor record from one flat dict of logged metrics (a trainer's log line).

    >>> record = from_flat({"step": 3, "rewards/repeat/mean": 0.9, "rewards/gold/mean": 0.1, "kl": 0.02})
    >>> record["rewards"]["repeat"]["mean"], record["gold"]["repeat"], record["trainer"]["kl"]
    (0.9, {'gold': 'gold', 'proxy_mean': 0.9, 'gold_mean': 0.1, 'corr': None, 'n': None}, 0.02)
    """
    rewards: dict[str, dict[str, Any]] = {}
    pairs: dict[str, dict[str, Any]] = {}
    alerts: list[dict[str, Any]] = []
    trainer: dict[str, float] = {}
    step = int(entry["step"])

    def source(name: str) -> dict[str, Any]:
        return rewards.setdefault(name, {"components": {}})

    for key, raw in entry.items():
        value = _number_or_none(raw)
        if value is None or key == "step":
            continue
        parts = key.split("/")
        if parts[0] == "rewards" and len(parts) == 3 and parts[2] in ("mean", "std"):
            source(parts[1]).setdefault(parts[2], value)
        elif parts[0] == "monitor" and len(parts) >= 3:
            _monitor_metric(parts[1:], value, step, source, pairs, alerts)
        elif key == "critic/score/mean":
            source("score").setdefault("mean", value)
        elif key == "critic/score/std":
            source("score").setdefault("std", value)
        else:
            trainer[key] = value
    if "reward" in trainer:
        total = source("reward")
        total.setdefault("mean", trainer["reward"])
        if "reward_std" in trainer:
            total.setdefault("std", trainer["reward_std"])
        if "frac_reward_zero_std" in trainer:
            total.setdefault("no_signal_share", trainer["frac_reward_zero_std"])
    length = trainer.get("completions/mean_length", trainer.get("response_length/mean"))
    if length is not None:
        for stats in rewards.values():
            stats.setdefault("length_mean", length)
    kl = next((trainer[k] for k in KL_KEYS if k in trainer), None)
    if kl is not None:
        trainer["kl"] = kl
    if gold in rewards and not pairs:
        for name, stats in rewards.items():
            if name not in (gold, "reward") and stats.get("mean") is not None:
                pairs[name] = {"gold": gold, "proxy_mean": stats["mean"], "gold_mean": rewards[gold].get("mean"),
                               "corr": None, "n": None}
    record: dict[str, Any] = {"step": step, "rewards": rewards, "gold": pairs, "probes": {}, "alerts": alerts}
    if trainer:
        record["trainer"] = trainer
    return record


def _monitor_metric(parts: list[str], value: float, step: int, source: Any, pairs: dict[str, Any],
                    alerts: list[dict[str, Any]]) -> None:
    """One ``monitor/...`` metric (as the TRL adapter logs them) into the record being built."""
    if parts[0] == "alert":
        if value > 0:
            alerts.append({"rule": parts[1], "subject": "", "step": step, "message": "logged by the trainer",
                           "evidence": {}})
    elif parts[0] == "proxy_gold" and len(parts) == 3 and parts[2] in PAIR_KEYS:
        pairs.setdefault(parts[1], {"gold": None})[parts[2]] = value
    elif len(parts) == 2 and parts[1] in SOURCE_KEYS:
        source(parts[0])[parts[1]] = value
    elif len(parts) == 3 and parts[1] == "error_rate":
        source(parts[0]).setdefault("error_rates", {})[parts[2]] = value
    elif len(parts) == 3 and parts[2] in ("mean", "share"):
        source(parts[0])["components"].setdefault(parts[1], {})[parts[2]] = value
