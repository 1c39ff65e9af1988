"""Write scored records so that a reader never sees a half-written output.

Lines go to ``OUT.partial`` and are flushed as they are produced; the final file appears only by
an atomic rename when every record is written. ``--resume`` reads the partial file back, drops a
torn last line, and continues after the last complete record.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from rewardsmith.core.composition import json_default


def partial_path(out: Path) -> Path:
    return out.with_name(out.name + ".partial")


def meta_path(out: Path) -> Path:
    return out.with_name(out.name + ".partial.json")


def read_partial(out: Path) -> tuple[list[dict[str, Any]], int]:
    """The complete lines of an interrupted run and their length in bytes (a torn line is dropped)."""
    path = partial_path(out)
    if not path.exists():
        return [], 0
    rows, good_bytes = [], 0
    with path.open("rb") as handle:
        for line in handle:
            if not line.endswith(b"\n"):
                break
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                break
            good_bytes += len(line)
    return rows, good_bytes


class AtomicJsonlWriter:
    """Append JSON lines to the partial file; :meth:`commit` renames it into place."""

    def __init__(self, out: Path, meta: dict[str, Any], resume_bytes: int | None = None) -> None:
        self.out = out
        self.partial = partial_path(out)
        self.meta = meta_path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        if resume_bytes is None:
            self.meta.write_text(json.dumps(meta), encoding="utf-8")
            self._handle = self.partial.open("w", encoding="utf-8")
        else:
            os.truncate(self.partial, resume_bytes)
            self._handle = self.partial.open("a", encoding="utf-8")

    def write(self, row: dict[str, Any]) -> None:
        self._handle.write(json.dumps(row, ensure_ascii=False, default=json_default) + "\n")
        self._handle.flush()

    def commit(self) -> None:
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        os.replace(self.partial, self.out)
        self.meta.unlink(missing_ok=True)

    def close(self) -> None:
        if not self._handle.closed:
            self._handle.close()
