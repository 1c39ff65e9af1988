"""``rewardsmith select`` on files: stream the input, select, write the output atomically.

The output appears only when complete (``OUT.partial`` renamed into place, as ``score``
writes). With a reward spec, the scored rows are also kept in a scored file (``--scored``,
``OUT.scored.jsonl`` by default) that the next selection can read without scoring again;
``--resume`` continues an interrupted scoring run of the same spec and data from it (the last
group of the partial file is scored again, so a group is never judged in two halves).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rewardsmith.core import DataError, Reward, spec_hash
from rewardsmith.io.readers import iter_records
from rewardsmith.io.writer import AtomicJsonlWriter, meta_path, partial_path
from rewardsmith.runner import Executor, process_pool_executor, resume_mismatch

from .best import iter_best_of
from .expr import Expression
from .filters import iter_filter
from .pairing import iter_pairs
from .report import SelectReport
from .rows import Indexed, check_named_fields, group_key, iter_groups
from .source import check_scored, file_rows, prepared_rows, scored_rows

MODES = ("best-of", "filter", "pairs")


@dataclass
class Options:
    """Everything a selection needs besides its input and output (the CLI's flags)."""

    mode: str
    by: str | None = None
    tie: str = "first"
    seed: int = 0
    n: int | None = None
    vote: str | None = None
    weighted: bool = False
    expression: Expression | None = None
    per_group: int | None = None
    top_k: int | None = None
    strategy: str = "best-worst"
    min_margin: float = 0.0
    max_pairs: int | None = None
    format: str = "trl"
    in_memory: bool = False


_EMPTY = "holds no records (an empty file, blank lines only, or a CSV header only)"


def default_scored_path(out: Path) -> Path:
    """``picked.jsonl`` → ``picked.scored.jsonl``."""
    return out.with_name(out.name[: -len(out.suffix)] + ".scored" + (out.suffix or ".jsonl"))


def _scored_meta(
    reward: Reward, data: Path, mapping: dict[str, str], explode: list[str] | None = None
) -> dict[str, Any]:
    return {
        "spec_hash": spec_hash(reward),
        "data": str(data.resolve()),
        "data_size": data.stat().st_size,
        "data_mtime_ns": data.stat().st_mtime_ns,
        "mapping": mapping,
        "explode": explode or [],
    }


def _resume_point(scored: Path, meta: dict[str, Any], by: str | None) -> tuple[int, int]:
    """(rows, bytes) of the interrupted scored file to keep: complete lines, minus the last group."""
    partial = partial_path(scored)
    if not partial.exists() or not meta_path(scored).exists():
        return 0, 0
    saved = json.loads(meta_path(scored).read_text(encoding="utf-8"))
    for key in ("spec_hash", "data", "data_size", "data_mtime_ns", "mapping", "explode"):
        if saved.get(key) != meta[key]:
            raise DataError(str(partial), resume_mismatch(key, saved.get(key), meta[key]))
    lines = good_bytes = run_start_lines = run_start_bytes = 0
    last_key: Any = object()
    with partial.open("rb") as handle:
        for line in handle:
            if not line.endswith(b"\n"):
                break
            try:
                group = group_key(json.loads(line), by)
            except json.JSONDecodeError:
                break
            if group is None or group != last_key:
                run_start_lines, run_start_bytes = lines, good_bytes
            last_key = group
            lines += 1
            good_bytes += len(line)
    return run_start_lines, run_start_bytes


def _partial_rows(scored: Path, count: int) -> Iterator[Indexed]:
    with partial_path(scored).open(encoding="utf-8") as handle:
        for index, line in enumerate(itertools.islice(handle, count)):
            yield index, json.loads(line)


def _written(rows: Iterator[Indexed], writer: AtomicJsonlWriter) -> Iterator[Indexed]:
    for item in rows:
        writer.write(item[1])
        yield item


def _counted(
    rows: Iterator[Indexed], on_progress: Callable[[int], None] | None, every: int = 2000
) -> Iterator[Indexed]:
    count = 0
    for item in rows:
        yield item
        count += 1
        if on_progress is not None and count % every == 0:
            on_progress(count)
    if on_progress is not None:
        on_progress(count)


def select_stream(
    rows: Iterator[Indexed], options: Options, report: SelectReport, root_name: str | None = None
) -> Iterator[dict[str, Any]]:
    """The output records of a selection over (index, scored row) pairs."""
    contiguous = not options.in_memory
    rows = check_named_fields(rows, options.by, options.vote, root_name)
    if options.mode == "filter":
        return iter_filter(
            rows, report, options.expression, options.per_group, options.top_k,
            options.by, options.tie, options.seed, contiguous,
        )
    groups = iter_groups(rows, options.by, contiguous)
    if options.mode == "best-of":
        return iter_best_of(
            groups, report, options.n, options.tie, options.seed, options.vote, options.weighted, root_name
        )
    if options.mode == "pairs":
        return iter_pairs(
            groups, report, options.strategy, options.min_margin, options.max_pairs,
            options.format, options.tie, options.seed, options.by,
        )
    raise ValueError(f"unknown selection mode {options.mode!r}; expected one of {', '.join(MODES)}")


def select_file(
    data: str | Path,
    out: str | Path,
    options: Options,
    reward: Reward | None = None,
    mapping: dict[str, str] | None = None,
    explode: list[str] | None = None,
    scored: str | Path | None = None,
    resume: bool = False,
    workers: int = 1,
    batch_size: int = 64,
    executor: Executor | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> SelectReport:
    """Select from ``data`` into ``out`` (JSONL, atomically); score with ``reward`` when given.

    On any error the output is not written (its partial file is removed) and the scored file
    stays partial, for ``resume``.
    """
    data, out = Path(data), Path(out)
    if not data.exists():
        raise DataError(str(data), "data file does not exist")
    if next(iter_records(data), None) is None:  # before any file is written
        raise DataError(str(data), _EMPTY)
    report = SelectReport(options.mode)
    scored_writer = None
    root_name = None
    mapping = mapping or {}
    source = prepared_rows(file_rows(data), mapping, explode)
    if reward is None:
        rows: Iterator[Indexed] = check_scored(source, str(data))
    else:
        root_name = reward.name
        scored = Path(scored) if scored is not None else default_scored_path(out)
        if scored.resolve() in (data.resolve(), out.resolve()):
            raise DataError(str(scored), "the scored file must differ from the input and the output")
        meta = _scored_meta(reward, data, mapping, explode)
        done, done_bytes = _resume_point(scored, meta, options.by) if resume else (0, 0)
        scored_writer = AtomicJsonlWriter(scored, meta, done_bytes if done else None)
        if executor is None and workers > 1:
            executor = process_pool_executor(workers)
        fresh = scored_rows(
            itertools.islice(source, done, None), reward, mapping, batch_size,
            chunk_size=batch_size * max(workers, 1) * (16 if workers > 1 else 1), executor=executor,
            by=options.by, contiguous=not options.in_memory,
        )
        rows = itertools.chain(_partial_rows(scored, done), _written(fresh, scored_writer))
        report.resumed = done
    writer = AtomicJsonlWriter(out, {"select": options.mode, "data": str(data.resolve())})
    try:
        for record in select_stream(_counted(rows, on_progress), options, report, root_name):
            writer.write(record)
        if report.records == 0:
            raise DataError(str(data), _EMPTY)
        if scored_writer is not None:
            scored_writer.commit()
        writer.commit()
    except BaseException:
        writer.close()
        partial_path(out).unlink(missing_ok=True)
        meta_path(out).unlink(missing_ok=True)
        raise
    finally:
        if scored_writer is not None:
            scored_writer.close()
    return report
