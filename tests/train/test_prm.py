"""``train_prm`` on real data: ProcessBench's GSM8K solutions (earliest wrong step per solution)
and the tiny trained Llama (260K parameters, 512 positions) as the backbone, on the CPU."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("trl")
pytest.importorskip("datasets")

from rewardsmith.core import Sample, load  # noqa: E402
from rewardsmith.core.errors import DataError  # noqa: E402
from rewardsmith.train.data import read_solutions  # noqa: E402
from rewardsmith.train.prm import train_prm  # noqa: E402

#: Solutions whose steps fit the tiny model's 512 positions with their tags (the problem is cut
#: from the left when the whole does not fit).
MAX_STEP_CHARS = 700
BAD = ['{"problem": "p", "steps": ["a", "b"]}', '{"problem": "p", "steps": ["a", "b"], "label": 2}']


@pytest.fixture(scope="module")
def tiny(shared_data: Path) -> str:
    path = shared_data / "tiny_llama_stories260k" / "hf"
    if not path.is_dir():
        pytest.skip(f"{path} is absent")
    return str(path)


@pytest.fixture(scope="module")
def solutions(shared_data: Path) -> list[dict[str, Any]]:
    path = shared_data / "processbench" / "gsm8k.json"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    records = json.loads(path.read_text(encoding="utf-8"))
    short = [r for r in records if sum(len(s) + 1 for s in r["steps"]) < MAX_STEP_CHARS]
    return [{"problem": r["problem"], "steps": r["steps"], "label": r["label"]} for r in short]


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def trained(tiny: str, solutions: list[dict[str, Any]], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two epochs on every other short solution (the file is sorted: erroneous ones first, so
    alternating keeps both kinds on both sides), two bad records among them; the rest to evaluate."""
    torch.set_num_threads(1)
    folder = tmp_path_factory.mktemp("prm")
    train_lines = [json.dumps(r) for r in solutions[0::2]]
    train_lines[3:3] = BAD  # lines 4 and 5
    train = _write(folder / "train.jsonl", train_lines)
    evaluation = _write(folder / "eval.jsonl", [json.dumps(r) for r in solutions[1::2]])
    result = train_prm(
        train, tiny, folder / "out", eval_data=evaluation, epochs=2, learning_rate=1e-3, batch_size=8,
        max_length=512, truncate="left", max_bad=0.1, progress=False,
    )
    return {"result": result, "train": train, "out": folder / "out", "eval": solutions[1::2], "eval_file": evaluation}


def test_trains_and_the_loss_falls(trained: dict[str, Any]) -> None:
    result = trained["result"]
    assert result["status"] == "done"
    losses = [h["loss"] for h in result["history"] if "loss" in h]
    quarter = max(1, len(losses) // 4)
    assert sum(losses[-quarter:]) / quarter < sum(losses[:quarter]) / quarter
    assert result["metrics"]["train_solutions"] > 40


def test_bad_records_are_counted_with_file_and_line(trained: dict[str, Any]) -> None:
    where = [w for w, _ in trained["result"]["bad"]]
    assert where == [f"{trained['train'].name}:4", f"{trained['train'].name}:5"]
    assert trained["result"]["metrics"]["bad_records"] == 2


def test_the_folder_loads_as_model_prm_with_no_parameters(trained: dict[str, Any]) -> None:
    manifest = json.loads(Path(trained["result"]["manifest"]).read_text(encoding="utf-8"))
    assert manifest["status"] == "done"
    assert manifest["spec"]["type"] == "model.prm"
    assert (trained["out"] / "report.html").is_file()
    reward = load({"type": "model.prm", "model": str(trained["out"])})
    steps = ["Tom has 3 apples and buys 2 more.", "So he has 3 + 2 = 5 apples.", "The answer is 5."]
    result = reward.score([Sample("\n\n".join(steps), "How many apples?", extra={"steps": steps})])[0]
    assert result.value is not None
    assert len(result.details["step_scores"]) == 3
    assert all(0.0 <= s <= 1.0 for s in result.details["step_scores"])


def test_metrics_and_audit(trained: dict[str, Any]) -> None:
    metrics = trained["result"]["metrics"]
    assert metrics["eval"]["solutions"] == len(trained["eval"])
    assert 0.0 <= metrics["eval"]["process_f1"] <= 1.0
    assert 0.0 <= metrics["train"]["process_f1"] <= 1.0
    audit = json.loads((trained["out"] / "audit" / "report.json").read_text(encoding="utf-8"))
    assert audit["meta"]["records"] == len(trained["eval"])
    assert 0.0 <= audit["metrics"]["process_f1"] <= 1.0
    # the audit's fixed threshold (0.5) reads the same step scores as the trainer's own figure
    assert audit["metrics"]["process_f1_at_threshold"] == metrics["eval"]["process_f1"]
    assert audit["metrics"]["process_f1"] == metrics["eval"]["process_f1_best"]


@pytest.mark.slow  # a second audit, through the CLI (make test-all and CI run it)
def test_the_audit_command_reads_processbench_records_from_the_folder(trained: dict[str, Any], tmp_path: Path) -> None:
    """``rewardsmith audit DIR EVAL`` with the folder as the spec and ProcessBench's own fields
    (``problem``, ``steps``, ``label``) reads what the training run's audit read."""
    report = tmp_path / "audit"
    command = [sys.executable, "-m", "rewardsmith", "audit", str(trained["out"]), str(trained["eval_file"])]
    done = subprocess.run([*command, "-o", str(report)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    metrics = json.loads((report / "report.json").read_text(encoding="utf-8"))["metrics"]
    assert metrics["process_f1"] == trained["result"]["metrics"]["eval"]["process_f1_best"]


def test_the_last_epoch_equals_the_saved_folder(trained: dict[str, Any]) -> None:
    """The in-memory figure after the last epoch and the saved folder scored as its spec agree."""
    result = trained["result"]
    last = [h for h in result["history"] if "eval_process_f1" in h][-1]
    assert last["epoch"] == pytest.approx(2.0)
    final = result["metrics"]["eval"]
    assert last["eval_process_f1"] == final["process_f1"]
    assert last["eval_step_f1"] == final["step_f1"]
    assert last["eval_process_acc_correct"] == final["process_acc_correct"]
    # the searched threshold is one of the step scores: both paths read the same scores
    assert last["eval_process_f1_best"] == final["process_f1_best"]
    assert last["eval_best_threshold"] == pytest.approx(final["best_threshold"], abs=1e-5)


def test_too_many_bad_records_name_the_file(solutions: list[dict[str, Any]], tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.jsonl", [json.dumps(r) for r in solutions[:3]] + BAD + ["{not json"])
    loaded = read_solutions(path)
    assert len(loaded.records) == 3
    assert [w for w, _ in loaded.bad] == [f"{path.name}:{n}" for n in (4, 5, 6)]
    assert "label" in loaded.bad[1][1]
    with pytest.raises(DataError) as caught:
        train_prm(path, "unused-base", tmp_path / "out", max_bad=0.05, progress=False)
    assert str(path) in str(caught.value)
    assert not (tmp_path / "out").exists()


def test_resume_refuses_other_data(trained: dict[str, Any], tmp_path: Path) -> None:
    other = _write(tmp_path / "other.jsonl", [json.dumps({"problem": "p", "steps": ["a"], "label": -1})])
    with pytest.raises(DataError, match="cannot resume: the run was started with data_sha256"):
        train_prm(other, "unused-base", trained["out"], resume=True, progress=False)
    assert json.loads(Path(trained["result"]["manifest"]).read_text(encoding="utf-8"))["status"] == "done"


def test_resume_refuses_other_training_options_and_names_them(trained: dict[str, Any], tiny: str) -> None:
    """The same data and base but another learning rate and max length: a resumed run would be
    neither run, and its spec would name a max length part of it was not trained at."""
    with pytest.raises(DataError) as caught:
        train_prm(
            trained["train"], tiny, trained["out"], epochs=2, learning_rate=1e-2, batch_size=8, max_length=256,
            truncate="left", max_bad=0.1, resume=True, progress=False,
        )
    message = str(caught.value)
    assert "learning_rate 0.001, now 0.01" in message and "max_length 512, now 256" in message
    assert "data_sha256" not in message and "base" not in message and "seed" not in message
    assert json.loads(Path(trained["result"]["manifest"]).read_text(encoding="utf-8"))["spec"]["max_length"] == 512


def test_solutions_longer_than_max_length_are_bad_and_a_failed_run_leaves_the_folder_as_it_was(
    tiny: str, solutions: list[dict[str, Any]], tmp_path: Path
) -> None:
    data = _write(tmp_path / "long.jsonl", [json.dumps(r) for r in solutions[:4]])
    out = tmp_path / "out"
    with pytest.raises(DataError, match=r"long\.jsonl"):
        train_prm(data, tiny, out, max_length=64, progress=False)
    assert not out.exists()  # the run created it
    out.mkdir()
    with pytest.raises(DataError, match=r"long\.jsonl"):
        train_prm(data, tiny, out, max_length=64, progress=False)
    assert out.is_dir() and not any(out.iterdir())  # it was there, empty: it stays, empty


@pytest.mark.slow
def test_ctrl_c_leaves_a_loadable_folder_and_resume_finishes(
    tiny: str, solutions: list[dict[str, Any]], tmp_path: Path
) -> None:
    data = _write(tmp_path / "train.jsonl", [json.dumps(r) for r in solutions[0::2]])
    out = tmp_path / "model"
    command = [sys.executable, "-m", "rewardsmith", "train", "prm", str(data), "--base", tiny, "-o", str(out),
               "--max-length", "512", "--truncate", "left", "--epochs", "4", "--batch-size", "4"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env)
    assert process.stderr is not None
    seen = ""
    deadline = time.monotonic() + 120
    while "loss=" not in seen and time.monotonic() < deadline:
        seen += process.stderr.read(1)
    process.send_signal(signal.SIGINT)
    _, rest = process.communicate(timeout=120)
    assert process.returncode == 130, seen + rest
    manifest = json.loads((out / "rewardsmith.json").read_text())
    assert manifest["status"] == "interrupted"
    total = 4 * ((len(solutions[0::2]) + 3) // 4)
    assert 0 < manifest["metrics"]["steps"] < total
    steps = ["One step.", "Another step."]
    assert len(load(manifest["spec"]).score([Sample("", "Q?", extra={"steps": steps})])[0].details["step_scores"]) == 2
    finished = subprocess.run([*command, "--resume", "-q"], capture_output=True, text=True, timeout=300, env=env)
    assert finished.returncode == 0, finished.stderr
    manifest = json.loads((out / "rewardsmith.json").read_text())
    assert manifest["status"] == "done" and manifest["metrics"]["steps"] == total
