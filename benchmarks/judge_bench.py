"""judge.pointwise through rewardsmith's judge client vs the same calls one at a time with the
``openai`` package, in one run: judgements/s at concurrency 1, 8, 16 and 64, cost per 1,000
judgements, and the cache hit rate of a re-run.

The endpoint is a local OpenAI-compatible HTTP server (``tests/judges/scripted.py``) whose model
answers ``Score: N`` after a fixed ``--latency`` (default 50 ms, a stand-in for generation time:
no real model runs here). The completions judged are JudgeBench's real responses
(``judgebench/gpt-4o-2024-05-13.jsonl``, read in place), so prompts have real lengths. Token
counts are the server's (words); cost uses the example price table ``--prices`` ($ per 1M
input/output tokens), not any provider's.

    .venv/bin/pip install openai                      # the peer
    .venv/bin/python benchmarks/judge_bench.py        # ~1 min
    .venv/bin/python benchmarks/judge_bench.py --n 64 --latency 0.02
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rewardsmith.core import Sample  # noqa: E402
from rewardsmith.judges.pointwise import PointwiseJudge  # noqa: E402

SERVER = """
import sys, time
sys.path.insert(0, {root!r})
from tests.judges.scripted import Reply, ScriptedServer
server = ScriptedServer(lambda body: Reply(["The response is adequate.\\nScore: 7"], delay={latency})).start()
print(server.url, flush=True)
while True:
    time.sleep(3600)
"""


@contextmanager
def endpoint(latency: float):
    """The scripted endpoint in a process of its own (it must not share the client's GIL)."""
    process = subprocess.Popen([sys.executable, "-c", SERVER.format(root=str(ROOT), latency=latency)],
                               stdout=subprocess.PIPE, text=True)
    try:
        yield process.stdout.readline().strip()
    finally:
        process.kill()
        process.wait()


def data_dir() -> Path:
    return Path(os.environ.get("REWARDSMITH_DATA", ROOT.parent / "shared" / "data"))


def samples(n: int) -> list[Sample]:
    rows = [json.loads(line) for line in (data_dir() / "judgebench/gpt-4o-2024-05-13.jsonl").open()]
    out = []
    for row in rows:
        out += [Sample(row["response_A"], prompt=row["question"]), Sample(row["response_B"], prompt=row["question"])]
    return out[:n]


def openai_one_at_a_time(url: str, judge: PointwiseJudge, batch: list[Sample]) -> tuple[float, float] | None:
    try:
        import openai
    except ImportError:
        return None
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=4)
    start, cpu = time.perf_counter(), time.process_time()
    for sample in batch:
        ((messages, params),) = judge.requests(sample)
        answer = client.chat.completions.create(model=judge.model, messages=messages, **params)
        judge.rating(answer.choices[0].message.content)
    return len(batch) / (time.perf_counter() - start), 1000 * (time.process_time() - cpu) / len(batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=256, help="judgements per measurement")
    parser.add_argument("--latency", type=float, default=0.05, help="the endpoint's seconds per answer")
    parser.add_argument("--prices", type=float, nargs=2, default=(0.15, 0.60), metavar=("INPUT", "OUTPUT"))
    args = parser.parse_args()
    batch = samples(args.n)
    prices = {"input": args.prices[0], "output": args.prices[1]}
    rows = []
    with endpoint(args.latency) as url:
        for concurrency in (1, 8, 16, 64):
            judge = PointwiseJudge(url, "bench", max_concurrency=concurrency, prices=prices)
            start, cpu = time.perf_counter(), time.process_time()
            results = judge.score(batch)
            elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
            assert all(r.value is not None for r in results), [r.error for r in results if r.error][:3]
            cost = sum(r.details["usage"]["cost"] for r in results)
            rows.append((f"rewardsmith, concurrency {concurrency}", len(batch) / elapsed, 1000 * cost / len(batch),
                         1000 * cpu / len(batch)))
        peer = openai_one_at_a_time(url, PointwiseJudge(url, "bench"), batch)
        with tempfile.TemporaryDirectory() as folder:
            cache = str(Path(folder) / "cache.sqlite")
            first = PointwiseJudge(url, "bench", max_concurrency=64, cache=cache, prices=prices).score(batch)
            start = time.perf_counter()
            again = PointwiseJudge(url, "bench", max_concurrency=64, cache=cache, prices=prices).score(batch)
            rerun = len(batch) / (time.perf_counter() - start)
            hits = sum(r.details["usage"]["cached"] for r in again) / len(batch)
            same = [r.value for r in again] == [r.value for r in first]
    print(f"{len(batch)} judgements of JudgeBench responses; endpoint latency {args.latency * 1000:.0f} ms; "
          f"prices ${prices['input']}/${prices['output']} per 1M tokens")
    print(f"{'client':<34} {'judgements/s':>13} {'$ per 1k':>10} {'client CPU ms/judgement':>24}")
    for name, rate, cost, cpu in rows:
        print(f"{name:<34} {rate:>13.1f} {cost:>10.5f} {cpu:>24.2f}")
    if peer is None:
        print(f"{'openai package, one at a time':<34} {'(pip install openai)':>13}")
    else:
        print(f"{'openai package, one at a time':<34} {peer[0]:>13.1f} {rows[0][2]:>10.5f} {peer[1]:>24.2f}")
    print(f"{'rewardsmith re-run from the cache':<34} {rerun:>13.1f} {0.0:>10.5f}")
    print(f"cache hit rate on the re-run: {hits:.0%}; same values: {same}")


if __name__ == "__main__":
    main()
