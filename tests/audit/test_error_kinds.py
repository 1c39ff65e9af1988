"""The audit counts errors by the kind set where they were raised, never by words in the message:
``--fail-on 'timeout_rate>…'`` gates on timeouts, not on the substring "timeout"."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from rewardsmith import RewardResult, Sample
from rewardsmith.audit import Options, audit
from rewardsmith.core.reward import Reward

FUNCTION = '''
from rewardsmith import RewardResult


def judged(completion, reference):
    if completion == "slow":
        return RewardResult.fail("gave up after 3 s", kind="timeout")
    if completion == "chat":
        return RewardResult.fail("the reply discusses a timeout", kind="crash")
    return float(completion == reference)
'''


class Kinds(Reward):
    name = "kinds"

    def score_one(self, sample):
        kind, _, message = sample.text.partition(":")
        return RewardResult.fail(message, kind=kind) if message else 1.0


def test_health_counts_each_error_kind_whatever_its_message_says():
    texts = ["timeout:gave up after 3 s", "crash:timeout in the message", "bad_input:no reference", "ok"]
    report = audit(Kinds(), [Sample(t) for t in texts], Options(recheck=0))
    health, metrics = report["sections"]["health"], report["metrics"]
    assert health["timeouts"] == 1
    assert health["errors_by_kind"] == {"timeout": 1, "bad_input": 1, "crash": 1}
    assert (metrics["timeout_rate"], metrics["crash_rate"], metrics["bad_input_rate"]) == (0.25, 0.25, 0.25)
    assert (metrics["dependency_rate"], metrics["remote_rate"]) == (0.0, 0.0)


def test_fail_on_timeout_rate_counts_timeout_kinds_not_the_word(tmp_path: Path):
    (tmp_path / "judged.py").write_text(textwrap.dedent(FUNCTION))
    data = tmp_path / "data.jsonl"
    rows = [("slow", "4"), ("slow", "4"), ("chat", "4"), ("4", "4")]
    data.write_text("".join(json.dumps({"completion": c, "reference": r}) + "\n" for c, r in rows))

    def run(rule: str) -> subprocess.CompletedProcess[str]:
        args = ["audit", "judged.py:judged", str(data), "-o", "report", "--recheck", "0", "-q", "--fail-on", rule]
        return subprocess.run([sys.executable, "-m", "rewardsmith", *args], cwd=tmp_path, capture_output=True,
                              text=True, timeout=120)

    failed = run("timeout_rate>0.4")
    assert failed.returncode == 1, failed.stderr
    metrics = json.loads((tmp_path / "report" / "report.json").read_text())["metrics"]
    assert (metrics["timeout_rate"], metrics["crash_rate"], metrics["error_rate"]) == (0.5, 0.25, 0.75)
    passed = run("timeout_rate>0.5")
    assert passed.returncode == 0, passed.stderr
