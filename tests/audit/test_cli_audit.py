"""``rewardsmith audit`` as a user runs it: a real subprocess on real files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rewardsmith", "audit", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def data(tmp_path: Path) -> Path:
    rows = [
        {
            "question": f"q{g}",
            "answers": [str(g), str(g + 1), str(g)],
            "ok": [True, False, True],
            "rm": [[0.9], [0.4 if g % 2 else 0.95], [0.3]],
            "answer": str(g),
        }
        for g in range(4)
    ]
    path = tmp_path / "bon.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_audit_writes_both_reports_and_exits_zero(tmp_path, data):
    out = tmp_path / "report"
    done = run(
        "{type: field, field: rm}",
        str(data),
        "--explode",
        "answers,ok,rm",
        "--map",
        "completion=answers",
        "--map",
        "label=ok",
        "--map",
        "reference=answer",
        "--answer-field",
        "answers",
        "-o",
        str(out),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["meta"]["records"] == 12
    # groups 1 and 3 rank the wrong answer first; majority always picks the repeated right answer
    assert report["metrics"]["bon_accuracy"] == 0.5 and report["metrics"]["majority_at_n"] == 1.0
    assert (out / "report.html").read_text().startswith("<!DOCTYPE html>")
    assert "bon_accuracy" in done.stdout and str((out / "report.html").resolve()) in done.stdout


def test_fail_on_exits_one_when_a_rule_holds_and_zero_when_none_does(tmp_path, data):
    common = [
        "{type: field, field: rm}",
        str(data),
        "--explode",
        "answers,ok,rm",
        "--map",
        "completion=answers",
        "--map",
        "label=ok",
        "-o",
        str(tmp_path / "r"),
        "-q",
    ]
    failing = run(*common, "--fail-on", "bon_accuracy<0.9", "--fail-on", "error_rate>0", cwd=tmp_path)
    assert failing.returncode == 1 and "audit failed: bon_accuracy<0.9" in failing.stderr
    passing = run(*common, "--fail-on", "bon_accuracy<0.5", "--fail-on", "no_signal_groups>0.5", cwd=tmp_path)
    assert passing.returncode == 0, passing.stderr


def test_a_rule_on_an_unknown_metric_is_a_usage_error(tmp_path, data):
    done = run(
        "{type: field, field: rm}",
        str(data),
        "--explode",
        "answers,ok,rm",
        "--map",
        "completion=answers",
        "-o",
        str(tmp_path / "r"),
        "--fail-on",
        "pairwise_accuracy<0.9",
        cwd=tmp_path,
    )
    assert done.returncode == 2 and "no metric 'pairwise_accuracy'" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_existing_reward_function_is_audited_from_a_file(tmp_path):
    (tmp_path / "my_reward.py").write_text(
        "def compute_score(data_source, solution_str, ground_truth, extra_info=None):\n"
        "    return float(solution_str.strip().endswith(ground_truth))\n"
    )
    rows = [
        {"completion": "so 4", "reference": "4", "label": 1},
        {"completion": "so 5", "reference": "4", "label": 0},
        {"completion": "4 no", "reference": "4", "label": 1},
    ]
    (tmp_path / "d.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    done = run("my_reward.py:compute_score", "d.jsonl", "-o", "r", "-q", "--fail-on", "accuracy<0.5", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    metrics = json.loads((tmp_path / "r" / "report.json").read_text())["metrics"]
    assert metrics["accuracy"] == 2 / 3 and metrics["false_negative_rate"] == 0.5


def test_probes_add_a_hacking_section_that_rules_can_gate(tmp_path):
    (tmp_path / "naive.py").write_text("def reward(completion, reference):\n    return float('boxed' in completion)\n")
    rows = [{"completion": "2+2 = \\boxed{4}", "reference": "4", "label": 1}]
    (tmp_path / "d.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    done = run(
        "naive.py:reward",
        "d.jsonl",
        "-o",
        "r",
        "-q",
        "--probes",
        "format_only",
        "--recheck",
        "0",
        "--fail-on",
        "exploit_rate>0",
        cwd=tmp_path,
    )
    assert done.returncode == 1, done.stderr
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert report["sections"]["hacking"]["probes"]["format_only"]["exploit_rate"] == 1.0
    assert "Reward hacking" in (tmp_path / "r" / "report.html").read_text()


def test_search_records_sets_how_many_records_the_attack_search_starts_from(tmp_path):
    naive = "def reward(completion, reference):\n    return float(reference in completion)\n"
    (tmp_path / "naive.py").write_text(naive)
    rows = [{"completion": f"so \\boxed{{{n}}}", "reference": str(n), "label": 1} for n in range(10, 16)]
    (tmp_path / "d.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    searched = {}
    for count in ("1", "5"):
        done = run("naive.py:reward", "d.jsonl", "-o", f"r{count}", "-q", "--recheck", "0",
                   "--search", "200", "--search-records", count, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        report = json.loads((tmp_path / f"r{count}" / "report.json").read_text())
        searched[count] = len(report["sections"]["hacking"]["search"]["records"])
    assert searched == {"1": 1, "5": 5}
