"""Read records from JSONL, JSON, CSV, Parquet or a Hugging Face ``save_to_disk`` folder.

Every record keeps where it came from (``file:line``), so a malformed line or a missing field is
reported by its place, and a malformed line becomes a record with an error instead of vanishing.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rewardsmith.core import DataError, Sample
from rewardsmith.core.sample import STANDARD_FIELDS

FORMATS = ("jsonl", "json", "csv", "parquet", "hf")
#: The fields that make a record an environment transition (``rewardsmith.classic.transition``).
TRANSITION_FIELDS = ("obs", "action", "next_obs")
_MISSING = object()


@dataclass
class InputRecord:
    """One input record: the raw fields as read, where it came from, or why it could not be read."""

    index: int
    where: str
    raw: dict[str, Any] | None
    error: str | None = None

    def to_sample(self, mapping: dict[str, str]) -> Sample:
        """Build the sample, taking each standard field from its mapped (possibly dotted) path.

        A transition (``obs``, ``action`` and ``next_obs``) without a completion gets an empty
        one: its rewards read the transition, not text. The output row keeps the record as read.

        >>> InputRecord(0, "t.jsonl:1", {"obs": [0], "action": 1, "next_obs": [1]}).to_sample({}).completion
        ''
        """
        if self.raw is None:
            raise DataError(self.where, self.error or "unreadable record")
        record = dict(self.raw)
        for target, source in mapping.items():
            value = lookup(self.raw, source)
            if value is _MISSING:
                raise DataError(self.where, f"no field {source!r} (mapped to {target!r})")
            record[target] = value
        if "completion" not in record and all(name in record for name in TRANSITION_FIELDS):
            record["completion"] = ""
        styled = isinstance(record.get("chosen"), list) and isinstance(record.get("rejected"), list)
        if "completion" not in record and not ("completion_a" in record and "completion_b" in record) and not styled:
            fields = ", ".join(sorted(self.raw)[:12])
            raise DataError(self.where, f"no 'completion' field (fields: {fields}; use --map)")
        for name in ("completion", "completion_a", "completion_b"):
            if name in record and not _text_or_chat(record[name]):
                raise DataError(
                    self.where,
                    f"{name!r} must be a string or a list of chat messages, got {_describe(record[name])}",
                )
        return Sample.from_record(record)


def _text_or_chat(value: Any) -> bool:
    """A completion is text, a chat message, or a list of chat messages (what ``serve`` takes);
    a number, null or a list of numbers would be scored as made-up text."""
    if isinstance(value, str | dict):
        return True
    return isinstance(value, list) and all(isinstance(message, dict) for message in value)


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        kinds = sorted({type(v).__name__ for v in value if not isinstance(v, dict)})
        return f"a list holding {', '.join(kinds)}"
    return f"{type(value).__name__} {json.dumps(value, default=str)[:40]}"


def lookup(record: Any, path: str) -> Any:
    """Follow a dotted path through dicts and lists (``6b_finetuning.solution``, ``code.0``)."""
    if isinstance(record, dict) and path in record:
        return record[path]
    value = record
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.lstrip("-").isdigit() and -len(value) <= int(part) < len(value):
            value = value[int(part)]
        else:
            return _MISSING
    return value


def parse_mapping(items: list[str] | None) -> dict[str, str]:
    """``["completion=solution", "reference=answer"]`` → ``{"completion": "solution", ...}``."""
    mapping = {}
    for item in items or []:
        target, sep, source = item.partition("=")
        target, source = target.strip(), source.strip()
        if not sep or not target or not source:
            raise DataError("--map", f"expected FIELD=SOURCE, got {item!r}")
        if target not in STANDARD_FIELDS:
            raise DataError("--map", f"{target!r} is not a standard field ({', '.join(STANDARD_FIELDS)})")
        mapping[target] = source
    return mapping


def detect_format(path: Path) -> str:
    if path.is_dir():
        if (path / "dataset_info.json").exists() or (path / "state.json").exists():
            return "hf"
        raise DataError(str(path), "a folder must be a Hugging Face dataset saved with save_to_disk")
    suffixes = [s.lower() for s in path.suffixes]
    for suffix in reversed(suffixes):
        name = suffix.lstrip(".")
        if name in ("jsonl", "ndjson"):
            return "jsonl"
        if name in ("json", "csv", "parquet"):
            return name
    raise DataError(str(path), f"cannot tell the format from the name; expected one of {', '.join(FORMATS)}")


def _clean(value: Any) -> Any:
    """Make values JSON-safe (numpy scalars and arrays from Parquet/Arrow, NaN as None)."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "tolist"):
        return _clean(value.tolist())
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _not_utf8(path: Path, line_number: int | None, head: bytes) -> DataError:
    """The error for a data file that is not UTF-8 text (binary, UTF-16, Latin-1)."""
    at = f"{path}:{line_number}" if line_number is not None else str(path)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        why = "is UTF-16 text; save it as UTF-8"
    else:
        why = "is not UTF-8 text (a binary file, or another encoding); save it as UTF-8"
    return DataError(at, why)


def _text_lines(path: Path) -> Iterator[tuple[int, str]]:
    """The lines of a UTF-8 file with their numbers (endings kept), a leading byte order mark
    dropped (as Excel writes it); bytes that are not UTF-8 raise a :class:`DataError` naming
    the file and line."""
    with path.open("rb") as handle:
        head = b""
        for line_number, line in enumerate(handle, start=1):
            if line_number == 1:
                head = line[:4]
                if line.startswith(b"\xef\xbb\xbf"):
                    line = line[3:]
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                raise _not_utf8(path, line_number, head) from None
            yield line_number, text


def _read_jsonl(path: Path) -> Iterator[InputRecord]:
    index = 0
    for line_number, line in _text_lines(path):
        if not line.strip():
            continue
        where = f"{path.name}:{line_number}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            yield InputRecord(index, where, None, f"line {line_number} is not valid JSON: {exc.msg}")
        else:
            if isinstance(raw, dict):
                yield InputRecord(index, where, raw)
            else:
                yield InputRecord(index, where, None, f"line {line_number} is not a JSON object")
        index += 1


def _read_json(path: Path) -> Iterator[InputRecord]:
    raw_bytes = path.read_bytes()
    try:
        text = raw_bytes.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, raw_bytes[: exc.start].count(b"\n") + 1, raw_bytes[:4]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(str(path), f"not valid JSON: {exc}") from None
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        if len(lists) != 1:
            raise DataError(str(path), "expected a JSON array of records (or an object holding one)")
        data = lists[0]
    if not isinstance(data, list):
        raise DataError(str(path), "expected a JSON array of records")
    for index, raw in enumerate(data):
        where = f"{path.name}[{index}]"
        if isinstance(raw, dict):
            yield InputRecord(index, where, raw)
        else:
            yield InputRecord(index, where, None, f"record {index} is not a JSON object")


def _read_csv(path: Path) -> Iterator[InputRecord]:
    lines = (text for _, text in _text_lines(path))
    reader = csv.DictReader(lines)
    for index, row in enumerate(reader):
        where = f"{path.name}:{reader.line_num}"
        if None in row or any(v is None for v in row.values()):
            yield InputRecord(index, where, None, f"line {reader.line_num} has the wrong number of fields")
        else:
            yield InputRecord(index, where, dict(row))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _read_arrow_rows(rows: Iterator[dict[str, Any]], name: str) -> Iterator[InputRecord]:
    for index, row in enumerate(rows):
        yield InputRecord(index, f"{name}[{index}]", _clean(row))


def _read_parquet(path: Path) -> Iterator[InputRecord]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise DataError(str(path), "reading Parquet needs pyarrow: pip install 'rewardsmith[data]'") from None
    try:
        table = pq.read_table(path)
    except Exception as exc:  # noqa: BLE001 - ArrowInvalid, OSError: not a Parquet file, one line
        raise DataError(str(path), f"not a readable Parquet file ({_first_line(exc)})") from None
    return _read_arrow_rows(iter(table.to_pylist()), path.name)


def _read_hf(path: Path) -> Iterator[InputRecord]:
    try:
        import datasets
    except ImportError:
        raise DataError(str(path), "reading a datasets folder needs: pip install 'rewardsmith[data]'") from None
    try:
        dataset = datasets.load_from_disk(str(path))
    except Exception as exc:  # noqa: BLE001 - bad dataset_info.json/state.json, missing arrow files
        raise DataError(
            str(path), f"not a readable datasets folder ({type(exc).__name__}: {_first_line(exc)})"
        ) from None
    if isinstance(dataset, datasets.DatasetDict):
        if len(dataset) != 1:
            raise DataError(str(path), f"a DatasetDict with splits {list(dataset)}: give one split's folder")
        dataset = next(iter(dataset.values()))
    return _read_arrow_rows(iter(dataset), path.name)


_READERS = {"jsonl": _read_jsonl, "json": _read_json, "csv": _read_csv, "parquet": _read_parquet, "hf": _read_hf}


def iter_records(path: str | Path) -> Iterator[InputRecord]:
    """Every record of a data file, in order, read lazily (JSONL and CSV line by line), malformed
    ones included (with their error)."""
    path = Path(path)
    if not path.exists():
        raise DataError(str(path), "data file does not exist")
    return _READERS[detect_format(path)](path)


def first_record_with(path: str | Path, names: Sequence[str]) -> tuple[str, list[str]] | None:
    """Where the first record holding any of ``names`` is, and which of them it holds (in the
    order of ``names``); None when no record does. Read lazily, like :func:`iter_records`.

    ``rewardsmith score`` asks this about the fields it writes before it scores anything, so that
    an input field of the same name (a transition's environment ``reward``) is never lost unasked.
    """
    for record in iter_records(path):
        if record.raw is not None:
            held = [name for name in names if name in record.raw]
            if held:
                return record.where, held
    return None


def read_records(path: str | Path) -> list[InputRecord]:
    """Every record of a data file, in order, malformed ones included (with their error)."""
    return list(iter_records(path))
