"""The runner keeps groups whole, keeps input order, and never trusts what a reward returns."""

from __future__ import annotations

import json

from rewardsmith import Reward, Sample
from rewardsmith.runner import plan_batches, score_file


class RawScores(Reward):
    """A reward that overrides ``score`` itself and breaks the protocol in every way it can."""

    name = "raw"

    def score(self, samples):
        texts = [s.text for s in samples]
        if "short" in texts:
            return [1.0]
        return [float("nan") if t == "nan" else len(t) for t in texts]


def test_plan_batches_never_splits_a_group_and_keeps_first_seen_order():
    samples = [(i, Sample(str(i), group=g)) for i, g in enumerate(["a", None, "b", "a", None, "b", "a"])]
    batches = plan_batches(samples, batch_size=2)
    assert [[i for i, _ in batch] for batch in batches] == [[0, 3, 6], [1], [2, 5], [4]]


def test_raw_numbers_nan_and_wrong_length_become_error_rows_not_values(tmp_path):
    data = tmp_path / "in.jsonl"
    rows = [{"completion": c, "group": g} for c, g in [("ab", 1), ("nan", 1), ("short", 2), ("x", 2)]]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    report = score_file(RawScores(), data, tmp_path / "out.jsonl", batch_size=2)
    assert [r["reward"] for r in report.rows] == [2.0, None, None, None]
    assert report.rows[1]["reward_error"].startswith("returned a non-finite value")
    assert report.rows[2]["reward_error"] == "returned 1 results for 2 samples"
    assert report.rows[3]["reward_error"] == "returned 1 results for 2 samples"


class Kinds(Reward):
    """Fails with the kind a completion names (``timeout:...``): a message never decides a kind."""

    name = "kinds"

    def score_one(self, sample):
        from rewardsmith import RewardResult

        kind, _, message = sample.text.partition(":")
        return RewardResult.fail(message, kind=kind) if message else 1.0


def test_rows_carry_the_error_kind_and_a_resumed_run_keeps_it(tmp_path):
    import pytest

    data = tmp_path / "in.jsonl"
    lines = [json.dumps({"completion": "timeout:gave up"}), "{not json", json.dumps({"completion": "ok"}),
             json.dumps({"completion": "crash:bad record: says the message"})]
    data.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out.jsonl"

    def interrupt(done, total):
        if done >= 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        score_file(Kinds(), data, out, batch_size=1, on_progress=interrupt)
    report = score_file(Kinds(), data, out, batch_size=1, resume=True)
    assert report.resumed == 2
    written = [json.loads(line) for line in out.read_text().splitlines()]
    assert written == report.rows
    assert [(r["reward"], r["reward_error_kind"]) for r in written] == [
        (None, "timeout"), (None, "bad_input"), (1.0, None), (None, "crash"),
    ]
    assert [r["reward_error"] for r in report.with_kind("bad_input")] == [
        "bad record: in.jsonl:2: line 2 is not valid JSON: Expecting property name enclosed in double quotes"
    ]


def test_rows_of_a_partial_file_written_before_error_kinds_get_the_default_kind(tmp_path):
    data = tmp_path / "in.jsonl"
    data.write_text("".join(json.dumps({"completion": c}) + "\n" for c in ("timeout:x", "ok", "ok")))
    out = tmp_path / "out.jsonl"

    def interrupt(done, total):
        if done >= 1:
            raise KeyboardInterrupt

    try:
        score_file(Kinds(), data, out, batch_size=1, on_progress=interrupt)
    except KeyboardInterrupt:
        pass
    partial = out.with_name("out.jsonl.partial")
    old = json.loads(partial.read_text())
    del old["reward_error_kind"]
    partial.write_text(json.dumps(old) + "\n")
    report = score_file(Kinds(), data, out, batch_size=1, resume=True)
    assert [r["reward_error_kind"] for r in report.rows] == ["crash", None, None]
