"""``judge.verify``: is the completion's answer equivalent to the reference? p("Yes") as the reward."""

from __future__ import annotations

from typing import Any, ClassVar

from rewardsmith.core import ErrorKind, RewardResult, Sample, register

from .base import PerSampleJudge, usage_of
from .client import Answer, Call, JudgeError
from .parse import p_yes, parse_yes_no
from .pointwise import reference_text
from .prompts import SYSTEM, VERIFY, Template, fence, messages
from .prompts import template as load_template


@register("judge.verify")
class VerifyJudge(PerSampleJudge):
    """Reference-based correctness by an LLM: r = p("Yes") when the endpoint returns logprobs,
    else 1 for a "Yes" verdict and 0 for "No".

    The generative verifier of *Generative Verifiers: Reward Modeling as Next-Token Prediction*
    (Zhang et al., 2024): r = p(Yes) / (p(Yes) + p(No)) from the first answer token's top
    logprobs (``logprobs: true``, ``top_logprobs``). A sample without a reference is not
    applicable; an answer that is neither Yes nor No (and no logprobs) is an error. The master
    keys of *One Token to Fool LLM-as-a-Judge* (Zhao et al., 2025) are what ``rewardsmith audit
    --probes master_keys`` tries on it.

    >>> VerifyJudge("http://127.0.0.1:8000/v1", "judge").sampling(logprobs=True)["max_tokens"]
    8
    """

    example: ClassVar[dict[str, Any]] = {
        "type": "judge.verify",
        "base_url": "http://127.0.0.1:8000/v1",
        "model": "judge",
    }

    def __init__(
        self,
        base_url: str,
        model: str,
        logprobs: bool = True,
        top_logprobs: int = 5,
        template: str | None = None,
        system: str | None = SYSTEM,
        api_key_env: str | None = None,
        temperature: float = 0.0,
        max_tokens: int = 8,
        seed: int | None = 0,
        timeout: float = 60.0,
        max_concurrency: int = 16,
        rpm: float | None = None,
        tpm: float | None = None,
        retries: int = 4,
        cache: str | None = None,
        prices: dict[str, float] | None = None,
    ) -> None:
        self.logprobs = logprobs
        self.top_logprobs = top_logprobs
        self.template = template
        self.system = system
        self._set_endpoint(locals())
        self._template = Template(VERIFY) if template is None else load_template(template, {})

    def requests(self, sample: Sample) -> list[Call] | None:
        if sample.reference is None or reference_text(sample.reference).strip() == "":
            return None
        completion, tag = fence(sample.text)
        user = self._template.render(
            prompt=sample.prompt_text,
            completion=completion,
            completion_tag=tag,
            reference=reference_text(sample.reference),
        )
        extra = {"logprobs": True, "top_logprobs": self.top_logprobs} if self.logprobs else {}
        return [(messages(self.system, user), self.sampling(**extra))]

    def read(self, sample: Sample, answers: list[Answer]) -> RewardResult:
        answer = answers[0]
        text = answer.texts[0]
        verdict = parse_yes_no(text)
        probability = p_yes(answer.top_logprobs[0]) if self.logprobs and answer.top_logprobs else None
        details = {"verdict": verdict, "p_yes": probability, "answer": text[-200:], "usage": usage_of(answers)}
        if probability is not None:
            return RewardResult.ok(probability, **details)
        if verdict is None:
            raise JudgeError(f"no Yes/No in the judge's answer: {text[-200:]!r}", ErrorKind.REMOTE)
        return RewardResult.ok(float(verdict), **details)
