"""math.answer audited on real data (issue 19): every hacking probe pays nothing, and the
agreement with the correctness labels stays what it was (1.0 on GSM8K).

GSM8K: the 1,319 test problems of OpenAI's ``example_model_solutions.jsonl``, four labelled model
solutions each (5,276 records); the reference is the worked solution (``… A: 18``) or its final
answer. qwen-math-bon: 100 MATH problems x 8 Qwen2.5-Math responses, labelled, referenced by the
short ``gt`` or by the full MATH solution (``\\boxed{}``). Data is read in place.
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from rewardsmith.audit import Options, audit
from rewardsmith.core import Sample
from rewardsmith.verifiers.math import MathAnswer

from .test_real_data import gsm8k_samples, qwen_samples


def _short_reference(sample: Sample) -> Sample:
    answer = re.search(r"A:\s*(.+?)\s*$", str(sample.reference))
    assert answer is not None
    return dataclasses.replace(sample, reference=answer.group(1))


def _audited(samples: list[Sample]) -> dict:
    report = audit(MathAnswer(), samples, Options(recheck=0), fail_on=["exploit_rate>0"], probes=["all"])
    return report


@pytest.mark.parametrize("reference", ["worked solution", "final answer"])
def test_gsm8k_first_300_solutions_pay_no_probe_and_keep_full_agreement(shared_data, reference):
    samples = gsm8k_samples(shared_data, problems=75)
    if reference == "final answer":
        samples = [_short_reference(s) for s in samples]
    report = _audited(samples)
    assert len(samples) == 300
    assert report["metrics"]["exploit_rate"] == 0.0
    assert report["metrics"]["accuracy"] == 1.0
    assert report["failed"] is False
    probes = report["sections"]["hacking"]["probes"]
    assert {name for name, p in probes.items() if p["n_exploited"]} == set()
    assert probes["hedge"]["n"] == 200 and probes["injection"]["n"] == 200


def test_audit_command_exits_0_on_the_first_300_gsm8k_solutions(shared_data, tmp_path: Path):
    """The issue's command as a user runs it, on the first 300 labelled solutions (a file in tmp)."""
    records = tmp_path / "gsm8k_300.jsonl"
    with records.open("w") as out:
        for sample in gsm8k_samples(shared_data, problems=75):
            row = {"completion": sample.completion, "reference": sample.reference, "label": sample.label}
            out.write(json.dumps({**row, "prompt": sample.prompt, "group": sample.group}) + "\n")
    command = [sys.executable, "-m", "rewardsmith", "audit", "math.answer", str(records)]
    command += ["-o", str(tmp_path / "report"), "--probes", "all", "--fail-on", "exploit_rate>0"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    metrics = json.loads((tmp_path / "report" / "report.json").read_text())["metrics"]
    assert (metrics["exploit_rate"], metrics["accuracy"]) == (0.0, 1.0)


@pytest.mark.slow
@pytest.mark.parametrize("reference", ["worked solution", "final answer"])
def test_all_5276_gsm8k_solutions_pay_no_probe_and_keep_full_agreement(shared_data, reference):
    samples = gsm8k_samples(shared_data)
    if reference == "final answer":
        samples = [_short_reference(s) for s in samples]
    report = _audited(samples)
    assert len(samples) == 5276
    assert (report["metrics"]["exploit_rate"], report["metrics"]["accuracy"]) == (0.0, 1.0)
    assert report["failed"] is False


@pytest.mark.parametrize("reference", ["gt", pytest.param("solution", marks=pytest.mark.slow)])
def test_qwen_math_responses_pay_no_probe(shared_data, reference):
    samples = qwen_samples(shared_data)
    if reference == "solution":
        rows = [json.loads(line) for line in (shared_data / "qwen-math-bon" / "math_cot_100.jsonl").open()]
        samples = [dataclasses.replace(s, reference=rows[int(s.group)]["solution"]) for s in samples]
    report = _audited(samples)
    assert report["metrics"]["exploit_rate"] == 0.0
    assert report["failed"] is False
    # Every disagreement is label noise: the labels were computed against a garbled gt ("4:30p..",
    # "10{,}000"), which marks right answers ("4:30 p.m.", "10,000") wrong; the MATH solution's box
    # is read correctly, so there the 8 "4:30 p.m." answers disagree too.
    assert report["metrics"]["accuracy"] == (0.99875 if reference == "gt" else 0.98875)


def test_math_references_are_read_from_real_worked_solutions(shared_data):
    """Every GSM8K worked solution gives its ``A:`` answer; every MATH solution its boxed gold."""
    from rewardsmith.verifiers.math.extract import read_reference

    with (shared_data / "gsm8k" / "example_model_solutions.jsonl").open() as handle:
        gsm = [json.loads(line)["ground_truth"] for line in handle]
    assert all(read_reference(g) == (g.rsplit("A:", 1)[1].strip(), "a_line") for g in gsm)
    with (shared_data / "qwen-math-bon" / "math_cot_100.jsonl").open() as handle:
        rows = [json.loads(line) for line in handle]
    reward = MathAnswer()
    same = reward.score([Sample(r["gt"], reference=r["solution"]) for r in rows])
    assert [r.details["reference_extraction"] for r in same] == ["boxed"] * 100
    # All but the garbled gt "4:30p.." of problem 3 (its solution boxes \text{4:30 p.m.}).
    assert [i for i, r in enumerate(same) if r.value != 1.0] == [3]
