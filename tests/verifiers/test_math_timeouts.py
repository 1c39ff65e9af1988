"""Parser bombs never hang math.answer: in the main thread, a worker thread and an event loop."""

from __future__ import annotations

import asyncio
import pickle
import threading
import time

import pytest

from rewardsmith.core import Sample
from rewardsmith.verifiers.math import MathAnswer

BOMB_TIMEOUT = 2.0
TOWER = "\\boxed{10^{10^{10^{10}}}}"
LONG = "\\boxed{" + "+".join(f"x^{{{i % 7}}}" for i in range(9000)) + "}"
NESTED = "\\boxed{" + "{" * 5000 + "1" + "}" * 5000 + "}"
BOMBS = [TOWER, LONG, NESTED, "\\boxed{" + "\\frac{1}{" * 3000 + "2" + "}" * 3000 + "}"]


def _check(results: list, elapsed: float) -> None:
    # Each bomb either fails with a reason or gets a real verdict; none is a silent success.
    for result in results:
        assert result.value in (None, 0.0)
        assert result.value is not None or result.error
    assert elapsed < len(BOMBS) * (BOMB_TIMEOUT + 30)


def _score() -> tuple[list, float]:
    reward = MathAnswer(timeout=BOMB_TIMEOUT, workers=2)
    start = time.monotonic()
    results = reward.score([Sample(bomb, reference="7") for bomb in BOMBS])
    return results, time.monotonic() - start


def test_power_tower_times_out_as_an_error_not_a_zero() -> None:
    result = MathAnswer(timeout=BOMB_TIMEOUT)(TOWER, "5")
    assert result.value is None
    assert result.error is not None and result.error.startswith("timeout after 2 s")
    assert result.details["extracted"] == "10^{10^{10^{10}}}"


def test_bombs_finish_in_the_main_thread() -> None:
    _check(*_score())


def test_bombs_finish_in_a_worker_thread() -> None:
    box: dict = {}
    thread = threading.Thread(target=lambda: box.update(out=_score()))
    thread.start()
    thread.join(120)
    assert not thread.is_alive()
    _check(*box["out"])


def test_bombs_finish_inside_an_asyncio_loop() -> None:
    async def main() -> tuple[list, float]:
        reward = MathAnswer(timeout=BOMB_TIMEOUT)
        start = time.monotonic()
        results = await reward.ascore([Sample(bomb, reference="7") for bomb in BOMBS])
        return results, time.monotonic() - start

    _check(*asyncio.run(main()))


def test_pool_recovers_after_a_timeout() -> None:
    reward = MathAnswer(timeout=BOMB_TIMEOUT)
    assert reward(TOWER, "5").error is not None
    assert reward("\\boxed{2^{10000}}", "2^{10000}").value == 1.0
    assert reward("\\boxed{2^{100000}}", "4^{50000}").value == 1.0


def test_reward_pickles_without_its_cache_and_still_scores() -> None:
    reward = MathAnswer(rel_tol=1e-4)
    reward("\\boxed{1}", "1")
    clone = pickle.loads(pickle.dumps(reward))
    assert clone.rel_tol == 1e-4
    assert clone._cache == {}
    assert clone("\\boxed{\\frac{1}{2}}", "0.5").value == 1.0


@pytest.mark.parametrize("threads", [4])
def test_concurrent_threads_get_the_same_verdicts(threads: int) -> None:
    reward = MathAnswer()
    cases = [
        ("\\boxed{\\frac{3}{4}}", "0.75", 1.0),
        ("\\boxed{x^2+2x+1}", "(x+1)^2", 1.0),
        ("\\boxed{5}", "6", 0.0),
    ]
    outcomes: list[list[float | None]] = []

    def work() -> None:
        outcomes.append([reward(c, g).value for c, g, _ in cases * 20])

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert outcomes == [[v for _, _, v in cases * 20]] * threads
