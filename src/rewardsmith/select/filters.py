"""Filtering (rejection sampling): keep the rows an expression accepts, then cap per group or
overall.

Rejection-sampling fine-tuning keeps the samples whose reward clears a bar (*STaR*, Zelikman
et al. 2022: keep rationales that reach the right answer; *ReST*, Gulcehre et al. 2023: keep
samples with r ≥ τ). ``per_group`` keeps at most K of each prompt's rows (the K best), so easy
prompts do not crowd out hard ones; ``top_k`` keeps the K best rows overall. Rows come out in
input order.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterable, Iterator
from typing import Any

from .best import drop_unrewarded
from .expr import UNKNOWN, Expression, ExpressionError
from .report import SelectReport
from .rows import Indexed, Row, iter_groups
from .ties import best_key


class _ClauseCounter:
    """Which clause dropped each row (the first one that is not True), and names never seen."""

    def __init__(self, expression: Expression, report: SelectReport) -> None:
        self.expression = expression
        self.report = report
        self.removed = [0] * len(expression.clauses)
        self.unknown = [0] * len(expression.clauses)
        self.unseen = set(expression.names)

    def accepts(self, row: Row) -> bool:
        if self.unseen:
            self.unseen -= self.expression.present(row)
        failing = self.expression.first_failing(row)
        if failing is None:
            return True
        position, value = failing
        clause = self.expression.clauses[position]
        if value is UNKNOWN:
            self.unknown[position] += 1
            self.report.drop(f"filter: {clause} (value missing)")
        else:
            self.removed[position] += 1
            self.report.drop(f"filter: {clause}")
        return False

    def finish(self) -> None:
        self.report.clauses = [
            {"clause": clause, "removed": removed, "unknown": unknown}
            for clause, removed, unknown in zip(self.expression.clauses, self.removed, self.unknown, strict=True)
        ]
        if self.unseen and self.report.records:
            names = ", ".join(sorted(".".join(name) for name in self.unseen))
            raise ExpressionError(
                self.expression.text,
                f"no record has {names} (a misspelt field or component? every row would be dropped)",
            )


def iter_filter(
    rows: Iterable[Indexed],
    report: SelectReport,
    expression: Expression | None = None,
    per_group: int | None = None,
    top_k: int | None = None,
    by: str | None = None,
    tie: str = "first",
    seed: int = 0,
    contiguous: bool = True,
) -> Iterator[Row]:
    """The rows ``expression`` accepts (all when None), at most ``per_group`` per group and
    ``top_k`` overall (the best by reward, ties by ``tie``), in input order.

    A name of the expression that no row has is an :class:`ExpressionError` once the input is
    read (a misspelt name must not silently empty the output).

    >>> from .expr import parse
    >>> rows = enumerate([{"reward": 0.9}, {"reward": 0.2}, {"reward": None, "reward_error": "t"}])
    >>> [r["reward"] for r in iter_filter(rows, SelectReport("filter"), parse("reward >= 0.5"))]
    [0.9]
    """
    counter = _ClauseCounter(expression, report) if expression is not None else None
    best = best_key(tie, random.Random(seed))
    capped = per_group is not None or top_k is not None

    def accepted(items: Iterable[Indexed]) -> Iterator[Indexed]:
        for item in items:
            report.see(item[1])
            if counter is not None and not counter.accepts(item[1]):
                continue
            if capped:
                kept = drop_unrewarded([item], report)
                if not kept:
                    continue
            yield item

    if per_group is not None:
        stream = _per_group(iter_groups(rows, by, contiguous), accepted, report, per_group, best)
    else:
        stream = accepted(rows)
    if top_k is not None:
        stream = _top_k(stream, report, top_k, best)
    for _, row in stream:
        report.keep(row)
        yield row
    if counter is not None:
        counter.finish()


def _per_group(
    groups: Iterable[list[Indexed]], accepted: Any, report: SelectReport, k: int, best: Any
) -> Iterator[Indexed]:
    for members in groups:
        report.see_group([row for _, row in members])
        passing = list(accepted(members))
        if len(passing) > k:
            chosen = {item[0] for item in heapq.nlargest(k, passing, key=best)}
            report.drop(f"beyond --per-group {k}", len(passing) - k)
            passing = [item for item in passing if item[0] in chosen]
        yield from passing


def _top_k(stream: Iterable[Indexed], report: SelectReport, k: int, best: Any) -> Iterator[Indexed]:
    heap: list[tuple[Any, int, Row]] = []
    for index, row in stream:
        entry = (best((index, row)), index, row)
        if len(heap) < k:
            heapq.heappush(heap, entry)
        else:
            heapq.heappushpop(heap, entry)
            report.drop(f"beyond --top-k {k}")
    for _, index, row in sorted(heap, key=lambda entry: entry[1]):
        yield index, row
