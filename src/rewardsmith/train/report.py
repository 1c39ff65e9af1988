"""``report.html`` of a training run: the loss curve, the evaluation metric after every epoch,
the final metrics, the bad records with their ``file:line``, and the audit of the final model
(written beside it as ``audit/report.html``)."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any


def _loss_plot(history: list[dict[str, Any]]) -> str:
    from rewardsmith.audit.svg import lines

    losses = [h for h in history if "loss" in h]
    if len(losses) < 2:
        return ""
    return lines([float(h["step"]) for h in losses], {"training loss": [h["loss"] for h in losses]},
                 "Training loss", "step", "loss")


def _epoch_section(history: list[dict[str, Any]]) -> str:
    from rewardsmith.audit.html import table
    from rewardsmith.audit.svg import lines

    epochs = [h for h in history if any(k.startswith("eval_") for k in h)]
    if not epochs:
        return ""
    names = sorted({k for h in epochs for k in h if k.startswith("eval_")})
    part = "<h2>Evaluation after every epoch</h2>" + table(
        [{"epoch": round(float(h["epoch"]), 3), "step": h["step"], **{n: h.get(n) for n in names}} for h in epochs]
    )
    if len(epochs) > 1:
        part += lines([float(h["epoch"]) for h in epochs], {n: [h.get(n) for h in epochs] for n in names},
                      "Evaluation per epoch", "epoch", "value", y_range=(0.0, 1.0))
    return part


def write_report(
    out: Path,
    kind: str,
    spec: dict[str, Any],
    metrics: dict[str, Any],
    history: list[dict[str, Any]],
    bad: list[tuple[str, str]],
    audit: dict[str, Any] | None,
) -> Path:
    """Write ``out/report.html`` (and ``out/audit/`` when there is an audit); return its path."""
    from rewardsmith.audit.html import CSS, kv, table

    parts = [f"<h1>Training report: {html.escape(kind)}</h1>", kv({"spec": json.dumps(spec)}), _loss_plot(history)]
    parts.append(_epoch_section(history))
    flat = {k: (json.dumps(v, default=float) if isinstance(v, dict | list) else v) for k, v in metrics.items()}
    parts.append("<h2>Final metrics (the saved folder, scored as its spec)</h2>" + kv(flat))
    if bad:
        parts.append(
            f"<h2>Bad records ({len(bad)}, left out)</h2>"
            + table([{"where": w, "why": why} for w, why in bad[:100]], text=("where", "why"))
        )
    if audit is not None:
        from rewardsmith.audit.report import write_report as write_audit

        write_audit(audit, out / "audit")
        parts.append('<h2>Audit of the final model</h2><p><a href="audit/report.html">audit/report.html</a></p>')
        parts.append(kv({k: v for k, v in audit["metrics"].items() if isinstance(v, int | float)}))
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>rewardsmith training report</title>"
        f"<style>{CSS}</style></head><body><main>{''.join(parts)}</main></body></html>"
    )
    path = out / "report.html"
    temporary = path.with_suffix(".html.partial")
    temporary.write_text(page, encoding="utf-8")
    temporary.replace(path)
    return path
