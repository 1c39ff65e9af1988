"""``judge.rubric``: an LLM checks a completion against a list of weighted criteria."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from rewardsmith.core import ErrorKind, RewardResult, Sample, register

from .base import PerSampleJudge, usage_of
from .client import Answer, Call, JudgeError
from .parse import parse_json, parse_yes_no
from .pointwise import reference_text
from .prompts import RUBRIC_ALL, RUBRIC_ONE, SYSTEM, Template, fence, messages, template


def criterion_of(item: str | dict[str, Any], index: int) -> dict[str, Any]:
    """A criterion as ``{text, weight, required, name}`` from a string or a partial dict.

    >>> criterion_of("Cites a source", 0)
    {'text': 'Cites a source', 'weight': 1.0, 'required': False, 'name': 'c1'}
    """
    if isinstance(item, str):
        item = {"text": item}
    unknown = set(item) - {"text", "weight", "required", "name"}
    if unknown or not isinstance(item.get("text"), str) or not item["text"].strip():
        raise ValueError(f"criteria[{index}]: expected {{text, weight, required, name}}, got {item!r}")
    weight = float(item.get("weight", 1.0))
    if weight < 0:
        raise ValueError(f"criteria[{index}]: weight must be >= 0")
    return {
        "text": item["text"],
        "weight": weight,
        "required": bool(item.get("required", False)),
        "name": str(item.get("name") or f"c{index + 1}"),
    }


class BadRubric(ValueError):
    """A record's own rubric cannot be read."""

    kind = ErrorKind.BAD_INPUT


def rubric_of(items: list[str | dict[str, Any]]) -> list[dict[str, Any]]:
    """A checked rubric: at least one criterion, distinct names, a positive total weight."""
    rubric = [criterion_of(item, i) for i, item in enumerate(items)]
    if not rubric:
        raise ValueError("criteria: give at least one")
    names = [c["name"] for c in rubric]
    if len(set(names)) != len(names):
        raise ValueError(f"criteria: names must differ, got {names}")
    if sum(c["weight"] for c in rubric) <= 0:
        raise ValueError("criteria: the weights sum to 0")
    return rubric


@register("judge.rubric")
class RubricJudge(PerSampleJudge):
    """Rubric reward: R = 1[every required criterion met] · Σ_j w_j c_j / Σ_j w_j, c_j ∈ {0, 1}.

    *Rubrics as Rewards* (Gunjal et al., 2025) scores a response by weighted checklist items
    judged by an LLM (their explicit aggregation), one rubric per prompt: ``criteria`` gives one
    rubric for every record, ``criteria_field`` names the record field holding each record's own
    (a record without it is a ``bad_input`` error). A ``required`` criterion that fails closes the
    gate on the total, the G-RA rule of ``gate`` with τ = 1 (*Stabilizing Long-term Multi-turn RL
    with Gated Rewards*). ``mode: separate`` asks one call per criterion (``Verdict: YES|NO``);
    ``joint`` asks one call for a JSON object of verdicts. Each criterion's verdict is in
    ``details["components"]`` under its ``name``; a missing verdict is an error, not a fail.

    >>> RubricJudge("http://127.0.0.1:8000/v1", "judge", criteria=["Polite", {"text": "Correct", "weight": 3,
    ...             "required": True}]).total({"c1": 1.0, "c2": 1.0}), "…"
    (1.0, '…')
    """

    example: ClassVar[dict[str, Any]] = {
        "type": "judge.rubric",
        "base_url": "http://127.0.0.1:8000/v1",
        "model": "judge",
        "criteria": ["The response answers the question asked.", {"text": "No factual errors.", "required": True}],
    }

    def __init__(
        self,
        base_url: str,
        model: str,
        criteria: list[str | dict[str, Any]] | None = None,
        criteria_field: str | None = None,
        mode: Literal["separate", "joint"] = "separate",
        template: str | None = None,
        system: str | None = SYSTEM,
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
        self.criteria = criteria
        self.criteria_field = criteria_field
        self.mode = mode
        self.template = template
        self.system = system
        self._set_endpoint(locals())
        if (criteria is None) == (criteria_field is None):
            raise ValueError("give criteria (one rubric for all records) or criteria_field (each record's own)")
        self._criteria = rubric_of(criteria) if criteria is not None else []
        builtin = RUBRIC_ONE if mode == "separate" else RUBRIC_ALL
        self._template = Template(builtin) if template is None else _template(template)

    def total(self, met: dict[str, float], rubric: list[dict[str, Any]] | None = None) -> float:
        """R from each criterion's verdict (name → 0 or 1)."""
        rubric = self._criteria if rubric is None else rubric
        if any(c["required"] and met[c["name"]] < 1 for c in rubric):
            return 0.0
        weights = sum(c["weight"] for c in rubric)
        return sum(c["weight"] * met[c["name"]] for c in rubric) / weights

    def rubric(self, sample: Sample) -> list[dict[str, Any]]:
        """The criteria that apply to ``sample``."""
        if self.criteria_field is None:
            return self._criteria
        raw = sample.extra.get(self.criteria_field)
        try:
            if not isinstance(raw, list):
                raise ValueError(f"expected a list of criteria, got {type(raw).__name__}")
            return rubric_of(raw)
        except ValueError as exc:
            raise BadRubric(f"{self.criteria_field}: {exc}") from None

    def requests(self, sample: Sample) -> list[Call]:
        completion, tag = fence(sample.text)
        fields = {
            "prompt": sample.prompt_text,
            "completion": completion,
            "completion_tag": tag,
            "reference": reference_text(sample.reference),
        }
        rubric = self.rubric(sample)
        if self.mode == "joint":
            listing = "\n".join(f"{k + 1}. {c['text']}" for k, c in enumerate(rubric))
            return [(messages(self.system, self._template.render(criteria=listing, **fields)), self.sampling())]
        return [
            (messages(self.system, self._template.render(criterion=c["text"], **fields)), self.sampling())
            for c in rubric
        ]

    def read(self, sample: Sample, answers: list[Answer]) -> RewardResult:
        rubric = self.rubric(sample)
        met: dict[str, float] = {}
        if self.mode == "joint":
            verdicts = parse_json(answers[0].texts[0]) or {}
            for k, c in enumerate(rubric):
                value = verdicts.get(str(k + 1), verdicts.get(c["name"]))
                if not isinstance(value, bool):
                    raise JudgeError(f"no verdict for criterion {k + 1} in the judge's answer", ErrorKind.REMOTE)
                met[c["name"]] = float(value)
        else:
            for c, answer in zip(rubric, answers, strict=True):
                verdict = parse_yes_no(answer.texts[0])
                if verdict is None:
                    raise JudgeError(f"no verdict for {c['name']}: {answer.texts[0][-200:]!r}", ErrorKind.REMOTE)
                met[c["name"]] = float(verdict)
        components = {
            c["name"]: {
                "value": met[c["name"]],
                "error": None,
                "weight": c["weight"],
                "details": {"text": c["text"], "required": c["required"]},
            }
            for c in rubric
        }
        gated = any(c["required"] and met[c["name"]] < 1 for c in rubric)
        return RewardResult.ok(self.total(met, rubric), components=components, gated=gated, usage=usage_of(answers))


def _template(name: str) -> Template:
    return template(name, {})
