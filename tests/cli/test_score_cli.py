"""`rewardsmith score` end to end: a real subprocess on real files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

RECORDS = [
    {"id": 1, "completion": "Answer: 4", "reference": "answer 4"},
    {"id": 2, "completion": "5", "reference": "4"},
    {"id": 3, "completion": "Paris", "reference": ["London", "paris"]},
    {"id": 4, "completion": "Answer: no", "reference": "yes"},
]
SUM_SPEC = """\
type: sum
terms:
  - {type: text.exact, weight: 1.0}
  - {type: format.regex, pattern: "^Answer:", weight: 0.1}
"""


def rewardsmith(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rewardsmith", *map(str, args)],
        capture_output=True, text=True, cwd=cwd, timeout=120,
    )


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_score_with_a_component_name(tmp_path):
    data = write_jsonl(tmp_path / "in.jsonl", RECORDS)
    result = rewardsmith("score", "text.exact", data, "-o", tmp_path / "out.jsonl")
    assert result.returncode == 0, result.stderr
    rows = read_jsonl(tmp_path / "out.jsonl")
    assert [r["id"] for r in rows] == [1, 2, 3, 4]
    assert [r["reward"] for r in rows] == [1.0, 0.0, 1.0, 0.0]
    assert all(r["reward_error"] is None for r in rows)
    assert rows[0]["completion"] == "Answer: 4"
    assert "text.exact" in result.stdout and "mean" in result.stdout


def test_score_with_the_issue_yaml_spec_prints_per_component_summary(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(SUM_SPEC)
    data = write_jsonl(tmp_path / "in.jsonl", RECORDS)
    result = rewardsmith("score", spec, data, "-o", tmp_path / "out.jsonl")
    assert result.returncode == 0, result.stderr
    rows = read_jsonl(tmp_path / "out.jsonl")
    assert [r["reward"] for r in rows] == pytest.approx([1.1, 0.0, 1.0, 0.1])
    assert rows[3]["reward_details"]["components"]["format.regex"]["value"] == 1.0
    assert "sum/text.exact" in result.stdout and "sum/format.regex" in result.stdout


def test_bad_spec_exits_2_before_scoring(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(SUM_SPEC.replace('"^Answer:"', "5"))
    data = write_jsonl(tmp_path / "in.jsonl", RECORDS)
    result = rewardsmith("score", spec, data, "-o", tmp_path / "out.jsonl")
    assert result.returncode == 2
    assert "terms[1].pattern: expected str" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out.jsonl").exists()


def test_malformed_line_is_reported_with_its_number_and_kept_in_place(tmp_path):
    data = tmp_path / "in.jsonl"
    data.write_text('{"completion": "a", "reference": "a"}\n{not json\n{"reference": "x"}\n')
    out = tmp_path / "out.jsonl"
    result = rewardsmith("score", "text.exact", data, "-o", out)
    assert result.returncode == 1
    rows = read_jsonl(out)
    assert len(rows) == 3
    assert rows[0]["reward"] == 1.0
    assert rows[1]["reward"] is None and "in.jsonl:2" in rows[1]["reward_error"]
    assert "no 'completion' field" in rows[2]["reward_error"] and "in.jsonl:3" in rows[2]["reward_error"]
    assert "2 of 3 records have errors" in result.stderr
    assert "warning: bad record: in.jsonl:2: line 2 is not valid JSON" in result.stderr
    tolerant = rewardsmith("score", "text.exact", data, "-o", out, "--max-error-rate", "0.7")
    assert tolerant.returncode == 0


def test_missing_data_file_is_a_usage_error(tmp_path):
    result = rewardsmith("score", "text.exact", tmp_path / "nope.jsonl", "-o", tmp_path / "out.jsonl")
    assert result.returncode == 2
    assert "data file does not exist" in result.stderr


def _write_format(tmp_path: Path, fmt: str) -> Path:
    if fmt == "jsonl":
        return write_jsonl(tmp_path / "in.jsonl", RECORDS)
    if fmt == "json":
        path = tmp_path / "in.json"
        path.write_text(json.dumps(RECORDS))
        return path
    if fmt == "csv":
        import csv

        path = tmp_path / "in.csv"
        with path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=["id", "completion", "reference"])
            writer.writeheader()
            for record in RECORDS:
                reference = record["reference"]
                writer.writerow({**record, "reference": reference if isinstance(reference, str) else "paris"})
        return path
    import datasets
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist(
        [{**r, "reference": r["reference"] if isinstance(r["reference"], str) else "paris"} for r in RECORDS]
    )
    if fmt == "parquet":
        path = tmp_path / "in.parquet"
        pq.write_table(table, path)
        return path
    path = tmp_path / "hf_dataset"
    datasets.Dataset(table).save_to_disk(str(path))
    return path


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv", "parquet", "hf"])
def test_every_input_format_gives_the_same_rewards(tmp_path, fmt):
    data = _write_format(tmp_path, fmt)
    out = tmp_path / "out.jsonl"
    result = rewardsmith("score", "text.exact", data, "-o", out)
    assert result.returncode == 0, result.stderr
    assert [r["reward"] for r in read_jsonl(out)] == [1.0, 0.0, 1.0, 0.0]


def test_map_renames_fields_with_dotted_paths(tmp_path):
    records = [
        {"question": "q", "answer": "18", "model": {"solution": "18"}},
        {"question": "q", "answer": "18", "model": {"solution": "26"}},
    ]
    data = write_jsonl(tmp_path / "in.jsonl", records)
    out = tmp_path / "out.jsonl"
    result = rewardsmith(
        "score", "text.exact", data, "-o", out,
        "--map", "completion=model.solution", "--map", "reference=answer", "--map", "prompt=question",
    )
    assert result.returncode == 0, result.stderr
    rows = read_jsonl(out)
    assert [r["reward"] for r in rows] == [1.0, 0.0]
    assert rows[0]["model"] == {"solution": "18"} and "completion" not in rows[0]
    bad = rewardsmith("score", "text.exact", data, "-o", out, "--map", "completion=model.nope")
    assert bad.returncode == 1 and "no field 'model.nope'" in read_jsonl(out)[0]["reward_error"]


SLOW_REWARD = """
import time

def slow(completion, reference):
    time.sleep(0.02)
    return float(completion) * 2
"""


def _slow_setup(tmp_path: Path, count: int) -> tuple[Path, Path]:
    (tmp_path / "slow.py").write_text(SLOW_REWARD)
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"type: python\nfunction: {tmp_path / 'slow.py'}:slow\n")
    records = [{"id": i, "group": i // 4, "completion": str(i)} for i in range(count)]
    return spec, write_jsonl(tmp_path / "in.jsonl", records)


def test_workers_2_gives_the_same_output_as_workers_1(tmp_path):
    spec, data = _slow_setup(tmp_path, 40)
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert rewardsmith("score", spec, data, "-o", one, "--batch-size", "4").returncode == 0
    result = rewardsmith("score", spec, data, "-o", two, "--workers", "2", "--batch-size", "4")
    assert result.returncode == 0, result.stderr
    assert one.read_text() == two.read_text()
    assert [r["reward"] for r in read_jsonl(two)] == [2.0 * i for i in range(40)]


def test_interrupted_run_resumes_without_duplicates_or_losses(tmp_path):
    spec, data = _slow_setup(tmp_path, 120)
    reference = tmp_path / "reference.jsonl"
    assert rewardsmith("score", spec, data, "-o", reference, "--batch-size", "2", "-q").returncode == 0
    out = tmp_path / "out.jsonl"
    partial = tmp_path / "out.jsonl.partial"
    process = subprocess.Popen(
        [sys.executable, "-m", "rewardsmith", "score", str(spec), str(data), "-o", str(out), "--batch-size", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if partial.exists() and partial.read_text().count("\n") >= 10:
            break
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert not out.exists(), "the final output must not appear before the run completes"
    done_before = partial.read_text().count("\n")
    assert 10 <= done_before < 120
    result = rewardsmith("score", spec, data, "-o", out, "--batch-size", "2", "--resume")
    assert result.returncode == 0, result.stderr
    assert "resumed after" in result.stderr
    assert out.read_text() == reference.read_text()
    assert not partial.exists()


def test_resume_refuses_a_partial_from_another_spec(tmp_path):
    spec, data = _slow_setup(tmp_path, 8)
    out = tmp_path / "out.jsonl"
    (tmp_path / "out.jsonl.partial").write_text('{"id": 0}\n')
    (tmp_path / "out.jsonl.partial.json").write_text(json.dumps({"spec_hash": "other"}))
    result = rewardsmith("score", spec, data, "-o", out, "--resume")
    assert result.returncode == 2
    assert "different spec hash" in result.stderr


def test_list_shows_every_component_and_one_in_full():
    listing = rewardsmith("list")
    assert listing.returncode == 0
    for name in ("text.exact", "format.regex", "sum", "python"):
        assert name in listing.stdout
    one = rewardsmith("list", "format.regex")
    assert one.returncode == 0
    assert "pattern" in one.stdout and "'search'" in one.stdout and ">>> FormatRegex" in one.stdout
    assert rewardsmith("list", "nope").returncode == 2


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "rewardsmith"
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "score" in result.stdout


def test_real_gsm8k_solutions_score_through_dotted_map(shared_data, tmp_path):
    source = shared_data / "gsm8k" / "example_model_solutions.jsonl"
    lines = source.read_text().splitlines()[:20]
    data = tmp_path / "gsm8k_head.jsonl"
    data.write_text("\n".join(lines) + "\n")
    spec = tmp_path / "spec.yaml"
    spec.write_text("type: format.regex\npattern: 'A: -?[0-9]'\n")
    out = tmp_path / "out.jsonl"
    result = rewardsmith("score", spec, data, "-o", out, "--map", "completion=6b_finetuning.solution")
    assert result.returncode == 0, result.stderr
    rows = read_jsonl(out)
    assert len(rows) == 20 and all(r["reward"] == 1.0 for r in rows)


@pytest.mark.ray
def test_ray_flag_gives_output_identical_to_local_scoring(tmp_path):
    data = write_jsonl(tmp_path / "in.jsonl", [{**r, "group": r["id"] % 2} for r in RECORDS] * 3)
    local, on_ray = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    assert rewardsmith("score", "text.exact", data, "-o", local, "--batch-size", "2").returncode == 0
    result = rewardsmith("score", "text.exact", data, "-o", on_ray, "--batch-size", "2", "--ray", "--workers", "2")
    assert result.returncode == 0, result.stderr
    assert on_ray.read_text() == local.read_text()


def test_cache_serves_a_repeated_run_with_identical_output(tmp_path):
    data = write_jsonl(tmp_path / "in.jsonl", RECORDS)
    cache = tmp_path / "cache.sqlite"
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    run1 = rewardsmith("score", "text.exact", data, "-o", first, "--cache", cache)
    assert run1.returncode == 0 and "0 hits, 4 misses" in run1.stderr
    run2 = rewardsmith("score", "text.exact", data, "-o", second, "--cache", cache)
    assert run2.returncode == 0 and "4 hits, 0 misses" in run2.stderr
    assert first.read_text() == second.read_text()


def test_bad_records_are_warned_by_their_kind_and_errors_summarised_by_kind(tmp_path):
    (tmp_path / "judge.py").write_text(
        "from rewardsmith import RewardResult\n\n\n"
        "def judge(completion, reference):\n"
        "    if completion == 'odd':\n"
        "        return RewardResult.fail('bad record: only the message says so', kind='crash')\n"
        "    return 1.0\n"
    )
    (tmp_path / "spec.yaml").write_text("type: python\nfunction: judge.py:judge\n")
    data = tmp_path / "in.jsonl"
    data.write_text('{"completion": "odd"}\n{"completion": "fine"}\n{broken\n')
    done = rewardsmith("score", "spec.yaml", data, "-o", tmp_path / "out.jsonl", "--max-error-rate", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "in.jsonl:3" in warnings[0]
    assert "errors by kind: bad_input 1, crash 1" in done.stdout


def test_a_yaml_syntax_error_is_one_line_with_file_line_and_column(tmp_path):
    (tmp_path / "b.yaml").write_text("type: sum\nterms: [\n")
    data = write_jsonl(tmp_path / "in.jsonl", RECORDS)
    result = rewardsmith("score", "b.yaml", data, "-o", tmp_path / "out.jsonl", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "error: b.yaml:3:1: not valid YAML: expected the node content, but found '<stream end>' "
        "(while parsing a flow node)\n"
    )
    inline = rewardsmith("audit", "{type: field, field: score", data, "-o", tmp_path / "report")
    assert inline.returncode == 2
    assert inline.stderr == (
        "error: SPEC:1:27: not a valid inline YAML mapping: expected ',' or '}', but got '<stream end>' "
        "(while parsing a flow mapping at 1:1)\n"
    )
    (tmp_path / "u.yaml").write_bytes(b"type: text.exact\n\xff\n")
    binary = rewardsmith("score", "u.yaml", data, "-o", tmp_path / "out.jsonl", cwd=tmp_path)
    assert (binary.returncode, binary.stderr) == (2, "error: u.yaml: not UTF-8 text (byte 17)\n")


def test_score_takes_an_inline_spec_and_a_function_like_audit_and_select(tmp_path):
    data = write_jsonl(tmp_path / "in.jsonl", [
        {"completion": "4", "reference": "4", "score": 0.25},
        {"completion": "5", "reference": "4", "score": 0.75},
    ])
    inline = rewardsmith("score", "{type: field, field: score}", data, "-o", tmp_path / "inline.jsonl")
    assert inline.returncode == 0, inline.stderr
    assert [r["reward"] for r in read_jsonl(tmp_path / "inline.jsonl")] == [0.25, 0.75]
    (tmp_path / "my_rewards.py").write_text(
        "def compute_score(data_source, solution_str, ground_truth, extra_info=None):\n"
        "    return float(solution_str == ground_truth)\n"
    )
    function = rewardsmith("score", "my_rewards.py:compute_score", data, "-o", "fn.jsonl", cwd=tmp_path)
    assert function.returncode == 0, function.stderr
    assert [r["reward"] for r in read_jsonl(tmp_path / "fn.jsonl")] == [1.0, 0.0]


MARKING_REWARD = (
    "def mark(completion, reference):\n"
    "    with open('scored-once', 'a') as handle:\n"
    "        handle.write('x')\n"
    "    return 1.0\n"
)


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("d", "d: is a folder; give the path of the file to write"),
        ("plain/x.jsonl", "plain/x.jsonl: plain is a file, not a folder"),
        ("/proc/nope/x.jsonl", "/proc/nope/x.jsonl: cannot create files in /proc (No such file or directory)"),
    ],
)
def test_an_output_that_cannot_be_written_is_refused_before_scoring(tmp_path, output, message):
    if output.startswith("/proc") and not Path("/proc/self").is_dir():
        pytest.skip("needs Linux /proc")
    (tmp_path / "d").mkdir()
    (tmp_path / "plain").write_text("a file\n")
    (tmp_path / "my_rewards.py").write_text(MARKING_REWARD)
    write_jsonl(tmp_path / "in.jsonl", RECORDS)
    before = sorted(p.name for p in tmp_path.iterdir())
    result = rewardsmith("score", "my_rewards.py:mark", "in.jsonl", "-o", output, cwd=tmp_path)
    assert (result.returncode, result.stderr) == (2, f"error: {message}\n")
    after = sorted(p.name for p in tmp_path.iterdir() if p.name != "__pycache__")
    assert after == before  # nothing scored ('scored-once' absent), nothing left behind


def test_transitions_without_a_completion_score_like_any_data(tmp_path):
    data = write_jsonl(tmp_path / "t.jsonl", [
        {"obs": [0.0], "action": [3.0, 4.0], "next_obs": [1.0], "terminated": False},
        {"obs": [1.0], "action": [0.0, 1.0], "next_obs": [2.0], "terminated": True},
    ])
    (tmp_path / "spec.yaml").write_text(
        "type: sum\nterms:\n  - {type: env.alive, weight: 1.0}\n  - {type: env.action_magnitude, weight: -0.1}\n"
    )
    result = rewardsmith("score", "spec.yaml", data, "-o", "out.jsonl", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = read_jsonl(tmp_path / "out.jsonl")
    assert [r["reward"] for r in rows] == pytest.approx([1.0 - 0.1 * 25.0, 0.0 - 0.1 * 1.0])  # ‖a‖² control cost
    assert all("completion" not in r and r["reward_error"] is None for r in rows)


def test_an_input_field_the_output_would_overwrite_is_refused_unless_replace_reward(tmp_path):
    data = write_jsonl(tmp_path / "t.jsonl", [
        {"obs": [0.0], "action": 0, "next_obs": [1.0]},
        {"obs": [1.0], "action": 1, "next_obs": [2.0], "reward": 1.0},  # the environment's reward
    ])
    (tmp_path / "spec.yaml").write_text("type: env.reward\nscale: 2.0\n")
    refused = rewardsmith("score", "spec.yaml", data, "-o", "out.jsonl", cwd=tmp_path)
    assert (refused.returncode, refused.stderr) == (2, (
        "error: t.jsonl:2: the record already has 'reward', which score writes its result to; "
        "rename it in the data, or pass --replace-reward to overwrite it\n"
    ))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml", "t.jsonl"]  # nothing scored or written
    replaced = rewardsmith("score", "spec.yaml", data, "-o", "out.jsonl", "--replace-reward", cwd=tmp_path)
    assert replaced.returncode == 1  # record 1 has no environment reward: a bad_input row
    rows = read_jsonl(tmp_path / "out.jsonl")
    assert [r["reward"] for r in rows] == [None, 2.0]
    again = rewardsmith("score", "text.exact", tmp_path / "out.jsonl", "-o", tmp_path / "again.jsonl")
    assert again.returncode == 2
    assert "out.jsonl:1: the record already has 'reward', 'reward_error', 'reward_error_kind', 'reward_details'," \
        in again.stderr


@pytest.mark.parametrize("how", ["same", "other_path", "symlink"])
def test_an_output_that_is_the_data_file_is_refused_and_the_data_kept(tmp_path, how):
    data = write_jsonl(tmp_path / "d.jsonl", RECORDS)
    before = data.read_bytes()
    if how == "same":
        out = data
    elif how == "other_path":
        (tmp_path / "sub").mkdir()
        out = tmp_path / "sub" / ".." / "d.jsonl"
    else:
        out = tmp_path / "link.jsonl"
        out.symlink_to(data)
    result = rewardsmith("score", "text.exact", data, "-o", out)
    assert result.returncode == 2, result.stderr
    assert "overwrite" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert data.read_bytes() == before


def test_a_completion_that_is_not_text_is_a_bad_record_row_never_a_score(tmp_path):
    records = [{"completion": None, "reference": ""}, {"completion": [1, 2, 3], "reference": "1 2 3"},
               {"completion": 4, "reference": "4"}, {"completion": "4", "reference": "4"}]
    data = write_jsonl(tmp_path / "d.jsonl", records)
    out = tmp_path / "out.jsonl"
    result = rewardsmith("score", "text.exact", data, "-o", out, "-q")
    assert result.returncode == 1
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [row["reward"] for row in rows] == [None, None, None, 1.0]
    assert [row["reward_error_kind"] for row in rows] == ["bad_input"] * 3 + [None]
    assert "d.jsonl:2: 'completion' must be a string or a list of chat messages" in rows[1]["reward_error"]


def test_resume_refuses_when_the_data_was_edited_in_place_at_the_same_size(tmp_path):
    from rewardsmith.core import load
    from rewardsmith.runner import _meta

    data = write_jsonl(tmp_path / "d.jsonl", RECORDS)
    out = tmp_path / "out.jsonl"
    meta = _meta(load("text.exact"), data, len(RECORDS))
    (tmp_path / "out.jsonl.partial").write_text(
        json.dumps({**RECORDS[1], "reward": 0.0, "reward_error": None, "reward_error_kind": None,
                    "reward_details": {}}) + "\n"
    )
    (tmp_path / "out.jsonl.partial.json").write_text(json.dumps(meta))
    edited = data.read_text().replace('"completion": "5"', '"completion": "4"')
    assert len(edited) == data.stat().st_size
    data.write_text(edited)
    os.utime(data, ns=(meta["data_mtime_ns"] + 10**9, meta["data_mtime_ns"] + 10**9))
    result = rewardsmith("score", "text.exact", data, "-o", out, "--resume", "-q")
    assert result.returncode == 2, result.stderr
    assert "data file was modified since the interrupted run" in result.stderr
    assert "Traceback" not in result.stderr and not out.exists()


@pytest.mark.parametrize(
    ("name", "content"), [("e.jsonl", ""), ("b.jsonl", "\n  \n\n"), ("h.csv", "completion,reference\n")]
)
def test_empty_data_is_refused_like_audit_never_a_zero_record_score(tmp_path, name, content):
    data = tmp_path / name
    data.write_text(content)
    out = tmp_path / "out.jsonl"
    result = rewardsmith("score", "text.exact", data, "-o", out, "-q")
    assert result.returncode == 2, result.stderr
    assert f"{name}: holds no records" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists() and not (tmp_path / "out.jsonl.partial").exists()
