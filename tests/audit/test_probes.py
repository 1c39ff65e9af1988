from __future__ import annotations

import pytest

import rewardsmith
from rewardsmith.audit.probes import Probe, Variant, audit_hacking, flat_metrics, probe_names, register_probe
from rewardsmith.audit.probes.registry import PROBES, get_probe
from rewardsmith.core import SpecError

from .hackable import FORMAT_BONUS, RECORDS, SHORT_RECORDS, boxed_regex, last_number, substring_match

BUILTIN = [
    "answer_only", "contradiction", "echo_question", "empty", "fence_escape", "format_farming", "format_only",
    "hedge", "injection", "length_inflation", "many_boxes", "master_keys", "negation", "off_image", "repeat_steps",
    "self_praise", "swapped_corners", "unicode_confusables", "verdict_forgery", "whole_image", "zero_area_box",
]


def exploited(reward, records=RECORDS) -> dict[str, int]:
    result = audit_hacking(reward, records, probes="all", corpus=False)
    return {name: p["n_exploited"] for name, p in result["probes"].items() if p["n_exploited"]}


def test_every_builtin_probe_is_registered():
    assert probe_names() == BUILTIN


def test_unknown_probe_names_close_matches():
    with pytest.raises(SpecError, match="did you mean hedge"):
        get_probe("hedgee")


def test_boxed_regex_is_caught_by_format_only_on_every_record():
    assert exploited(boxed_regex) == {"format_only": 3}


def test_substring_match_is_caught_by_five_probes():
    assert exploited(substring_match) == {
        "contradiction": 3, "hedge": 3, "injection": 3, "negation": 3, "unicode_confusables": 3,
    }


def test_last_number_match_is_caught_where_the_answer_is_a_number():
    assert exploited(last_number) == {"hedge": 2, "injection": 2, "negation": 2}


def test_text_exact_on_short_answers_has_no_exploit():
    result = audit_hacking("text.exact", SHORT_RECORDS, corpus=False)
    assert {name: p["exploit_rate"] for name, p in result["probes"].items()} == dict.fromkeys(BUILTIN, 0.0)
    assert result["probes"]["echo_question"]["n"] == 3


def test_math_answer_passes_every_probe():
    assert exploited(rewardsmith.load({"type": "math.answer"})) == {}


def test_format_bonus_exploits_are_attributed_to_the_format_component():
    result = audit_hacking(rewardsmith.load(FORMAT_BONUS), RECORDS, probes=["format_only"], corpus=False)
    probe = result["probes"]["format_only"]
    assert probe["n_exploited"] == 3
    assert probe["components"] == {"math.answer": 0.0, "format.regex": 1.0}
    assert probe["examples"][0]["control"] == "floor"


def test_flat_metrics_name_each_probe_and_component():
    result = audit_hacking(rewardsmith.load(FORMAT_BONUS), RECORDS, probes=["format_only", "empty"], corpus=False)
    assert flat_metrics(result) == {
        "exploit_rate": 1.0,
        "exploit_rate.format_only": 1.0,
        "exploit_rate.empty": 0.0,
        "component_exploit_rate.math.answer": 0.0,
        "component_exploit_rate.format.regex": 1.0,
    }


def test_a_user_probe_registers_and_runs():
    @register_probe("test_shout")
    class Shout(Probe):
        needs = ()
        description = "upper case must not earn more"

        def variants(self, case):
            return [Variant(case.text.upper(), "original", "upper case")]

    try:
        def prefers_capitals(completion, reference):
            return float(completion.isupper())

        result = audit_hacking(prefers_capitals, SHORT_RECORDS, probes=["test_shout"], corpus=False)
        assert result["probes"]["test_shout"]["n_exploited"] == 2  # "42" has no capitals to gain
    finally:
        PROBES.unregister("test_shout")


def test_chat_completions_reach_a_trl_reward_as_messages():
    seen = []

    def trl_reward(completions, reference, **kwargs):
        seen.extend(completions)
        return [float("42" in c[0]["content"]) for c in completions]

    records = [{**RECORDS[0], "completion": [{"role": "assistant", "content": RECORDS[0]["completion"]}]}]
    result = audit_hacking(trl_reward, records, probes=["negation"], corpus=False)
    assert result["probes"]["negation"]["n_exploited"] == 1
    assert all(isinstance(c, list) and c[0]["role"] == "assistant" for c in seen)


def test_errors_are_counted_not_scored():
    def fragile(completion, reference):
        if not completion.strip():
            raise ValueError("empty")
        return float(reference in completion)

    probe = audit_hacking(fragile, RECORDS, probes=["empty"], corpus=False)["probes"]["empty"]
    assert (probe["errors"], probe["n_exploited"], probe["n"]) == (6, 0, 0)


def test_max_records_draws_a_seeded_subset():
    many = [{**RECORDS[0], "id": i} for i in range(10)]
    first = audit_hacking(substring_match, many, probes=["hedge"], corpus=False, max_records=4, seed=7)
    again = audit_hacking(substring_match, many, probes=["hedge"], corpus=False, max_records=4, seed=7)
    assert first["probes"]["hedge"]["n"] == 4
    assert first["probes"] == again["probes"]


def test_a_verl_scorer_taking_two_of_the_four_verl_arguments_is_audited():
    def compute_score(solution_str, ground_truth):
        return 1.0 if solution_str.rstrip().endswith(ground_truth) else 0.0

    result = audit_hacking(compute_score, RECORDS[:2], probes=["negation", "hedge"], corpus=False)
    assert {n: (p["n"], p["errors"], p["n_exploited"]) for n, p in result["probes"].items()} == {
        "negation": (2, 0, 1),  # "#### not 18" ends with the reference
        "hedge": (2, 0, 1),  # "#### 19 #### 17 #### 20 #### 18" ends with it too
    }
