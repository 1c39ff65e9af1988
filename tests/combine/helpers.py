"""Leaves with known values for combinator and transform tests: stored scores read by ``field``."""

from __future__ import annotations

from rewardsmith.core import Sample
from rewardsmith.verifiers.field import Field


def samples(*rows: dict, **common) -> list[Sample]:
    """Samples from records; ``common`` fields are added to every record."""
    return [Sample.from_record({"completion": "", **common, **row}) for row in rows]


def values(results) -> list[float | None]:
    return [r.value for r in results]


A, B, C = Field("a"), Field("b"), Field("c")
