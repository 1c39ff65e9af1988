"""Read the audited records: any format the readers know, with ``--map`` and ``--explode``.

``--explode`` turns a record that holds N completions in parallel lists (a best-of-N dump:
``code``, ``pred``, ``score``, ``pred_score`` of length 8) into N records grouped by the
original record, so best-of-N and group metrics apply.

A preference record (``prompt``, ``chosen``, ``rejected`` as strings or chat messages, HH-RLHF's
and ``rewardsmith train rm``'s format) becomes a group of two: the chosen side labelled 1, the
rejected 0, so the pairwise section reads it (RewardBench's accuracy). A step record
(ProcessBench's ``problem``, ``steps``, ``label``) without a ``completion`` is read as the steps
joined by blank lines, with ``problem`` as the prompt, as ``rewardsmith train prm`` reads it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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


def _is_message_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(m, dict) and "role" in m for m in value)


def is_preference(raw: dict[str, Any]) -> bool:
    """A ``chosen`` / ``rejected`` pair (strings or chat messages), not RM-Bench's style lists.

    >>> is_preference({"chosen": "a", "rejected": "b"}), is_preference({"chosen": ["a", "b"], "rejected": ["c", "d"]})
    (True, False)
    """
    if "completion" in raw or "chosen" not in raw or "rejected" not in raw:
        return False
    return all(isinstance(raw[side], str) or _is_message_list(raw[side]) for side in ("chosen", "rejected"))


def preference_rows(raw: dict[str, Any], index: int) -> list[dict[str, Any]]:
    """The chosen (label 1) and rejected (label 0) sides of one preference record, one group.

    >>> [(r["completion"], r["label"], r["id"]) for r in preference_rows({"chosen": "a", "rejected": "b"}, 3)]
    [('a', 1, '3-chosen'), ('b', 0, '3-rejected')]
    """
    base_id = raw.get("id", index)
    rest = {key: value for key, value in raw.items() if key not in ("chosen", "rejected", "label")}
    return [
        {**rest, "completion": raw[side], "label": label, "group": raw.get("group", base_id), "id": f"{base_id}-{side}"}
        for side, label in (("chosen", 1), ("rejected", 0))
    ]


def is_step_record(raw: dict[str, Any]) -> bool:
    """``steps`` as a list of strings and no ``completion``: a process-reward record."""
    steps = raw.get("steps")
    return "completion" not in raw and isinstance(steps, list) and all(isinstance(step, str) for step in steps)


def step_row(raw: dict[str, Any]) -> dict[str, Any]:
    """The completion a process reward reads: the steps joined by blank lines (``model.prm``
    splits them back at the same place); ProcessBench's ``problem`` is the prompt.

    >>> step_row({"problem": "1+1?", "steps": ["1+1=2", "So 2."], "label": -1})["completion"]
    '1+1=2\\n\\nSo 2.'
    """
    row = {**raw, "completion": "\n\n".join(raw["steps"])}
    if "prompt" not in row and "problem" in row:
        row["prompt"] = row.pop("problem")
    return row


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
        samples.extend(_record_samples(record.raw, record.where, record.index, mapping, explode_fields))
    return samples


def _record_samples(
    raw: dict[str, Any], where: str, index: int, mapping: dict[str, str] | None, explode_fields: list[str] | None
) -> list[Sample]:
    """One input record as the samples the audit scores (exploded, a preference pair as two, a
    step record as its solution, or itself)."""
    if explode_fields:
        rows = explode(raw, explode_fields, where, index)
    elif not (mapping or {}).get("completion") and is_preference(raw):
        rows = preference_rows(raw, index)
    elif not (mapping or {}).get("completion") and is_step_record(raw):
        rows = [step_row(raw)]
    else:
        rows = [raw]
    return [InputRecord(index, where, row).to_sample(mapping or {}) for row in rows]


def as_samples(records: Iterable[Sample | Mapping[str, Any]]) -> list[Sample]:
    """Samples as they are, and plain records (dicts) read as the audit command reads a data
    file's records, each named ``records[i]`` in errors; anything else is a TypeError.

    >>> [s.completion for s in as_samples([Sample("4"), {"completion": "5", "reference": "5"}])]
    ['4', '5']
    >>> [s.label for s in as_samples([{"prompt": "Hi", "chosen": "Hello!", "rejected": "Go away."}])]
    [1, 0]
    """
    samples: list[Sample] = []
    for index, record in enumerate(records):
        if isinstance(record, Sample):
            samples.append(record)
        elif isinstance(record, Mapping):
            samples.extend(_record_samples(dict(record), f"records[{index}]", index, None, None))
        else:
            raise TypeError(f"records[{index}]: expected a Sample or a dict, got {type(record).__name__}")
    return samples
