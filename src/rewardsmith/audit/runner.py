"""``audit()``: score records with a reward and build the report every output is made from.

The report is one JSON-able dict: ``meta``, ``sections`` (each with its numbers, plots' data and
findings), ``metrics`` (a flat name → number map that ``--fail-on`` rules read; sections and
the hacking audit add to it), ``findings`` and ``rules``.
"""

from __future__ import annotations

import datetime
import importlib
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rewardsmith.core import Reward, RewardsmithError, Sample, load, spec_hash, to_spec
from rewardsmith.judges.agreement import judge_section
from rewardsmith.summary import judge_usage

from .agents import agents
from .common import Options, Scored
from .components import components
from .data import as_samples
from .efficiency import efficiency
from .groups import best_of_n, group_signal, process_rewards
from .health import distribution, health
from .labels import agreement, bias, pairwise
from .rules import Rule, evaluate, parse_rule
from .scoring import recheck, score_all
from .style import style_substance, styled_only
from .trajectory_probes import audit_trajectories, is_trajectory

SECTION_ORDER = (
    "distribution",
    "components",
    "agreement",
    "pairwise",
    "judge",
    "best_of_n",
    "group_signal",
    "efficiency",
    "agents",
    "process",
    "bias",
    "health",
    "hacking",
    "trajectory_hacking",
    "style_substance",
    "judge_usage",
)


def jsonable(value: Any) -> Any:
    """Plain JSON types: numpy scalars unwrapped, NaN and infinities as None, tuples as lists."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def flat_metrics(sections: dict[str, Any]) -> dict[str, Any]:
    """Every section's ``metrics`` merged into one map; a section without ``metrics`` (a hacking
    result from elsewhere) contributes its top-level numbers under their own names."""
    metrics: dict[str, Any] = {}
    for name in SECTION_ORDER:
        section = sections.get(name)
        if not isinstance(section, dict):
            continue
        if "metrics" in section:
            metrics.update(section["metrics"] or {})
        else:
            metrics.update({k: v for k, v in section.items() if isinstance(v, int | float) and not isinstance(v, bool)})
    return {k: v for k, v in metrics.items() if v is not None}


def run_hacking(
    reward: Reward, samples: list[Sample], probes: list[str] | None, search_budget: int | None, options: Options
) -> dict[str, Any]:
    """The hacking audit (``rewardsmith.audit.probes``, imported lazily), with its flat metrics
    under ``metrics`` so ``--fail-on 'exploit_rate>0'`` works."""
    try:
        module = importlib.import_module("rewardsmith.audit.probes")
        function: Callable[..., dict[str, Any]] = module.audit_hacking
    except (ImportError, AttributeError) as exc:
        raise RewardsmithError(
            f"--probes/--search need rewardsmith.audit.probes.audit_hacking, which is not available: {exc}"
        ) from None
    selected: list[str] | str | None = "all" if probes == ["all"] else probes
    result = function(
        reward, samples, probes=selected, search_budget=search_budget, seed=options.seed, threshold=options.threshold,
        search_records=options.search_records,
    )
    flatten = getattr(module, "flat_metrics", None)
    if callable(flatten) and "metrics" not in result:
        result["metrics"] = flatten(result)
    return result


def usage_section(results: Sequence[Any]) -> dict[str, Any] | None:
    """Calls, cache hits, tokens and cost of the LLM judges while scoring (None without a judge)."""
    usage = judge_usage([result.to_dict() for result in results])
    if usage is None:
        return None
    metrics = {"judge_calls": usage["calls"], "judge_cost": usage["cost"],
               "judge_cache_hit_rate": usage["cached"] / usage["calls"]}
    return {**usage, "metrics": metrics, "findings": []}


def audit(
    reward: Reward | str | dict[str, Any],
    samples: Sequence[Sample | Mapping[str, Any]],
    options: Options | None = None,
    fail_on: Sequence[str] = (),
    probes: list[str] | None = None,
    search_budget: int | None = None,
    meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Score ``samples`` with ``reward`` and return the report (see the module docstring).
    ``samples`` are Samples or plain records (dicts), read as the audit command reads a file's.

    >>> from rewardsmith.verifiers.text.exact import TextExact
    >>> report = audit(TextExact(), [Sample("4", reference="4", label=1), Sample("5", reference="4", label=0)])
    >>> report["metrics"]["accuracy"], report["metrics"]["error_rate"]
    (1.0, 0.0)
    """
    options = options or Options()
    rules: list[Rule] = [parse_rule(text) for text in fail_on]
    reward = load(reward)
    samples = as_samples(samples)
    if samples and all(styled_only(sample) for sample in samples):
        # RM-Bench-style records: each holds its responses in several styles, no completion of its own
        sections: dict[str, Any] = {"style_substance": style_substance(reward, samples)}
        threshold: float | None = None
    else:
        sections, threshold = _scored_sections(reward, samples, options, probes, search_budget)
    sections = {name: sections[name] for name in SECTION_ORDER if sections.get(name) is not None}
    sections = jsonable(sections)
    metrics = flat_metrics(sections)
    findings = [f for s in sections.values() if isinstance(s, dict) for f in s.get("findings", [])]
    try:
        spec = to_spec(reward)
        digest = spec_hash(reward)
    except Exception:  # noqa: BLE001 - a reward built in Python may not round-trip to a spec
        spec, digest = {"type": reward.name}, None
    report: dict[str, Any] = {
        "meta": {
            "reward": reward.name,
            "spec": spec,
            "spec_hash": digest,
            "records": len(samples),
            "threshold": threshold,
            "seed": options.seed,
            "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            **(meta or {}),
        },
        "metrics": metrics,
        "findings": findings,
        "sections": sections,
        "rules": evaluate(rules, metrics),
    }
    report["failed"] = any(rule["failed"] for rule in report["rules"])
    return jsonable(report)


def _scored_sections(
    reward: Reward, samples: list[Sample], options: Options, probes: list[str] | None, search_budget: int | None
) -> tuple[dict[str, Any], float]:
    """Score every record once and compute the sections that read those scores."""
    results, seconds = score_all(reward, samples, options.batch_size)
    data = Scored(reward, samples, results, seconds, options)
    rechecked = recheck(reward, samples, results, options.recheck, options.seed) if options.recheck else None
    sections: dict[str, Any] = {
        "distribution": distribution(data),
        "components": components(data),
        "process": process_rewards(data),
    }
    judged = judge_section(reward, samples)  # pair records: the judge's figures replace label agreement
    if sections["process"] is None and judged is None:
        sections["agreement"] = agreement(data)
    sections.update(
        {
            "pairwise": pairwise(data),
            "judge": judged,
            "best_of_n": best_of_n(data),
            "group_signal": group_signal(data),
            "efficiency": efficiency(data),
            "agents": agents(data),
            "bias": bias(data),
            "health": health(data, rechecked),
            "judge_usage": usage_section(results),
        }
    )
    if probes or search_budget:
        if any(is_trajectory(s) for s in samples) and all(isinstance(s.completion, list) for s in samples):
            # agent trajectories: the text probes do not apply; the trajectory probes do
            section = audit_trajectories(reward, samples, ignore=options.ignore_tools, protect=options.protect)
            section["metrics"]["exploit_rate"] = section["metrics"]["trajectory_exploit_rate"]
            sections["trajectory_hacking"] = section
        else:
            sections["hacking"] = run_hacking(reward, samples, probes, search_budget, options)
    return sections, data.threshold
