"""What a selection did: groups, kept, dropped by reason, mean reward and label accuracy.

The accuracy of a selection is the mean ``label`` of what it kept (for best-of-N, the
reward-model@N figure of *Let's Verify Step by Step* and Qwen2.5-Math's evaluation); beside it
the mean label of every input record (pass@1) and the share of groups with at least one correct
record (pass@N, what a perfect selector would reach). For pairs, the accuracy is the share of
pairs with different labels whose chosen side is the correct one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .rows import Row, label_of, reward_of, status_of


@dataclass
class _Mean:
    total: float = 0.0
    count: int = 0

    def add(self, value: float | None) -> None:
        if value is not None:
            self.total += value
            self.count += 1

    @property
    def mean(self) -> float | None:
        return self.total / self.count if self.count else None


@dataclass
class SelectReport:
    """Counters filled while rows stream through a selection; :meth:`as_dict` for output."""

    mode: str
    records: int = 0
    groups: int = 0
    kept: int = 0
    resumed: int = 0
    errors: int = 0
    not_applicable: int = 0
    dropped: Counter = field(default_factory=Counter)
    clauses: list[dict[str, Any]] = field(default_factory=list)
    reward_all: _Mean = field(default_factory=_Mean)
    reward_kept: _Mean = field(default_factory=_Mean)
    label_all: _Mean = field(default_factory=_Mean)
    label_kept: _Mean = field(default_factory=_Mean)
    groups_labelled: int = 0
    groups_with_correct: int = 0
    pairs_decided: int = 0
    pairs_right: int = 0

    def see(self, row: Row) -> None:
        """Count one input row."""
        self.records += 1
        status = status_of(row)
        if status == "error":
            self.errors += 1
        elif status == "not_applicable":
            self.not_applicable += 1
        self.reward_all.add(reward_of(row))
        self.label_all.add(label_of(row))

    def see_group(self, members: list[Row]) -> None:
        """Count one group (its rows are counted by :meth:`see`)."""
        self.groups += 1
        labels = [label_of(row) for row in members]
        if labels and all(label is not None for label in labels):
            self.groups_labelled += 1
            self.groups_with_correct += any(labels)

    def keep(self, row: Row) -> None:
        self.kept += 1
        self.reward_kept.add(reward_of(row))
        self.label_kept.add(label_of(row))

    def keep_pair(self, chosen: Row, rejected: Row) -> None:
        self.kept += 1
        self.reward_kept.add(reward_of(chosen))
        good, bad = label_of(chosen), label_of(rejected)
        if good is not None and bad is not None and good != bad:
            self.pairs_decided += 1
            self.pairs_right += good > bad

    def drop(self, reason: str, count: int = 1) -> None:
        if count:
            self.dropped[reason] += count

    @property
    def accuracy(self) -> float | None:
        if self.mode == "pairs":
            return self.pairs_right / self.pairs_decided if self.pairs_decided else None
        return self.label_kept.mean

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "records": self.records,
            "groups": self.groups,
            "kept": self.kept,
            "errors": self.errors,
            "not_applicable": self.not_applicable,
            "dropped": dict(self.dropped.most_common()),
            "clauses": self.clauses,
            "mean_reward_all": self.reward_all.mean,
            "mean_reward_kept": self.reward_kept.mean,
            "accuracy": self.accuracy,
            "label_mean_all": self.label_all.mean,
            "pass_at_n": self.groups_with_correct / self.groups_labelled if self.groups_labelled else None,
            "pairs_with_different_labels": self.pairs_decided if self.mode == "pairs" else None,
        }
