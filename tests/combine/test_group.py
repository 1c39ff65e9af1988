import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rewardsmith
from rewardsmith.combine.group import GroupNorm, GroupRank
from rewardsmith.combine.reference import Centre

from .helpers import A, samples, values

records = st.lists(
    st.tuples(st.sampled_from(["g1", "g2", "g3", None]), st.floats(-100, 100, allow_nan=False)),
    min_size=1,
    max_size=24,
)


def batch_of(rows):
    return samples(*({"id": i, "group": g, "a": r} for i, (g, r) in enumerate(rows)))


def by_id(results, batch):
    return {s.id: (r.value, r.error) for s, r in zip(batch, results, strict=True)}


def test_grpo_uses_sample_std_like_trl():
    rewards = [1.0, 0.0, 0.0, 0.0]
    batch = samples(*({"a": r, "group": "q"} for r in rewards))
    std = statistics.stdev(rewards)
    expected = [(r - 0.25) / (std + 1e-4) for r in rewards]
    assert values(GroupNorm(A).score(batch)) == pytest.approx(expected, abs=1e-15)
    population = statistics.pstdev(rewards)
    assert values(GroupNorm(A, unbiased=False, eps=0.0).score(batch)) == pytest.approx(
        [(r - 0.25) / population for r in rewards], abs=1e-15
    )


def test_dr_grpo_subtracts_the_mean_and_rloo_the_leave_one_out_mean():
    batch = samples(*({"a": r, "group": "q"} for r in [3.0, 1.0, 2.0]))
    assert values(GroupNorm(A, method="dr_grpo").score(batch)) == [1.0, -1.0, 0.0]
    assert values(GroupNorm(A, method="rloo").score(batch)) == pytest.approx([1.5, -1.5, 0.0], abs=1e-15)


def test_rloo_on_a_group_of_one_is_an_error():
    result = GroupNorm(A, method="rloo").score(samples({"a": 1.0}))[0]
    assert result.error == "group_norm: rloo needs at least 2 scored completions in the group"


def test_errored_members_are_left_out_of_the_group_statistics():
    batch = samples({"a": 1.0, "group": "q"}, {"group": "q"}, {"a": 3.0, "group": "q"})
    results = GroupNorm(A, method="dr_grpo").score(batch)
    assert values(results) == [-1.0, None, 1.0]
    assert results[1].error == "field: no field 'a' in the record"


def test_group_rank_counts_wins_and_half_ties():
    batch = samples(*({"a": r, "group": "q"} for r in [1.0, 2.0, 2.0, 0.0]))
    assert values(GroupRank(A).score(batch)) == [1 / 3, 2.5 / 3, 2.5 / 3, 0.0]


def test_group_rank_of_a_lone_sample_is_an_error():
    assert GroupRank(A).score(samples({"a": 1.0}))[0].error == "group_rank: a group of one has no one to beat"


@given(records)
def test_group_norm_has_zero_mean_per_group(rows):
    batch = batch_of(rows)
    for method in ("grpo", "dr_grpo", "rloo"):
        results = GroupNorm(A, method=method).score(batch)
        for group in {g for g, _ in rows if g is not None}:
            group_values = [r.value for s, r in zip(batch, results, strict=True) if s.group == group]
            if None not in group_values:
                assert abs(sum(group_values)) <= 1e-9 * max(1.0, max(abs(v) for v in group_values) * len(rows))


GROUP_TRANSFORMS = [
    GroupNorm(A),
    GroupNorm(A, method="dr_grpo"),
    GroupNorm(A, method="rloo"),
    GroupRank(A),
    Centre(A),
]


@settings(max_examples=60)
@given(records, st.randoms(use_true_random=False), st.integers(1, 4))
def test_group_transforms_ignore_record_order_and_batching(rows, random, cuts):
    batch = batch_of(rows)
    shuffled = list(batch)
    random.shuffle(shuffled)
    groups = sorted({str(s.group) if s.group is not None else f"own{s.id}" for s in shuffled})
    random.shuffle(groups)
    chunks = [groups[i::cuts] for i in range(cuts)]
    for transform in GROUP_TRANSFORMS:
        expected = by_id(transform.score(batch), batch)
        assert by_id(transform.score(shuffled), shuffled) == expected
        batched = {}
        for chunk in chunks:
            part = [s for s in shuffled if (str(s.group) if s.group is not None else f"own{s.id}") in chunk]
            batched.update(by_id(transform.score(part), part))
        assert batched == expected


def test_group_norm_spec_from_the_issue_loads_and_scores():
    reward = rewardsmith.load({
        "type": "group_norm",
        "reward": {"type": "sum", "terms": [{"type": "text.exact"}, {"type": "format.regex", "pattern": "!",
                                                                      "weight": 0.1}]},
        "method": "dr_grpo",
    })
    batch = samples({"completion": "4", "reference": "4", "group": 1}, {"completion": "5!", "reference": "4",
                                                                           "group": 1})
    assert values(reward.score(batch)) == pytest.approx([0.45, -0.45], abs=1e-15)
