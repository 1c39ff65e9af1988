"""The training-time report: one self-contained HTML page (inline CSS and SVG, no scripts).

From the monitor's step records (:func:`rewardsmith.monitor.log.load_records`) it draws the
reward of every source and the gold over steps, the KL when the trainer logged one, the Goodhart
view (gold against proxy, one point per step: Gao et al., *Scaling Laws for Reward Model
Overoptimization*, 2023, plot the gold reward against the proxy as optimisation proceeds; a
healthy run climbs the diagonal, a hacked one runs right along the floor), the components'
variance shares, completion length and its correlation with the reward, the no-signal, error and
not-applicable rates, the probes' exploit rates, and every alert on a timeline with its evidence.
It reuses the audit report's SVG helpers and stylesheet.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rewardsmith.audit import svg
from rewardsmith.audit.html import CSS, e, row, table

Record = dict[str, Any]


def _get(record: Record, *path: str) -> Any:
    value: Any = record
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _series(records: Sequence[Record], pick: Callable[..., Any]) -> list[float | None]:
    # ``pick(record)``; typed loosely because the callers' lambdas bind loop variables as defaults.
    out = []
    for record in records:
        value = pick(record)
        out.append(float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None)
    return out


def _chart(steps: list[float], series: dict[str, list[float | None]], title: str, y_label: str,
           y_range: tuple[float, float] | None = None) -> str:
    kept = {name: ys for name, ys in series.items() if any(v is not None for v in ys)}
    if not kept or not steps:
        return ""
    return svg.lines(steps, kept, title, "step", y_label, y_range=y_range)


def timeline(steps: list[float], alerts: list[dict[str, Any]]) -> str:
    """Alerts on the step axis: one row per rule, a marker at each step an episode began."""
    rules = list(dict.fromkeys(a["rule"] for a in alerts))
    if not rules or not steps:
        return ""
    first, last = min(steps), max(steps)
    span = (last - first) or 1.0
    left, right, top, row_height = 190, 20, 16, 24
    width, height = 760, top + row_height * len(rules) + 34

    def x(step: float) -> float:
        return left + (step - first) / span * (width - left - right)

    parts = []
    for index, rule in enumerate(rules):
        y = top + row_height * index + row_height / 2
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y}" y2="{y}" class="grid"/>')
        parts.append(f'<text x="{left - 8}" y="{y + 4}" text-anchor="end" class="label">{html.escape(rule)}</text>')
        for alert in (a for a in alerts if a["rule"] == rule):
            tip = html.escape(f"step {alert['step']}: {alert.get('message', '')}")
            parts.append(f'<circle cx="{x(alert["step"]):.1f}" cy="{y}" r="6" fill="#c0392b"><title>{tip}</title>'
                         "</circle>")
    base = top + row_height * len(rules) + 6
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{base}" y2="{base}" class="axis"/>')
    ticks = sorted({first, last, *(a["step"] for a in alerts)})
    parts += [f'<text x="{x(t):.1f}" y="{base + 16}" text-anchor="middle">{e(t)}</text>' for t in ticks]
    return (f'<svg class="plot timeline" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
            f'xmlns="http://www.w3.org/2000/svg"><title>alerts by step</title>{"".join(parts)}</svg>')


def goodhart(steps: list[float], proxy: list[float | None], gold: list[float | None], pair: str) -> str:
    """Gold against proxy, one numbered point per step joined in step order (a trajectory)."""
    points = [(t, a, b) for t, a, b in zip(steps, proxy, gold, strict=True) if a is not None and b is not None]
    if not points:
        return ""
    width, height, left, right, top, bottom = 460, 260, 56, 16, 16, 46

    def scale(values: list[float]) -> tuple[float, float]:
        low, high = min(values), max(values)
        pad = (high - low) * 0.08 or 0.5
        return low - pad, high + pad

    (x0, x1), (y0, y1) = scale([a for _, a, _ in points]), scale([b for _, _, b in points])

    def x(value: float) -> float:
        return left + (value - x0) / (x1 - x0) * (width - left - right)

    def y(value: float) -> float:
        return height - bottom - (value - y0) / (y1 - y0) * (height - top - bottom)

    parts = [f'<line x1="{left}" x2="{width - right}" y1="{height - bottom}" y2="{height - bottom}" class="axis"/>',
             f'<line x1="{left}" x2="{left}" y1="{top}" y2="{height - bottom}" class="axis"/>']
    for value in (x0, (x0 + x1) / 2, x1):
        parts.append(f'<text x="{x(value):.1f}" y="{height - bottom + 16}" text-anchor="middle">{value:.3g}</text>')
    for value in (y0, (y0 + y1) / 2, y1):
        parts.append(f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{value:.3g}</text>')
    parts.append(f'<text x="{(left + width - right) / 2}" y="{height - 8}" text-anchor="middle" class="label">'
                 f"proxy ({html.escape(pair)}) mean</text>")
    parts.append(f'<text transform="translate(13,{(top + height - bottom) / 2}) rotate(-90)" text-anchor="middle" '
                 'class="label">gold mean</text>')
    path = " ".join(f"{x(a):.1f},{y(b):.1f}" for _, a, b in points)
    parts.append(f'<polyline points="{path}" fill="none" stroke="{svg.PALETTE[0]}" stroke-width="1.5" '
                 'stroke-opacity="0.6"/>')
    for index, (step, a, b) in enumerate(points):
        color = svg.PALETTE[4] if index == len(points) - 1 else svg.PALETTE[0]
        tip = html.escape(f"step {step:g}: proxy {a:.4g}, gold {b:.4g}")
        parts.append(f'<circle cx="{x(a):.1f}" cy="{y(b):.1f}" r="5" fill="{color}"><title>{tip}</title></circle>')
        parts.append(f'<text x="{x(a) + 7:.1f}" y="{y(b) - 6:.1f}">{step:g}</text>')
    return (f'<svg class="plot goodhart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'role="img" xmlns="http://www.w3.org/2000/svg"><title>Goodhart: gold against {html.escape(pair)}'
            f'</title>{"".join(parts)}</svg>')


def _section(name: str, title: str, why: str, body: str) -> str:
    if not body:
        return ""
    return (f'<section id="{name}"><h2>{html.escape(title)}</h2><p class="why">{html.escape(why)}</p>'
            f"{body}</section>")


def render(records: Sequence[Record], source: str = "") -> str:
    """The whole page for ``records`` (the monitor's step records, in step order)."""
    steps = [float(r["step"]) for r in records]
    sources = list(dict.fromkeys(s for r in records for s in r.get("rewards", {})))
    pairs = list(dict.fromkeys(p for r in records for p in r.get("gold", {})))
    alerts = [a for r in records for a in r.get("alerts", [])]
    sections = []

    rewards = {name: _series(records, lambda r, s=name: _get(r, "rewards", s, "mean")) for name in sources}
    for pair in pairs:
        gold = _series(records, lambda r, p=pair: _get(r, "gold", p, "gold_mean"))
        label = f"gold ({pair})"
        if not any(_get(r, "gold", pair, "gold") in sources for r in records):
            rewards[label] = gold
    kl = _series(records, lambda r: _get(r, "trainer", "kl"))
    reward_plots = [_chart(steps, rewards, "mean reward by step", "mean reward")]
    reward_plots.append(_chart(steps, {"KL": kl}, "KL to the reference policy", "KL"))
    sections.append(_section("rewards", "Reward, gold and KL", "The mean of every reward the trainer scored, the "
                             "gold signal next to it, and the KL the trainer logged.", row(*reward_plots)))

    trajectory = []
    for pair in pairs:
        proxy = _series(records, lambda r, p=pair: _get(r, "gold", p, "proxy_mean"))
        gold = _series(records, lambda r, p=pair: _get(r, "gold", p, "gold_mean"))
        trajectory.append(goodhart(steps, proxy, gold, pair))
        corr = _series(records, lambda r, p=pair: _get(r, "gold", p, "corr"))
        trajectory.append(_chart(steps, {f"r(proxy, gold) {pair}": corr}, "proxy-gold correlation within a step",
                               "Pearson r", (-1.0, 1.0)))
    sections.append(_section("goodhart", "Proxy against gold", "One point per step. A reward that is being "
                             "hacked climbs on the proxy axis while the gold stays flat or falls; the last step is "
                             "red.",
                             row(*trajectory) if any(trajectory) else ""))

    shares = {}
    for name in sources:
        labels = list(dict.fromkeys(c for r in records for c in (_get(r, "rewards", name, "components") or {})))
        for label in labels:
            shares[f"{name}/{label}"] = _series(records, lambda r, s=name, c=label: _get(
                r, "rewards", s, "components", c, "share"))
    sections.append(_section("components", "Component shares", "Share of the reward's variance each component "
                             "explains, Cov(w·r_i, R)/Var(R): one near 1 decides the ranking alone.",
                             _chart(steps, shares, "variance share by step", "share")))

    length = {n: _series(records, lambda r, s=n: _get(r, "rewards", s, "length_mean")) for n in sources}
    length_corr = {n: _series(records, lambda r, s=n: _get(r, "rewards", s, "length_corr")) for n in sources}
    sections.append(_section("length", "Completion length", "Mean completion length, and its correlation with "
                             "the reward within a step (a reward that pays for length shows up here first).",
                             row(_chart(steps, length, "mean completion length", "length"),
                                 _chart(steps, length_corr, "r(length, reward)", "Pearson r", (-1.0, 1.0)))))

    rates = {}
    for name in sources:
        for key, label in (("no_signal_share", "no signal"), ("error_rate", "errors"),
                           ("not_applicable_rate", "not applicable")):
            rates[f"{name}: {label}"] = _series(records, lambda r, s=name, k=key: _get(r, "rewards", s, k))
    sections.append(_section("signal", "No-signal groups, errors, not applicable", "Groups whose completions all "
                             "get the same reward give GRPO no signal; errors and not-applicable results are "
                             "counted by kind, never read as 0.", _chart(steps, rates, "rates by step", "share",
                                                                         (0.0, 1.0))))

    probes: dict[str, None] = {}
    for r in records:
        for name, found in (r.get("probes") or {}).items():
            for probe in found if isinstance(found, dict) else {}:
                probes.setdefault(f"{name}/{probe}", None)
    probe_series = {key: _series(records, lambda r, k=key: _get(r, "probes", *k.split("/", 1), "exploit_rate"))
                    for key in probes}
    sections.append(_section("probes", "Hacking probes", "Exploit rate of the cheap audit probes on a small "
                             "sample of real completions, every K steps.",
                             _chart(steps, probe_series, "exploit rate by step", "exploit rate", (0.0, 1.0))))

    rows = [{"step": a["step"], "rule": a["rule"], "subject": a.get("subject", ""), "message": a.get("message", ""),
             "evidence": json.dumps(a.get("evidence", {}), default=str)[:600]} for a in alerts]
    sections.append(_section("alerts", "Alerts", "Each alert is reported once per episode (the first step its "
                             "condition holds), with the numbers behind it.",
                             timeline(steps, alerts) + table(rows, text=("message", "evidence")) if alerts else
                             "<p>no alert was raised</p>"))

    last = records[-1] if records else {}
    cards = {"steps": len(records), "alerts": len(alerts)}
    for name in sources[:3]:
        cards[f"{name} (last)"] = _get(last, "rewards", name, "mean")
    for pair in pairs[:2]:
        if _get(last, "gold", pair, "gold") not in sources:
            cards[f"gold for {pair} (last)"] = _get(last, "gold", pair, "gold_mean")
    card_html = "".join(f'<div class="card"><div class="v">{e(v)}</div><div class="k">{html.escape(k)}</div></div>'
                        for k, v in cards.items())
    badge = f'<span class="badge fail">{len(alerts)} ALERTS</span>' if alerts else \
        '<span class="badge pass">NO ALERT</span>'
    body = "".join(sections)
    nav = "".join(f'<a href="#{n}">{n}</a>' for n in ("rewards", "goodhart", "components", "length", "signal",
                                                      "probes", "alerts") if f'id="{n}"' in body)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>rewardsmith monitor</title><style>{CSS}</style></head>
<body><main><header><h1>Reward monitor{badge}</h1>
<div class="meta">{html.escape(source)} · steps {e(steps[0] if steps else None)}–{e(steps[-1] if steps else None)}
· sources {html.escape(", ".join(sources))}</div></header>
<div class="cards">{card_html}</div><nav>{nav}</nav>{body}</main></body></html>
"""


def write_report(records: Sequence[Record], output: str | Path, source: str = "") -> Path:
    """Write the page to ``output`` (a file name, or a folder that gets ``report.html``)."""
    path = Path(output)
    if path.is_dir() or path.suffix.lower() not in (".html", ".htm"):
        path = path / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(records, source), encoding="utf-8")
    return path
