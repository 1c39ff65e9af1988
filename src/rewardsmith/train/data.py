"""Training records: preference pairs and step-labelled solutions, read with their ``file:line``.

A bad record is never dropped silently: it is counted with where it is and why, and the run stops
with a clear error when the share of bad records exceeds ``max_bad``.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rewardsmith.core import Sample
from rewardsmith.core.errors import DataError
from rewardsmith.core.sample import messages_to_text
from rewardsmith.io.readers import iter_records


@dataclass
class Pair:
    """One preference: the same prompt, a chosen and a rejected completion, an optional margin."""

    where: str
    prompt: Any
    chosen: Any
    rejected: Any
    margin: float | None = None

    def samples(self) -> tuple[Sample, Sample]:
        return Sample(self.chosen, self.prompt, id=f"{self.where}:chosen"), Sample(
            self.rejected, self.prompt, id=f"{self.where}:rejected"
        )


@dataclass
class Solution:
    """One solution split into steps, with a 0/1 label per step (None: not labelled, left out of the loss)."""

    where: str
    prompt: Any
    steps: list[str]
    labels: list[int | None]
    earliest_error: int

    def sample(self) -> Sample:
        return Sample("\n\n".join(self.steps), self.prompt, id=self.where, extra={"steps": self.steps})


@dataclass
class Loaded:
    """What a data file held: the usable records, and the bad ones with their reasons."""

    records: list[Any]
    bad: list[tuple[str, str]] = field(default_factory=list)
    digest: str = ""

    def check(self, max_bad: float, what: str) -> None:
        total = len(self.records) + len(self.bad)
        if total == 0:
            raise DataError(what, "no records")
        if not self.records:
            where, why = self.bad[0]
            raise DataError(where, f"no usable {what} records ({len(self.bad)} bad; first: {why})")
        if len(self.bad) / total > max_bad:
            shown = "; ".join(f"{w}: {why}" for w, why in self.bad[:3])
            raise DataError(
                what, f"{len(self.bad)} of {total} records are bad (more than --max-bad {max_bad:.0%}): {shown}"
            )


def _digest(path: Path) -> str:
    """SHA-256 of the data file, or of a datasets folder's files (their relative names and bytes,
    in sorted order), so the same data gives the same hash wherever it lies."""
    if not path.exists():
        raise DataError(str(path), "data file does not exist")
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    hasher = hashlib.sha256()
    for file in files:
        if path.is_dir():
            hasher.update(file.relative_to(path).as_posix().encode() + b"\0")
        with file.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                hasher.update(block)
    return hasher.hexdigest()


def _is_text(value: Any) -> bool:
    """A string, or chat messages: a list of mappings with a string ``content``.

    >>> _is_text("Hi"), _is_text([{"role": "assistant", "content": "Hi"}]), _is_text([1, 2, 3])
    (True, True, False)
    """
    if isinstance(value, str):
        return True
    return isinstance(value, list) and all(
        isinstance(m, dict) and isinstance(m.get("content"), str) for m in value
    )


def _empty(value: Any) -> bool:
    return not messages_to_text(value).strip()


def read_pairs(path: str | Path) -> Loaded:
    """Records with ``chosen`` and ``rejected`` (strings or chat messages), optional ``prompt``
    (none: the prompt is inside both, as in HH-RLHF) and ``margin``; also the pairs that
    ``rewardsmith select --pairs`` writes."""
    loaded = Loaded([], digest=_digest(Path(path)))
    for record in iter_records(path):
        if record.error is not None or record.raw is None:
            loaded.bad.append((record.where, record.error or "unreadable"))
            continue
        raw = record.raw
        if "chosen" not in raw or "rejected" not in raw:
            loaded.bad.append((record.where, f"no chosen/rejected (fields: {', '.join(sorted(raw)[:8])})"))
            continue
        chosen, rejected = raw["chosen"], raw["rejected"]
        if not (_is_text(chosen) and _is_text(rejected)):
            loaded.bad.append((record.where, "chosen and rejected must be strings or lists of chat messages"))
            continue
        if _empty(chosen) or _empty(rejected):
            loaded.bad.append((record.where, "an empty side"))
            continue
        if messages_to_text(chosen) == messages_to_text(rejected):
            loaded.bad.append((record.where, "chosen equals rejected"))
            continue
        margin = raw.get("margin")
        try:
            margin = None if margin is None else float(margin)
        except (TypeError, ValueError):
            loaded.bad.append((record.where, f"margin {margin!r} is not a number"))
            continue
        if margin is not None and not math.isfinite(margin):
            loaded.bad.append((record.where, f"margin {margin!r} is not a finite number"))
            continue
        loaded.records.append(Pair(record.where, raw.get("prompt"), chosen, rejected, margin))
    return loaded


def read_solutions(path: str | Path) -> Loaded:
    """Records with ``steps`` (a list of strings) and ``labels`` (0/1 per step) or ProcessBench's
    ``label`` (index of the earliest wrong step, −1 when all are right; steps after it are left
    out of the loss: whether they are right is not known), and ``prompt`` (or ``problem``)."""
    loaded = Loaded([], digest=_digest(Path(path)))
    for record in iter_records(path):
        if record.error is not None or record.raw is None:
            loaded.bad.append((record.where, record.error or "unreadable"))
            continue
        raw = record.raw
        steps = raw.get("steps")
        if not isinstance(steps, list) or not steps or not all(isinstance(s, str) and s.strip() for s in steps):
            loaded.bad.append((record.where, "steps must be a non-empty list of non-empty strings"))
            continue
        prompt = raw.get("prompt", raw.get("problem"))
        if "labels" in raw and "label" in raw:
            loaded.bad.append(
                (record.where, "give labels (one 0/1 per step) or label (the earliest wrong step), not both")
            )
            continue
        if "labels" in raw:
            labels = raw["labels"]
            if not isinstance(labels, list) or len(labels) != len(steps) or any(v not in (0, 1) for v in labels):
                loaded.bad.append((record.where, "labels must be one 0/1 per step"))
                continue
            first = next((i for i, v in enumerate(labels) if v == 0), -1)
            loaded.records.append(Solution(record.where, prompt, steps, [int(v) for v in labels], first))
        elif "label" in raw and not (
            isinstance(raw["label"], int) and not isinstance(raw["label"], bool) and -1 <= raw["label"] < len(steps)
        ):
            loaded.bad.append(
                (record.where, f"label {raw['label']!r} is not a step index (-1 to {len(steps) - 1}, -1 = all right)")
            )
        elif "label" in raw:
            error = raw["label"]
            labels_: list[int | None] = [1] * len(steps) if error == -1 else [1] * error + [0] + [None] * (
                len(steps) - error - 1
            )
            loaded.records.append(Solution(record.where, prompt, steps, labels_, error))
        else:
            loaded.bad.append(
                (record.where, "a step list without labels (give labels, or label = the earliest wrong step)")
            )
    return loaded


def read_checked(
    reader: Callable[[str | Path], Loaded], data: str | Path, eval_data: str | Path | None, max_bad: float
) -> tuple[Loaded, Loaded | None]:
    """The training records and the held-out ones (None without ``eval_data``), each checked
    against ``max_bad`` before anything heavy is imported."""
    loaded = reader(data)
    loaded.check(max_bad, str(data))
    evaluation = reader(eval_data) if eval_data is not None else None
    if evaluation is not None:
        evaluation.check(max_bad, str(eval_data))
    return loaded, evaluation
