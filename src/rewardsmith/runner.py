"""Score a data file with a reward: batches that keep groups whole, optional process or Ray
parallelism, output in input order, written atomically and resumable.

This is the engine behind ``rewardsmith score``; the CLI only parses flags and shows progress.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import pickle
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rewardsmith.core import DataError, Reward, RewardResult, Sample, spec_hash
from rewardsmith.core.composition import no_gc
from rewardsmith.core.result import conform, kind_of
from rewardsmith.io.readers import InputRecord, read_records
from rewardsmith.io.writer import AtomicJsonlWriter, meta_path, partial_path, read_partial

Batch = list[tuple[int, Sample]]
#: Runs batches somewhere and yields ``(batch_index, results)`` in any order.
Executor = Callable[[Reward, list[list[Sample]]], Iterator[tuple[int, list[RewardResult]]]]


def plan_batches(items: list[tuple[int, Sample]], batch_size: int) -> list[Batch]:
    """Pack samples into batches of about ``batch_size`` without ever splitting a group.

    Group-level transforms (GRPO normalisation, leave-one-out baselines) need a prompt's whole
    group in one call; records without a group stand alone. Groups keep their first-seen order.
    """
    groups: dict[Any, Batch] = {}
    for index, sample in items:
        key = ("group", _hashable(sample.group)) if sample.group is not None else ("record", index)
        groups.setdefault(key, []).append((index, sample))
    batches: list[Batch] = []
    current: Batch = []
    for members in groups.values():
        if current and len(current) + len(members) > batch_size:
            batches.append(current)
            current = []
        current.extend(members)
    if current:
        batches.append(current)
    return batches


def _hashable(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool) else repr(value)


def score_batch_paused(reward: Reward, batch: list[Sample]) -> list[RewardResult]:
    """Score one batch with the cyclic garbage collector paused, and conform what comes back.

    A deep spec tree keeps every node's results alive until the batch is assembled; full
    collections in the middle would traverse that whole heap again and again and free nothing.
    Collection resumes between batches, so garbage is bounded by one batch.
    """
    with no_gc():
        return conform(reward.score(batch), len(batch))


def run_in_process(reward: Reward, batches: list[list[Sample]]) -> Iterator[tuple[int, list[RewardResult]]]:
    for index, batch in enumerate(batches):
        yield index, score_batch_paused(reward, batch)


_worker_reward: Reward | None = None
#: Set in each worker process to the number of workers (read by code.tests to size its pool).
PROCESSES_ENV = "REWARDSMITH_WORKER_PROCESSES"


def _init_worker(payload: bytes, workers: int) -> None:
    global _worker_reward
    # Rewards that run their own pools (code.tests' sandbox servers) size them to their share of
    # the CPUs, so that the workers' pools together do not oversubscribe the machine.
    os.environ[PROCESSES_ENV] = str(workers)
    _worker_reward = pickle.loads(payload)


def _score_in_worker(batch: list[Sample]) -> list[RewardResult]:
    assert _worker_reward is not None
    return score_batch_paused(_worker_reward, batch)


def process_pool_executor(workers: int) -> Executor:
    """Score batches in ``workers`` spawned processes, each holding its own copy of the reward."""

    def execute(reward: Reward, batches: list[list[Sample]]) -> Iterator[tuple[int, list[RewardResult]]]:
        context = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_init_worker,
            initargs=(pickle.dumps(reward), workers),
        ) as pool:
            futures = {pool.submit(_score_in_worker, batch): i for i, batch in enumerate(batches)}
            for future in concurrent.futures.as_completed(futures):
                index = futures[future]
                try:
                    yield index, future.result()
                except Exception as exc:  # noqa: BLE001 - a dead worker fails its batch, loudly
                    reason = f"worker failed: {type(exc).__name__}: {exc}"
                    yield index, [RewardResult.fail(reason, kind=kind_of(exc)) for _ in batches[index]]

    return execute


def output_row(record: InputRecord, result: RewardResult) -> dict[str, Any]:
    """The input record as read, plus ``reward``, ``reward_error``, ``reward_error_kind`` and
    ``reward_details``."""
    row = dict(record.raw) if record.raw is not None else {"_where": record.where}
    row.update(result.to_dict())
    return row


@dataclass
class ScoreReport:
    """What a run produced: every output row (resumed ones included) and how many were resumed."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    resumed: int = 0

    @property
    def errors(self) -> int:
        return sum(1 for row in self.rows if row.get("reward_error") is not None)

    def with_kind(self, kind: str) -> list[dict[str, Any]]:
        """The rows whose error is of ``kind`` (an :class:`~rewardsmith.core.result.ErrorKind` value)."""
        return [row for row in self.rows if row.get("reward_error") is not None and row["reward_error_kind"] == kind]


def _meta(reward: Reward, data: Path, count: int) -> dict[str, Any]:
    stat = data.stat()
    return {
        "spec_hash": spec_hash(reward),
        "data": str(data.resolve()),
        "data_size": stat.st_size,
        "data_mtime_ns": stat.st_mtime_ns,
        "records": count,
    }


def _resume_state(out: Path, meta: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    import json

    if not partial_path(out).exists() or not meta_path(out).exists():
        return [], 0
    saved = json.loads(meta_path(out).read_text(encoding="utf-8"))
    for key in ("spec_hash", "data", "data_size", "data_mtime_ns", "records"):
        if saved.get(key) != meta[key]:
            raise DataError(str(partial_path(out)), resume_mismatch(key, saved.get(key), meta[key]))
    rows, good_bytes = read_partial(out)
    for row in rows:  # a partial file written before results carried a kind: the default kind
        if "reward_error_kind" not in row:
            row["reward_error_kind"] = None if row.get("reward_error") is None else "crash"
    return rows, good_bytes


def resume_mismatch(key: str, saved: Any, now: Any) -> str:
    """Why ``--resume`` refuses an interrupted run whose ``key`` differs (one line)."""
    if key == "data_mtime_ns":
        return (
            "--resume: the data file was modified since the interrupted run (its modification time "
            "differs), so its rows may be stale; run again without --resume"
        )
    return f"--resume: the interrupted run used a different {key.replace('_', ' ')} ({saved!r}, now {now!r})"


def score_file(
    reward: Reward,
    data: str | Path,
    out: str | Path,
    mapping: dict[str, str] | None = None,
    workers: int = 1,
    batch_size: int = 64,
    resume: bool = False,
    executor: Executor | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> ScoreReport:
    """Score every record of ``data`` and write ``out`` (JSONL) atomically, in input order.

    A malformed record or a record missing a field gets an error row naming its place; it is
    never skipped. With ``resume``, the rows of an interrupted run with the same spec and data
    are kept and scoring continues after them.
    """
    data, out = Path(data), Path(out)
    records = read_records(data)
    if not records:
        raise DataError(str(data), "holds no records (an empty file, blank lines only, or a CSV header only)")
    meta = _meta(reward, data, len(records))
    kept, resume_bytes = _resume_state(out, meta) if resume else ([], 0)
    report = ScoreReport(rows=list(kept), resumed=len(kept))
    pending: dict[int, RewardResult] = {}
    items: list[tuple[int, Sample]] = []
    for record in records[len(kept):]:
        try:
            items.append((record.index, record.to_sample(mapping or {})))
        except DataError as exc:
            pending[record.index] = RewardResult.fail(f"bad record: {exc}", kind=exc.kind)
    batches = plan_batches(items, batch_size)
    if executor is None:
        executor = process_pool_executor(workers) if workers > 1 and len(batches) > 1 else run_in_process
    writer = AtomicJsonlWriter(out, meta, resume_bytes if kept else None)
    next_index = len(kept)
    total = len(records)
    try:

        def flush() -> None:
            nonlocal next_index
            while next_index < total and next_index in pending:
                row = output_row(records[next_index], pending.pop(next_index))
                writer.write(row)
                report.rows.append(row)
                next_index += 1
            if on_progress is not None:
                on_progress(next_index, total)

        flush()
        for batch_index, results in executor(reward, [[s for _, s in batch] for batch in batches]):
            for (index, _), result in zip(batches[batch_index], results, strict=True):
                pending[index] = result
            flush()
        if next_index != total:
            raise DataError(str(out), f"only {next_index} of {total} records were scored")
        writer.commit()
    finally:
        writer.close()
    return report

