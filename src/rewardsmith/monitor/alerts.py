"""Alert rules over the monitor's step records, each reported once per episode with its evidence.

A rule looks at the last ``window`` step records and says which of its conditions hold *now*
(one finding per source, gold pair or probe). An **episode** is a run of consecutive steps in
which a condition holds: the alert fires on the first step of the episode, stays quiet while it
lasts, and can fire again once the condition has cleared. Trend rules use the Mann–Kendall test
and the Theil–Sen slope (:mod:`rewardsmith.monitor.stats`) over the per-step means, so one noisy
step neither raises nor clears them.

The rules and their defaults (all in :class:`Thresholds`):

* ``proxy_gold_divergence``: the proxy rises (Mann–Kendall Z ≥ ``trend_z`` and a Theil–Sen rise
  ≥ ``min_rise`` over the window) while the gold does not (its Z < ``trend_z``): the
  over-optimisation signature of Gao et al., *Scaling Laws for Reward Model Overoptimization*
  (2023), where the proxy keeps climbing past the point where the gold reward turns;
* ``length_drift``: completion length trends (|Z| ≥ ``trend_z``) by at least
  ``length_drift`` of its median over the window;
* ``length_correlation``: |r(length, reward)| ≥ ``length_corr`` for ``patience`` steps;
* ``no_signal_groups``: the share of groups with no signal ≥ ``no_signal`` for ``patience`` steps;
* ``error_rate``: errors (any kind; the evidence counts them by kind) ≥ ``error_rate`` of a step;
* ``not_applicable_rate``: not-applicable results ≥ ``not_applicable_rate`` of a step;
* ``component_dominance``: one of several weighted components (weight-0 terms, such as a gold
  scored alongside, do not count) explains ≥ ``dominance`` of the variance for ``patience`` steps;
* ``probe_pays``: a hacking probe's exploit rate ≥ ``probe_rate`` on its latest run (the history
  must span the probe period: the monitor keeps ``probe_every`` + 1 steps at least).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from .stats import mann_kendall, theil_sen

Record = dict[str, Any]


@dataclass(frozen=True)
class Thresholds:
    """Every threshold of the default rules; a constructor argument each (like a spec)."""

    window: int = 20
    min_steps: int = 5
    trend_z: float = 1.645
    min_rise: float = 0.05
    length_drift: float = 0.2
    length_corr: float = 0.8
    no_signal: float = 0.5
    error_rate: float = 0.02
    not_applicable_rate: float = 0.25
    dominance: float = 0.9
    probe_rate: float = 0.2
    patience: int = 2


@dataclass(frozen=True)
class Finding:
    """A condition that holds at the newest step: which, where, why, and the numbers behind it."""

    rule: str
    subject: str
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.rule}:{self.subject}"


@dataclass(frozen=True)
class Alert:
    """A finding on the first step of its episode, as logged and written to the JSONL log."""

    rule: str
    subject: str
    step: int
    message: str
    evidence: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


Rule = Callable[[Sequence[Record], Thresholds], Iterator[Finding]]


def _series(history: Sequence[Record], path: Callable[..., Any]) -> tuple[list[int], list[float]]:
    # ``path(record)``; typed loosely because the callers' lambdas bind loop variables as defaults.
    steps, values = [], []
    for record in history:
        try:
            value = path(record)
        except (KeyError, TypeError):
            value = None
        if value is not None:
            steps.append(int(record["step"]))
            values.append(float(value))
    return steps, values


def _sustained(history: Sequence[Record], path: Callable[..., Any], test: Callable[[float], bool],
               patience: int) -> list[float] | None:
    """The last ``patience`` values when every one passes ``test`` (None otherwise)."""
    tail = history[-patience:]
    if len(tail) < patience:
        return None
    values = []
    for record in tail:
        try:
            value = path(record)
        except (KeyError, TypeError):
            return None
        if value is None or not test(float(value)):
            return None
        values.append(float(value))
    return values


def _trend(steps: list[int], values: list[float]) -> dict[str, float]:
    _, z = mann_kendall(values)
    slope = theil_sen(steps, values)
    return {"z": round(z, 4), "slope": slope, "rise": slope * (steps[-1] - steps[0]), "first": values[0],
            "last": values[-1]}


def proxy_gold_divergence(history: Sequence[Record], t: Thresholds) -> Iterator[Finding]:
    window = history[-t.window :]
    for pair in window[-1].get("gold", {}) if window else {}:
        steps, proxy = _series(window, lambda r, p=pair: r["gold"][p]["proxy_mean"])
        gold_steps, gold = _series(window, lambda r, p=pair: r["gold"][p]["gold_mean"])
        if len(proxy) < t.min_steps or len(gold) < t.min_steps:
            continue
        p, g = _trend(steps, proxy), _trend(gold_steps, gold)
        if p["z"] >= t.trend_z and p["rise"] >= t.min_rise and g["z"] < t.trend_z:
            yield Finding(
                "proxy_gold_divergence",
                pair,
                f"{pair}: the proxy rose {p['first']:.3g} -> {p['last']:.3g} over steps {steps[0]}-{steps[-1]} "
                f"(Mann-Kendall Z {p['z']:.2f}) while the gold did not rise: {g['first']:.3g} -> {g['last']:.3g} "
                f"(Z {g['z']:.2f})",
                {"steps": [steps[0], steps[-1]], "proxy": p, "gold": g},
            )


def length_drift(history: Sequence[Record], t: Thresholds) -> Iterator[Finding]:
    window = history[-t.window :]
    for source in window[-1].get("rewards", {}) if window else {}:
        steps, lengths = _series(window, lambda r, s=source: r["rewards"][s]["length_mean"])
        if len(lengths) < t.min_steps:
            continue
        trend = _trend(steps, lengths)
        median = sorted(lengths)[len(lengths) // 2]
        relative = abs(trend["rise"]) / max(median, 1.0)
        if abs(trend["z"]) >= t.trend_z and relative >= t.length_drift:
            way = "grew" if trend["rise"] > 0 else "shrank"
            yield Finding(
                "length_drift",
                source,
                f"{source}: completions {way} {trend['first']:.4g} -> {trend['last']:.4g} over steps "
                f"{steps[0]}-{steps[-1]} ({relative:.0%} of the median, Z {trend['z']:.2f})",
                {**trend, "relative": relative, "steps": [steps[0], steps[-1]]},
            )


def _threshold_rule(rule: str, key: str, limit: Callable[[Thresholds], float], what: str,
                    absolute: bool = False, patience: bool = True) -> Rule:
    def check(history: Sequence[Record], t: Thresholds) -> Iterator[Finding]:
        if not history:
            return
        bound = limit(t)
        for source, stats in history[-1].get("rewards", {}).items():
            values = _sustained(
                history,
                lambda r, s=source: r["rewards"][s][key],
                (lambda v: abs(v) >= bound) if absolute else (lambda v: v >= bound),
                t.patience if patience else 1,
            )
            if values is None:
                continue
            evidence: dict[str, Any] = {key: values[-1], "threshold": bound, "last_steps": values}
            if key == "error_rate":
                evidence["errors"] = {k: n for k, n in stats["errors"].items() if n}
            yield Finding(rule, source, f"{source}: {what} {values[-1]:.3g} (threshold {bound:g})", evidence)

    check.__name__ = rule
    return check


no_signal_groups = _threshold_rule(
    "no_signal_groups", "no_signal_share", lambda t: t.no_signal, "share of groups with no signal"
)
error_rate = _threshold_rule("error_rate", "error_rate", lambda t: t.error_rate, "error rate", patience=False)
not_applicable_rate = _threshold_rule(
    "not_applicable_rate", "not_applicable_rate", lambda t: t.not_applicable_rate, "not-applicable rate",
    patience=False,
)
length_correlation = _threshold_rule(
    "length_correlation", "length_corr", lambda t: t.length_corr, "correlation of length with the reward",
    absolute=True,
)


def component_dominance(history: Sequence[Record], t: Thresholds) -> Iterator[Finding]:
    if not history:
        return
    for source, stats in history[-1].get("rewards", {}).items():
        components = stats.get("components", {})
        weighted = [label for label, part in components.items() if part.get("weight") != 0.0]
        if len(weighted) < 2:  # a weight-0 term (a gold scored alongside) decides nothing
            continue
        for label in weighted:
            values = _sustained(
                history, lambda r, s=source, c=label: r["rewards"][s]["components"][c]["share"],
                lambda v: v >= t.dominance, t.patience,
            )
            if values is not None:
                yield Finding(
                    "component_dominance",
                    f"{source}/{label}",
                    f"{source}: component {label} explains {values[-1]:.0%} of the reward's variance",
                    {"share": values[-1], "threshold": t.dominance, "last_steps": values},
                )


def probe_pays(history: Sequence[Record], t: Thresholds) -> Iterator[Finding]:
    """On each probe's latest run in the history: probes run every K steps, and the episode
    lasts from one run to the next while the probe keeps paying."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for record in history:
        for source, probes in (record.get("probes") or {}).items():
            for name, outcome in probes.items() if isinstance(probes, dict) else ():
                if isinstance(outcome, dict):
                    latest[(source, name)] = outcome
    for (source, name), outcome in latest.items():
        rate = outcome.get("exploit_rate")
        if rate is not None and outcome.get("n") and rate >= t.probe_rate:
            yield Finding(
                "probe_pays",
                f"{source}/{name}",
                f"{source}: probe {name} pays on {rate:.0%} of {outcome['n']} sampled completions",
                outcome,
            )


RULES: dict[str, Rule] = {
    "proxy_gold_divergence": proxy_gold_divergence,
    "length_drift": length_drift,
    "length_correlation": length_correlation,
    "no_signal_groups": no_signal_groups,
    "error_rate": error_rate,
    "not_applicable_rate": not_applicable_rate,
    "component_dominance": component_dominance,
    "probe_pays": probe_pays,
}


class AlertBook:
    """Episodes: which conditions hold, and the alerts raised when one starts holding.

    >>> book = AlertBook(Thresholds(patience=1))
    >>> step = lambda n, rate: {"step": n, "rewards": {"r": {"error_rate": rate, "errors": {"crash": 1}}}}
    >>> history = [step(1, 0.5)]
    >>> [a.rule for a in book.update(history)], book.update(history + [step(2, 0.5)])
    (['error_rate'], [])
    """

    def __init__(self, thresholds: Thresholds | None = None, rules: Sequence[str] | None = None) -> None:
        self.thresholds = thresholds or Thresholds()
        unknown = [name for name in rules or () if name not in RULES]
        if unknown:
            raise ValueError(f"unknown alert rules {unknown}; known: {', '.join(RULES)}")
        self.rules = list(rules if rules is not None else RULES)  # names: the book pickles
        self.active: set[str] = set()

    def update(self, history: Sequence[Record]) -> list[Alert]:
        """The alerts whose episode starts at the newest record of ``history``."""
        findings = [f for name in self.rules for f in RULES[name](history, self.thresholds)]
        now = {f.key for f in findings}
        step = int(history[-1]["step"]) if history else 0
        fresh = [
            Alert(f.rule, f.subject, step, f.message, f.evidence) for f in findings if f.key not in self.active
        ]
        self.active = now
        return fresh
