"""Watch a reward during training: statistics per step, hacking and collapse alerts, a report.

The audit checks a reward before training; the monitor watches the same signals while a policy
optimises it (see ``docs/monitor.md``):

* :class:`Monitor` takes scored batches from the trainer adapters and the server and writes one
  JSON line per step (``monitor.jsonl``);
* :mod:`~rewardsmith.monitor.alerts` raises an alert once per episode, with its evidence;
* :class:`RewardMonitorCallback` is the ``transformers.TrainerCallback`` for TRL (imported on
  first use: it needs transformers);
* ``rewardsmith monitor LOG -o report.html`` draws the report (:mod:`~rewardsmith.monitor.report`).
"""

from __future__ import annotations

from typing import Any

from .alerts import RULES, Alert, AlertBook, Thresholds
from .hooks import attach, attached, detach, publish
from .monitor import CHEAP_PROBES, LOG_NAME, Monitor, flatten, shared_monitor

__all__ = [
    "CHEAP_PROBES",
    "LOG_NAME",
    "RULES",
    "Alert",
    "AlertBook",
    "Monitor",
    "RewardMonitorCallback",
    "Thresholds",
    "attach",
    "attached",
    "detach",
    "flatten",
    "publish",
    "shared_monitor",
]


def __getattr__(name: str) -> Any:
    if name == "RewardMonitorCallback":
        from .trl import RewardMonitorCallback

        return RewardMonitorCallback
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
