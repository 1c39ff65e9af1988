"""`rewardsmith serve` flags checked before anything binds: a port outside 0-65535 is refused."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest


@pytest.mark.parametrize(
    ("port", "bound"), [("99999", "less than or equal to 65535"), ("65536", "less than or equal to 65535"),
                        ("-1", "greater than or equal to 0")],
)
def test_a_port_outside_0_to_65535_is_refused_with_exit_2(port, bound):
    result = subprocess.run(
        [sys.executable, "-m", "rewardsmith", "serve", "text.exact", f"--port={port}"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert f"Invalid value for '--port': Input should be {bound}" in result.stderr
    assert "running on" not in result.stderr


def test_port_0_takes_a_free_port_and_the_start_line_names_it(tmp_path: Path):
    httpx = pytest.importorskip("httpx")
    pytest.importorskip("uvicorn")
    log = tmp_path / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "rewardsmith", "serve", "text.exact", "--port", "0"],
            stdout=sink, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 90
        while not (found := re.search(r"running on http://127\.0\.0\.1:(\d+)", log.read_text(errors="replace"))):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        port = int(found.group(1))
        assert port != 0
        assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=10).json()["reward"] == "text.exact"
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0


@pytest.mark.parametrize("workers", ["1", "2"])
def test_serve_takes_an_inline_spec_and_a_function_like_score_and_audit(tmp_path: Path, workers: str):
    """The SPEC forms audit, score and select take; with --workers 2 each process loads the spec."""
    httpx = pytest.importorskip("httpx")
    pytest.importorskip("uvicorn")
    from tests.serve.conftest import running_server

    (tmp_path / "my_rewards.py").write_text(
        "def shout(completion, reference):\n    return float(completion.isupper())\n", encoding="utf-8"
    )
    records = {"samples": [{"completion": "YES", "reference": "no"}, {"completion": "yes", "reference": "yes"}]}
    inline = "{type: text.exact, case_sensitive: true}"
    for spec, expected in ((inline, [0.0, 1.0]), (str(tmp_path / "my_rewards.py") + ":shout", [1.0, 0.0])):
        with running_server(spec, "--workers", workers, tmp=tmp_path) as server:
            answer = httpx.post(f"{server.url}/score", json=records, timeout=30).json()
            assert [r["reward"] for r in answer["results"]] == expected, answer
