"""The monitor: scored batches in, one record per training step out, alerts once per episode.

Whatever scores batches (a trainer adapter, the server) calls :meth:`Monitor.observe` with the
samples and their results, under a *source* name (the reward's name in the trainer). A step ends
when the trainer says so (:meth:`Monitor.end_step`, called by the TRL callback) or every
``every`` samples (verl, OpenRLHF and the server, which see no step boundary). Each step record
holds, per source, the statistics of :func:`~rewardsmith.monitor.stats.batch_stats`, the
proxy–gold pairs, the probes when they ran, and the alerts that fired; it is appended as one
JSON line to ``log_dir/monitor.jsonl``.

**Gold.** ``gold`` names the held-out signal: a top-level component label of a source's spec
(the proxy is then that source's total, so give the gold term weight 0 to keep it out of the
optimised reward), or another source (a reward scored next to the proxy on the same completions,
e.g. a TRL reward function with weight 0), paired with every other source position by position.

**Probes.** Every ``probe_every`` steps, the cheap hacking probes of the audit
(:data:`CHEAP_PROBES`, :func:`rewardsmith.audit.probes.run_probes`) run on at most
``probe_budget`` of the step's real completions per source whose reward the monitor was given.

>>> from rewardsmith.core import RewardResult, Sample
>>> monitor = Monitor()
>>> batch = [Sample("a", group=0), Sample("bb", group=0), Sample("c", group=1), Sample("d", group=1)]
>>> _ = monitor.observe("exact", batch, [RewardResult.ok(v) for v in (1, 0, 1, 1)])
>>> record = monitor.end_step(1)
>>> stats = record["rewards"]["exact"]
>>> stats["mean"], stats["no_signal_share"], stats["length_mean"]
(0.75, 0.5, 1.25)
"""

from __future__ import annotations

import json
import logging
import math
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from rewardsmith.core import RewardResult, Sample
from rewardsmith.core.reward import Reward, describe_exception

from .alerts import Alert, AlertBook, Thresholds
from .stats import batch_stats, component_values, pearson

OnAlert = Literal["log", "stop"]
LOG_NAME = "monitor.jsonl"
#: Probes that cost a handful of reward calls per record and need no model of their own.
CHEAP_PROBES = ("empty", "master_keys", "format_only", "length_inflation", "repeat_steps", "hedge")
logger = logging.getLogger("rewardsmith.monitor")


def _plain(value: Any) -> Any:
    """JSON-safe: NaN and infinities become None, tuples lists."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def flatten(record: dict[str, Any]) -> dict[str, float]:
    """A record's numbers as flat metric names (what a trainer logger or Prometheus takes).

    ``<source>/mean``, ``<source>/error_rate/<kind>`` (kinds that occurred),
    ``<source>/<component>/share``, ``proxy_gold/<pair>/corr``, ``probe/<source>/<probe>``; None values
    are left out.

    >>> flatten({"rewards": {"r": {"mean": 0.5, "n": 2, "errors": {"timeout": 1}, "components": {}}}})
    {'r/mean': 0.5, 'r/error_rate/timeout': 0.5}
    """
    out: dict[str, float] = {}
    for source, stats in record.get("rewards", {}).items():
        for key in ("mean", "std", "error_rate", "not_applicable_rate", "no_signal_share", "length_mean",
                    "length_corr"):
            if stats.get(key) is not None:
                out[f"{source}/{key}"] = float(stats[key])
        n = stats.get("n") or 0
        for kind, count in stats.get("errors", {}).items():
            if n and count:
                out[f"{source}/error_rate/{kind}"] = count / n
        for label, part in stats.get("components", {}).items():
            for key in ("mean", "share"):
                if part.get(key) is not None:
                    out[f"{source}/{label}/{key}"] = float(part[key])
    for pair, gold in record.get("gold", {}).items():
        for key in ("proxy_mean", "gold_mean", "corr"):
            if gold.get(key) is not None:
                out[f"proxy_gold/{pair}/{key}"] = float(gold[key])
    for source, probes in record.get("probes", {}).items():
        for name, outcome in probes.items():
            if outcome.get("exploit_rate") is not None and outcome.get("n"):
                out[f"probe/{source}/{name}"] = float(outcome["exploit_rate"])
    return out


def _gold_pair(gold_label: str, proxy: Sequence[float | None], gold: Sequence[float | None]) -> dict[str, Any]:
    paired = [(p, g) for p, g in zip(proxy, gold, strict=True) if p is not None and g is not None]
    proxy_values = [p for p in proxy if p is not None]
    gold_values = [g for g in gold if g is not None]
    return {
        "gold": gold_label,
        "proxy_mean": sum(proxy_values) / len(proxy_values) if proxy_values else None,
        "gold_mean": sum(gold_values) / len(gold_values) if gold_values else None,
        "corr": pearson([p for p, _ in paired], [g for _, g in paired]),
        "n": len(paired),
    }


class Monitor:
    """Statistics, alerts and the JSONL log over a stream of scored batches (thread-safe).

    ``log_dir``: where ``monitor.jsonl`` goes (None: keep records in memory only).
    ``gold``: the gold component label or source name. ``on_alert``: ``log`` (Python logging,
    the trainer's logger) or ``stop`` (also sets :attr:`stop_requested`, which the TRL callback
    turns into ``control.should_training_stop``). ``thresholds``/``rules``: see
    :mod:`rewardsmith.monitor.alerts`. ``every``: end a step every that many observed samples
    (for callers without step boundaries). ``probes``, ``probe_every`` (0 turns them off),
    ``probe_budget``: the hacking probes. ``on_alert_callbacks``: more places to send alerts;
    ``log_alerts=False`` keeps them out of Python logging (a replay that prints them itself).
    """

    def __init__(
        self,
        log_dir: str | Path | None = None,
        *,
        gold: str = "gold",
        on_alert: OnAlert = "log",
        thresholds: Thresholds | None = None,
        rules: Sequence[str] | None = None,
        every: int | None = None,
        probes: Sequence[str] = CHEAP_PROBES,
        probe_every: int = 10,
        probe_budget: int = 8,
        file_name: str = LOG_NAME,
        on_alert_callbacks: Sequence[Callable[[Alert], Any]] = (),
        seed: int = 0,
        log_alerts: bool = True,
    ) -> None:
        if on_alert not in ("log", "stop"):
            raise ValueError(f"on_alert must be 'log' or 'stop', got {on_alert!r}")
        if every is not None and every < 1:
            raise ValueError(f"every must be a positive number of samples, got {every!r}")
        self.log_dir = Path(log_dir) if log_dir is not None else None
        self.path = self.log_dir / file_name if self.log_dir is not None else None
        self.gold = gold
        self.on_alert = on_alert
        self.book = AlertBook(thresholds, rules)
        self.every = every
        self.probes = tuple(probes)
        self.probe_every = probe_every
        self.probe_budget = probe_budget
        self.callbacks = list(on_alert_callbacks)
        self.seed = seed
        self.log_alerts = log_alerts
        self.history: list[dict[str, Any]] = []
        self.alerts: list[Alert] = []
        self.stop_requested = False
        self.steps = 0
        self._step = 0
        self._batches: dict[str, list[tuple[list[Sample], list[RewardResult], list[float], str]]] = {}
        self._rewards: dict[str, Reward] = {}
        self._pending: list[Alert] = []
        self._buffered = 0
        self._lock = threading.RLock()

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_lock"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()

    @property
    def thresholds(self) -> Thresholds:
        return self.book.thresholds

    def observe(
        self,
        source: str,
        samples: Sequence[Sample],
        results: Sequence[RewardResult],
        *,
        reward: Reward | None = None,
        lengths: Sequence[float] | None = None,
    ) -> dict[str, float]:
        """Add one scored batch of ``source``; returns this batch's metrics (see :func:`flatten`).

        ``lengths`` are the completions' token counts when the caller has them; otherwise the
        length is the completion text's characters. A batch whose lengths do not match its
        results is a ValueError, never a silent truncation.
        """
        samples, results = list(samples), list(results)
        if len(samples) != len(results):
            raise ValueError(f"monitor: {len(results)} results for {len(samples)} samples from {source!r}")
        unit = "tokens" if lengths is not None else "chars"
        sizes = [float(x) for x in lengths] if lengths is not None else [float(len(s.text)) for s in samples]
        if len(sizes) != len(samples):
            raise ValueError(f"monitor: {len(sizes)} lengths for {len(samples)} samples from {source!r}")
        stats = batch_stats(results, [s.group for s in samples], sizes)
        metrics = flatten({"rewards": {source: stats}, "gold": self._component_gold(source, results)})
        with self._lock:
            self._batches.setdefault(source, []).append((samples, results, sizes, unit))
            if reward is not None:
                self._rewards[source] = reward
            self._buffered += len(samples)
            if self.every is not None and self._buffered >= self.every:
                self.end_step()
        return metrics

    def _component_gold(self, source: str, results: Sequence[RewardResult]) -> dict[str, Any]:
        parts = [component_values(r) for r in results]
        if not any(self.gold in p for p in parts):
            return {}
        gold = [p.get(self.gold, (None, None))[0] for p in parts]
        return {source: _gold_pair(self.gold, [r.value for r in results], gold)}

    def end_step(
        self, step: int | None = None, trainer: dict[str, Any] | None = None, write: bool = True
    ) -> dict[str, Any]:
        """Close the step: compute its record, run the alert rules, log and (``write``) append it."""
        with self._lock:
            batches, self._batches, self._buffered = self._batches, {}, 0
            self._step = self._step + 1 if step is None else int(step)
            record: dict[str, Any] = {"step": self._step, "time": round(time.time(), 3)}
            rewards: dict[str, dict[str, Any]] = {}
            merged: dict[str, tuple[list[Sample], list[RewardResult]]] = {}
            for source, parts in batches.items():
                samples = [s for part in parts for s in part[0]]
                results = [r for part in parts for r in part[1]]
                sizes = [x for part in parts for x in part[2]]
                stats = batch_stats(results, [s.group for s in samples], sizes)
                stats["length_unit"] = parts[-1][3]
                rewards[source] = stats
                merged[source] = (samples, results)
            record["samples"] = max((s["n"] for s in rewards.values()), default=0)
            record["rewards"] = rewards
            record["gold"] = self._gold(merged)
            record["probes"] = self._run_probes(merged) if self._probe_due() else {}
            if trainer:
                record["trainer"] = dict(trainer)
            self.history.append(record)
            del self.history[: -max(self.thresholds.window, self.thresholds.patience, self.probe_every + 1)]
            alerts = self.book.update(self.history)
            record["alerts"] = [a.to_dict() for a in alerts]
            self.steps += 1
            for alert in alerts:
                self._raise(alert)
            record = _plain(record)
            self.history[-1] = record
            if write:
                self.write(record)
            return record

    def _gold(self, merged: dict[str, tuple[list[Sample], list[RewardResult]]]) -> dict[str, Any]:
        pairs: dict[str, Any] = {}
        for source, (_, results) in merged.items():
            pairs.update(self._component_gold(source, results))
        if self.gold in merged:
            gold_results = merged[self.gold][1]
            for source, (_, results) in merged.items():
                if source != self.gold and len(results) == len(gold_results) and source not in pairs:
                    pairs[source] = _gold_pair(self.gold, [r.value for r in results], [r.value for r in gold_results])
        return pairs

    def _probe_due(self) -> bool:
        return bool(self.probes) and self.probe_every > 0 and self._step % self.probe_every == 0

    def _run_probes(self, merged: dict[str, tuple[list[Sample], list[RewardResult]]]) -> dict[str, Any]:
        from rewardsmith.audit.probes import run_probes
        from rewardsmith.audit.probes.registry import resolve_probes

        out: dict[str, Any] = {}
        for source, (samples, _) in merged.items():
            reward = self._rewards.get(source)
            if reward is None or source == self.gold or not samples:
                continue
            try:
                found = run_probes(
                    reward, samples, resolve_probes(list(self.probes)), max_records=self.probe_budget,
                    seed=self.seed + self._step,
                )
            except Exception as exc:  # noqa: BLE001 - a probe failure is recorded, never a 0 exploit rate
                out[source] = {"error": describe_exception(exc)}
                continue
            out[source] = {
                name: {
                    "exploit_rate": item["exploit_rate"],
                    "n": item["n"],
                    "n_exploited": item["n_exploited"],
                    "mean_gain": item["mean_gain"],
                    "errors": item["errors"],
                    "example": item["examples"][0] if item["examples"] else None,
                }
                for name, item in found.items()
            }
        return out

    def _raise(self, alert: Alert) -> None:
        self.alerts.append(alert)
        self._pending.append(alert)
        if self.log_alerts:
            logger.warning("reward alert %s at step %d: %s", alert.rule, alert.step, alert.message)
        if self.on_alert == "stop":
            self.stop_requested = True
        for callback in self.callbacks:
            callback(alert)

    def drain_alerts(self) -> list[Alert]:
        """The alerts raised since the last call (for a trainer's logger)."""
        with self._lock:
            pending, self._pending = self._pending, []
            return pending

    def write(self, record: dict[str, Any]) -> None:
        """Append ``record`` as one JSON line to ``monitor.jsonl`` (no-op without ``log_dir``)."""
        if self.path is None:
            return
        line = json.dumps(_plain(record), sort_keys=False, default=str) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as sink:
                sink.write(line)
                sink.flush()
                os.fsync(sink.fileno())

    def metrics(self) -> dict[str, float]:
        """The newest step's metrics as flat names, plus ``alerts_active`` and ``alerts_total``."""
        with self._lock:
            out = flatten(self.history[-1]) if self.history else {}
            out["alerts_active"] = float(len(self.book.active))
            out["alerts_total"] = float(len(self.alerts))
            return out

    def prometheus(self) -> list[str]:
        """The newest step as Prometheus gauges (``rewardsmith_monitor_*``), and alert counters."""
        with self._lock:
            record = self.history[-1] if self.history else {}
            counts: dict[str, int] = {}
            for alert in self.alerts:
                counts[alert.rule] = counts.get(alert.rule, 0) + 1
            active = len(self.book.active)
        gauges: dict[str, list[tuple[str, float]]] = {}

        def add(name: str, labels: str, value: Any) -> None:
            if value is not None:
                gauges.setdefault(name, []).append((labels, float(value)))

        for source, stats in record.get("rewards", {}).items():
            where = f'source="{_label(source)}"'
            for key in ("mean", "std", "not_applicable_rate", "no_signal_share", "length_mean", "length_corr"):
                add(f"reward_{key}" if key in ("mean", "std") else key, where, stats.get(key))
            for kind, count in stats.get("errors", {}).items():
                add("error_rate", f'{where},kind="{kind}"', count / stats["n"] if stats.get("n") else None)
            for label, part in stats.get("components", {}).items():
                add("component_mean", f'{where},component="{_label(label)}"', part.get("mean"))
                add("component_share", f'{where},component="{_label(label)}"', part.get("share"))
        for pair, gold in record.get("gold", {}).items():
            add("gold_correlation", f'pair="{_label(pair)}"', gold.get("corr"))
            add("gold_mean", f'pair="{_label(pair)}"', gold.get("gold_mean"))
        lines = []
        for name, rows in gauges.items():
            lines += [f"# TYPE rewardsmith_monitor_{name} gauge"]
            lines += [f"rewardsmith_monitor_{name}{{{labels}}} {value:.6g}" for labels, value in rows]
        lines += [
            "# HELP rewardsmith_monitor_steps_total Monitor steps closed.",
            "# TYPE rewardsmith_monitor_steps_total counter",
            f"rewardsmith_monitor_steps_total {self.steps}",
            "# HELP rewardsmith_monitor_alerts_total Alerts raised (once per episode), by rule.",
            "# TYPE rewardsmith_monitor_alerts_total counter",
        ]
        lines += [f'rewardsmith_monitor_alerts_total{{rule="{rule}"}} {n}' for rule, n in sorted(counts.items())]
        lines += ["# TYPE rewardsmith_monitor_alerts_active gauge", f"rewardsmith_monitor_alerts_active {active}"]
        return lines


def _label(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


_shared: dict[tuple[str, int], Monitor] = {}
_shared_lock = threading.Lock()


def shared_monitor(log_dir: str | Path, every: int, **options: Any) -> Monitor:
    """One monitor per (folder, step size) in this process, writing ``monitor-<pid>.jsonl``.

    verl's reward workers and OpenRLHF's reward threads call the adapter once per sample from
    many threads (and verl from several processes): they share this one monitor, and each
    process writes its own file.
    """
    key = (str(Path(log_dir).resolve()), int(every))
    with _shared_lock:
        if key not in _shared:
            _shared[key] = Monitor(log_dir, every=every, file_name=f"monitor-{os.getpid()}.jsonl", **options)
        return _shared[key]
