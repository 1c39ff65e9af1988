"""Ray scale-out against a local Ray instance started here (ray.init(num_cpus=2)): the results
are exactly those of local scoring, every batch comes back once, failures stay error results."""

from __future__ import annotations

import json

import pytest

ray = pytest.importorskip("ray")

from rewardsmith.core import Sample, load  # noqa: E402
from rewardsmith.core.result import conform  # noqa: E402
from rewardsmith.integrations.ray import ray_executor, score_batches_on_ray  # noqa: E402
from rewardsmith.runner import score_file  # noqa: E402

from .faults import Hanging, NaNValues, Raising, WrongLength  # noqa: E402

pytestmark = pytest.mark.ray

SPEC = {
    "type": "sum",
    "on_error": "skip",
    "terms": [{"type": "text.exact"}, {"type": "format.regex", "pattern": "!$", "weight": 0.5}],
}


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def make_batches(count: int = 7, size: int = 3) -> list[list[Sample]]:
    words = ["Paris", "Paris!", "bad", "nan", "Rome", "rome!", "x"]
    return [
        [Sample(words[(b + i) % len(words)], reference=["paris", "rome"][i % 2], id=f"{b}-{i}") for i in range(size)]
        for b in range(count)
    ]


def test_results_equal_local_scoring_for_a_spec_dict(local_ray):
    batches = make_batches()
    local = load(SPEC)
    out = dict(score_batches_on_ray(SPEC, batches, num_workers=2))
    assert sorted(out) == list(range(len(batches)))
    assert [out[i] for i in range(len(batches))] == [local.score(batch) for batch in batches]


@pytest.mark.parametrize("reward", [Raising(), NaNValues(), WrongLength()], ids=["raise", "nan", "length"])
def test_faulty_rewards_give_the_same_error_results_as_local(local_ray, reward):
    batches = make_batches(count=3)
    out = dict(score_batches_on_ray(reward, batches, num_workers=2))
    assert [out[i] for i in range(3)] == [conform(reward.score(batch), len(batch)) for batch in batches]
    assert any(r.error for results in out.values() for r in results)


def test_hanging_batch_times_out_on_its_worker_and_others_still_score(local_ray):
    batches = [[Sample("hang")], [Sample("fine")]]
    out = dict(score_batches_on_ray(Hanging(3.0), batches, num_workers=2, timeout=0.5))
    assert out[0][0].error == "test_hanging on record 0: timeout: no result within 0.5 s"
    assert out[1][0].value == 1.0


def test_more_workers_than_batches_and_no_batches(local_ray):
    assert list(score_batches_on_ray("text.exact", [], num_workers=4)) == []
    [(index, results)] = list(score_batches_on_ray("text.exact", [[Sample("a", reference="a")]], num_workers=4))
    assert index == 0 and results[0].value == 1.0


def test_score_file_on_ray_writes_the_same_output_as_local_scoring(local_ray, tmp_path):
    data = tmp_path / "data.jsonl"
    rows = [
        {"completion": w, "reference": "paris", "id": i} for i, w in enumerate(["Paris", "Lyon!", "paris!", "x"] * 5)
    ]
    data.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    reward = load(SPEC)
    score_file(reward, data, tmp_path / "local.jsonl", batch_size=3)
    score_file(reward, data, tmp_path / "ray.jsonl", batch_size=3, executor=ray_executor(num_workers=2))
    local_text = (tmp_path / "local.jsonl").read_text(encoding="utf-8")
    assert (tmp_path / "ray.jsonl").read_text(encoding="utf-8") == local_text
    assert len(local_text.splitlines()) == 20
