"""Counters for ``GET /metrics`` in the Prometheus text format (version 0.0.4).

Written by hand (a few counters and two histograms) so the server needs no metrics library and
every number is updated on the event-loop thread. With ``--workers N`` each worker process keeps
its own counters; a scrape sees the worker that answered it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from rewardsmith.core import ErrorKind, RewardResult

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


class Histogram:
    """Cumulative buckets, a sum and a count, as Prometheus expects."""

    def __init__(self, buckets: Iterable[float]) -> None:
        self.buckets = tuple(buckets)
        self.counts = [0] * len(self.buckets)
        self.total = 0.0
        self.count = 0

    def observe(self, value: float) -> None:
        self.total += value
        self.count += 1
        for index, bound in enumerate(self.buckets):
            if value <= bound:
                self.counts[index] += 1

    def lines(self, name: str, labels: str = "") -> list[str]:
        prefix = f"{labels}," if labels else ""
        pairs = zip(self.buckets, self.counts, strict=True)
        out = [f'{name}_bucket{{{prefix}le="{bound:g}"}} {n}' for bound, n in pairs]
        out.append(f'{name}_bucket{{{prefix}le="+Inf"}} {self.count}')
        suffix = f"{{{labels}}}" if labels else ""
        out.append(f"{name}_sum{suffix} {self.total:.6f}")
        out.append(f"{name}_count{suffix} {self.count}")
        return out


class Metrics:
    """Everything ``/metrics`` reports. ``queue_depth`` and the cache counters are read at scrape time.

    >>> metrics = Metrics()
    >>> metrics.record_request("/score", 200, 0.004)
    >>> metrics.record_results("/score", [RewardResult.ok(1), RewardResult.fail("took 1 s", kind="timeout")])
    >>> text = metrics.render()
    >>> 'rewardsmith_requests_total{route="/score",status="200"} 1' in text
    True
    >>> 'rewardsmith_errors_total{kind="timeout"} 1' in text, 'rewardsmith_errors_total{kind="crash"} 0' in text
    (True, True)
    """

    def __init__(self) -> None:
        self.requests: Counter[tuple[str, int]] = Counter()
        self.samples: Counter[str] = Counter()
        self.errors: Counter[str] = Counter(dict.fromkeys(map(str, ErrorKind), 0))
        self.latency: dict[str, Histogram] = {}
        self.batch_sizes = Histogram(BATCH_BUCKETS)
        self.in_flight = 0
        self.queue_depth: Callable[[], int] = lambda: 0
        self.cache_counts: Callable[[], tuple[int, int]] | None = None
        #: More lines read at scrape time (the training monitor's gauges, with ``--monitor-dir``).
        self.extra: Callable[[], list[str]] | None = None

    def record_request(self, route: str, status: int, seconds: float) -> None:
        self.requests[(route, status)] += 1
        self.latency.setdefault(route, Histogram(LATENCY_BUCKETS)).observe(seconds)

    def record_results(self, route: str, results: Iterable[RewardResult]) -> None:
        """Count the samples a route scored and the kinds of those that failed."""
        results = list(results)
        self.samples[route] += len(results)
        self.record_errors(r.error_kind or ErrorKind.CRASH for r in results if r.error is not None)

    def record_errors(self, kinds: Iterable[ErrorKind | str]) -> None:
        """Count errors by their :class:`ErrorKind` (a bounded label set, set where they were raised)."""
        for kind in kinds:
            self.errors[str(ErrorKind(kind))] += 1

    def record_batch(self, size: int) -> None:
        self.batch_sizes.observe(size)

    def render(self) -> str:
        lines = [
            "# HELP rewardsmith_requests_total HTTP requests answered, by route and status.",
            "# TYPE rewardsmith_requests_total counter",
        ]
        for (route, status), n in sorted(self.requests.items()):
            lines.append(f'rewardsmith_requests_total{{route="{route}",status="{status}"}} {n}')
        lines += ["# HELP rewardsmith_samples_total Samples scored, by route.",
                  "# TYPE rewardsmith_samples_total counter"]
        lines += [f'rewardsmith_samples_total{{route="{r}"}} {n}' for r, n in sorted(self.samples.items())]
        lines += ["# HELP rewardsmith_errors_total Error results, by kind (timeout, bad_input, dependency, crash, "
                  "remote).", "# TYPE rewardsmith_errors_total counter"]
        lines += [f'rewardsmith_errors_total{{kind="{k}"}} {n}' for k, n in sorted(self.errors.items())]
        lines += ["# HELP rewardsmith_request_duration_seconds Request latency, by route.",
                  "# TYPE rewardsmith_request_duration_seconds histogram"]
        for route, histogram in sorted(self.latency.items()):
            lines += histogram.lines("rewardsmith_request_duration_seconds", f'route="{route}"')
        lines += ["# HELP rewardsmith_batch_size Samples per batch handed to the reward.",
                  "# TYPE rewardsmith_batch_size histogram"]
        lines += self.batch_sizes.lines("rewardsmith_batch_size")
        lines += ["# HELP rewardsmith_queue_depth Samples waiting for a batch.",
                  "# TYPE rewardsmith_queue_depth gauge", f"rewardsmith_queue_depth {self.queue_depth()}",
                  "# HELP rewardsmith_in_flight_requests Requests being answered.",
                  "# TYPE rewardsmith_in_flight_requests gauge", f"rewardsmith_in_flight_requests {self.in_flight}"]
        if self.cache_counts is not None:
            hits, misses = self.cache_counts()
            lines += ["# HELP rewardsmith_cache_hits_total Samples answered from the result cache.",
                      "# TYPE rewardsmith_cache_hits_total counter", f"rewardsmith_cache_hits_total {hits}",
                      "# HELP rewardsmith_cache_misses_total Samples scored because the cache missed.",
                      "# TYPE rewardsmith_cache_misses_total counter", f"rewardsmith_cache_misses_total {misses}"]
        if self.extra is not None:
            lines += self.extra()
        return "\n".join(lines) + "\n"
