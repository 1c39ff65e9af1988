"""Measure a reward on real data before training on it: metrics, report, CI gate.

``audit(reward, samples)`` scores the samples and returns a JSON-able report;
:func:`rewardsmith.audit.report.write_report` writes ``report.json`` and ``report.html``.
"""

from .common import Options
from .rules import Rule, RuleError, parse_rule
from .runner import audit

__all__ = ["Options", "Rule", "RuleError", "audit", "parse_rule"]
