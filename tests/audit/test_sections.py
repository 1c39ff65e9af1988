"""Each report section on small records with hand-computed expectations."""

from __future__ import annotations

import itertools
import time

from rewardsmith.audit import Options, audit
from rewardsmith.combine.sum import Sum
from rewardsmith.core import RewardResult, Sample
from rewardsmith.core.reward import Reward
from rewardsmith.verifiers.field import Field
from rewardsmith.verifiers.format.regex import FormatRegex
from rewardsmith.verifiers.text.exact import TextExact


class Troubled(Reward):
    """Raises on 'boom', times out on 'slow', answers 7.0 (outside [0, 1]) on 'big', else 1/0."""

    name = "troubled"
    value_range = (0.0, 1.0)

    def score_one(self, sample):
        if sample.text == "boom":
            raise ValueError("cannot parse")
        if sample.text == "slow":
            time.sleep(0.02)
            return RewardResult.fail("timeout after 0.01s", kind="timeout")
        if sample.text == "nan":
            return float("nan")
        return 7.0 if sample.text == "big" else float(sample.text == sample.reference)


class Flaky(Reward):
    """Returns a different value on every call: non-deterministic."""

    name = "flaky"

    def __init__(self) -> None:
        self.calls = itertools.count()

    def score_one(self, sample):
        return float(next(self.calls))


def test_health_counts_each_failure_kind_and_never_scores_it_zero():
    texts = ["4", "boom", "slow", "nan", "big", "5"]
    samples = [Sample(t, reference="4", id=i) for i, t in enumerate(texts)]
    report = audit(Troubled(), samples, Options(recheck=0))
    health, metrics = report["sections"]["health"], report["metrics"]
    assert (health["errors"], health["timeouts"], health["nonfinite"], health["out_of_range"]) == (3, 1, 1, 1)
    assert metrics["error_rate"] == 0.5 and metrics["timeout_rate"] == 1 / 6
    assert report["sections"]["distribution"]["stats"]["mean"] == (1 + 7 + 0) / 3
    assert health["timing"]["slowest"][0]["id"] == 2
    reasons = {r["reason"] for r in report["sections"]["distribution"]["error_reasons"]}
    assert "timeout after 0.01s" in reasons


def test_recheck_flags_a_non_deterministic_reward():
    samples = [Sample(str(i)) for i in range(10)]
    report = audit(Flaky(), samples, Options(recheck=4))
    assert report["sections"]["health"]["recheck"]["n"] == 4
    assert report["metrics"]["nondeterministic_rate"] == 1.0
    assert any("scored twice" in f["text"] for f in report["findings"])


def test_recheck_of_a_deterministic_reward_finds_nothing():
    samples = [Sample(str(i), reference="3") for i in range(10)]
    assert audit(TextExact(), samples, Options(recheck=6))["metrics"]["nondeterministic_rate"] == 0.0


def test_agreement_at_threshold_and_examples_of_disagreement():
    rewards = [0.9, 0.8, 0.3, 0.6, 0.1]
    labels = [1, 1, 1, 0, 0]
    pairs = enumerate(zip(rewards, labels, strict=True))
    samples = [Sample(f"c{i}", id=i, label=y, extra={"s": r}) for i, (r, y) in pairs]
    report = audit(Field("s"), samples, Options(recheck=0))
    metrics, section = report["metrics"], report["sections"]["agreement"]
    assert metrics["accuracy"] == 0.6 and metrics["precision"] == 2 / 3 and metrics["recall"] == 2 / 3
    assert metrics["auroc"] == 5 / 6
    assert [e["id"] for e in section["false_negatives"]] == [2]
    assert [e["id"] for e in section["false_positives"]] == [3]


def test_pairwise_accuracy_per_subset_counts_ties_as_wrong():
    rows = [("chat", 0.9, 0.1), ("chat", 0.5, 0.5), ("math", 0.2, 0.7), ("math", 0.8, 0.3)]
    samples = []
    for pair, (subset, chosen, rejected) in enumerate(rows):
        samples.append(Sample("a", group=pair, label=1, extra={"s": chosen, "subset": subset}))
        samples.append(Sample("b", group=pair, label=0, extra={"s": rejected, "subset": subset}))
    report = audit(Field("s"), samples, Options(recheck=0))
    assert report["metrics"]["pairwise_accuracy"] == 0.5
    assert report["metrics"]["pairwise_accuracy.chat"] == 0.5 and report["metrics"]["pairwise_accuracy.math"] == 0.5
    assert "best_of_n" not in report["sections"]


def test_group_signal_counts_groups_where_every_completion_ties():
    values = {0: [1, 1, 1], 1: [0, 0, 0], 2: [1, 0, 0], 3: [0, 1, 1]}
    samples = [Sample("x", group=g, extra={"s": v}) for g, vs in values.items() for v in vs]
    section = audit(Field("s"), samples, Options(recheck=0))["sections"]["group_signal"]
    assert section["metrics"]["no_signal_groups"] == 0.5
    assert section["no_signal_by_value"] == {"1": 1, "0": 1}
    assert section["solve_rate_histogram"]["values"] == [0.0, 0.333333, 0.666667, 1.0]


def test_best_of_n_top1_and_mrr_with_pessimistic_ties():
    # group 0: correct ranked first; group 1: correct ties with a wrong one -> rank 2; group 2: none correct
    groups = {0: [(0.9, 1), (0.5, 0), (0.1, 0)], 1: [(0.7, 0), (0.7, 1), (0.2, 0)], 2: [(0.3, 0), (0.2, 0), (0.1, 0)]}
    samples = [Sample("x", group=g, label=y, extra={"s": s}) for g, rows in groups.items() for s, y in rows]
    metrics = audit(Field("s"), samples, Options(recheck=0))["metrics"]
    assert metrics["top1_accuracy"] == 0.5 and metrics["mrr"] == 0.75
    assert (
        metrics["bon_accuracy"] == 1 / 3
        and metrics["pass_at_n"] == 2 / 3
        and round(metrics["pass_at_1"], 12) == round(2 / 9, 12)
    )


def test_the_component_that_decides_the_ranking_alone_is_named():
    samples = [Sample(t, reference="4", group=0) for t in ("Answer: 5", "4", "Answer: 4", "5")]
    heavy = audit(Sum([TextExact(), FormatRegex(r"^Answer:")], weights=[1.0, 2.0]), samples, Options(recheck=0))
    light = audit(Sum([TextExact(), FormatRegex(r"^Answer:")], weights=[1.0, 0.1]), samples, Options(recheck=0))
    heavy_rows = {c["label"]: c for c in heavy["sections"]["components"]["components"]}
    assert heavy_rows["format.regex"]["dominant"] and not heavy_rows["text.exact"]["dominant"]
    # "Answer: 5" and "Answer: 4" (not an exact match) both beat the bare, correct "4"
    assert heavy_rows["format.regex"]["overrides"] == 2
    light_rows = {c["label"]: c for c in light["sections"]["components"]["components"]}
    assert light_rows["text.exact"]["dominant"] and not light_rows["format.regex"]["dominant"]
    assert heavy["metrics"]["dominant_components"] == 1
    assert "'format.regex' can decide the ranking alone" in heavy["findings"][0]["text"]


def test_process_section_scores_stored_step_scores_with_the_threshold_search():
    rows = [([0.9, 0.2, 0.1], 1), ([0.9, 0.8], -1), ([0.4, 0.9], 0), ([0.9, 0.6, 0.7], -1)]
    samples = [Sample("s", label=y, extra={"steps": ["a"] * len(s), "prm": s}) for s, y in rows]
    report = audit(Field("prm", aggregate="min"), samples, Options(recheck=0))
    section = report["sections"]["process"]
    assert "agreement" not in report["sections"]
    assert section["searched"]["f1"] == 1.0 and section["searched"]["threshold"] == 0.6
    # at 0.5 the third row's 0.4 is an error at step 0 (right), [0.9, 0.6, 0.7] is correct: all right
    assert section["at_threshold"]["f1"] == 1.0


def test_length_bias_and_answer_position():
    samples = [Sample("4" + " pad" * i, reference="4", extra={"s": i}) for i in range(6)]
    samples.append(Sample("no answer here, only a longer text", reference="4", extra={"s": 10}))
    section = audit(Field("s"), samples, Options(recheck=0))["sections"]["bias"]
    assert section["length_spearman"] == 1.0
    positions = {row["position"]: row["n"] for row in section["answer_position"]}
    assert positions == {"first third": 6, "absent": 1}


def test_plain_records_are_read_as_the_audit_command_reads_a_files():
    """From Python, dicts work like a data file's records: a preference pair is a labelled group of
    two (the pairwise section reads it), anything else that is not a Sample is a TypeError."""
    pairs = [
        {"prompt": "Capital of France?", "chosen": "Paris", "rejected": "Lyon", "reference": "Paris"},
        {"prompt": "2+2?", "chosen": "4", "rejected": "5", "reference": "4"},
    ]
    report = audit(TextExact(), pairs)
    assert report["meta"]["records"] == 4
    assert report["metrics"]["pairwise_accuracy"] == 1.0
    plain = audit(TextExact(), [{"completion": "4", "reference": "4"}, {"completion": "5", "reference": "4"}])
    assert plain["metrics"]["mean_reward"] == 0.5
    try:
        audit(TextExact(), [Sample("4", reference="4"), "5"])
    except TypeError as exc:
        assert str(exc) == "records[1]: expected a Sample or a dict, got str"
    else:
        raise AssertionError("a string record was accepted")
