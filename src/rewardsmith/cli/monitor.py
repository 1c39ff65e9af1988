"""``rewardsmith monitor LOG -o report.html``: draw a training run's reward monitor report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .app import EXIT_ERRORS, app, console


@app.command("monitor")
def monitor_command(
    log: Annotated[
        Path,
        typer.Argument(
            help="monitor.jsonl, its folder, a TRL trainer_state.json, a JSONL of logged metrics, or a scored file."
        ),
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="The HTML report (a folder gets report.html).")] = Path(
        "monitor-report.html"
    ),
    gold: Annotated[str, typer.Option(help="Name of the gold reward in a trainer's own log.")] = "gold",
    fail_on_alert: Annotated[bool, typer.Option(help="Exit 1 when the log holds an alert.")] = False,
    every: Annotated[
        int, typer.Option(min=1, help="A `rewardsmith score` output has no steps: records per step.")
    ] = 256,
) -> None:
    """Reward, gold and KL over steps, the Goodhart view, components, length, no-signal share, alerts."""
    from rewardsmith.monitor.log import find_log, load_records
    from rewardsmith.monitor.report import write_report

    records = load_records(log, gold=gold, every=every)
    if not records:
        console.print(f"[yellow]warning:[/] {find_log(log)} holds no step")
    path = write_report(records, output, str(find_log(log)))
    alerts = [a for r in records for a in r.get("alerts", [])]
    console.print(f"{len(records)} steps, {len(alerts)} alerts: {path}", highlight=False)
    for alert in alerts:
        console.print(f"  step {alert['step']}: {alert['rule']}: {alert.get('message', '')}", highlight=False)
    if fail_on_alert and alerts:
        raise typer.Exit(EXIT_ERRORS)
