"""Where the trainer adapters and the server hand their scored batches to monitors.

An adapter calls :func:`publish` after every batch it scored. A monitor given to the adapter
(``TRLReward(spec, monitor=m)``) gets the batch; without one, every *attached* monitor does
(:class:`~rewardsmith.monitor.RewardMonitorCallback` attaches its monitor when training starts
and detaches it when training ends, so a callback and a plain ``TRLReward`` in the same trainer
find each other with no wiring). With no monitor anywhere, :func:`publish` costs one lock-free
check. This module imports nothing heavy: the adapters import it unconditionally.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rewardsmith.core import RewardResult, Sample
    from rewardsmith.core.reward import Reward

    from .monitor import Monitor

_attached: list[Monitor] = []
_lock = threading.Lock()


def attach(monitor: Monitor) -> None:
    """Let ``monitor`` receive the batches of every adapter that has no monitor of its own."""
    with _lock:
        if monitor not in _attached:
            _attached.append(monitor)


def detach(monitor: Monitor) -> None:
    with _lock:
        if monitor in _attached:
            _attached.remove(monitor)


def attached() -> list[Monitor]:
    """The monitors attached now (a copy)."""
    with _lock:
        return list(_attached)


def publish(
    monitor: Monitor | None,
    source: str,
    samples: Sequence[Sample],
    results: Sequence[RewardResult],
    *,
    reward: Reward | None = None,
    lengths: Sequence[float] | None = None,
    log_metric: Callable[[str, float], Any] | None = None,
) -> list[Monitor]:
    """Hand one scored batch to ``monitor`` (or to the attached monitors); returns who got it.

    ``log_metric`` (TRL's) receives each monitor's per-batch metrics as ``monitor/<name>`` and
    a ``monitor/alert/<rule>`` of 1.0 for every alert raised since the previous batch, so they
    reach whatever the trainer reports to.
    """
    targets = [monitor] if monitor is not None else (list(_attached) if _attached else [])
    for target in targets:
        metrics = target.observe(source, samples, results, reward=reward, lengths=lengths)
        if log_metric is not None:
            for name, value in metrics.items():
                log_metric(f"monitor/{name}", value)
            for alert in target.drain_alerts():
                log_metric(f"monitor/alert/{alert.rule}", 1.0)
    return targets
