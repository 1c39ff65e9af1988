"""Best-of, filters and pairs on small scored groups: tie rules, errors never win, exact counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rewardsmith import select
from rewardsmith.core import DataError
from rewardsmith.select.rows import iter_groups

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def row(group, reward, completion="x", error=None, **extra):
    return {"group": group, "completion": completion, "reward": reward, "reward_error": error, **extra}


GROUP = [
    row("q", 0.5, "a long answer", id=0),
    row("q", 0.9, "medium one", id=1),
    row("q", 0.9, "short", id=2),
    row("q", None, "crashed", error="timeout", id=3),
    row("q", None, "n/a", id=4),
]


@pytest.mark.parametrize(("tie", "expected"), [("first", 1), ("shortest", 2)])
def test_best_of_breaks_ties_by_the_stated_rule(tie, expected):
    assert [r["id"] for r in select.best_of(GROUP, tie=tie).rows] == [expected]


def test_best_of_random_tie_is_reproducible_with_a_seed():
    picks = {select.best_of(GROUP, tie="random", seed=seed).rows[0]["id"] for seed in range(20)}
    assert picks == {1, 2}
    assert select.best_of(GROUP, tie="random", seed=3).rows == select.best_of(GROUP, tie="random", seed=3).rows


def test_errors_and_not_applicable_never_win_even_when_alone():
    report = select.best_of([row("q", None, error="crash"), row("q", None)]).report
    assert report.kept == 0
    assert report.dropped == {"reward is an error": 1, "reward is not applicable": 1}


def test_best_of_n_looks_only_at_the_first_n_of_each_group():
    selection = select.best_of(GROUP, n=1)
    assert [r["id"] for r in selection.rows] == [0]
    assert selection.report.dropped["beyond the first 1 of its group"] == 4


def test_filter_reports_how_many_rows_each_clause_removed():
    rows = [*GROUP, row("p", 0.2, id=5, label=1), row("p", 0.95, id=6, label=0)]
    selection = select.filter(rows, "reward >= 0.5 and id != 2")
    assert [r["id"] for r in selection.rows] == [0, 1, 6]
    assert selection.report.clauses == [
        {"clause": "reward >= 0.5", "removed": 1, "unknown": 2},
        {"clause": "id != 2", "removed": 1, "unknown": 0},
    ]


def test_filter_per_group_keeps_the_k_best_of_each_group_in_input_order():
    rows = [*GROUP, row("p", 0.2, id=5), row("p", 0.95, id=6), row("p", 0.3, id=7)]
    selection = select.filter(rows, per_group=2)
    assert [r["id"] for r in selection.rows] == [1, 2, 6, 7]
    assert selection.report.dropped == {
        "reward is an error": 1, "reward is not applicable": 1, "beyond --per-group 2": 2,
    }


def test_filter_top_k_keeps_the_k_best_overall_in_input_order():
    rows = [*GROUP, row("p", 0.95, id=6)]
    assert [r["id"] for r in select.filter(rows, "ok", top_k=2).rows] == [1, 6]


def test_a_misspelt_name_is_an_error_not_an_empty_selection():
    with pytest.raises(select.ExpressionError, match=r"no record has components\.fromat"):
        select.filter(GROUP, "components.fromat >= 1")


@pytest.mark.parametrize(
    ("strategy", "max_pairs", "expected"),
    [
        ("best-worst", None, [(1, 0, 0.4)]),
        ("all", None, [(1, 0, 0.4), (2, 0, 0.4)]),
        ("all", 1, [(1, 0, 0.4)]),
        ("best-random", 1, [(1, 0, 0.4)]),
    ],
)
def test_pair_strategies_respect_the_margin_and_leave_errors_out(strategy, max_pairs, expected):
    selection = select.pairs(GROUP, strategy=strategy, min_margin=0.3, max_pairs=max_pairs, format="raw")
    got = [(p["chosen_id"], p["rejected_id"], round(p["margin"], 12)) for p in selection.rows]
    assert got == expected


def test_equal_rewards_make_no_pair_and_the_group_is_counted():
    selection = select.pairs([row("q", 1.0), row("q", 1.0)])
    assert selection.rows == []
    assert selection.report.dropped == {"groups without a pair of margin > 0 and >= 0 (groups)": 1}


def test_conversational_pairs_are_messages_on_all_three_sides():
    prompt = [{"role": "user", "content": "2+2?"}]
    rows = [row("q", 1.0, "4", prompt=prompt), row("q", 0.0, [{"role": "assistant", "content": "5"}], prompt=prompt)]
    (pair,) = select.pairs(rows).rows
    assert pair == {
        "prompt": prompt, "chosen": [{"role": "assistant", "content": "4"}],
        "rejected": [{"role": "assistant", "content": "5"}], "margin": 1.0,
    }


def test_groups_default_to_the_prompt_when_there_is_no_group_field():
    rows = [{"prompt": "a", "reward": 0.1}, {"prompt": "a", "reward": 0.7}, {"prompt": "b", "reward": 0.3}]
    assert [r["reward"] for r in select.best_of(rows).rows] == [0.7, 0.3]


def test_streaming_refuses_a_group_that_comes_back_later():
    rows = enumerate([{"group": "a"}, {"group": "b"}, {"group": "a"}])
    with pytest.raises(DataError, match="groups must be contiguous"):
        list(iter_groups(rows, None))
    in_memory = iter_groups(enumerate([{"group": "a"}, {"group": "b"}, {"group": "a"}]), None, contiguous=False)
    assert [[i for i, _ in g] for g in in_memory] == [[0, 2], [1]]


def test_unscored_records_without_a_reward_are_refused():
    with pytest.raises(DataError, match="no 'reward' field"):
        select.best_of([{"completion": "x"}])


def test_scoring_on_the_way_with_a_reward_spec():
    rows = [{"group": 1, "completion": "4", "reference": "4"}, {"group": 1, "completion": "5", "reference": "4"}]
    selection = select.best_of(rows, "text.exact")
    assert [(r["completion"], r["reward"]) for r in selection.rows] == [("4", 1.0)]


def test_filter_on_components_of_a_composed_spec_scored_on_the_way():
    samples = [json.loads(line) for line in (EXAMPLES / "data" / "grpo_samples.jsonl").read_text().splitlines()]
    kept = select.filter(samples, "components.math.answer == 1 and components.format.tags == 1",
                         reward=str(EXAMPLES / "grpo_reward.yaml"), per_group=2)
    assert [r["id"] for r in kept.rows] == ["q1-a", "q1-d", "q2-a", "q2-b"]
    assert kept.report.clauses[0] == {"clause": "components.math.answer == 1", "removed": 2, "unknown": 2}
    assert kept.to_dataset().num_rows == 4


def test_a_datasets_dataset_is_read_like_a_list_of_records():
    datasets = pytest.importorskip("datasets")
    rows = [{"group": 1, "completion": c, "reward": r} for c, r in [("a", 0.2), ("b", 0.7)]]
    table = datasets.Dataset.from_list(rows)
    assert [r["completion"] for r in select.best_of(table).rows] == ["b"]
    assert select.pairs(table).to_dataset().column_names == ["chosen", "rejected", "margin"]
