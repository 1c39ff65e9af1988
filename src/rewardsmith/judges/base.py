"""What every judge component shares: the endpoint parameters, the call plan written once for
``score`` and ``ascore``, and the rule that a failed call is an error result with its reason and
kind (``remote``, ``timeout``), never a 0.

A judge's :meth:`Judge.plan` is a generator (the habit of httpx and of our composites: the logic
once, only the I/O differs): it yields the calls it needs for the whole batch, the shared
:class:`~.client.JudgeClient` sends them concurrently, and the plan receives the answers, yields
again if it needs another round, and returns the results. ``score`` blocks on the client's loop;
``ascore`` awaits it from the caller's loop.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping, Sequence
from typing import Any, ClassVar

from rewardsmith.core import RewardResult, Sample
from rewardsmith.core.result import kind_of
from rewardsmith.core.reward import Reward, describe_exception

from .client import Answer, Call, Endpoint, JudgeClient, JudgeError, Usage, client_for

#: A judge's logic: yields the calls it needs, receives their answers (one per call, in order),
#: may yield again (a knockout round after round), and returns one result per sample.
Plan = Generator[list[Call], list[Answer | JudgeError], list[RewardResult]]
#: The constructor parameters every judge has, after its own (see :class:`Judge`).
ENDPOINT_PARAMS = (
    "base_url", "model", "api_key_env", "temperature", "max_tokens", "seed", "timeout",
    "max_concurrency", "rpm", "tpm", "retries", "cache", "prices",
)  # fmt: skip


def usage_of(answers: Sequence[Answer]) -> dict[str, Any]:
    """The summed usage of a result's calls, for its ``details["usage"]``."""
    total = Usage()
    for answer in answers:
        total.add(answer.usage)
    return total.as_dict()


class Judge(Reward):
    """Base class of the LLM judges (not registered).

    Endpoint parameters: ``base_url`` (``http://host:port/v1``), ``model``, ``api_key_env`` (the
    *name* of the variable holding the key), ``temperature`` (0: deterministic where the endpoint
    allows), ``max_tokens``, ``seed``, ``timeout`` (s per call), ``max_concurrency``, ``rpm`` and
    ``tpm`` (per-minute limits), ``retries``, ``cache`` (an SQLite file of answers) and ``prices``
    (``{input: $, output: $}`` per million tokens). Only the first six change what is asked, so
    the others are runtime parameters (left out of the spec hash).
    """

    value_range: tuple[float, float] | None = (0.0, 1.0)
    requires: ClassVar[Mapping[str, str]] = {"httpx": "judges"}
    # The endpoint parameters, set by _set_endpoint from each judge's constructor (ENDPOINT_PARAMS).
    base_url: str
    model: str
    api_key_env: str | None
    temperature: float
    max_tokens: int
    seed: int | None
    timeout: float
    max_concurrency: int
    rpm: float | None
    tpm: float | None
    retries: int
    cache: str | None
    prices: dict[str, float] | None
    runtime_params = frozenset(
        {"api_key_env", "timeout", "max_concurrency", "rpm", "tpm", "retries", "cache", "prices"}
    )

    @classmethod
    def requirements(cls, params: Mapping[str, Any]) -> Mapping[str, str]:
        """httpx always; jinja2 too when ``template`` names a file rather than a built-in.

        >>> from rewardsmith.judges.pointwise import PointwiseJudge
        >>> dict(PointwiseJudge.requirements({"template": "my_judge.j2"}))
        {'httpx': 'judges', 'jinja2': 'judges'}
        """
        template = params.get("template")
        builtin = template is None or template in getattr(cls, "builtin_templates", ())
        return cls.requires if builtin else {**cls.requires, "jinja2": "judges"}

    def _set_endpoint(self, params: dict[str, Any]) -> None:
        for name in ENDPOINT_PARAMS:
            setattr(self, name, params[name])
        if not self.base_url or not self.model:
            raise ValueError("base_url and model are required")
        if self.max_concurrency < 1 or self.retries < 0 or self.max_tokens < 1:
            raise ValueError("max_concurrency and max_tokens must be >= 1, retries >= 0")
        if (self.rpm is not None and self.rpm <= 0) or (self.tpm is not None and self.tpm <= 0):
            raise ValueError("rpm and tpm must be positive")
        unknown = set(self.prices or {}) - {"input", "output"}
        if unknown:
            raise ValueError(f"prices: unknown keys {sorted(unknown)} (input, output: $ per 1M tokens)")

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint(
            base_url=self.base_url,
            model=self.model,
            api_key_env=self.api_key_env,
            timeout=self.timeout,
            max_concurrency=self.max_concurrency,
            rpm=self.rpm,
            tpm=self.tpm,
            retries=self.retries,
            cache=self.cache,
            prices=tuple(sorted((self.prices or {}).items())),
        )

    def client(self) -> JudgeClient:
        """The process's shared client for this judge's endpoint."""
        return client_for(self.endpoint)

    def sampling(self, **extra: Any) -> dict[str, Any]:
        """The sampling parameters of a call (they are part of the cache key)."""
        params = {"temperature": self.temperature, "max_tokens": self.max_tokens, "seed": self.seed, **extra}
        return {k: v for k, v in params.items() if v is not None}

    def fail(self, error: JudgeError) -> RewardResult:
        return RewardResult.fail(f"{self.name}: {error}", kind=error.kind)

    # -- the plan, written once --------------------------------------------------------------
    def plan(self, samples: list[Sample]) -> Plan:
        """Yield the calls a batch needs, receive their answers, return one result per sample."""
        raise NotImplementedError

    def score_batch(self, samples: list[Sample]) -> list[RewardResult]:
        plan, client = self.plan(samples), self.client()
        try:
            calls = next(plan)
            while True:
                calls = plan.send(client.gather(calls))
        except StopIteration as done:
            return done.value

    async def ascore(self, samples: Sequence[Sample]) -> list[RewardResult]:
        samples = list(samples)
        if not samples:
            return []
        plan, client = self.plan(samples), self.client()
        try:
            try:
                calls = next(plan)
                while True:
                    calls = plan.send(await client.agather(calls))
            except StopIteration as done:
                results = done.value
        except Exception as exc:  # noqa: BLE001 - as Reward.score: every failure is a per-sample result
            return self.batch_failed(samples, exc)
        return self.finish(samples, results)


class PerSampleJudge(Judge):
    """A judge whose calls for a sample depend on that sample only (pointwise, rubric, verify)."""

    def requests(self, sample: Sample) -> list[Call] | None:
        """The calls for one sample; None when the judge does not apply to it."""
        raise NotImplementedError

    def read(self, sample: Sample, answers: list[Answer]) -> RewardResult:
        """The result of one sample from the answers to its calls (every call succeeded)."""
        raise NotImplementedError

    def plan(self, samples: list[Sample]) -> Plan:
        calls: list[Call] = []
        slots: list[range | RewardResult] = []
        for sample in samples:
            try:
                own = self.requests(sample)
            except Exception as exc:  # noqa: BLE001 - one unreadable sample fails alone
                slots.append(RewardResult.fail(f"{self.name}: {describe_exception(exc)}", kind=kind_of(exc)))
                continue
            if own is None:
                slots.append(RewardResult.not_applicable())
                continue
            slots.append(range(len(calls), len(calls) + len(own)))
            calls.extend(own)
        answers = (yield calls) if calls else []
        results = []
        for sample, slot in zip(samples, slots, strict=True):
            if isinstance(slot, RewardResult):
                results.append(slot)
                continue
            mine = [answers[i] for i in slot]
            failed = next((a for a in mine if isinstance(a, JudgeError)), None)
            if failed is not None:
                results.append(self.fail(failed))
                continue
            try:
                results.append(self.read(sample, [a for a in mine if isinstance(a, Answer)]))
            except JudgeError as exc:
                results.append(self.fail(exc))
        return results
