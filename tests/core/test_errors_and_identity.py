"""Errors cross process boundaries intact; runtime-only settings do not change a spec's identity."""

from __future__ import annotations

import concurrent.futures
import json
import multiprocessing
import pickle

import pytest

from rewardsmith import DataError, RewardError, RewardsmithError, SpecError, load, spec_hash, to_spec
from rewardsmith.client import Client
from rewardsmith.core.errors import MissingDependency
from rewardsmith.runner import score_file
from rewardsmith.serve.cache import CachedReward
from rewardsmith.verifiers.math.reward import MathAnswer

ERRORS = [
    SpecError("terms[1].pattern", "expected str"),
    SpecError("", "no path"),
    MissingDependency("terms[0].type", "text.bleu", "sacrebleu", "text"),
    DataError("data.jsonl:3", "not valid JSON"),
    RewardError("model will not load"),
    RewardsmithError("plain"),
]


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: type(e).__name__)
def test_every_rewardsmith_error_survives_a_pickle_round_trip(error):
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert (str(copy), copy.args, copy.__dict__, copy.kind) == (str(error), error.args, error.__dict__, error.kind)


def _load_in_worker(spec):
    return load(spec)


def test_a_spec_error_raised_in_a_worker_process_reaches_the_caller_as_itself():
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
        future = pool.submit(_load_in_worker, {"type": "sum", "terms": [{"type": "text.exakt"}]})
        with pytest.raises(SpecError) as caught:
            future.result(timeout=120)
    assert caught.value.path == "terms[0].type"
    assert caught.value.message.startswith("unknown component type 'text.exakt'")


def test_worker_and_cache_sizes_do_not_change_the_math_spec_hash():
    base = MathAnswer(workers=1, cache_size=10)
    assert spec_hash(MathAnswer(workers=4, cache_size=100_000)) == spec_hash(base)
    assert spec_hash(MathAnswer(workers=1, cache_size=10, rel_tol=1e-3)) != spec_hash(base)
    assert to_spec(base)["workers"] == 1  # still part of the spec: a round trip keeps it
    assert load(to_spec(base)).workers == 1


def test_transport_settings_do_not_change_a_remote_spec_hash_but_the_url_does():
    a = Client("http://127.0.0.1:8000", batch_size=8, max_concurrency=2, retries=0, backoff=1.0)
    assert spec_hash(Client("http://127.0.0.1:8000")) == spec_hash(a)
    assert spec_hash(Client("http://127.0.0.1:9000")) != spec_hash(a)


def test_runtime_params_nested_in_a_tree_are_left_out_of_the_hash():
    def tree(workers):
        return load({"type": "sum", "terms": [{"type": "math.answer", "workers": workers}, "text.exact"]})

    assert spec_hash(tree(1)) == spec_hash(tree(3))


def test_resume_accepts_a_run_interrupted_with_other_worker_counts(tmp_path):
    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps({"completion": f"{i}", "reference": "3"}) + "\n" for i in range(6)))
    out = tmp_path / "out.jsonl"

    def interrupt(done, total):
        if done >= 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        score_file(MathAnswer(workers=1), data, out, batch_size=2, on_progress=interrupt)
    report = score_file(MathAnswer(workers=2, cache_size=7), data, out, batch_size=2, resume=True)
    assert report.resumed == 2
    assert [row["reward"] for row in report.rows] == [0.0, 0.0, 0.0, 1.0, 0.0, 0.0]


def test_the_cache_filled_with_one_worker_count_answers_another(tmp_path):
    from rewardsmith import Sample

    samples = [Sample("The answer is 4", reference="4"), Sample("5", reference="4")]
    first = CachedReward(MathAnswer(workers=1), tmp_path / "cache.sqlite")
    assert [r.value for r in first.score(samples)] == [1.0, 0.0]
    second = CachedReward(MathAnswer(workers=2, cache_size=5), tmp_path / "cache.sqlite")
    assert [r.value for r in second.score(samples)] == [1.0, 0.0]
    assert (second.hits, second.misses) == (2, 0)
