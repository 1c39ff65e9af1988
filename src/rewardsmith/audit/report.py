"""Write the audit's outputs: ``report.json`` (every number), ``report.html`` (one page), and the
summary table printed on the terminal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.table import Table

from rewardsmith.core.composition import json_default

from .html import CARDS, fmt, render

SUMMARY_EXTRA = (
    "accuracy_best",
    "precision",
    "recall",
    "pass_at_1",
    "timeout_rate",
    "nondeterministic_rate",
    "out_of_range_rate",
    "length_spearman",
    "seconds_per_record",
)


def write_report(report: dict[str, Any], out_dir: str | Path) -> dict[str, Path]:
    """Write ``report.json`` and ``report.html`` into ``out_dir`` (created if needed)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "report.json", "html": out / "report.html"}
    text = json.dumps(report, indent=1, ensure_ascii=False, default=json_default)
    paths["json"].write_text(text + "\n", encoding="utf-8")
    paths["html"].write_text(render(report), encoding="utf-8")
    return paths


def summary_table(report: dict[str, Any]) -> Table:
    """The headline numbers, findings and gate results as a rich table."""
    metrics = report["metrics"]
    table = Table(title=f"audit of {report['meta']['reward']} ({report['meta']['records']} records)")
    table.add_column("metric", style="bold")
    table.add_column("value", justify="right")
    names = [name for name, _ in CARDS] + list(SUMMARY_EXTRA)
    for name in names:
        if name in metrics:
            table.add_row(name, fmt(metrics[name]))
    for item in report["findings"]:
        colour = {"bad": "red", "warn": "yellow"}.get(item["level"], "dim")
        table.add_row(f"[{colour}]{item['level']}[/]", f"[{colour}]{item['text']}[/]")
    for rule in report["rules"]:
        verdict = "[red]FAILED[/]" if rule["failed"] else "[green]ok[/]"
        table.add_row(f"--fail-on {rule['rule']}", f"{fmt(rule['value'])}  {verdict}")
    return table
