"""Judges from the command line: ``rewardsmith score`` with a judge spec, re-run from the cache."""

from __future__ import annotations

import json
import os
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
                [sys.executable, "-m", "rewardsmith", "score", str(spec), str(data), "-o", str(out)],
                capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "200"},
            )
            assert done.returncode == 0, done.stderr[-2000:]
            summary = done
            assert len(server.requests) == 6  # 3 pairs × 2 orders, the first time only
            scored = [json.loads(line) for line in out.read_text().splitlines()]
            assert [row["reward"] for row in scored] == [0.0, 1.0, 0.5]
            usage = [row["reward_details"]["usage"] for row in scored]
            assert [u["calls"] for u in usage] == [4, 2, 0]  # a pair's calls count once, on its first member
            assert sum(u["cached"] for u in usage) == (0 if run == 1 else 6)
            assert f"judge calls: 6 ({0 if run == 1 else 6} from the cache)" in summary.stdout


def test_rewardsmith_audit_reads_pair_records_and_reports_the_judge_figures(tmp_path, shared_data) -> None:
    """LLMBar's GPT-4 Vanilla_NoRules run on Natural, stored verdicts: the paper's 93.5 / 97.0."""
    import gzip

    runs = [json.loads(line) for line in gzip.open(shared_data / "llmbar" / "judge_results.jsonl.gz", "rt")]
    run = next(r for r in runs
               if (r["dataset"], r["evaluator"], r["strategy"]) == ("LLMBar/Natural", "GPT-4", "Vanilla_NoRules"))
    items = json.loads((shared_data / "llmbar" / "datasets" / "LLMBar" / "Natural" / "dataset.json").read_text())
    data = tmp_path / "pairs.jsonl"
    data.write_text("".join(
        json.dumps({"prompt": d["input"], "completion_a": d["output_1"], "completion_b": d["output_2"],
                    "label": d["label"], "noswap": a, "swap": b}) + "\n"
        for d, a, b in zip(items, run["winner_noswap"], run["winner_swap"], strict=True)
    ))
    spec = tmp_path / "stored.yaml"
    spec.write_text("type: judge.stored\nab: noswap\nba: swap\n")
    done = subprocess.run(
        [sys.executable, "-m", "rewardsmith", "audit", str(spec), str(data), "-o", str(tmp_path / "report"),
         "--quiet", "--fail-on", "positional_agreement<0.9"],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    metrics = report["metrics"]
    assert (metrics["judge_accuracy"], metrics["positional_agreement"]) == (0.935, 0.97)
    assert "agreement" not in report["sections"] and report["sections"]["judge"]["n"] == 100


def test_the_audit_report_sums_the_judges_calls_tokens_and_cost(tmp_path) -> None:
    from rewardsmith.audit.runner import audit
    from rewardsmith.core import Sample

    samples = [Sample(text, prompt="q", reference="4", label=float(text == "4")) for text in ("4", "5", "four", "6")]
    with ScriptedServer(lambda body: "Score: 9" if fenced(body)[0] == "4" else "Score: 2") as server:
        spec = {"type": "judge.pointwise", "base_url": server.url, "model": "m",
                "prices": {"input": 1.0, "output": 2.0}, "cache": str(tmp_path / "cache.sqlite")}
        first = audit(spec, samples)
        second = audit(spec, samples)
    usage = first["sections"]["judge_usage"]
    assert (first["metrics"]["judge_calls"], first["metrics"]["judge_cache_hit_rate"]) == (4, 0.0)
    assert first["metrics"]["judge_cost"] == (usage["prompt_tokens"] * 1.0 + usage["completion_tokens"] * 2.0) / 1e6
    assert (second["metrics"]["judge_cache_hit_rate"], second["metrics"]["judge_cost"]) == (1.0, 0.0)
