"""Read the audited records: any format the readers know, with ``--map`` and ``--explode``.

``--explode`` turns a record that holds N completions in parallel lists (a best-of-N dump:
``code``, ``pred``, ``score``, ``pred_score`` of length 8) into N records grouped by the
original record, so best-of-N and group metrics apply.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rewardsmith.core import DataError, Sample
from rewardsmith.io.readers import InputRecord, read_records


def explode(raw: dict[str, Any], fields: list[str], where: str, index: int) -> list[dict[str, Any]]:
    """One record per element of the parallel list ``fields``; ``group`` and ``id`` derived.

    >>> [r["pred"] for r in explode({"q": "x", "pred": ["1", "2"], "ok": [True, False]}, ["pred", "ok"], "f", 7)]
    ['1', '2']
    >>> explode({"pred": ["1", "2"]}, ["pred"], "f", 7)[1]["group"], explode({"pred": ["1"]}, ["pred"], "f", 7)[0]["id"]
    (7, '7-0')
    """
    lengths = set()
    for name in fields:
        if not isinstance(raw.get(name), list):
            raise DataError(where, f"--explode: field {name!r} is not a list")
        lengths.add(len(raw[name]))
    if len(lengths) != 1:
        raise DataError(where, f"--explode: fields {fields} have different lengths {sorted(lengths)}")
    base_id = raw.get("id", index)
    out = []
    for j in range(lengths.pop()):
        record = dict(raw)
        record.update({name: raw[name][j] for name in fields})
        record.setdefault("group", base_id)
        record["id"] = f"{base_id}-{j}"
        out.append(record)
    return out


def load_samples(
    path: str | Path,
    mapping: dict[str, str] | None = None,
    explode_fields: list[str] | None = None,
    limit: int | None = None,
) -> list[Sample]:
    """Samples from a data file (the first ``limit`` input records, before exploding); an
    unreadable record is a DataError naming its place."""
    samples: list[Sample] = []
    for count, record in enumerate(read_records(path)):
        if limit is not None and count >= limit:
            break
        if record.raw is None:
            raise DataError(record.where, record.error or "unreadable record")
        rows = explode(record.raw, explode_fields, record.where, record.index) if explode_fields else [record.raw]
        for row in rows:
            samples.append(InputRecord(record.index, record.where, row).to_sample(mapping or {}))
    return samples
