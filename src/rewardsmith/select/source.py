"""Rows for selection: read from a file lazily, or scored on the way with a reward.

Scoring keeps groups whole (a group transform such as GRPO normalisation needs a prompt's whole
group in one call) and reuses the runner's batch scoring and process pool, chunk by chunk, so
a file larger than memory streams through.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from rewardsmith.core import DataError, Reward, RewardResult, Sample
from rewardsmith.core.result import ErrorKind
from rewardsmith.io.readers import InputRecord, iter_records
from rewardsmith.runner import Executor, output_row, plan_batches, run_in_process

from .rows import MISSING, Indexed, field, group_key, iter_groups


def file_rows(path: str | Path) -> Iterator[Indexed]:
    """(index, row) for every record of a data file, lazily; an unreadable record becomes a row
    with an error (``reward_error``) so that it is counted and never selected."""
    for record in iter_records(path):
        if record.raw is not None:
            yield record.index, record.raw
        else:
            yield record.index, {
                "_where": record.where, "reward": None, "reward_error": f"bad record: {record.error}",
                "reward_error_kind": str(ErrorKind.BAD_INPUT),
            }


def prepared_rows(
    rows: Iterable[Indexed], mapping: dict[str, str] | None = None, explode_fields: list[str] | None = None
) -> Iterator[Indexed]:
    """Rows with ``--explode`` applied (a record holding N completions in parallel lists becomes N
    rows grouped by it, as the audit does) and ``--map`` copied in (``label=score`` adds ``label``),
    so that selection reads the standard fields the scorer read. Indexes count the rows produced.

    >>> rows = prepared_rows(enumerate([{"pred": ["1", "2"], "ok": [1, 0]}]), {"label": "ok"}, ["pred", "ok"])
    >>> [(r["id"], r["group"], r["pred"], r["label"]) for _, r in rows]
    [('0-0', 0, '1', 1), ('0-1', 0, '2', 0)]
    """
    from rewardsmith.audit.data import explode

    counter = 0
    for index, row in rows:
        expanded = [row]
        if explode_fields and "_where" not in row:
            expanded = explode(row, explode_fields, f"record {index}", index)
        for item in expanded:
            if mapping:
                item = dict(item)
                for target, source in mapping.items():
                    value = field(item, source)
                    if value is not MISSING:
                        item[target] = value
            yield counter, item
            counter += 1


def as_rows(records: Iterable[Any]) -> Iterator[Indexed]:
    """(index, row) from dicts, :class:`~rewardsmith.core.Sample` objects or a ``datasets.Dataset``."""
    for index, record in enumerate(records):
        if isinstance(record, Sample):
            yield index, record.to_record()
        elif isinstance(record, dict):
            yield index, record
        else:
            raise DataError(f"record {index}", f"expected a dict or a Sample, got {type(record).__name__}")


def _score_chunk(
    chunk: list[Indexed], reward: Reward, mapping: dict[str, str], batch_size: int, executor: Executor
) -> list[Indexed]:
    records = {index: InputRecord(index, str(row.get("_where", f"record {index}")), row) for index, row in chunk}
    results: dict[int, RewardResult] = {}
    items: list[tuple[int, Sample]] = []
    for index, row in chunk:
        if "_where" in row and row.get("reward_error"):  # an unreadable line, see file_rows
            results[index] = RewardResult.fail(str(row["reward_error"]), kind=ErrorKind.BAD_INPUT)
            continue
        record = records[index]
        try:
            items.append((index, record.to_sample(mapping)))
        except DataError as exc:
            results[index] = RewardResult.fail(f"bad record: {exc}", kind=ErrorKind.BAD_INPUT)
    batches = plan_batches(items, batch_size)
    for batch_index, batch_results in executor(reward, [[s for _, s in batch] for batch in batches]):
        for (index, _), result in zip(batches[batch_index], batch_results, strict=True):
            results[index] = result
    rows = []
    for index, _ in chunk:
        scored = output_row(records[index], results[index])
        scored.pop("_where", None)
        rows.append((index, scored))
    return rows


def scored_rows(
    rows: Iterable[Indexed],
    reward: Reward,
    mapping: dict[str, str] | None = None,
    batch_size: int = 64,
    chunk_size: int | None = None,
    executor: Executor | None = None,
    by: str | None = None,
    contiguous: bool = True,
) -> Iterator[Indexed]:
    """The rows with ``reward``, ``reward_error``, ``reward_error_kind`` and ``reward_details``
    added, in input order, scored ``chunk_size`` rows at a time (never splitting a group that is
    contiguous; with ``contiguous=False`` every row is read first and groups gathered).

    >>> from rewardsmith.core import load
    >>> rows = scored_rows(enumerate([{"completion": "4", "reference": "4"}]), load("text.exact"))
    >>> [(i, r["reward"]) for i, r in rows]
    [(0, 1.0)]
    """
    mapping = mapping or {}
    executor = executor or run_in_process
    size = chunk_size or batch_size
    if not contiguous:
        groups = list(iter_groups(rows, by, contiguous=False))
        flat = [item for members in groups for item in members]
        scored = _score_chunk(flat, reward, mapping, batch_size, executor)
        yield from sorted(scored, key=lambda item: item[0])
        return
    chunk: list[Indexed] = []
    last_key: Any = object()
    for index, row in rows:
        key = group_key(row, by)
        if len(chunk) >= size and (key is None or key != last_key):
            yield from _score_chunk(chunk, reward, mapping, batch_size, executor)
            chunk = []
        chunk.append((index, row))
        last_key = key
    if chunk:
        yield from _score_chunk(chunk, reward, mapping, batch_size, executor)


def check_scored(rows: Iterator[Indexed], what: str) -> Iterator[Indexed]:
    """Pass rows through, failing on the first one when the input was never scored."""
    first = next(rows, None)
    if first is None:
        return
    if "reward" not in first[1]:
        fields = ", ".join(sorted(first[1])[:12])
        raise DataError(
            str(first[1].get("_where", what)),
            f"no 'reward' field (fields: {fields}): give a reward spec to score it, or a file written by "
            "`rewardsmith score`",
        )
    yield first
    yield from rows

