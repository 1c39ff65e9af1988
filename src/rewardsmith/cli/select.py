"""``rewardsmith select [SPEC] DATA -o OUT``: best-of-N, filters and preference pairs from a reward.

With one positional argument DATA is already scored (a file written by ``rewardsmith score``):
its ``reward`` is reused and nothing is scored. With two, SPEC scores DATA first.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from rewardsmith.select.pairing import FORMATS, STRATEGIES
from rewardsmith.select.ties import TIES

from .app import app, console, fail
from .audit import load_spec

if TYPE_CHECKING:  # the rest is imported when the command runs: `rewardsmith --help` stays fast
    from rich.console import Console

    from rewardsmith.select import SelectReport


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.4g}"


def print_report(report: SelectReport, out: Console) -> None:
    from rich.table import Table

    summary = report.as_dict()
    unit = "pairs" if report.mode == "pairs" else "rows"
    table = Table(title=f"select {report.mode}")
    table.add_column("", overflow="fold")
    table.add_column("value", justify="right")
    table.add_row("records read", str(report.records))
    if report.groups:
        table.add_row("groups", str(report.groups))
    table.add_row(f"{unit} kept", str(report.kept))
    table.add_row("errors / not applicable", f"{report.errors} / {report.not_applicable}")
    table.add_row("mean reward: all", _fmt(summary["mean_reward_all"]))
    kept_label = "mean reward: kept" + (" (chosen)" if report.mode == "pairs" else "")
    table.add_row(kept_label, _fmt(summary["mean_reward_kept"]))
    if summary["label_mean_all"] is not None:
        table.add_row("label mean: all (pass@1)", _fmt(summary["label_mean_all"]))
        if summary["pass_at_n"] is not None and report.mode != "filter":
            table.add_row("groups with a correct row (pass@n)", _fmt(summary["pass_at_n"]))
        label = "pairs whose chosen is the correct one" if report.mode == "pairs" else "accuracy of the kept rows"
        table.add_row(label, _fmt(summary["accuracy"]))
    out.print(table)
    if report.dropped:
        dropped = Table(title="dropped, by reason")
        dropped.add_column("reason", overflow="fold")
        dropped.add_column("count", justify="right")
        for reason, count in report.dropped.most_common():
            dropped.add_row(reason, str(count))
        out.print(dropped)


def _mode(best_of: int | None, filter_: str | None, pairs: bool, per_group: int | None, top_k: int | None) -> str:
    chosen = [name for name, on in (("--best-of", best_of is not None), ("--pairs", pairs)) if on]
    if filter_ is not None or ((per_group is not None or top_k is not None) and not chosen):
        chosen.append("--filter")
    if len(chosen) != 1:
        what = " and ".join(chosen) if chosen else "none"
        raise fail(f"choose one mode: --best-of [N], --filter EXPR (with --per-group/--top-k) or --pairs (got {what})")
    return chosen[0].lstrip("-")


@app.command("select")
def select_command(
    inputs: Annotated[
        list[str],
        typer.Argument(help="SPEC DATA (score, then select) or SCORED (a file from `score`: reuse its reward).",
                       metavar="[SPEC] DATA"),
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the selection (JSONL).")],
    best_of: Annotated[
        int | None,
        typer.Option("--best-of", metavar="[N]", help="Keep the best row of each group (among its first N)."),
    ] = None,
    filter_: Annotated[
        str | None,
        typer.Option("--filter", help="Keep rows this expression accepts, e.g. 'reward >= 0.5 and not error'."),
    ] = None,
    pairs: Annotated[bool, typer.Option("--pairs", help="Write chosen/rejected preference pairs per group.")] = False,
    by: Annotated[str | None, typer.Option(help="Field that defines a group (default: group, else prompt).")] = None,
    tie: Annotated[str, typer.Option(help=f"Tie rule among equal rewards: {', '.join(TIES)}.")] = "first",
    seed: Annotated[int, typer.Option(help="Seed of --tie random and --strategy best-random.")] = 0,
    vote: Annotated[
        str | None,
        typer.Option(help="Majority vote on KEY: a field holding the answer, or a component whose details hold it."),
    ] = None,
    vote_weighted: Annotated[bool, typer.Option("--vote-weighted", help="Weight each vote by its reward.")] = False,
    per_group: Annotated[int | None, typer.Option(min=1, help="Keep at most K rows per group (the best).")] = None,
    top_k: Annotated[int | None, typer.Option(min=1, help="Keep at most K rows overall (the best).")] = None,
    min_margin: Annotated[float, typer.Option(min=0.0, help="Smallest reward margin of a pair.")] = 0.0,
    max_pairs_per_group: Annotated[int | None, typer.Option(min=1, help="At most K pairs per group.")] = None,
    strategy: Annotated[str, typer.Option(help=f"Pairing: {', '.join(STRATEGIES)}.")] = "best-worst",
    format_: Annotated[str, typer.Option("--format", help=f"Pair records: {', '.join(FORMATS)}.")] = "trl",
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", help="FIELD=SOURCE: take a standard field from another (dotted) field."),
    ] = None,
    explode: Annotated[
        str | None,
        typer.Option("--explode", help="A,B,...: split records holding N completions in parallel lists into N rows."),
    ] = None,
    scored: Annotated[
        Path | None, typer.Option(help="Where to keep the scored rows (default OUT.scored.jsonl; with SPEC only).")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Processes to score in parallel (with SPEC).")] = 1,
    batch_size: Annotated[int, typer.Option(min=1, help="Records per batch (groups are never split).")] = 64,
    resume: Annotated[
        bool, typer.Option(help="Continue an interrupted scoring run of the same spec and data.")
    ] = False,
    in_memory: Annotated[
        bool, typer.Option("--in-memory", help="Read everything first, so groups need not be contiguous.")
    ] = False,
    report_path: Annotated[Path | None, typer.Option("--report", help="Also write the summary as JSON.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress and no summary.")] = False,
) -> None:
    """Pick from scored samples: best-of-N (and majority vote), filter (rejection sampling), or
    preference pairs; the output is written atomically and a summary says what was dropped and why."""
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from rewardsmith.io.readers import parse_mapping
    from rewardsmith.select import Options, parse, select_file
    from rewardsmith.select.files import default_scored_path

    if len(inputs) not in (1, 2):
        raise fail("expected DATA (already scored) or SPEC DATA")
    mode = _mode(best_of, filter_, pairs, per_group, top_k)
    if tie not in TIES:
        raise fail(f"--tie must be one of {', '.join(TIES)}")
    if strategy not in STRATEGIES:
        raise fail(f"--strategy must be one of {', '.join(STRATEGIES)}")
    if format_ not in FORMATS:
        raise fail(f"--format must be one of {', '.join(FORMATS)}")
    if (vote is not None or vote_weighted) and mode != "best-of":
        raise fail("--vote and --vote-weighted go with --best-of")
    if vote_weighted and vote is None:
        raise fail("--vote-weighted needs --vote KEY")
    if best_of is not None and best_of < 0:
        raise fail("--best-of N needs N >= 1")
    from rewardsmith.io.writer import check_output_file

    check_output_file(output)
    if report_path is not None:
        check_output_file(report_path)
        if report_path.resolve() in (output.resolve(), Path(inputs[-1]).resolve()):
            raise fail(f"--report {report_path}: the report must differ from the data and the output")
    reward = load_spec(inputs[0]) if len(inputs) == 2 else None
    data = Path(inputs[-1])
    options = Options(
        mode=mode, by=by, tie=tie, seed=seed, n=best_of or None, vote=vote, weighted=vote_weighted,
        expression=parse(filter_) if filter_ is not None else None, per_group=per_group, top_k=top_k,
        strategy=strategy, min_margin=min_margin, max_pairs=max_pairs_per_group, format=format_, in_memory=in_memory,
    )
    show_progress = not quiet and sys.stderr.isatty()
    progress = Progress(
        SpinnerColumn(), TextColumn("selecting: {task.completed} records, {task.fields[rate]} rec/s"),
        TimeElapsedColumn(), console=console, disable=not show_progress, transient=True,
    )
    with progress:
        task = progress.add_task("select", total=None, rate="—")

        def on_progress(done: int) -> None:
            elapsed = progress.tasks[task].elapsed or 0.0
            progress.update(task, completed=done, rate=f"{done / elapsed:.0f}" if elapsed > 0 else "—")

        report = select_file(
            data, output, options, reward=reward, mapping=parse_mapping(map_), scored=scored, resume=resume,
            explode=[name.strip() for name in explode.split(",") if name.strip()] if explode else None,
            workers=workers, batch_size=batch_size, on_progress=on_progress,
        )
    if report_path is not None:
        try:
            report_path.parent.mkdir(parents=True, exist_ok=True)
            report_path.write_text(json.dumps(report.as_dict(), indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            why = exc.strerror or exc
            raise fail(f"--report {report_path}: cannot write it ({why}); the selection is in {output}") from None
    if not quiet:
        print_report(report, Console())
        if report.resumed:
            console.print(f"resumed after {report.resumed} rows already scored")
        if reward is not None:
            console.print(f"scored rows kept in {scored or default_scored_path(output)}")
        console.print(f"wrote {output}")
    if report.kept == 0:
        console.print("[yellow]warning:[/] the selection is empty")
