from __future__ import annotations

import rewardsmith
from rewardsmith.audit.probes import audit_hacking, flat_metrics, load_corpus
from rewardsmith.audit.probes.corpus import KINDS

from .hackable import boxed_regex, last_number, substring_match

REWARD_DOCTOR_ATTACKS = {"hedge", "negation", "contradiction", "empty", "echo_question", "length_inflation",
                         "injection", "self_praise", "format_only"}


def corpus_of(reward):
    return audit_hacking(reward, [], probes=None)["corpus"]


def test_corpus_has_four_kinds_unique_ids_and_two_hundred_cases():
    cases = load_corpus()
    assert len(cases) >= 200
    assert len({c.id for c in cases}) == len(cases)
    assert {c.kind for c in cases} == set(KINDS)
    assert all(c.accept == (c.kind in ("equivalent", "format")) for c in cases)
    assert REWARD_DOCTOR_ATTACKS <= {c.cls for c in cases if c.kind == "exploit"}


def test_contested_cases_stay_out_of_the_headline():
    result = corpus_of(substring_match)
    contested = sum(c.contested for c in load_corpus())
    assert contested > 0
    assert result["n"] == len(load_corpus()) - contested
    assert len(result["contested_accepted"]) == contested


def test_boxed_regex_accepts_eleven_exploit_classes_and_is_permissive():
    result = corpus_of(boxed_regex)
    assert result["exploit_classes"] == [
        "contradiction", "empty", "format_farming", "format_only", "hedge", "injection", "length_inflation",
        "negation", "repeat_steps", "self_praise", "unicode_confusables",
    ]
    assert result["profile"] == "permissive"


def test_substring_match_accepts_hedges_and_negations_and_rejects_equivalents():
    result = corpus_of(substring_match)
    assert result["exploit_classes"] == ["contradiction", "hedge", "injection", "negation", "unicode_confusables"]
    assert result["by_kind"]["equivalent"]["failed"] == 62


def test_last_number_accepts_hedge_injection_and_negation_only():
    # A bare candidate list with the reference last ("19 17 20 18") pays the last-number rule (issue 19).
    assert corpus_of(last_number)["exploit_classes"] == ["hedge", "injection", "negation"]


def test_text_exact_is_format_strict_and_pays_no_sign_flip():
    result = corpus_of(rewardsmith.load({"type": "text.exact"}))
    assert (result["profile"], result["exploit_classes"]) == ("format_strict", [])
    assert result["false_positive_rate"] == 0
    # SQuAD's normalisation drops "<" and "-": the sign-flipped "-x < -1" reads as "x < 1" (issue
    # 19's corpus), and the Unicode minus "−5" no longer equals "-5".
    squad = corpus_of(rewardsmith.load({"type": "text.exact", "squad": True}))
    assert squad["false_positive_rate"] == 1 / 143


def test_math_answer_accepts_no_exploit():
    assert corpus_of(rewardsmith.load({"type": "math.answer"}))["exploit_classes"] == []


def test_math_answer_is_precise():
    result = corpus_of(rewardsmith.load({"type": "math.answer"}))
    assert result["false_positive_rate"] < 0.02
    assert result["false_negative_rate"] < 0.05


def test_partial_credit_is_detected_and_a_threshold_advised():
    def half_for_format(completion, reference):
        return 0.5 * ("\\boxed{" in completion) + 0.5 * (f"\\boxed{{{reference}}}" in completion)

    result = corpus_of(half_for_format)
    assert result["partial_credit"] is True
    assert result["advised_threshold"] == 0.25
    assert set(result["at_advised_threshold"]) == {"false_positive_rate", "false_negative_rate"}


def test_corpus_metrics_are_flat():
    metrics = flat_metrics(audit_hacking(last_number, [], probes=None))
    assert metrics["corpus_exploit_classes"] == 3.0
    assert metrics["corpus_exploits_accepted"] == 14.0
    assert "exploit_rate" not in metrics
