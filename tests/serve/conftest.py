"""Real servers for the serve tests: ``rewardsmith serve`` as a subprocess on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

JSON = {"content-type": "application/json"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, timeout: float = 20) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        return self.process.returncode


@contextmanager
def running_server(spec: str | Path, *args: str, tmp: Path, env: dict[str, str] | None = None) -> Iterator[Server]:
    """Start ``rewardsmith serve SPEC ARGS`` and wait until ``/health`` answers."""
    port = free_port()
    log = tmp / f"server-{port}.log"
    command = [sys.executable, "-m", "rewardsmith", "serve", str(spec), "--port", str(port), *args]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                pytest.fail(f"server exited with {process.returncode}:\n{server.output()}")
            try:
                if httpx.get(f"{server.url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"server did not start:\n{server.output()}")
            time.sleep(0.1)
        yield server
    finally:
        server.stop()


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text).lstrip())
    return path


@pytest.fixture(scope="session")
def exact_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``text.exact`` behind a server with a 64 KiB body limit and a 20 ms batching window."""
    tmp = tmp_path_factory.mktemp("exact")
    spec = write(tmp / "spec.yaml", "type: text.exact\n")
    with running_server(spec, "--max-body-mb", "0.0625", "--max-wait-ms", "20", tmp=tmp) as server:
        yield server


def metric(text: str, name: str) -> float:
    """The value of one sample line (``name`` with its labels) in Prometheus text."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in metrics:\n{text}")
