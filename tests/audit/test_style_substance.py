"""The audit's RM-Bench style-substance section on RM-Bench's own chat records."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from rewardsmith.audit import Options, audit
from rewardsmith.audit.data import load_samples
from rewardsmith.audit.style import style_matrix
from rewardsmith.core import load


@pytest.fixture(scope="module")
def chat(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rm_bench") / "chat.json"
    with gzip.open(shared_data / "rm_bench" / "chat_filtered.json.gz", "rt") as handle:
        path.write_text(json.dumps(json.load(handle)[:60]))
    return path


def test_matrix_follows_rm_bench_definitions() -> None:
    result = style_matrix([([3.0, 2.0, 1.0], [2.5, 1.5, 0.5]), ([1.0, 1.0, 1.0], [0.0, 0.0, 2.0])])
    # prompt 1: c_i > r_j unless (i, j) in {(1, 0), (2, 0), (2, 1)}; prompt 2: c_i > r_j for j < 2
    assert result["matrix"] == [[1.0, 1.0, 0.5], [0.5, 1.0, 0.5], [0.5, 0.5, 0.5]]
    assert result["hard"] == pytest.approx(2 / 3) and result["normal"] == pytest.approx(5 / 6)
    assert result["easy"] == pytest.approx(0.5)


def test_a_reward_that_pays_for_markdown_prefers_style_on_rm_bench(chat: Path) -> None:
    samples = load_samples(chat, {}, None, None)
    markdown = load({"type": "format.regex", "pattern": r"\*\*|^#|^- ", "flags": "m"})
    report = audit(markdown, samples, Options(recheck=0))
    assert list(report["sections"]) == ["style_substance"]
    metrics = report["metrics"]
    assert metrics["style_easy"] > metrics["style_hard"] + 0.2
    assert any("prefers style" in f["text"] for f in report["findings"])


def test_audit_cli_reads_rm_bench_records(chat: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "rewardsmith",
            "audit",
            "{type: length.overlong, max_length: 60, cache: 20, unit: words}",
            str(chat),
            "-o",
            str(out),
            "--fail-on",
            "style_hard<0.5",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["metrics"]["style_hard"] > report["metrics"]["style_easy"]  # a length penalty pays plainness
