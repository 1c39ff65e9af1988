"""Write scored records so that a reader never sees a half-written output.

Lines go to ``OUT.partial`` and are flushed as they are produced; the final file appears only by
an atomic rename when every record is written. ``--resume`` reads the partial file back, drops a
torn last line, and continues after the last complete record.

An output path that cannot be written (a folder given as the file, a path under a file, a place
where no file can be created) is refused before any record is scored, as one readable error.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from rewardsmith.core import RewardsmithError
from rewardsmith.core.composition import json_default


class OutputPathError(RewardsmithError):
    """An output path that cannot be written; ``path`` is the path as given, the message says why.

    A usage error (the CLI exits 2), raised before any record is scored.
    """

    kind = "bad_input"

    def __init__(self, path: str | Path, message: str) -> None:
        self.path = str(path)
        self.message = message
        super().__init__(f"{path}: {message}")


def check_output_file(out: Path) -> None:
    """Refuse an output file path that cannot be written: an existing folder, a path under a
    file, a folder where no file can be created (read-only, ``/proc``).

    >>> try:
    ...     check_output_file(Path(tempfile.mkdtemp()))
    ... except OutputPathError as exc:
    ...     print(exc.message)
    is a folder; give the path of the file to write
    """
    if out.is_dir():
        raise OutputPathError(out, "is a folder; give the path of the file to write")
    _check_creatable(out.parent, out)


def check_output_folder(out: Path) -> None:
    """Refuse an output folder that cannot be written: an existing file, a path under a file, a
    place where no folder can be created."""
    if out.exists() and not out.is_dir():
        raise OutputPathError(out, "is a file; give the path of a folder to write into")
    _check_creatable(out, out)


def _check_creatable(folder: Path, out: Path) -> None:
    """``folder`` exists or can be made: its nearest existing ancestor is a folder that takes a
    new file (probed with a nameless temporary file, which also catches read-only file systems
    and pseudo file systems, where permission bits say nothing for root)."""
    existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if existing is None:
        raise OutputPathError(out, "no folder on the way to it exists")
    if not existing.is_dir():
        raise OutputPathError(out, f"{existing} is a file, not a folder")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        raise OutputPathError(out, f"cannot create files in {existing} ({exc.strerror or exc})") from None


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
        check_output_file(out)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            if resume_bytes is None:
                self.meta.write_text(json.dumps(meta), encoding="utf-8")
                self._handle = self.partial.open("w", encoding="utf-8")
            else:
                os.truncate(self.partial, resume_bytes)
                self._handle = self.partial.open("a", encoding="utf-8")
        except OSError as exc:
            raise OutputPathError(out, f"cannot write {exc.filename or out} ({exc.strerror or exc})") from None

    def write(self, row: dict[str, Any]) -> None:
        self._handle.write(json.dumps(row, ensure_ascii=False, default=json_default) + "\n")
        self._handle.flush()

    def commit(self) -> None:
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        try:
            os.replace(self.partial, self.out)
        except OSError as exc:
            raise OutputPathError(
                self.out, f"cannot move {self.partial.name} into place ({exc.strerror or exc}); every record is "
                f"in {self.partial}, which --resume continues from",
            ) from None
        self.meta.unlink(missing_ok=True)

    def close(self) -> None:
        if not self._handle.closed:
            self._handle.close()
