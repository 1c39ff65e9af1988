"""The Python API: ``best_of``, ``filter``, ``pairs`` and ``vote`` over records in memory or a
``datasets.Dataset``, scored on the way when a reward is given.

>>> from rewardsmith import select
>>> rows = [{"group": "q", "completion": "4", "reward": 1.0}, {"group": "q", "completion": "5", "reward": 0.0}]
>>> select.best_of(rows).rows[0]["completion"], select.pairs(rows).rows
('4', [{'chosen': '4', 'rejected': '5', 'margin': 1.0}])
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from rewardsmith.core import Reward, load

from .best import iter_best_of
from .expr import Expression, parse
from .filters import iter_filter
from .pairing import iter_pairs
from .report import SelectReport
from .rows import Indexed, iter_groups
from .source import as_rows, check_scored, scored_rows


@dataclass
class Selection:
    """What a selection kept (rows, or pair records) and its :class:`SelectReport`."""

    rows: list[dict[str, Any]]
    report: SelectReport

    def to_dataset(self) -> Any:
        """The kept rows as a ``datasets.Dataset`` (needs the ``data`` extra)."""
        try:
            import datasets
        except ImportError:
            raise ImportError("Selection.to_dataset needs datasets: pip install 'rewardsmith[data]'") from None
        from rewardsmith.core.composition import json_default

        plain = json.loads(json.dumps(self.rows, default=json_default))  # lazy component mappings → dicts
        return datasets.Dataset.from_list(plain)

    def __len__(self) -> int:
        return len(self.rows)


def prepare(
    records: Iterable[Any],
    reward: Reward | str | dict[str, Any] | None,
    mapping: dict[str, str] | None = None,
    batch_size: int = 64,
    by: str | None = None,
    contiguous: bool = True,
) -> tuple[Iterator[Indexed], str | None]:
    """(index, scored row) pairs and the reward's name (None when the rows were already scored)."""
    rows = as_rows(records)
    if reward is None:
        return check_scored(rows, "records"), None
    loaded = load(reward)
    return scored_rows(rows, loaded, mapping, batch_size, by=by, contiguous=contiguous), loaded.name


def best_of(
    records: Iterable[Any],
    reward: Reward | str | dict[str, Any] | None = None,
    *,
    n: int | None = None,
    by: str | None = None,
    tie: str = "first",
    seed: int = 0,
    vote: str | None = None,
    weighted: bool = False,
    mapping: dict[str, str] | None = None,
    batch_size: int = 64,
    contiguous: bool = False,
) -> Selection:
    """Per group, the row with the highest reward among its first ``n`` (see
    :func:`rewardsmith.select.best.iter_best_of`); with ``vote=KEY`` the majority answer's row.

    ``records`` are dicts (already scored, with ``reward``, unless ``reward`` is given), Samples
    or a ``datasets.Dataset``. In memory, groups need not be contiguous (``contiguous=False``).
    """
    report = SelectReport("best-of")
    rows, name = prepare(records, reward, mapping, batch_size, by, contiguous)
    groups = iter_groups(rows, by, contiguous)
    kept = list(iter_best_of(groups, report, n=n, tie=tie, seed=seed, vote=vote, weighted=weighted, root_name=name))
    return Selection(kept, report)


def vote(
    records: Iterable[Any], key: str, reward: Reward | str | dict[str, Any] | None = None, **options: Any
) -> Selection:
    """Majority voting: :func:`best_of` with ``vote=key`` (``weighted=True`` weights by reward)."""
    return best_of(records, reward, vote=key, **options)


def filter(
    records: Iterable[Any],
    expression: str | Expression | None = None,
    reward: Reward | str | dict[str, Any] | None = None,
    *,
    per_group: int | None = None,
    top_k: int | None = None,
    by: str | None = None,
    tie: str = "first",
    seed: int = 0,
    mapping: dict[str, str] | None = None,
    batch_size: int = 64,
    contiguous: bool = False,
) -> Selection:
    """The rows ``expression`` accepts (see :mod:`rewardsmith.select.expr`), capped per group
    and overall; the report says how many rows each clause removed.

    >>> from rewardsmith import select
    >>> kept = select.filter([{"reward": 0.9}, {"reward": None, "reward_error": "timeout"}], "not (reward < 0.5)")
    >>> len(kept), kept.report.clauses[0]["unknown"]
    (1, 1)
    """
    report = SelectReport("filter")
    parsed = parse(expression) if isinstance(expression, str) else expression
    rows, _ = prepare(records, reward, mapping, batch_size, by, contiguous)
    kept = list(iter_filter(rows, report, parsed, per_group, top_k, by, tie, seed, contiguous))
    return Selection(kept, report)


def pairs(
    records: Iterable[Any],
    reward: Reward | str | dict[str, Any] | None = None,
    *,
    strategy: str = "best-worst",
    min_margin: float = 0.0,
    max_pairs: int | None = None,
    format: str = "trl",
    by: str | None = None,
    tie: str = "first",
    seed: int = 0,
    mapping: dict[str, str] | None = None,
    batch_size: int = 64,
    contiguous: bool = False,
) -> Selection:
    """Preference pairs within groups (see :mod:`rewardsmith.select.pairing`)."""
    report = SelectReport("pairs")
    rows, _ = prepare(records, reward, mapping, batch_size, by, contiguous)
    groups = iter_groups(rows, by, contiguous)
    kept = list(iter_pairs(groups, report, strategy, min_margin, max_pairs, format, tie, seed, by))
    return Selection(kept, report)

