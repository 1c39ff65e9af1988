"""``judge.pointwise``: an LLM rates one completion; the rating, on its scale, becomes a reward in [0, 1]."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, ClassVar, Literal

from rewardsmith.core import ErrorKind, RewardResult, Sample, register

from .base import PerSampleJudge, usage_of
from .client import Answer, Call, JudgeError
from .parse import parse_json, parse_label, parse_number
from .prompts import POINTWISE, SYSTEM, fence, messages, template


def reference_text(reference: Any) -> str:
    """A sample's reference as prompt text (JSON for structured references)."""
    if reference is None:
        return ""
    return reference if isinstance(reference, str) else json.dumps(reference, ensure_ascii=False)


@register("judge.pointwise")
class PointwiseJudge(PerSampleJudge):
    """LLM-as-a-judge rating on a scale [lo, hi], mapped to r = (s − lo) / (hi − lo) ∈ [0, 1].

    The judge sees the prompt and the fenced completion (and the reference with the
    ``correctness`` template) and ends its answer with ``Score: N``. ``parse`` reads ``number``
    (the last ``Score: N`` within the scale), ``label`` (the last of ``labels``, each mapped to its
    value in [0, 1]) or ``json`` (the number under ``score_key`` of the last JSON object). With
    ``samples: k`` the endpoint is asked for k choices (``n``) and the reward is their ``mean`` or
    the ``majority`` rating; ``details["agreement"]`` is the share of choices that gave the majority
    rating (*Judging LLM-as-a-Judge with MT-Bench and Chatbot Arena*, Zheng et al., 2023, for the
    single-answer grading prompt). An answer with no readable rating is an error, not a score.
    ``template`` is a built-in name, a Jinja2 file or Jinja2 text, rendered with ``prompt``,
    ``completion`` (fenced), ``completion_tag``, ``reference``, ``low``, ``high``, ``item`` (the
    record) and ``sample.output_text`` (the fenced completion, as OpenAI's graders name it).

    >>> PointwiseJudge("http://127.0.0.1:8000/v1", "judge", scale=(0, 4)).normalise(3)
    0.75
    """

    builtin_templates: ClassVar[tuple[str, ...]] = tuple(POINTWISE)
    example: ClassVar[dict[str, Any]] = {
        "type": "judge.pointwise",
        "base_url": "http://127.0.0.1:8000/v1",
        "model": "judge",
    }

    def __init__(
        self,
        base_url: str,
        model: str,
        template: str = "quality",
        system: str | None = SYSTEM,
        parse: Literal["number", "label", "json"] = "number",
        scale: tuple[float, float] = (1.0, 10.0),
        labels: dict[str, float] | None = None,
        score_key: str = "score",
        samples: int = 1,
        aggregate: Literal["mean", "majority"] = "mean",
        api_key_env: str | None = None,
        temperature: float = 0.0,
        max_tokens: int = 512,
        seed: int | None = 0,
        timeout: float = 60.0,
        max_concurrency: int = 16,
        rpm: float | None = None,
        tpm: float | None = None,
        retries: int = 4,
        cache: str | None = None,
        prices: dict[str, float] | None = None,
    ) -> None:
        self.template = template
        self.system = system
        self.parse = parse
        self.scale = (float(scale[0]), float(scale[1]))
        self.labels = labels
        self.score_key = score_key
        self.samples = samples
        self.aggregate = aggregate
        self._set_endpoint(locals())
        if not self.scale[0] < self.scale[1]:
            raise ValueError(f"scale: expected low < high, got {list(self.scale)}")
        if parse == "label" and not labels:
            raise ValueError("parse: label needs labels, e.g. {good: 1.0, bad: 0.0}")
        if labels and any(not 0.0 <= value <= 1.0 for value in labels.values()):
            raise ValueError(f"labels: each label's value must lie in [0, 1], got {labels}")
        if samples < 1:
            raise ValueError("samples must be >= 1")
        self._template = _template(template)

    def normalise(self, score: float) -> float:
        low, high = self.scale
        return (score - low) / (high - low)

    def requests(self, sample: Sample) -> list[Call]:
        completion, tag = fence(sample.text)
        low, high = self.scale
        user = self._template.render(
            prompt=sample.prompt_text,
            completion=completion,
            completion_tag=tag,
            reference=reference_text(sample.reference),
            low=_number(low),
            high=_number(high),
            item=sample.to_record(),
            sample={"output_text": completion},
        )
        extra = {"n": self.samples} if self.samples > 1 else {}
        return [(messages(self.system, user), self.sampling(**extra))]

    def rating(self, text: str) -> float | None:
        """The rating in one answer, normalised to [0, 1], or None."""
        if self.parse == "label":
            found = parse_label(text, self.labels or {})
            return None if found is None else found[1]
        if self.parse == "json":
            value = (parse_json(text) or {}).get(self.score_key)
            if isinstance(value, bool) or not isinstance(value, int | float):
                return None
            return self.normalise(value) if self.scale[0] <= value <= self.scale[1] else None
        number = parse_number(text, *self.scale)
        return None if number is None else self.normalise(number)

    def read(self, sample: Sample, answers: list[Answer]) -> RewardResult:
        texts = answers[0].texts
        if len(texts) < self.samples:
            raise JudgeError(f"endpoint returned {len(texts)} of {self.samples} samples (does it support n?)")
        ratings = [self.rating(text) for text in texts]
        found = [r for r in ratings if r is not None]
        if not found:
            raise JudgeError(f"no rating in the judge's answer: {texts[0][-200:]!r}", ErrorKind.REMOTE)
        counts = Counter(found)
        top = max(counts.values())
        majority = min(value for value, count in counts.items() if count == top)
        value = majority if self.aggregate == "majority" else sum(found) / len(found)
        details: dict[str, Any] = {"ratings": ratings, "usage": usage_of(answers), "answer": texts[0][-300:]}
        if self.samples > 1:
            details["agreement"] = top / len(found)
        return RewardResult.ok(value, **details)


def _template(name: str) -> Any:
    return template(name, POINTWISE)


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value
