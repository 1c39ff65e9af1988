"""Render a report as one self-contained HTML page: inline CSS and SVG, no scripts, no network."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from . import svg
from .efficiency import render_efficiency_html

CSS = (Path(__file__).parent / "report.css").read_text(encoding="utf-8")

TITLES = {
    "distribution": ("Distribution", "How the reward's values spread, and how often it fails to give one."),
    "components": (
        "Components",
        "Each term of the composed spec: its values, its share of the total, and whether "
        "one term decides the ranking alone.",
    ),
    "agreement": (
        "Agreement with labels",
        "Does the reward say what the labels say? Accuracy uses "
        "reward ≥ threshold; the best threshold is fitted on this data (optimistic).",
    ),
    "pairwise": ("Pairwise preference", "RewardBench style: the chosen completion must score strictly higher."),
    "best_of_n": (
        "Best-of-N robustness",
        "RewardMATH style: does the reward pick a correct completion among "
        "several? Ties are ranked pessimistically; curves are exact expectations over k-subsets.",
    ),
    "group_signal": (
        "Group signal",
        "Groups whose completions all get the same reward give GRPO zero "
        "advantages: no learning signal from that prompt.",
    ),
    "efficiency": (
        "Efficiency",
        "What the reward pays for length next to what length buys: accuracy by length within "
        "groups, the words that earn as much as a correct answer, and the length of its best-of-N pick.",
    ),
    "process": (
        "Process rewards",
        "ProcessBench earliest-error F1: harmonic mean of accuracy on flawed and on correct solutions.",
    ),
    "bias": ("Bias", "Does the reward pay for length, or for where the answer appears?"),
    "health": (
        "The reward's health",
        "Errors, timeouts, NaN, out-of-range values, non-determinism and "
        "speed: each is a finding, never folded into a score of 0.",
    ),
    "hacking": (
        "Reward hacking",
        "What a policy could exploit: probes on this data, the adversarial corpus and the attack search.",
    ),
    "agents": (
        "Agents",
        "tau-bench's pass^k over repeated trials of each task (for the reward and the stored outcome), "
        "and which turns a per-turn reward pays for.",
    ),
    "trajectory_hacking": (
        "Trajectory hacking",
        "An agent's shortcuts applied to real trajectories: stopping early, claiming success without "
        "acting, writing its own tool results, repeating calls, editing the tests.",
    ),
    "style_substance": (
        "Style or substance",
        "RM-Bench: each prompt's correct and subtly wrong answers in three styles; hard = the correct "
        "answer is plainer than the wrong one. A reward that pays for style scores high on easy, low on hard.",
    ),
    "mdp": (
        "Classical reward on an MDP",
        "The spec tabulated on every transition, its optimal policy searched for exploits, its effect "
        "on the reference reward's optimal policy, and its distance to the true reward: EPIC over every "
        "(s, a, s') with terminal states absorbing, and the shaping-invariant distance read on possible "
        "transitions only (0 = the same reward up to potential shaping and scale).",
    ),
}
CARDS = (
    ("accuracy", "accuracy"),
    ("auroc", "AUROC"),
    ("spearman", "Spearman ρ"),
    ("pairwise_accuracy", "pairwise acc."),
    ("top1_accuracy", "top-1 accuracy"),
    ("mrr", "MRR"),
    ("bon_accuracy", "best-of-N acc."),
    ("majority_at_n", "majority@N"),
    ("pass_at_n", "pass@N"),
    ("process_f1", "ProcessBench F1"),
    ("no_signal_groups", "no-signal groups"),
    ("error_rate", "error rate"),
    ("exploit_rate", "exploit rate"),
    ("mean_reward", "mean reward"),
)


def fmt(value: Any) -> str:
    """Numbers to 4 significant digits, None as an en dash, the rest as text."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e5 else f"{value:.3e}"
    return str(value)


def e(value: Any) -> str:
    return html.escape(fmt(value))


def table(rows: list[dict[str, Any]], columns: list[str] | None = None, text: tuple[str, ...] = ()) -> str:
    """An HTML table; numbers right-aligned, ``text`` columns in monospace with wrapping."""
    if not rows:
        return "<p>none</p>"
    columns = columns or list(rows[0])
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = []
    for row in rows:
        cells = []
        for c in columns:
            value = row.get(c)
            kind = (
                "text" if c in text else "n" if isinstance(value, int | float) and not isinstance(value, bool) else ""
            )
            cells.append(f'<td class="{kind}">{e(value)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def kv(pairs: dict[str, Any]) -> str:
    return table([{"name": k, "value": v} for k, v in pairs.items()])


def row(*parts: str) -> str:
    """Plots and tables side by side, wrapping on narrow screens."""
    return '<div class="row">' + "".join(parts) + "</div>"


def findings(items: list[dict[str, str]]) -> str:
    if not items:
        return ""
    lis = "".join(f'<li class="{html.escape(f["level"])}">{html.escape(f["text"])}</li>' for f in items)
    return f'<ul class="findings">{lis}</ul>'


def _distribution(s: dict[str, Any]) -> str:
    plot = svg.histogram(s["histogram"], "reward histogram") if s.get("histogram") else ""
    out = [
        row(
            plot,
            kv(
                {
                    "records": s["n"],
                    "with a value": s["ok"],
                    "errors": s["errors"],
                    "not applicable": s["not_applicable"],
                    **s["stats"],
                }
            ),
        )
    ]
    if s["error_reasons"]:
        out.append("<h3>Error reasons</h3>" + table(s["error_reasons"], ["reason", "count", "records"], ("reason",)))
    return "".join(out)


def _components(s: dict[str, Any]) -> str:
    plots = [
        svg.histogram(c["histogram"], c["label"], x_label=c["label"], color=svg.PALETTE[i % 6])
        for i, c in enumerate(s["components"])
        if c.get("histogram")
    ]
    rows = [
        {
            "component": c["label"],
            "weight": c["weight"],
            "mean": c["stats"]["mean"],
            "errors": c["errors"],
            "share of |total|": c["share"],
            "weighted range": c["weighted_range"],
            "overrides others": c["override_rate"],
            "dominant": c["dominant"],
        }
        for c in s["components"]
    ]
    corr = [
        {"": a, **{b: s["correlation"][i][j] for j, b in enumerate(s["labels"])}} for i, a in enumerate(s["labels"])
    ]
    return (
        f'<div class="plots">{"".join(plots)}</div>'
        + table(rows)
        + "<h3>Spearman correlation between components</h3>"
        + table(corr)
    )


def _agreement(s: dict[str, Any]) -> str:
    if s.get("kind") != "binary":
        return kv({"records": s["n"], "Spearman": s["spearman"], "Pearson": s.get("pearson")}) + (
            "<h3>Largest disagreements</h3>"
            + table(s["disagreements"], ["id", "reward", "label", "completion"], ("completion",))
        )
    at, best = s["at_threshold"], s["best_threshold"]
    calib = s["calibration"]["bins"]
    plot = svg.lines(
        [b["mean_score"] for b in calib],
        {"positive share": [b["positive_share"] for b in calib]},
        "calibration",
        "mean reward in bin",
        "share labelled 1",
        (0.0, 1.0),
        diagonal=s["calibration"]["kind"] == "equal-width",
    )
    out = [
        row(
            plot,
            kv(
                {
                    "records": s["n"],
                    "labelled 1": s["positives"],
                    "AUROC": s["auroc"],
                    "Spearman": s["spearman"],
                    f"accuracy at reward ≥ {fmt(at['threshold'])}": at["accuracy"],
                    "precision": at["precision"],
                    "recall": at["recall"],
                    "F1": at["f1"],
                    f"best accuracy (threshold {fmt(best['threshold'])})": best["accuracy"],
                    "ECE": s["calibration"]["ece"],
                }
            ),
        )
    ]
    out.append("<h3>Calibration</h3>" + table(calib))
    columns = ["id", "reward", "label", "reference", "completion"]
    out.append(
        "<h3>Correct but low reward (false negatives)</h3>" + table(s["false_negatives"], columns, ("completion",))
    )
    out.append(
        "<h3>Wrong but high reward (false positives)</h3>" + table(s["false_positives"], columns, ("completion",))
    )
    return "".join(out)


def _best_of_n(s: dict[str, Any]) -> str:
    curve = s["curve"]
    series = {"reward's pick (best-of-k)": curve["reward"], "pass@k (oracle)": curve["pass"]}
    if any(v is not None for v in curve["majority"]):
        series["majority vote"] = curve["majority"]
    plot = svg.lines(curve["k"], series, "best-of-k", "k (completions per prompt)", "accuracy")
    rows = [
        {"k": k, "best-of-k": r, "majority@k": m, "pass@k": p}
        for k, r, m, p in zip(curve["k"], curve["reward"], curve["majority"], curve["pass"], strict=True)
    ]
    return row(
        plot,
        kv(
            {
                "groups": s["groups"],
                "groups with right and wrong completions": s["discriminative_groups"],
                "top-1 accuracy": s["top1_accuracy"],
                "mean reciprocal rank": s["mrr"],
            }
        ),
        table(rows),
    )


def _group_signal(s: dict[str, Any]) -> str:
    plot = svg.histogram(
        s["solve_rate_histogram"], "solve rate per group", x_label="share of group rewarded ≥ threshold"
    )
    flat = {f"all {k}": v for k, v in s["no_signal_by_value"].items()}
    return row(
        plot,
        kv(
            {
                "groups": s["groups"],
                "groups without signal": s["no_signal_groups"],
                **flat,
                "mean within-group std": s["mean_within_group_std"],
            }
        ),
    )


def _process(s: dict[str, Any]) -> str:
    if not s["n"]:
        return ""
    out = [kv({"solutions": s["n"], "source": s["source"]})]
    at = s["at_threshold"]
    out.append("<h3>At a fixed threshold</h3>" + table([at]))
    if s.get("searched"):
        out.append("<h3>Best threshold (searched, as ProcessBench)</h3>" + table([s["searched"]]))
    return "".join(out)


def _bias(s: dict[str, Any]) -> str:
    scatter = s["length_scatter"]
    plot = svg.scatter(
        scatter["length"], scatter["reward"], "reward vs length", "completion length (characters)", "reward"
    )
    by_label = {f"Spearman(reward, length) among label {k}": v for k, v in s["length_spearman_by_label"].items()}
    return row(
        plot,
        kv(
            {
                "Spearman(reward, length)": s["length_spearman"],
                "mean within-group Spearman": s["length_spearman_within_groups"],
                **by_label,
            }
        ),
        "<div><h3>Reward by position of the reference answer</h3>" + table(s["answer_position"]) + "</div>",
    )


def _health(s: dict[str, Any]) -> str:
    t = s["timing"]
    rec = s.get("recheck") or {}
    out = [
        kv(
            {
                "errors": s["errors"],
                "timeouts": s["timeouts"],
                "non-finite values": s["nonfinite"],
                "declared range": s["value_range"],
                "values out of range": s["out_of_range"],
                "records scored twice": rec.get("n"),
                "of which differed": rec.get("differing"),
                "total seconds": t.get("total_s"),
                "ms per record (mean)": t.get("mean_ms"),
                "ms per record (p95)": t.get("p95_ms"),
            }
        )
    ]
    if rec.get("examples"):
        out.append("<h3>Different results when scored twice</h3>" + table(rec["examples"]))
    out.append(
        "<h3>Slowest records</h3>"
        + table(t.get("slowest", []), ["id", "ms", "reward", "error", "completion"], ("completion", "error"))
    )
    return "".join(out)


def generic(value: Any, depth: int = 0) -> str:
    """Any JSON value as nested tables: how sections we do not know (the hacking audit) render."""
    if isinstance(value, dict):
        scalars = {k: v for k, v in value.items() if not isinstance(v, dict | list)}
        nested = {k: v for k, v in value.items() if isinstance(v, dict | list)}
        rows = [v for v in nested.values() if isinstance(v, dict)]
        if len(rows) == len(nested) > 1 and all(all(not isinstance(x, dict | list) for x in r.values()) for r in rows):
            return kv(scalars) + table([{"name": k, **v} for k, v in nested.items() if isinstance(v, dict)])
        out = [kv(scalars)] if scalars else []
        for key, inner in nested.items():
            out.append(f"<h3>{html.escape(str(key))}</h3>{generic(inner, depth + 1)}")
        return "".join(out)
    if isinstance(value, list):
        if value and all(isinstance(v, dict) for v in value):
            columns = list(dict.fromkeys(k for v in value for k in v if not isinstance(v[k], dict | list)))
            texts = tuple(c for c in columns if any(isinstance(v.get(c), str) and len(v[c]) > 40 for v in value))
            return table(value[:50], columns, texts)
        return f"<p>{html.escape(', '.join(fmt(v) for v in value[:50]))}</p>"
    return f"<p>{e(value)}</p>"


def _hacking(section: dict[str, Any]) -> str:
    """The hacking audit's own renderer when it has one, else the generic tables."""
    try:
        from rewardsmith.audit.probes import render_hacking_html
    except ImportError:
        return generic({k: v for k, v in section.items() if k != "findings"})
    return render_hacking_html(section)


RENDERERS = {
    "distribution": _distribution,
    "components": _components,
    "agreement": _agreement,
    "best_of_n": _best_of_n,
    "group_signal": _group_signal,
    "efficiency": render_efficiency_html,
    "process": _process,
    "bias": _bias,
    "health": _health,
    "hacking": _hacking,
    "pairwise": lambda s: (
        kv({"pairs": s["n"], "pairs without a value": s["pairs_without_value"]}) + table(s["subsets"])
    ),
}


def render(report: dict[str, Any]) -> str:
    """The whole page."""
    meta, metrics, sections = report["meta"], report["metrics"], report["sections"]
    badge = ""
    if report["rules"]:
        badge = (
            '<span class="badge fail">GATE FAILED</span>'
            if report["failed"]
            else '<span class="badge pass">GATE PASSED</span>'
        )
    cards = "".join(
        f'<div class="card"><div class="v">{e(metrics[k])}</div><div class="k">{html.escape(label)}</div></div>'
        for k, label in CARDS
        if k in metrics
    )
    nav = "".join(f'<a href="#{name}">{TITLES.get(name, (name,))[0]}</a>' for name in sections)
    parts = []
    for name, section in sections.items():
        title, why = TITLES.get(name, (name, ""))
        body = RENDERERS.get(name, generic)(section)
        parts.append(
            f'<section id="{name}"><h2>{html.escape(title)}</h2><p class="why">{html.escape(why)}</p>'
            f"{findings(section.get('findings', []))}{body}</section>"
        )
    rules = ""
    if report["rules"]:
        rows = [
            {"rule": r["rule"], "value": r["value"], "result": "FAILED" if r["failed"] else "ok"}
            for r in report["rules"]
        ]
        rules = "<section id='rules'><h2>CI gate (--fail-on)</h2>" + table(rows) + "</section>"
    data = f" on {html.escape(str(meta['data']))}" if meta.get("data") else ""
    spec = html.escape(json.dumps(meta.get("spec"), indent=2, default=str))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>rewardsmith audit: {html.escape(meta["reward"])}</title><style>{CSS}</style></head>
<body><main><header><h1>Audit of <code>{html.escape(meta["reward"])}</code>{data}{badge}</h1>
<div class="meta">{e(meta["records"])} records · threshold {e(meta["threshold"])} · seed {e(meta["seed"])} ·
spec hash {e(meta.get("spec_hash"))} · {e(meta["created"])}</div></header>
<div class="cards">{cards}</div>{findings(report["findings"])}{rules}<nav>{nav}</nav>{"".join(parts)}
<details><summary>spec</summary><pre>{spec}</pre></details></main></body></html>
"""
