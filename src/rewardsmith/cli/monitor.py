"""``rewardsmith monitor LOG -o report.html``: draw a training run's reward monitor report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from .app import EXIT_ERRORS, app, console


def _report_path(output: Path) -> Path:
    """Where the report goes (as ``write_report`` decides), checked before the log is read: an
    ``.html`` path is the file, anything else a folder that gets report.html."""
    from rewardsmith.io.writer import OutputPathError, check_output_file, check_output_folder

    if not output.is_dir() and output.suffix.lower() in (".html", ".htm"):
        check_output_file(output)
        return output
    if output.exists() and not output.is_dir():
        raise OutputPathError(output, "is a file that is not .html; give an .html file to write or a folder")
    check_output_folder(output)
    check_output_file(output / "report.html")
    return output / "report.html"


def _bad_step(value: Any) -> bool:
    """Whether a log's ``step`` is not an integer (a number with a fraction, a word, a bool, null)."""
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return False
    if isinstance(value, float):
        return not value.is_integer()
    if isinstance(value, str):
        return not value.strip().lstrip("-").isdigit()
    return True


def _check_steps(file: Path) -> None:
    """Every ``step`` of a trainer or monitor log is an integer, named by file and line when not
    (the reader would stop on ``int('two')`` with a traceback, or round 2.5 down silently)."""
    from rewardsmith.monitor.log import LogError

    if file.name.endswith(".json"):
        try:
            state = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return  # the reader reports it
        history = state.get("log_history") if isinstance(state, dict) else None
        for index, entry in enumerate(history if isinstance(history, list) else []):
            if isinstance(entry, dict) and "step" in entry and _bad_step(entry["step"]):
                raise LogError(f"{file}: log_history[{index}].step is {entry['step']!r}, not an integer step")
        return
    try:
        with file.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                try:
                    entry = json.loads(line) if line.strip() else None
                except ValueError:
                    return  # the reader reports it
                if isinstance(entry, dict) and "step" in entry and _bad_step(entry["step"]):
                    raise LogError(f"{file}:{number}: 'step' is {entry['step']!r}, not an integer step")
    except (OSError, UnicodeDecodeError) as exc:
        raise LogError(f"{file}: cannot read the log ({exc})") from None


def _names(records: list[dict[str, Any]]) -> set[str]:
    """The reward names a log holds: its rewards and the gold of each proxy/gold pair."""
    names: set[str] = set()
    for record in records:
        rewards = record.get("rewards")
        if isinstance(rewards, dict):
            names.update(str(name) for name in rewards)
        pairs = record.get("gold")
        if isinstance(pairs, dict):
            names.update(str(pair["gold"]) for pair in pairs.values() if isinstance(pair, dict) and pair.get("gold"))
    return names


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
    gold: Annotated[
        str | None, typer.Option(help="Name of the gold reward in a trainer's own log [default: gold].")
    ] = None,
    fail_on_alert: Annotated[bool, typer.Option(help="Exit 1 when the log holds an alert.")] = False,
    every: Annotated[
        int, typer.Option(min=1, help="A `rewardsmith score` output has no steps: records per step.")
    ] = 256,
) -> None:
    """Reward, gold and KL over steps, the Goodhart view, components, length, no-signal share, alerts."""
    from rewardsmith.monitor.log import find_log, load_records
    from rewardsmith.monitor.report import write_report

    target = _report_path(output)
    file = find_log(log)
    _check_steps(file)
    records = load_records(log, gold=gold or "gold", every=every)
    if not records:
        console.print(f"[yellow]warning:[/] {file} holds no step")
    elif gold is not None and gold not in _names(records):
        known = ", ".join(sorted(_names(records))[:10]) or "none"
        raise typer.BadParameter(f"{file} holds no reward named {gold!r} (its rewards: {known})", param_hint="--gold")
    path = write_report(records, target, str(file))
    alerts = [a for r in records for a in r.get("alerts", [])]
    console.print(f"{len(records)} steps, {len(alerts)} alerts: {path}", highlight=False)
    for alert in alerts:
        console.print(f"  step {alert['step']}: {alert['rule']}: {alert.get('message', '')}", highlight=False)
    if fail_on_alert and alerts:
        raise typer.Exit(EXIT_ERRORS)
