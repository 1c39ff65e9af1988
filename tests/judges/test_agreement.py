"""The judge audit on labelled pairs, measured against data we did not write.

LLMBar (Zeng et al., ICLR 2024) stores 499 judge runs with the paper's figures; every
``correct_average`` ("Acc.") and ``equal`` ("Agr.") must come out exactly, from the stored
verdicts (``judge.stored``) and, for a sample of runs, from the same verdicts replayed by a
scripted endpoint through the live ``judge.pairwise`` (prompts, both orders, parsing, mapping the
swapped order back). JudgeBench's pairs check its +1/−1 rule with judges of known behaviour.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from functools import cache
from pathlib import Path

import pytest

from rewardsmith.core import load
from rewardsmith.judges.agreement import audit_pairs, cohen_kappa, pair_metrics

from .scripted import ScriptedServer

#: A fixed sample of the stored runs for the fast suite (all 499 run in the slow one).
FAST_EVERY = 25


@cache
def llmbar_runs(root: str) -> list[dict]:
    with gzip.open(Path(root) / "llmbar" / "judge_results.jsonl.gz", "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


@cache
def llmbar_set(root: str, name: str) -> list[dict]:
    return json.loads((Path(root) / "llmbar" / "datasets" / name / "dataset.json").read_text(encoding="utf-8"))


def pair_records(root: Path, run: dict) -> list[dict]:
    return [
        {
            "prompt": item["input"],
            "completion_a": item["output_1"],
            "completion_b": item["output_2"],
            "label": item["label"],
            "noswap": first,
            "swap": second,
        }
        for item, first, second in zip(llmbar_set(str(root), run["dataset"]), run["winner_noswap"],
                                       run["winner_swap"], strict=True)
    ]


def llmbar_strings(report: dict) -> dict[str, str]:
    """The figures in the format of LLMBar's statistics.json."""
    n, counts = report["n"], report["counts"]
    return {
        "correct_False": f"{counts['correct_first']} / {n} = {counts['correct_first'] / n * 100}%",
        "correct_True": f"{counts['correct_second']} / {n} = {counts['correct_second'] / n * 100}%",
        "correct_average": f"{(counts['correct_first'] + counts['correct_second']) / (2 * n) * 100}%",
        "correct_both": f"{counts['correct_both']} / {n} = {counts['correct_both'] / n * 100}%",
        "equal": f"{counts['equal']} / {n} = {counts['equal'] / n * 100}%",
    }


def check_run(root: Path, run: dict) -> None:
    report = audit_pairs(load({"type": "judge.stored", "ab": "noswap", "ba": "swap"}), pair_records(root, run))
    expected = {key: run["statistics"][key] for key in llmbar_strings(report)}
    assert llmbar_strings(report) == expected, (run["dataset"], run["evaluator"], run["strategy"])
    assert report["judge_accuracy"] * 100 == float(run["statistics"]["correct_average"].rstrip("%"))


def test_llmbar_figures_come_out_exactly_from_stored_verdicts_sample(shared_data) -> None:
    runs = llmbar_runs(str(shared_data))
    assert len(runs) == 499
    for run in runs[::FAST_EVERY]:
        check_run(shared_data, run)


@pytest.mark.slow
def test_llmbar_figures_come_out_exactly_from_stored_verdicts_all_499(shared_data) -> None:
    for run in llmbar_runs(str(shared_data)):
        check_run(shared_data, run)


def test_gpt4_on_natural_is_the_papers_93_5_and_97(shared_data) -> None:
    run = next(r for r in llmbar_runs(str(shared_data))
               if (r["dataset"], r["evaluator"], r["strategy"]) == ("LLMBar/Natural", "GPT-4", "Vanilla_NoRules"))
    report = audit_pairs(load({"type": "judge.stored", "ab": "noswap", "ba": "swap"}), pair_records(shared_data, run))
    assert (report["judge_accuracy"], report["positional_agreement"]) == (0.935, 0.97)


def test_our_kappa_reproduces_llmbars_sklearn_kappas(shared_data) -> None:
    """LLMBar maps a verdict w to int(w) if w in ("0", "1") else 0 and compares with the int label."""
    for run in llmbar_runs(str(shared_data))[::FAST_EVERY]:
        labels = [item["label"] for item in llmbar_set(str(shared_data), run["dataset"])]
        for key, field in (("kappa_False", "winner_noswap"), ("kappa_True", "winner_swap")):
            mapped = [int(w) if w in ("0", "1") else 0 for w in run[field]]
            assert cohen_kappa(labels, mapped) == pytest.approx(run["statistics"][key], abs=1e-12)


# --- the same verdicts, replayed live --------------------------------------------------------

TAG = re.compile(r"<output_([ab])-([0-9a-f]{8})>")


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def replay_rule(records: list[dict]):
    """An endpoint that answers each order with the verdict LLMBar stored for it (the fence tags
    carry the hash of each output, so the order is known); a null verdict is an unreadable answer."""
    table = {(digest(r["completion_a"]), digest(r["completion_b"])): r for r in records}

    def rule(body) -> str:
        tags = dict(TAG.findall(body["messages"][-1]["content"]))
        first, second = tags["a"], tags["b"]
        if (first, second) in table:
            verdict = table[(first, second)]["noswap"]
            return {"1": "Output (a) is better.\n[[A]]", "2": "Output (b) is better.\n[[B]]"}.get(verdict, "Unsure.")
        verdict = table[(second, first)]["swap"]  # stored in the original labels: "1" sits in position b now
        return {"1": "[[B]]", "2": "[[A]]"}.get(verdict, "Both are equally fine")

    return rule


@pytest.mark.parametrize("index", [0, 57, 140, 233, 310, 402])
def test_llmbar_figures_come_out_exactly_through_the_live_pairwise_judge(shared_data, index) -> None:
    runs = [r for r in llmbar_runs(str(shared_data)) if r["dataset"] != "Processed/LLMEval^2"]
    run = runs[index]
    records = pair_records(shared_data, run)
    with ScriptedServer(replay_rule(records)) as server:
        judge = load({"type": "judge.pairwise", "base_url": server.url, "model": "replay", "max_concurrency": 32})
        report = audit_pairs(judge, records)
        assert len(server.requests) == 2 * run["n"]
    expected = {key: run["statistics"][key] for key in llmbar_strings(report)}
    assert llmbar_strings(report) == expected
    assert report["counts"]["no_verdict"] == sum(w is None for w in run["winner_noswap"] + run["winner_swap"])


# --- JudgeBench's rule on its pairs ----------------------------------------------------------


@cache
def judgebench(root: str) -> list[dict]:
    path = Path(root) / "judgebench" / "gpt-4o-2024-05-13.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [{"prompt": r["question"], "completion_a": r["response_A"], "completion_b": r["response_B"],
             "label": r["label"], "subset": r["source"].split("-")[0]} for r in rows]


def oracle(records: list[dict], second_order: str):
    """Right in the first order; in the swapped order ``right``, ``tie`` or ``first`` (position bias)."""
    winner = {(digest(r["completion_a"]), digest(r["completion_b"])): r["label"][0].lower() for r in records}

    def rule(body) -> str:
        tags = dict(TAG.findall(body["messages"][-1]["content"]))
        if (tags["a"], tags["b"]) in winner:
            return f"[[{winner[(tags['a'], tags['b'])].upper()}]]"
        truth = winner[(tags["b"], tags["a"])]
        if second_order == "right":
            return "[[B]]" if truth == "a" else "[[A]]"
        return "[[C]]" if second_order == "tie" else "[[A]]"

    return rule


@pytest.mark.parametrize(
    ("second_order", "accuracy", "agreement", "judgebench_accuracy"),
    [("right", 1.0, 1.0, 1.0), ("tie", 0.5, 0.0, 1.0)],
)
def test_judgebench_rule_on_its_350_pairs(shared_data, second_order, accuracy, agreement, judgebench_accuracy) -> None:
    records = judgebench(str(shared_data))
    with ScriptedServer(oracle(records, second_order)) as server:
        judge = load({"type": "judge.pairwise", "base_url": server.url, "model": "oracle", "max_concurrency": 32})
        report = audit_pairs(judge, records)
    assert report["n"] == 350
    assert (report["judge_accuracy"], report["positional_agreement"], report["judgebench_accuracy"]) == (
        accuracy, agreement, judgebench_accuracy)
    assert sorted(report["subsets"]) == ["livebench", "livecodebench", "mmlu"]
    assert report["subsets"]["livecodebench"]["n"] == 42


def test_a_position_biased_judge_scores_zero_under_judgebenchs_rule(shared_data) -> None:
    records = judgebench(str(shared_data))
    with ScriptedServer(oracle(records, "first")) as server:
        judge = load({"type": "judge.pairwise", "base_url": server.url, "model": "biased", "max_concurrency": 32})
        report = audit_pairs(judge, records)
    a_wins = sum(r["label"] == "A>B" for r in records)  # 193: the first order is right, the swapped says A
    assert report["counts"]["correct_first"] == 350
    assert report["counts"]["correct_second"] == 350 - a_wins
    assert report["judgebench_accuracy"] == (350 - a_wins) / 350
    assert report["positional_agreement"] == (350 - a_wins) / 350


def test_pair_metrics_count_unreadable_verdicts_as_wrong_and_two_nulls_as_agreeing() -> None:
    report = pair_metrics(["a", "b"], [None, "b"], [None, "a"])
    assert report["judge_accuracy"] == 0.25
    assert report["positional_agreement"] == 0.5
    assert report["judgebench_accuracy"] == 0.0
    assert report["counts"]["no_verdict"] == 2


def test_a_pointwise_reward_on_pairs_is_judged_by_which_it_scores_higher() -> None:
    records = [
        {"prompt": "q", "completion_a": "one two three", "completion_b": "one", "label": "a"},
        {"prompt": "q", "completion_a": "one", "completion_b": "one two", "label": 1},
        {"prompt": "q", "completion_a": "x", "completion_b": "y", "label": "b"},
    ]

    def words(body) -> str:
        text = re.search(r"<completion-[0-9a-f]{8}>\n(.*?)\n</completion", body["messages"][-1]["content"], re.S)
        return f"Score: {len(text.group(1).split())}"

    with ScriptedServer(words) as server:
        report = audit_pairs(load({"type": "judge.pointwise", "base_url": server.url, "model": "m"}), records)
    assert report["counts"]["correct_first"] == 1
    assert report["judge_accuracy"] == 1 / 3
    assert report["positional_agreement"] == 1.0


def test_the_audit_section_of_a_judge_names_its_figures_and_flags_position_bias(shared_data) -> None:
    from rewardsmith.core import Sample
    from rewardsmith.judges.agreement import judge_section

    run = next(r for r in llmbar_runs(str(shared_data))
               if (r["dataset"], r["evaluator"], r["strategy"]) == ("CaseStudy/Base_10", "ChatGPT", "CoT"))
    samples = [Sample.from_record({**record, "subset": "base10"}) for record in pair_records(shared_data, run)]
    section = judge_section(load({"type": "judge.stored", "ab": "noswap", "ba": "swap"}), samples)
    assert section["metrics"]["judge_accuracy"] * 100 == float(run["statistics"]["correct_average"].rstrip("%"))
    assert section["metrics"]["positional_agreement"] == 1 / 54  # "1 / 54" in LLMBar's statistics
    assert [f["level"] for f in section["findings"]] == ["warn"]
    assert judge_section(load("text.exact"), [Sample("x", reference="x")]) is None
