"""``rewardsmith score SPEC DATA -o OUT.jsonl``: score a data file and print a summary."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .app import EXIT_ERRORS, app, console, fail
from .audit import load_spec

if TYPE_CHECKING:
    from rich.console import Console


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.4g}"


def print_summary(rows: list[dict], root: str, out: Console) -> None:
    from rich.table import Table

    from rewardsmith.summary import error_kinds, error_reasons, judge_usage, summarize

    table = Table(title=f"rewards ({len(rows)} records)")
    table.add_column("component", overflow="fold")
    for column in ("count", "mean", "std", "min", "max", "errors", "n/a"):
        table.add_column(column, justify="right", no_wrap=True)
    for stats in summarize(rows, root):
        table.add_row(
            stats["name"], str(stats["count"]), _fmt(stats["mean"]), _fmt(stats["std"]),
            _fmt(stats["min"]), _fmt(stats["max"]), str(stats["errors"]), str(stats["not_applicable"]),
        )
    out.print(table)
    usage = judge_usage(rows)
    if usage:
        out.print(
            f"judge calls: {usage['calls']} ({usage['cached']} from the cache), tokens {usage['prompt_tokens']} in "
            f"/ {usage['completion_tokens']} out, cost ${usage['cost']:.4f}",
            highlight=False,
        )
    kinds = error_kinds(rows)
    if kinds:
        out.print("errors by kind: " + ", ".join(f"{kind} {count}" for kind, count in kinds), highlight=False)
    reasons = error_reasons(rows)
    if reasons:
        out.print("[bold]most common errors[/]")
        for reason, count in reasons:
            out.print(f"  {count:>6}  {reason}", highlight=False, markup=False)


def _refuse_output_fields_in(data: Path) -> None:
    """Exit 2 when a record already holds a field score writes: its value would be lost (a
    transition's ``reward`` is the environment's; a scored file's is the old score)."""
    from rewardsmith.core import RewardResult
    from rewardsmith.io.readers import first_record_with

    written = list(RewardResult.ok(0.0).to_dict())  # the fields every output row gets
    found = first_record_with(data, written)
    if found is not None:
        where, held = found
        them = "it" if len(held) == 1 else "them"
        raise fail(
            f"{where}: the record already has {', '.join(map(repr, held))}, which score writes its result to; "
            f"rename {them} in the data, or pass --replace-reward to overwrite {them}"
        )


def _refuse_output_onto_input(data: Path, output: Path) -> None:
    """Exit 2 when OUTPUT is DATA itself (the same path, another path or a link to it): the
    atomic rename would replace the data with its scores."""
    same = output.resolve() == data.resolve()
    if not same and output.exists() and data.exists():
        try:
            same = output.samefile(data)
        except OSError:
            same = False
    if same:
        raise fail(f"{output}: the output is the data file {data}; scoring would overwrite it — give another -o path")


@app.command("score")
def score_command(
    spec: Annotated[str, typer.Argument(help="Spec file, component name, inline '{type: ...}', or module:function.")],
    data: Annotated[Path, typer.Argument(help="JSONL, JSON, CSV, Parquet, or a datasets folder.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the scored JSONL.")],
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", help="FIELD=SOURCE: take a standard field from another (dotted) field."),
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Processes to score in parallel.")] = 1,
    batch_size: Annotated[int, typer.Option(min=1, help="Records per batch (groups are never split).")] = 64,
    resume: Annotated[bool, typer.Option(help="Continue an interrupted run of the same spec and data.")] = False,
    replace_reward: Annotated[
        bool,
        typer.Option(
            "--replace-reward",
            help="Let the output's reward, reward_error, reward_error_kind and reward_details replace input "
            "fields of those names (re-scoring a scored file); without it such data is refused.",
        ),
    ] = False,
    max_error_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Exit 1 when the share of errors exceeds this.")
    ] = 0.0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no summary.")] = False,
    cache: Annotated[
        Path | None,
        typer.Option(help="SQLite result cache shared with `serve` (keyed by spec hash and sample)."),
    ] = None,
    ray: Annotated[
        str | None,
        typer.Option(
            "--ray", metavar="[ADDRESS]",
            help="Score on a Ray cluster (ADDRESS, 'auto', or a local instance when none is given).",
        ),
    ] = None,
) -> None:
    """Score every record of DATA with SPEC; write each record plus reward, reward_error,
    reward_error_kind and reward_details to OUTPUT, in input order, atomically."""
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from rewardsmith.io.readers import parse_mapping
    from rewardsmith.io.writer import check_output_file
    from rewardsmith.runner import score_file

    check_output_file(output)
    _refuse_output_onto_input(data, output)
    if not replace_reward:
        _refuse_output_fields_in(data)
    reward = load_spec(spec)
    cached = None
    if cache is not None:
        from rewardsmith.serve.cache import CachedReward

        reward = cached = CachedReward(reward, cache)
    mapping = parse_mapping(map_)
    show_progress = not quiet and sys.stderr.isatty()
    progress = Progress(
        TextColumn("scoring"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[rate]} rec/s"), TimeRemainingColumn(),
        console=console, disable=not show_progress, transient=True,
    )
    with progress:
        task = progress.add_task("score", total=None, rate="—")

        def on_progress(done: int, total: int) -> None:
            elapsed = progress.tasks[task].elapsed or 0.0
            rate = f"{done / elapsed:.1f}" if elapsed > 0 else "—"
            progress.update(task, completed=done, total=total, rate=rate)

        executor = None
        if ray is not None:
            from rewardsmith.integrations.ray import ray_executor

            executor = ray_executor(None if ray == "local" else ray, num_workers=workers)
        report = score_file(
            reward, data, output, mapping=mapping, workers=workers, batch_size=batch_size,
            resume=resume, executor=executor, on_progress=on_progress,
        )
    bad = report.with_kind("bad_input")
    for row in bad[:10]:
        console.print(f"[yellow]warning:[/] {escape(str(row['reward_error']))}", highlight=False)
    if len(bad) > 10:
        console.print(f"[yellow]warning:[/] {len(bad) - 10} more bad records (see reward_error in {output})",
                      highlight=False)
    if not quiet:
        print_summary(report.rows, reward.name, Console())
        if cached is not None and workers == 1 and ray is None:
            console.print(f"cache {cache}: {cached.hits} hits, {cached.misses} misses")
        if report.resumed:
            console.print(f"resumed after {report.resumed} records already scored")
        console.print(f"wrote {output}")
    rows = len(report.rows)
    error_rate = report.errors / rows if rows else 0.0
    if error_rate > max_error_rate:
        console.print(
            f"[bold red]{report.errors} of {rows} records have errors ({error_rate:.1%} > "
            f"--max-error-rate {max_error_rate:.1%})[/]"
        )
        raise typer.Exit(EXIT_ERRORS)
