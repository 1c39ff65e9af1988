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
