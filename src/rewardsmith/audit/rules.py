"""``--fail-on`` rules: ``accuracy<0.95``, ``error_rate>0.01``, ``exploit_rate>0``.

A rule names a number of the report (any key of its flat ``metrics``), a comparison and a
limit; the audit fails when the comparison holds. A rule on a number the report does not have
is a usage error, never a silent pass: a CI gate that cannot be evaluated must not pass.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rewardsmith.core import RewardsmithError

_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}
_RULE = re.compile(
    r"^\s*([A-Za-z_][\w.\-/#\[\]]*)\s*(<=|>=|==|!=|<|>)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)(%?)\s*$"
)


class RuleError(RewardsmithError):
    """A ``--fail-on`` rule that cannot be parsed or names a number the report lacks."""


@dataclass(frozen=True)
class Rule:
    """``metric op limit``; :meth:`check` says whether the audit fails on it.

    >>> rule = parse_rule("accuracy<0.95")
    >>> rule.check({"accuracy": 0.93})
    True
    >>> parse_rule("error_rate > 1%").limit
    0.01
    """

    text: str
    metric: str
    op: str
    limit: float

    def check(self, metrics: dict[str, Any]) -> bool:
        value = lookup(metrics, self.metric)
        if value is None:
            raise RuleError(f"--fail-on {self.text!r}: {self.metric!r} is not defined for this data")
        return _OPERATORS[self.op](float(value), self.limit)


def parse_rule(text: str) -> Rule:
    """Parse ``NAME OP NUMBER`` (a trailing ``%`` divides the number by 100)."""
    match = _RULE.match(text)
    if not match:
        raise RuleError(
            f"--fail-on {text!r}: expected METRIC OP NUMBER with OP one of <, <=, >, >=, ==, != (e.g. 'accuracy<0.95')"
        )
    name, op, number, percent = match.groups()
    limit = float(number) / (100 if percent else 1)
    return Rule(text.strip(), name, op, limit)


def lookup(metrics: dict[str, Any], name: str) -> Any:
    """The metric's value; a RuleError listing close names when the report has no such number."""
    if name in metrics:
        return metrics[name]
    import difflib

    close = difflib.get_close_matches(name, list(metrics), n=4, cutoff=0.5)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    raise RuleError(
        f"--fail-on: this report has no metric {name!r}{hint}; available: {', '.join(sorted(metrics)[:40])}"
    )


def evaluate(rules: list[Rule], metrics: dict[str, Any]) -> list[dict[str, Any]]:
    """Each rule with the value it saw and whether it failed."""
    return [
        {"rule": r.text, "metric": r.metric, "value": metrics.get(r.metric), "failed": r.check(metrics)} for r in rules
    ]
