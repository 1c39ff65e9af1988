"""The audit of a judge on labelled pairs: accuracy, positional agreement, kappa, JudgeBench's rule.

Pair records carry ``prompt``, ``completion_a``, ``completion_b`` and ``label`` (``a``/``b``, 1/2,
``A>B``/``B>A``), optionally ``subset``. A pairwise judge (live or stored) gives two verdicts per
pair, (a, b) and (b, a), both in the record's labels; a pointwise reward gives one, by which of
the two completions it scores higher (the same verdict stands for both orders). Definitions, as
LLMBar (Zeng et al., ICLR 2024) and JudgeBench (Tan et al., 2024) count them:

* ``judge_accuracy`` = Σ_pairs (1[v_ab = y] + 1[v_ba = y]) / 2n (LLMBar "Acc.");
* ``positional_agreement`` = Σ_pairs 1[v_ab = v_ba] / n (LLMBar "Agr."; two unreadable
  verdicts agree);
* ``judge_kappa`` = ½ (κ(v_ab, y) + κ(v_ba, y)), Cohen's κ = (p_o − p_e) / (1 − p_e);
* ``judgebench_accuracy`` = Σ_pairs 1[s > 0] / n with s = Σ_orders (+1 if v = y, −1 if v is the
  other completion, 0 for a tie or no verdict).

An unreadable verdict (None) is wrong. Counts come with every figure so that the published
percentages can be recomputed exactly (LLMBar: ``(correct_False + correct_True) / (2n) * 100``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from typing import Any

from rewardsmith.core import Reward, Sample

from .client import JudgeError
from .stored import label_of


def cohen_kappa(y1: Sequence[Hashable], y2: Sequence[Hashable]) -> float | None:
    """Cohen's κ of two labelings over the union of their categories; None when p_e = 1.

    >>> cohen_kappa(["a", "b", "a", "b"], ["a", "b", "b", "b"])
    0.5
    """
    n = len(y1)
    if n == 0 or n != len(y2):
        return None
    observed = sum(a == b for a, b in zip(y1, y2, strict=True)) / n
    first, second = Counter(y1), Counter(y2)
    expected = sum(first[k] * second[k] for k in first) / (n * n)
    return None if expected == 1 else (observed - expected) / (1 - expected)


def pair_metrics(
    labels: Sequence[str | None], first: Sequence[str | None], second: Sequence[str | None]
) -> dict[str, Any]:
    """The four figures and their counts for n pairs (labels and verdicts in "a"/"b"/"tie"/None).

    >>> m = pair_metrics(["a", "a", "b"], ["a", "a", "a"], ["a", "b", "b"])
    >>> m["judge_accuracy"], m["positional_agreement"], m["judgebench_accuracy"]
    (0.6666666666666666, 0.3333333333333333, 0.3333333333333333)
    """
    n = len(labels)
    correct_first = sum(v == y for v, y in zip(first, labels, strict=True))
    correct_second = sum(v == y for v, y in zip(second, labels, strict=True))
    equal = sum(u == v for u, v in zip(first, second, strict=True))

    def points(v: str | None, y: str | None) -> int:
        return 1 if v == y else (-1 if v in ("a", "b") else 0)

    judgebench = sum(points(u, y) + points(v, y) > 0 for u, v, y in zip(first, second, labels, strict=True))
    kappas = [cohen_kappa(labels, first), cohen_kappa(labels, second)]
    return {
        "n": n,
        "judge_accuracy": (correct_first + correct_second) / (2 * n) if n else None,
        "positional_agreement": equal / n if n else None,
        "judge_kappa": None if None in kappas else (kappas[0] + kappas[1]) / 2,  # type: ignore[operator]
        "judgebench_accuracy": judgebench / n if n else None,
        "counts": {
            "correct_first": correct_first,
            "correct_second": correct_second,
            "correct_both": sum(u == y and v == y for u, v, y in zip(first, second, labels, strict=True)),
            "equal": equal,
            "judgebench_correct": judgebench,
            "no_verdict": sum(v is None for v in (*first, *second)),
        },
    }


def verdicts_of(reward: Reward, samples: list[Sample]) -> tuple[list[str | None], list[str | None], list[str]]:
    """Both verdicts of every pair and the errors met, from a pairwise judge or a pointwise reward."""
    errors: list[str] = []
    if hasattr(reward, "pair_verdicts"):
        found = reward.pair_verdicts(samples)
    else:
        singles = [Sample(s.extra.get(k, ""), prompt=s.prompt, reference=s.reference) for s in samples
                   for k in ("completion_a", "completion_b")]
        results = reward.score(singles)
        found = []
        for a, b in zip(results[::2], results[1::2], strict=True):
            if a.value is None or b.value is None:
                found.append(JudgeError(a.error or b.error or "a completion was not applicable"))
            else:
                verdict = "a" if a.value > b.value else "b" if b.value > a.value else "tie"
                found.append((verdict, verdict))
    first: list[str | None] = []
    second: list[str | None] = []
    for item in found:
        if isinstance(item, JudgeError):
            errors.append(str(item))
            first.append(None)
            second.append(None)
        else:
            first.append(item[0])
            second.append(item[1])
    return first, second, errors


def audit_pairs(reward: Reward, records: Sequence[dict[str, Any] | Sample]) -> dict[str, Any]:
    """The judge audit on pair records: the figures overall and per ``subset``, and the errors.

    A record whose label is unreadable is left out and counted in ``bad_labels``; a pair whose
    call failed counts as two missing verdicts (wrong) and its reason is in ``errors``.
    """
    samples = [r if isinstance(r, Sample) else Sample.from_record(dict(r)) for r in records]
    labelled = [(s, label_of(s.label)) for s in samples]
    kept = [(s, y) for s, y in labelled if y is not None]
    first, second, errors = verdicts_of(reward, [s for s, _ in kept])
    labels = [y for _, y in kept]
    report = pair_metrics(labels, first, second)
    report["bad_labels"] = len(samples) - len(kept)
    report["errors"] = dict(Counter(errors).most_common(10))
    subsets: dict[str, list[int]] = {}
    for index, (sample, _) in enumerate(kept):
        subsets.setdefault(str(sample.extra.get("subset", "all")), []).append(index)
    if len(subsets) > 1:
        report["subsets"] = {
            name: pair_metrics([labels[i] for i in idx], [first[i] for i in idx], [second[i] for i in idx])
            for name, idx in sorted(subsets.items())
        }
    return report


#: Below this positional agreement the audit says the judge follows the position, not the content.
POSITION_BIAS_FLOOR = 0.8


def is_pair_record(sample: Sample) -> bool:
    """A pair record: ``completion_a`` and ``completion_b`` fields and a label."""
    return "completion_a" in sample.extra and "completion_b" in sample.extra and sample.label is not None


def judge_section(reward: Reward, samples: Sequence[Sample]) -> dict[str, Any] | None:
    """The audit section of a judge on pair records (None when the records are not all pairs):
    the figures of :func:`audit_pairs` under ``metrics`` (with ``.<subset>`` variants) and findings.

    >>> from rewardsmith.judges.stored import StoredJudge
    >>> pairs = [Sample("", label="a", extra={"completion_a": "x", "completion_b": "y", "ab": "a", "ba": "b"})]
    >>> section = judge_section(StoredJudge("ab", "ba"), pairs)
    >>> section["metrics"]["judge_accuracy"], section["findings"][0]["level"]
    (0.5, 'warn')
    """
    if not samples or not all(is_pair_record(s) for s in samples):
        return None
    report = audit_pairs(reward, list(samples))
    names = ("judge_accuracy", "positional_agreement", "judge_kappa", "judgebench_accuracy")
    metrics = {name: report[name] for name in names}
    for subset, figures in (report.get("subsets") or {}).items():
        metrics.update({f"{name}.{subset}": figures[name] for name in names})
    findings = []
    if report["positional_agreement"] is not None and report["positional_agreement"] < POSITION_BIAS_FLOOR:
        findings.append({"level": "warn", "text": (
            f"the judge changes its verdict when the pair is swapped on "
            f"{1 - report['positional_agreement']:.0%} of {report['n']} pairs (position bias)")})
    if report["errors"]:
        findings.append({"level": "bad", "text": f"{sum(report['errors'].values())} pairs got no verdict: "
                         + "; ".join(list(report["errors"])[:3])})
    return {**report, "metrics": metrics, "findings": findings}
