"""`rewardsmith select` end to end: a real subprocess on real data (read in place, written to tmp)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from rewardsmith.core import load
from rewardsmith.select.files import _scored_meta
from tests.select.real import gsm8k_rows, qwen_rows, read_jsonl, write_jsonl


def rewardsmith(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rewardsmith", *map(str, args)], capture_output=True, text=True, timeout=300
    )


def report(path: Path) -> dict:
    return json.loads(path.read_text())


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".partial" in p.name)


def test_best_of_8_on_a_scored_file_reuses_its_reward_and_reproduces_qwen_figures(shared_data, tmp_path):
    scored = write_jsonl(tmp_path / "qwen.scored.jsonl", qwen_rows(shared_data, reward_from="pred_score"))
    result = rewardsmith("select", scored, "-o", tmp_path / "best.jsonl", "--best-of", "--report", tmp_path / "r.json")
    assert result.returncode == 0, result.stderr
    summary = report(tmp_path / "r.json")
    assert (summary["accuracy"], summary["label_mean_all"], summary["pass_at_n"]) == (0.94, 0.91, 0.96)
    assert len(read_jsonl(tmp_path / "best.jsonl")) == 100
    assert "accuracy of the kept rows" in result.stdout and "0.94" in result.stdout

    voted = rewardsmith("select", scored, "-o", tmp_path / "maj.jsonl", "--best-of", "8", "--vote", "pred",
                        "--report", tmp_path / "m.json")
    assert voted.returncode == 0, voted.stderr
    assert report(tmp_path / "m.json")["accuracy"] == 0.93
    assert leftovers(tmp_path) == []


def test_an_inline_field_spec_scores_then_selects_and_keeps_the_scored_rows(shared_data, tmp_path):
    data = write_jsonl(tmp_path / "qwen.jsonl", qwen_rows(shared_data))
    out = tmp_path / "best.jsonl"
    result = rewardsmith("select", "{type: field, field: pred_score}", data, "-o", out, "--best-of",
                         "--report", tmp_path / "r.json")
    assert result.returncode == 0, result.stderr
    assert report(tmp_path / "r.json")["accuracy"] == 0.94
    scored = read_jsonl(tmp_path / "best.scored.jsonl")
    assert len(scored) == 800 and scored[0]["reward"] == 3.546875
    again = rewardsmith("select", tmp_path / "best.scored.jsonl", "-o", tmp_path / "again.jsonl", "--best-of")
    assert again.returncode == 0 and read_jsonl(tmp_path / "again.jsonl") == read_jsonl(out)


def test_pairs_from_gsm8k_with_math_answer_in_trl_and_raw_shapes(shared_data, tmp_path):
    data = write_jsonl(tmp_path / "gsm8k.jsonl", gsm8k_rows(shared_data, problems=50))
    result = rewardsmith("select", "math.answer", data, "-o", tmp_path / "pairs.jsonl", "--pairs",
                         "--min-margin", "0.5", "--report", tmp_path / "r.json")
    assert result.returncode == 0, result.stderr
    pairs = read_jsonl(tmp_path / "pairs.jsonl")
    assert pairs and all(set(p) == {"prompt", "chosen", "rejected", "margin"} for p in pairs)
    assert report(tmp_path / "r.json")["accuracy"] == 1.0
    raw = rewardsmith("select", tmp_path / "pairs.scored.jsonl", "-o", tmp_path / "raw.jsonl", "--pairs",
                      "--strategy", "all", "--max-pairs-per-group", "2", "--format", "raw")
    assert raw.returncode == 0, raw.stderr
    rows = read_jsonl(tmp_path / "raw.jsonl")
    assert all(r["chosen_label"] == 1.0 and r["rejected_label"] == 0.0 for r in rows)
    assert len(rows) > len(pairs)


def test_a_bad_expression_exits_2_with_one_line_and_writes_nothing(shared_data, tmp_path):
    scored = write_jsonl(tmp_path / "s.jsonl", qwen_rows(shared_data, reward_from="pred_score")[:16])
    for expression, message in [
        ("reward >= 0.5 and (", "not a valid expression"),
        ("__import__('os').getcwd()", "only the functions len, abs, lower can be called"),
        ("components.fromat >= 1", "no record has components.fromat"),
    ]:
        result = rewardsmith("select", scored, "-o", tmp_path / "out.jsonl", "--filter", expression)
        assert result.returncode == 2, result.stderr
        assert message in result.stderr and "Traceback" not in result.stderr
        assert not (tmp_path / "out.jsonl").exists() and leftovers(tmp_path) == []


def test_filter_with_per_group_and_a_clause_report(shared_data, tmp_path):
    scored = write_jsonl(tmp_path / "s.jsonl", qwen_rows(shared_data, reward_from="pred_score"))
    result = rewardsmith("select", scored, "-o", tmp_path / "rft.jsonl", "--filter", "reward >= 3 and label",
                         "--per-group", "2", "--report", tmp_path / "r.json")
    assert result.returncode == 0, result.stderr
    summary = report(tmp_path / "r.json")
    kept = read_jsonl(tmp_path / "rft.jsonl")
    assert summary["kept"] == len(kept) and summary["accuracy"] == 1.0
    assert all(r["reward"] >= 3 and r["label"] for r in kept)
    assert max(sum(1 for r in kept if r["group"] == g) for g in {r["group"] for r in kept}) == 2
    removed = {c["clause"]: c["removed"] for c in summary["clauses"]}
    assert sum(removed.values()) + summary["dropped"].get("beyond --per-group 2", 0) + len(kept) == 800


def test_groups_split_across_the_file_are_refused_unless_read_in_memory(tmp_path):
    rows = [{"group": g, "reward": r} for g, r in [("a", 1.0), ("b", 0.5), ("a", 2.0)]]
    scored = write_jsonl(tmp_path / "s.jsonl", rows)
    refused = rewardsmith("select", scored, "-o", tmp_path / "out.jsonl", "--best-of")
    assert refused.returncode == 2 and "groups must be contiguous" in refused.stderr
    assert not (tmp_path / "out.jsonl").exists()
    allowed = rewardsmith("select", scored, "-o", tmp_path / "out.jsonl", "--best-of", "--in-memory")
    assert allowed.returncode == 0 and read_jsonl(tmp_path / "out.jsonl") == [rows[2], rows[1]]


def test_two_modes_at_once_is_a_usage_error(tmp_path):
    scored = write_jsonl(tmp_path / "s.jsonl", [{"reward": 1.0}])
    result = rewardsmith("select", scored, "-o", tmp_path / "o.jsonl", "--best-of", "--pairs")
    assert result.returncode == 2 and "choose one mode" in result.stderr


def test_resume_keeps_the_rows_already_scored_but_rescores_the_last_group(shared_data, tmp_path):
    rows = gsm8k_rows(shared_data, problems=10)
    data = write_jsonl(tmp_path / "gsm8k.jsonl", rows)
    out, scored = tmp_path / "best.jsonl", tmp_path / "best.scored.jsonl"
    full = rewardsmith("select", "math.answer", data, "-o", out, "--best-of")
    assert full.returncode == 0, full.stderr
    lines = scored.read_text().splitlines(keepends=True)
    marked = [json.loads(line) for line in lines[:10]]
    for row in marked:
        row["reward_details"]["resumed"] = True  # shows which rows came from the interrupted run
    partial = "".join(json.dumps(row) + "\n" for row in marked) + lines[10][:20]  # a torn 11th line
    (tmp_path / "best.scored.jsonl.partial").write_text(partial)
    meta = _scored_meta(load("math.answer"), data, {})
    (tmp_path / "best.scored.jsonl.partial.json").write_text(json.dumps(meta))
    scored.unlink()
    resumed = rewardsmith("select", "math.answer", data, "-o", out, "--best-of", "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed after 8 rows" in resumed.stderr  # 10 complete lines, the last group (2 of 4) is scored again
    again = read_jsonl(scored)
    assert len(again) == 40
    assert [r["reward_details"].get("resumed", False) for r in again[:10]] == [True] * 8 + [False] * 2
    assert [r["reward"] for r in again] == [json.loads(line)["reward"] for line in lines]


def test_the_shared_qwen_file_read_in_place_with_explode_and_map(shared_data, tmp_path):
    source = shared_data / "qwen-math-bon" / "math_cot_100.jsonl"
    common = ["--explode", "code,pred,score,pred_score", "--map", "completion=code", "--map", "label=score"]
    for extra, expected in [([], 0.94), (["--vote", "pred"], 0.93)]:
        result = rewardsmith("select", "{type: field, field: pred_score}", source, *common, "-o",
                             tmp_path / "best.jsonl", "--best-of", *extra, "--report", tmp_path / "r.json")
        assert result.returncode == 0, result.stderr
        summary = report(tmp_path / "r.json")
        assert (summary["accuracy"], summary["label_mean_all"], summary["pass_at_n"]) == (expected, 0.91, 0.96)
    best = read_jsonl(tmp_path / "best.jsonl")
    assert len(best) == 100 and best[0]["id"] == "0-0" and "completion" in best[0]


def _scored_rows(path: Path) -> Path:
    rows = [
        {"prompt": "p", "completion": c, "pred": c, "reward": r, "reward_error": None,
         "reward_error_kind": None, "reward_details": {}}
        for c, r in (("a", 0.1), ("b", 0.9), ("a", 0.2))
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def test_best_of_by_or_vote_on_a_field_no_record_has_is_refused_naming_it(tmp_path):
    data = _scored_rows(tmp_path / "scored.jsonl")
    out = tmp_path / "out.jsonl"
    for flag in ("--by", "--vote"):
        result = rewardsmith("select", data, "-o", out, "--best-of", flag, "nosuch", "-q")
        assert result.returncode == 2, result.stderr
        assert f"{flag}: no record has the field" in result.stderr and "'nosuch'" in result.stderr
        assert "Traceback" not in result.stderr and not out.exists()
    assert rewardsmith("select", data, "-o", out, "--best-of", "--vote", "pred", "-q").returncode == 0
    assert [row["completion"] for row in read_jsonl(out)] == ["a"]


def test_a_report_path_that_cannot_be_written_is_refused_before_anything_is_written(tmp_path):
    data = _scored_rows(tmp_path / "scored.jsonl")
    out = tmp_path / "out.jsonl"
    folder = tmp_path / "adir"
    folder.mkdir()
    for report_path in (folder, tmp_path / "scored.jsonl" / "r.json", "/proc/x.json"):
        result = rewardsmith("select", data, "-o", out, "--best-of", "--report", report_path, "-q")
        assert result.returncode == 2, result.stderr
        assert str(report_path) in result.stderr and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert not out.exists() and leftovers(tmp_path) == []


def test_empty_data_is_refused_like_audit_and_nothing_is_written(tmp_path):
    for name, content in (("e.jsonl", ""), ("b.jsonl", "\n\n"), ("h.csv", "completion,reference\n")):
        data = tmp_path / name
        data.write_text(content)
        out = tmp_path / "out.jsonl"
        for spec in ((), ("text.exact",)):
            result = rewardsmith("select", *spec, data, "-o", out, "--best-of", "-q")
            assert result.returncode == 2, result.stderr
            assert f"{name}: holds no records" in result.stderr and "Traceback" not in result.stderr
            assert not out.exists() and leftovers(tmp_path) == []
