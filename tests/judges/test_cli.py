"""Judges from the command line: ``rewardsmith score`` with a judge spec, re-run from the cache."""

from __future__ import annotations

import json
import subprocess
import sys

from .scripted import ScriptedServer, fenced


def longer_wins(body) -> str:
    a, b = fenced(body)
    return "[[A]]" if len(a) > len(b) else "[[B]]"


def test_score_a_file_with_a_pairwise_judge_then_again_from_the_cache(tmp_path) -> None:
    data = tmp_path / "data.jsonl"
    rows = [{"prompt": "Say hi", "completion": text, "group": "p"} for text in ("hi", "hello there", "hey you")]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with ScriptedServer(longer_wins) as server:
        spec = tmp_path / "judge.yaml"
        spec.write_text(
            f"type: judge.pairwise\nbase_url: {server.url}\nmodel: scripted\ncache: {tmp_path / 'cache.sqlite'}\n"
        )
        for run in (1, 2):
            out = tmp_path / f"out{run}.jsonl"
            done = subprocess.run(
                [sys.executable, "-m", "rewardsmith", "score", str(spec), str(data), "-o", str(out), "--quiet"],
                capture_output=True, text=True, timeout=120,
            )
            assert done.returncode == 0, done.stderr[-2000:]
            assert len(server.requests) == 6  # 3 pairs × 2 orders, the first time only
            scored = [json.loads(line) for line in out.read_text().splitlines()]
            assert [row["reward"] for row in scored] == [0.0, 1.0, 0.5]
            usage = scored[1]["reward_details"]["usage"]
            assert (usage["calls"], usage["cached"]) == (4, 0 if run == 1 else 4)
