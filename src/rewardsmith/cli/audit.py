"""``rewardsmith audit SPEC DATA -o REPORT_DIR``: measure a reward on real data before training."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .app import EXIT_ERRORS, app, console

if TYPE_CHECKING:
    from rewardsmith.core import Reward


def load_spec(spec: str) -> Reward:
    """A spec file, a component name, an inline YAML mapping (``{type: field, field: score}``),
    or an existing reward function (``module:function``, ``path.py:function``)."""
    import yaml

    from rewardsmith.core import load
    from rewardsmith.core.spec import yaml_error

    text = spec.strip()
    if text.startswith("{"):
        try:
            node: Any = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise yaml_error("SPEC", exc, "not a valid inline YAML mapping") from None
        return load(node)
    if ":" in text and not Path(text).is_file():
        return load({"type": "python", "function": text})
    return load(text)


def _split(values: list[str] | None) -> list[str]:
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


@app.command("audit")
def audit_command(
    spec: Annotated[str, typer.Argument(help="Spec file, component name, inline '{type: ...}', or module:function.")],
    data: Annotated[Path, typer.Argument(help="JSONL, JSON, CSV, Parquet, or a datasets folder.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder for report.html and report.json.")] = Path(
        "audit-report"
    ),
    fail_on: Annotated[
        list[str] | None, typer.Option("--fail-on", help="Exit 1 when this holds, e.g. 'accuracy<0.95'. Repeatable.")
    ] = None,
    map_: Annotated[
        list[str] | None, typer.Option("--map", help="FIELD=SOURCE: take a standard field from another (dotted) field.")
    ] = None,
    explode: Annotated[
        list[str] | None,
        typer.Option("--explode", help="Parallel list fields to split into one record each (grouped)."),
    ] = None,
    threshold: Annotated[
        float | None, typer.Option(help="reward >= THRESHOLD counts as 'correct' (default: mid-range or 0.5).")
    ] = None,
    answer_field: Annotated[
        str | None, typer.Option(help="Field with each record's final answer, for majority vote.")
    ] = None,
    subset_field: Annotated[
        str | None, typer.Option(help="Field naming a pair's subset (pairwise accuracy) [default: subset].")
    ] = None,
    task_field: Annotated[
        str | None, typer.Option(help="Field naming each record's task: pass^k over repeated trials (agents).")
    ] = None,
    ignore_tools: Annotated[
        list[str] | None, typer.Option(help="Read-only tool patterns for the trajectory probes, e.g. 'get_*'.")
    ] = None,
    protect: Annotated[
        list[str] | None, typer.Option(help="Paths an agent must not write (trajectory probe test_tampering).")
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Records per batch (groups are never split).")] = 1,
    recheck: Annotated[int, typer.Option(min=0, help="Records scored twice to detect non-determinism.")] = 32,
    limit: Annotated[int | None, typer.Option(min=1, help="Audit only the first N input records.")] = None,
    probes: Annotated[str | None, typer.Option(help="Hacking probes to run: 'all' or NAME,NAME,...")] = None,
    search: Annotated[int | None, typer.Option(min=1, help="Budget (reward calls) of the attack search.")] = None,
    search_records: Annotated[
        int, typer.Option(min=1, help="Records whose wrong answers the attack search starts from.")
    ] = 3,
    seed: Annotated[int, typer.Option(help="Seed of every random choice (recheck sample, probes, search).")] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary table.")] = False,
    mdp: Annotated[
        bool, typer.Option("--mdp", help="DATA is a tabular MDP description (JSON): audit a classical reward on it.")
    ] = False,
) -> None:
    """Score DATA with SPEC and write REPORT_DIR/report.html and report.json; --fail-on gates CI."""
    from rewardsmith.audit import Options, audit
    from rewardsmith.audit.data import load_samples
    from rewardsmith.audit.rules import parse_rule
    from rewardsmith.io.readers import parse_mapping
    from rewardsmith.io.writer import check_output_folder

    check_output_folder(output)
    rules = [parse_rule(rule) for rule in fail_on or []]
    reward = load_spec(spec)
    if threshold is not None:
        _check_threshold(threshold, reward)
    if mdp:
        from rewardsmith.audit.mdp import audit_mdp

        report = audit_mdp(reward, data, [r.text for r in rules], meta={"data": str(data), "spec_argument": spec})
        _finish(report, output, quiet)
        return
    samples = load_samples(data, parse_mapping(map_), _split(explode) or None, limit)
    if not samples:
        raise typer.BadParameter(f"{data} holds no records", param_hint="DATA")
    _check_fields(
        samples, data, {"--answer-field": answer_field, "--task-field": task_field, "--subset-field": subset_field}
    )
    options = Options(
        threshold=threshold,
        answer_field=answer_field,
        subset_field=subset_field or "subset",
        task_field=task_field,
        ignore_tools=tuple(_split(ignore_tools)),
        protect=tuple(_split(protect)) or ("tests/*",),
        recheck=recheck,
        batch_size=batch_size,
        seed=seed,
        search_records=search_records,
    )
    probe_names = None if probes is None else (["all"] if probes.strip() == "all" else _split([probes]))
    report = audit(
        reward,
        samples,
        options,
        fail_on=[r.text for r in rules],
        probes=probe_names,
        search_budget=search,
        meta={"data": str(data), "spec_argument": spec},
    )
    _finish(report, output, quiet)


def _check_threshold(threshold: float, reward: Reward) -> None:
    """A threshold is a finite number inside the reward's declared range: outside it every record
    is 'correct' (or none is), and accuracy and --fail-on would read a meaningless number. A reward
    without a declared range, or with an unbounded side, is checked on its bounded side only."""
    import math

    if not math.isfinite(threshold):
        raise typer.BadParameter(f"must be a finite number, got {threshold}", param_hint="--threshold")
    declared = reward.value_range
    if declared is None:
        return
    low, high = declared
    if (math.isfinite(low) and threshold < low) or (math.isfinite(high) and threshold > high):
        raise typer.BadParameter(
            f"{threshold:g} is outside the range [{low:g}, {high:g}] that {reward.name} declares: "
            f"every record would count as {'correct' if threshold < low else 'wrong'}",
            param_hint="--threshold",
        )


def _check_fields(samples: list[Any], data: Path, fields: dict[str, str | None]) -> None:
    """Each field an option names is in at least one record: a misspelt name must not be ignored."""
    from rewardsmith.verifiers.field import _MISSING, read_path

    records = [sample.to_record() for sample in samples]
    for option, name in fields.items():
        if name is None:
            continue
        if not any(read_path(record, name) not in (None, _MISSING) for record in records):
            raise typer.BadParameter(
                f"no record of {data} has the field {name!r} (a misspelt field?)", param_hint=option
            )


def _finish(report: dict[str, Any], output: Path, quiet: bool) -> None:
    """Write the report, print its summary and path; exit 1 when a --fail-on rule failed."""
    from rich.console import Console

    from rewardsmith.audit.report import summary_table, write_report

    paths = write_report(report, output)
    out = Console(soft_wrap=True)
    if not quiet:
        out.print(summary_table(report))
    out.print(f"report: {paths['html'].resolve()}", highlight=False)
    if report["failed"]:
        failed = ", ".join(r["rule"] for r in report["rules"] if r["failed"])
        console.print(f"[bold red]audit failed:[/] {failed}", highlight=False)
        raise typer.Exit(EXIT_ERRORS)
