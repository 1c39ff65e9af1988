"""What a person sees on a terminal, and the real-data fixture's skip/fail rule."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT


def test_progress_bar_shows_rate_on_a_terminal(tmp_path):
    (tmp_path / "slow.py").write_text("import time\ndef f(c, r):\n    time.sleep(0.01)\n    return 1.0\n")
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"type: python\nfunction: {tmp_path / 'slow.py'}:f\n")
    data = tmp_path / "in.jsonl"
    data.write_text("".join(json.dumps({"completion": str(i)}) + "\n" for i in range(150)))
    command = [sys.executable, "-m", "rewardsmith", "score", str(spec), str(data), "-o", str(tmp_path / "o.jsonl"),
               "--batch-size", "1"]
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["COLUMNS"] = "120"
        os.execv(sys.executable, command)
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    screen = b"".join(chunks).decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 0, screen
    assert "rec/s" in screen and "/150" in screen
    quiet = subprocess.run([*command, "--quiet"], capture_output=True, text=True, timeout=60)
    assert quiet.returncode == 0 and "rec/s" not in quiet.stderr and quiet.stdout == ""


def _run_fixture_probe(tmp_path: Path, ci: str) -> subprocess.CompletedProcess:
    probe = tmp_path / "test_probe.py"
    probe.write_text("def test_needs_data(shared_data):\n    assert shared_data.is_dir()\n")
    (tmp_path / "conftest.py").write_text((REPO_ROOT / "tests" / "conftest.py").read_text())
    env = {**os.environ, "REWARDSMITH_DATA": str(tmp_path / "absent"), "CI": ci}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(probe), "--rootdir", str(tmp_path)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )


def test_absent_data_skips_locally_and_fails_under_ci(tmp_path):
    local = _run_fixture_probe(tmp_path, "false")
    assert local.returncode == 0 and "1 skipped" in local.stdout
    ci = _run_fixture_probe(tmp_path, "true")
    assert ci.returncode == 1 and "CI must run the real-data tests" in ci.stdout
