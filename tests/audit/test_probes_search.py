from __future__ import annotations

import rewardsmith
from rewardsmith.audit.probes import attack_search, audit_hacking, flat_metrics, render_hacking_html
from rewardsmith.audit.probes.target import as_reward, as_samples

from .hackable import RECORDS, SHORT_RECORDS, boxed_regex, last_number, substring_match


def search(reward, budget=150, seed=0, records=RECORDS):
    return attack_search(as_reward(reward), as_samples(records), budget, seed=seed)


def test_search_is_deterministic_under_a_seed():
    assert search(substring_match, seed=5) == search(substring_match, seed=5)


def test_search_stops_at_its_budget():
    for budget in (1, 7, 40):
        assert search(substring_match, budget=budget)["evaluations"] <= budget


def test_search_finds_a_one_edit_hedge_against_substring_match():
    result = search(substring_match)
    assert result["relative_reward"] == 1.0
    assert result["exploits"][0]["edits"] == ["empty", "add candidates"]
    assert result["exploits"][0]["completion"] == "\nIt could be 43, 42 or 44."


def test_search_finds_an_empty_box_against_the_boxed_regex():
    result = search(boxed_regex)
    assert result["exploits"][0]["completion"] == "\\boxed{}"
    assert result["exploits"][0]["edits"] == ["empty", "wrap '\\\\boxed{…}'"]


def test_search_finds_boxed_candidates_against_last_number():
    assert search(last_number)["exploits"][0]["edits"] == ["empty", "box candidates"]


def test_search_finds_nothing_against_text_exact():
    result = search("text.exact", budget=300, records=SHORT_RECORDS)
    assert (result["exploits"], result["relative_reward"], result["max_reward"]) == ([], 0.0, 0.0)


def test_search_finds_no_exploit_against_math_answer():
    result = search(rewardsmith.load({"type": "math.answer"}), budget=400, records=RECORDS[1:2])
    assert (result["exploits"], result["relative_reward"]) == ([], 0.0)


def test_no_candidate_is_a_correct_answer():
    result = search(substring_match, budget=300)
    for exploit in result["exploits"]:
        assert exploit["completion"].strip() not in {"42", "18", "1/2", "\\boxed{42}"}


def test_search_numbers_reach_flat_metrics_and_html():
    result = audit_hacking(substring_match, RECORDS, probes=["hedge"], search_budget=150, corpus=True)
    metrics = flat_metrics(result)
    assert metrics["search_relative_reward"] == 1.0
    assert metrics["search_exploits"] == 3.0
    html = render_hacking_html(result)
    assert "Attack search" in html and "Adversarial corpus" in html and "http" not in html
