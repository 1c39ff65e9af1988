"""Load test of ``rewardsmith serve`` on loopback, compared with calling the reward in-process.

A cheap rule reward (``text.exact``) is served by a real ``rewardsmith serve`` subprocess on
127.0.0.1; a fixed number of requests is sent by ``--concurrency`` concurrent clients (aiohttp,
the client OpenRLHF uses) in two shapes:

* ``/score`` with 16 samples per request (a trainer or ``rewardsmith.Client``);
* ``/get_reward`` with one sample per request (OpenRLHF's protocol).

Reported: throughput, p50/p99 latency, failed requests, and the server's overhead per sample
(wall time per sample under load minus the in-process time per sample), with ratios to the
in-process call. Targets from issue 15: p99 < 20 ms for 16-sample requests, overhead < 1 ms
per sample. The run is bounded (fixed request counts) and talks to 127.0.0.1 only.

    python benchmarks/serve_bench.py            # ~1-2 min
    python benchmarks/serve_bench.py --quick    # ~20 s
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

import rewardsmith
from rewardsmith import Sample

SPEC = "type: text.exact\n"
WRK_SCRIPT = Path(__file__).with_name("serve_wrk.lua")


def records(count: int) -> list[dict[str, str]]:
    """Completions that match their reference one time in three."""
    return [{"completion": f"The answer is {i}", "reference": f"the answer is {i - i % 3}"} for i in range(count)]


@dataclass
class Run:
    name: str
    requests: int
    samples: int
    seconds: float
    latencies: list[float]
    failed: int
    quantiles: dict[float, float] | None = None  # seconds, when the client reports them itself


    @property
    def per_sample_us(self) -> float:
        return self.seconds / self.samples * 1e6

    def percentile(self, q: float) -> float:
        if self.quantiles is not None:
            return self.quantiles[q] * 1000
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def in_process(batch: int, total: int) -> Run:
    """The reward called directly, ``batch`` samples per call."""
    reward = rewardsmith.load({"type": "text.exact"})
    data = [Sample.from_record(r) for r in records(total)]
    latencies = []
    started = time.perf_counter()
    for start in range(0, total, batch):
        t0 = time.perf_counter()
        reward.score(data[start : start + batch])
        latencies.append(time.perf_counter() - t0)
    return Run(f"in-process, {batch}/call", len(latencies), total, time.perf_counter() - started, latencies, 0)


async def load_test(url: str, bodies: list[dict], concurrency: int, name: str, per_request: int) -> Run:
    """Send every body once, ``concurrency`` at a time (closed loop); time each request."""
    latencies: list[float] = []
    failed = 0
    queue = list(reversed(bodies))
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def client() -> None:
            nonlocal failed
            while queue:
                body = queue.pop()
                t0 = time.perf_counter()
                try:
                    async with session.post(url, json=body) as response:
                        answer = await response.json()
                        ok = response.status == 200 and _complete(answer, per_request)
                except (aiohttp.ClientError, TimeoutError, ValueError):
                    ok = False
                latencies.append(time.perf_counter() - t0)
                failed += not ok

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    return Run(name, len(bodies), len(bodies) * per_request, seconds, latencies, failed)


def wrk_test(url: str, body: dict, seconds: int, concurrency: int, name: str, per_request: int) -> Run:
    """The same closed-loop load from wrk (C, a few % of a core), so the clients do not take the
    server's CPU: one body sent for ``seconds`` over ``concurrency`` connections, failures counted
    by benchmarks/serve_wrk.lua (status 200 and the expected number of values)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
        json.dump(body, handle)
        handle.flush()
        env = {**os.environ, "RS_BODY_FILE": handle.name, "RS_EXPECTED": str(per_request)}
        command = ["wrk", "-t1", f"-c{concurrency}", f"-d{seconds}s", "--latency", "-s", str(WRK_SCRIPT), url]
        output = subprocess.run(command, capture_output=True, text=True, env=env, timeout=seconds + 60,
                                check=True).stdout
    fields = next(line for line in output.splitlines() if line.startswith("RS_RESULT")).split()[1:]
    done, failed, transport = (int(v) for v in fields[:3])
    elapsed, p50, p99 = (float(v) for v in fields[3:])
    return Run(name, done, done * per_request, elapsed, [], failed + transport, {0.5: p50, 0.99: p99})


def _complete(answer: dict, expected: int) -> bool:
    """Every sample answered with a value (the bench reward never fails)."""
    if "results" in answer:
        return len(answer["results"]) == expected and all(r["reward"] is not None for r in answer["results"])
    return len(answer.get("rewards", [])) == expected and None not in answer["rewards"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(spec: Path, port: int, extra: list[str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "rewardsmith", "serve", str(spec), "--port", str(port), *extra]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    import urllib.request

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited: {process.stderr.read().decode() if process.stderr else ''}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("server did not start within 60 s")


def table(runs: list[Run], baseline: dict[int, float]) -> str:
    header = (f"{'mode':<34} {'requests':>8} {'samples/s':>10} {'p50 ms':>8} {'p99 ms':>8} "
              f"{'failed':>6} {'µs/sample':>10} {'overhead µs/sample':>19} {'x in-process':>12}")
    lines = [header, "-" * len(header)]
    for run in runs:
        per_request = run.samples // run.requests
        base = baseline[per_request]
        overhead = run.per_sample_us - base if not run.name.startswith("in-process") else 0.0
        lines.append(
            f"{run.name:<34} {run.requests:>8} {run.samples / run.seconds:>10.0f} {run.percentile(0.5):>8.2f} "
            f"{run.percentile(0.99):>8.2f} {run.failed:>6} {run.per_sample_us:>10.1f} {overhead:>19.1f} "
            f"{run.per_sample_us / base:>12.1f}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests (~20 s)")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--score-requests", type=int, default=3000)
    parser.add_argument("--get-reward-requests", type=int, default=6000)
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument("--max-wait-ms", type=float, default=5.0)
    parser.add_argument("--client", choices=("auto", "wrk", "aiohttp"), default="auto",
                        help="load generator: wrk (Debian package; leaves the CPU to the server) or aiohttp")
    args = parser.parse_args()
    client = ("wrk" if shutil.which("wrk") else "aiohttp") if args.client == "auto" else args.client
    wrk_seconds = 3 if args.quick else 10
    score_requests = 600 if args.quick else args.score_requests
    single_requests = 1200 if args.quick else args.get_reward_requests

    baseline_runs = [in_process(16, score_requests * 16), in_process(1, single_requests)]
    baseline = {16: baseline_runs[0].per_sample_us, 1: baseline_runs[1].per_sample_us}

    data = records(score_requests * 16)
    score_bodies = [{"samples": data[i : i + 16]} for i in range(0, len(data), 16)]
    single = records(single_requests)
    prompt = "<|im_start|>user\nWhat is the answer?<|im_end|>\n<|im_start|>assistant\n"
    get_reward_bodies = [
        {"query": [prompt + r["completion"] + "<|im_end|>"], "prompts": [prompt], "labels": [r["reference"]]}
        for r in single
    ]
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "bench.yaml"
        spec.write_text(SPEC)
        port = free_port()
        server = start_server(spec, port, ["--workers", str(args.workers), "--max-wait-ms", str(args.max_wait_ms)])
        try:
            base = f"http://127.0.0.1:{port}"
            asyncio.run(load_test(f"{base}/score", score_bodies[:100], args.concurrency, "warm-up", 16))
            if client == "wrk":
                runs = [
                    wrk_test(f"{base}/score", score_bodies[0], wrk_seconds, args.concurrency,
                             "HTTP /score, 16/request (wrk)", 16),
                    wrk_test(f"{base}/get_reward", get_reward_bodies[0], wrk_seconds, args.concurrency,
                             "HTTP /get_reward, 1/request (wrk)", 1),
                ]
            else:
                runs = [
                    asyncio.run(load_test(f"{base}/score", score_bodies, args.concurrency,
                                          "HTTP /score, 16/request", 16)),
                    asyncio.run(load_test(f"{base}/get_reward", get_reward_bodies, args.concurrency,
                                          "HTTP /get_reward, 1/request", 1)),
                ]
        finally:
            server.terminate()
            server.wait(30)

    print(f"rewardsmith serve load test: text.exact, {args.concurrency} concurrent clients ({client}), "
          f"{args.workers} worker(s), max-wait {args.max_wait_ms} ms, {os.cpu_count()} CPUs (shared with the clients)")
    print(table(baseline_runs + runs, baseline))
    score_run, single_run = runs
    print()
    print(f"target p99 < 20 ms for 16-sample /score: {score_run.percentile(0.99):.1f} ms "
          f"({'met' if score_run.percentile(0.99) < 20 else 'NOT met'})")
    worst = max(score_run.per_sample_us - baseline[16], single_run.per_sample_us - baseline[1])
    print(f"target overhead < 1 ms/sample: worst {worst / 1000:.3f} ms ({'met' if worst < 1000 else 'NOT met'})")
    failed = score_run.failed + single_run.failed
    print(f"failed requests: {failed} ({'ok' if failed == 0 else 'FAILURES'})")


if __name__ == "__main__":
    main()
