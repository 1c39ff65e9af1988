"""The SQLite result cache: same results with or without it, errors never cached, spec-scoped."""

from __future__ import annotations

import pickle
from pathlib import Path

import rewardsmith
from rewardsmith import Reward, RewardResult, Sample
from rewardsmith.serve import CachedReward, ResultCache
from rewardsmith.verifiers.text.exact import TextExact


class Counting(Reward):
    """Length of the completion; fails on "bad"; counts how many samples it scored."""

    name = "counting"

    def __init__(self) -> None:
        self.calls = 0

    def score_one(self, sample: Sample) -> RewardResult | float:
        self.calls += 1
        if sample.text == "bad":
            return RewardResult.fail("bad sample")
        return float(len(sample.text))


SAMPLES = [Sample("aa", id=1), Sample("bad", id=2), Sample("aa", id=3), Sample("cccc", id=4)]


def test_cached_results_equal_uncached_results(tmp_path: Path) -> None:
    cached = CachedReward(Counting(), tmp_path / "c.sqlite")
    assert cached.score(SAMPLES) == Counting().score(SAMPLES)
    assert cached.score(SAMPLES) == Counting().score(SAMPLES)


def test_repeats_are_scored_once_and_errors_are_scored_again(tmp_path: Path) -> None:
    inner = Counting()
    cached = CachedReward(inner, tmp_path / "c.sqlite")
    cached.score(SAMPLES)
    assert inner.calls == 3
    cached.score(SAMPLES)
    assert inner.calls == 4
    assert (cached.hits, cached.misses) == (4, 4)


def test_cache_survives_a_new_process_view_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    CachedReward(TextExact(), path).score([Sample("x", reference="x")])
    again = CachedReward(TextExact(), path)
    assert again.score([Sample("x", reference="x")])[0].value == 1.0
    assert (again.hits, again.misses) == (1, 0)


def test_a_different_spec_does_not_see_the_results(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    CachedReward(TextExact(), path).score([Sample("X", reference="x")])
    strict = CachedReward(TextExact(case_sensitive=True), path)
    assert strict.score([Sample("X", reference="x")])[0].value == 0.0
    assert strict.misses == 1


def test_cached_reward_pickles_with_its_cache(tmp_path: Path) -> None:
    cached = CachedReward(TextExact(), tmp_path / "c.sqlite")
    cached.score([Sample("x", reference="x")])
    clone = pickle.loads(pickle.dumps(cached))
    assert clone.score([Sample("x", reference="x")])[0].value == 1.0
    assert (clone.hits, clone.misses) == (1, 1)


def test_result_cache_keeps_details(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "c.sqlite")
    cache.put("s", {"k": RewardResult.ok(0.5, parts=[1, 2]), "e": RewardResult.fail("no")})
    assert cache.get("s", ["k", "e"]) == {"k": RewardResult.ok(0.5, parts=[1, 2])}


GROUP = [Sample(c, reference="4", group="q1") for c in ["4", "5", "6", "7"]]


def test_a_cached_group_norm_is_not_answered_from_another_grouping(tmp_path: Path) -> None:
    from rewardsmith.combine.group import GroupNorm

    cached = CachedReward(GroupNorm(TextExact(), eps=0.0), tmp_path / "c.sqlite")
    cached.score(GROUP[:2])  # "4" and "5" alone: +-0.707
    assert [round(r.value, 3) for r in cached.score(GROUP)] == [1.5, -0.5, -0.5, -0.5]
    assert [round(r.value, 3) for r in GroupNorm(TextExact(), eps=0.0).score(GROUP)] == [1.5, -0.5, -0.5, -0.5]
    assert (cached.hits, cached.misses) == (2, 4)  # the text.exact beneath is what is cached


def test_the_grpo_example_gives_the_same_numbers_cached_and_uncached(tmp_path: Path) -> None:
    from rewardsmith.io.readers import read_records

    spec = Path(__file__).resolve().parents[2] / "examples" / "grpo_reward.yaml"
    data = spec.parent / "data" / "grpo_samples.jsonl"
    samples = [record.to_sample({}) for record in read_records(data)]
    reward = rewardsmith.load(spec)
    assert reward.batch_dependent
    cached = CachedReward(rewardsmith.load(spec), tmp_path / "c.sqlite")
    expected = reward.score(samples)
    assert [r.value for r in cached.score(samples)] == [r.value for r in expected]
    assert [r.value for r in cached.score(samples[::-1])] == [r.value for r in expected[::-1]]
