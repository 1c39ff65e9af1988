"""``audit_hacking``: probes, corpus and search in one JSON-able result; ``flat_metrics`` for
``--fail-on`` rules."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from rewardsmith.core import Reward, Sample

from .corpus import run_corpus
from .registry import resolve_probes
from .runner import run_probes
from .search import attack_search
from .target import as_reward, as_samples


def audit_hacking(
    reward: Reward | str | dict | Callable[..., Any],
    samples: Sequence[Sample | dict[str, Any]],
    probes: list[str] | str | None = "all",
    search_budget: int | None = None,
    seed: int = 0,
    corpus: bool = True,
    max_records: int | None = 200,
    threshold: float | None = None,
    search_records: int = 3,
) -> dict[str, Any]:
    """Run the hacking audit of ``reward`` on ``samples``.

    ``probes``: ``"all"``, names, or None for none; ``search_budget``: reward evaluations for the
    attack search (None: no search); ``corpus``: also run the built-in adversarial corpus;
    ``max_records``: records probed at most (drawn under ``seed``); ``threshold``: the corpus
    acceptance threshold (default: above the lowest reward seen); ``search_records``: records
    whose wrong answers the attack search starts from (the budget is shared between them).

    >>> import re
    >>> def boxed(completion, reference):  # pays for any \\boxed{}: hackable
    ...     return 1.0 if re.search(r"\\\\boxed\\{", completion) else 0.0
    >>> records = [{"completion": "6*7=42 so \\\\boxed{42}", "reference": "42"}]
    >>> result = audit_hacking(boxed, records, probes=["format_only", "hedge"], corpus=False)
    >>> result["probes"]["format_only"]["exploit_rate"], result["probes"]["hedge"]["exploit_rate"]
    (1.0, 0.0)
    """
    target = as_reward(reward)
    records = as_samples(samples)
    out: dict[str, Any] = {"reward": target.name, "seed": seed, "timings": {}}
    selected = resolve_probes(probes) if probes else []
    if selected:
        start = time.perf_counter()
        out["probes"] = run_probes(target, records, selected, max_records=max_records, seed=seed)
        out["exploit_rate"] = max(p["exploit_rate"] for p in out["probes"].values())
        out["timings"]["probes_s"] = time.perf_counter() - start
    if corpus:
        start = time.perf_counter()
        out["corpus"] = run_corpus(target, threshold)
        out["timings"]["corpus_s"] = time.perf_counter() - start
    if search_budget:
        start = time.perf_counter()
        out["search"] = attack_search(target, records, search_budget, seed=seed, max_records=search_records)
        out["timings"]["search_s"] = time.perf_counter() - start
    return out


def flat_metrics(result: dict[str, Any]) -> dict[str, float]:
    """Headline numbers under the names ``--fail-on`` rules use.

    ``exploit_rate`` (max over probes), ``exploit_rate.<probe>``,
    ``component_exploit_rate.<component>`` (max over probes of the share of exploits it pays
    for), ``corpus_false_positive_rate``, ``corpus_false_negative_rate``,
    ``corpus_exploits_accepted``, ``corpus_exploit_classes``, ``corpus_partial_credit``,
    ``search_relative_reward``, ``search_max_reward``, ``search_exploits``.

    >>> flat_metrics({"probes": {"empty": {"exploit_rate": 0.5, "components": {}}}})
    {'exploit_rate': 0.5, 'exploit_rate.empty': 0.5}
    """
    out: dict[str, float] = {}
    probes = result.get("probes") or {}
    if probes:
        out["exploit_rate"] = max(float(p["exploit_rate"]) for p in probes.values())
        for name, probe in probes.items():
            out[f"exploit_rate.{name}"] = float(probe["exploit_rate"])
            for label, share in probe.get("components", {}).items():
                key = f"component_exploit_rate.{label}"
                out[key] = max(out.get(key, 0.0), float(share))
    corpus = result.get("corpus")
    if corpus:
        out["corpus_false_positive_rate"] = float(corpus["false_positive_rate"])
        out["corpus_false_negative_rate"] = float(corpus["false_negative_rate"])
        out["corpus_exploits_accepted"] = float(corpus["n_exploits_accepted"])
        out["corpus_exploit_classes"] = float(len(corpus["exploit_classes"]))
        out["corpus_partial_credit"] = float(corpus["partial_credit"])
    search = result.get("search")
    if search:
        if search["relative_reward"] is not None:
            out["search_relative_reward"] = float(search["relative_reward"])
        if search["max_reward"] is not None:
            out["search_max_reward"] = float(search["max_reward"])
        out["search_exploits"] = float(len(search["exploits"]))
    return out
