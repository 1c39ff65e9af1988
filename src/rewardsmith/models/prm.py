"""``model.prm``: one score per reasoning step from a process reward model."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from rewardsmith.core import RewardResult, Sample, register

from . import engine
from .base import ModelReward
from .text import (
    BadInput,
    Truncate,
    last_token_covering,
    prompt_messages,
    render_conversation,
    steps_of,
    tokenize,
    truncate,
)

Family = Literal["auto", "token", "head"]
_DEFAULTS = {"token": (" ки", "\n"), "head": ("<extra_0>", "")}


@dataclass
class _Input:
    ids: list[int]
    positions: list[int]
    dropped: int


@register("model.prm")
class ProcessRewardModel(ModelReward):
    """Step scores s_1 … s_T of a process reward model, read at a tag after every step.

    Both families of PRM:

    * ``family: token`` (*Math-Shepherd*, Wang et al., 2024): a causal LM trained to predict a
      good or bad token after each step tag; s_t = p(good) / (p(good) + p(bad)), the softmax over
      the two candidate tokens of the next-token logits at the tag. Defaults: tag ``" ки"``,
      steps joined by ``"\\n"``, good ``+``, bad ``-``, text ``prompt + " " + solution``.
    * ``family: head`` (Qwen2.5-Math-PRM, *The Lessons of Developing Process Reward Models in
      Mathematical Reasoning*, Zhang et al., 2025): a token-classification head read at each
      tag; s_t = softmax(logits_t)[label_index] (σ(logit_t) for a one-label head). Defaults: tag
      ``<extra_0>``, steps joined directly, rendered with the chat template.

    ``family: auto`` picks from the checkpoint's architecture (``…ForCausalLM`` → token,
    ``…ForTokenClassification`` → head). Steps are the record's ``steps_field`` list when it has
    one, else the completion split at ``separator`` (blank lines by default). The step scores
    are in ``details["step_scores"]`` for ``steps.aggregate`` / ``steps.clip`` / ``steps.delta``
    and the audit's ProcessBench section; the value aggregates them by ``aggregate`` (min, last,
    mean, or product). Every tag must fit in ``max_length``, or the sample is an error.

    Example spec (Math-Shepherd, the product of step probabilities)::

        type: model.prm
        model: peiyi9979/math-shepherd-mistral-7b-prm
        family: token
        chat_template: none
        aggregate: product
    """

    def __init__(
        self,
        model: str,
        family: Family = "auto",
        step_tag: str | None = None,
        step_join: str | None = None,
        good_token: str = "+",
        bad_token: str = "-",
        label_index: int = 1,
        separator: str = "\n\n",
        steps_field: str = "steps",
        aggregate: Literal["min", "last", "mean", "product"] = "min",
        chat_template: str = "auto",
        max_length: int | None = None,
        truncate: Truncate = "error",
        batch_size: int = 16,
        max_tokens: int | None = 16384,
        device: str = "auto",
        dtype: str = "float32",
        device_map: str | None = None,
    ) -> None:
        self.model = model
        self.family = family
        self.step_tag = step_tag
        self.step_join = step_join
        self.good_token = good_token
        self.bad_token = bad_token
        self.label_index = label_index
        self.separator = separator
        self.steps_field = steps_field
        self.aggregate = aggregate
        self.chat_template = chat_template
        self.max_length = max_length
        self.truncate = truncate
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self.device = device
        self.dtype = dtype
        self.device_map = device_map
        if aggregate not in ("min", "last", "mean", "product"):
            raise ValueError(f"aggregate: expected min, last, mean or product, got {aggregate!r}")
        if not separator:
            raise ValueError("separator: must not be empty")
        self._family = self._resolve_family()
        self.task = "causal" if self._family == "token" else "token"
        self._setup()
        default_tag, default_join = _DEFAULTS[self._family]
        self._tag = default_tag if step_tag is None else step_tag
        self._join = default_join if step_join is None else step_join
        if not self._tag:
            raise ValueError("step_tag: must not be empty")
        self._candidates: tuple[int, ...] = ()
        if self._family == "token":
            self._candidates = (self._token_id(good_token, "good_token"), self._token_id(bad_token, "bad_token"))

    def _resolve_family(self) -> str:
        if self.family not in ("auto", "token", "head"):
            raise ValueError(f"family: expected auto, token or head, got {self.family!r}")
        config = self.config()
        if self.family == "head" or (self.family == "auto" and _is_token_classifier(config)):
            labels = getattr(config, "num_labels", 1)
            if labels > 1 and not 0 <= self.label_index < labels:
                raise ValueError(f"label_index: {self.label_index} is out of range for {labels} labels")
            return "head"
        if self.family == "token":
            return "token"
        architectures = config.architectures or []
        if any(name.endswith("ForCausalLM") for name in architectures):
            return "token"
        raise ValueError(f"family: cannot tell the PRM family of architectures {architectures}; set token or head")

    def _token_id(self, token: str, parameter: str) -> int:
        vocab = self.tokenizer.get_vocab()
        if token in vocab:
            return vocab[token]
        ids = self.tokenizer(token, add_special_tokens=False)["input_ids"]
        if len(ids) != 1:
            raise ValueError(f"{parameter}: {token!r} is not one token of the model's vocabulary")
        return ids[0]

    def render(self, steps: list[str], sample: Sample) -> tuple[str, bool, list[int]]:
        """The text, whether to add special tokens, and the character end of every step's tag."""
        solution, ends = "", []
        for index, step in enumerate(steps):
            solution += (self._join if index else "") + step + self._tag
            ends.append(len(solution))
        if self._template is None:
            prefix = sample.prompt_text + (" " if sample.prompt_text else "")
            return prefix + solution, True, [len(prefix) + end for end in ends]
        messages = [*prompt_messages(sample), {"role": "assistant", "content": solution}]
        text = render_conversation(self.tokenizer, self._template, messages)
        offset = text.rfind(solution)
        if offset < 0:
            raise BadInput("the chat template changed the solution text; the step tags cannot be located")
        return text, False, [offset + end for end in ends]

    def prepare(self, sample: Sample, where: str) -> _Input:
        steps = [step for step in steps_of(sample, self.steps_field, self.separator) if step.strip()]
        if not steps:
            raise BadInput(f"{where}: no steps to score (empty completion)")
        try:
            text, special, ends = self.render(steps, sample)
        except BadInput as exc:
            raise BadInput(f"{where}: {exc}") from None
        tokens = tokenize(self.tokenizer, text, special=special)
        positions = [last_token_covering(tokens, end) for end in ends]
        if any(p is None for p in positions):
            raise BadInput(f"{where}: a step tag has no token")
        ids, first = truncate(tokens.ids, self._limit, self.truncate, where)
        kept = [p - first for p in positions if p is not None]
        if any(not 0 <= p < len(ids) for p in kept):
            raise BadInput(f"{where}: a step tag falls outside max_length {self._limit} after truncation")
        return _Input(ids, kept, len(tokens.ids) - len(ids))

    def compute(self, prepared: list[_Input]) -> list[RewardResult]:
        torch, _ = engine.require()

        def take(index: int, output: Any) -> list[float]:
            logits = output[prepared[index].positions].float()
            if self._family == "token":
                return torch.softmax(logits[:, list(self._candidates)], dim=-1)[:, 0].cpu().tolist()
            if logits.shape[-1] == 1:
                return torch.sigmoid(logits[:, 0]).cpu().tolist()
            return torch.softmax(logits, dim=-1)[:, self.label_index].cpu().tolist()

        forward = engine.causal_logits if self._family == "token" else engine.token_logits
        scores = self.run(self.loaded(), [p.ids for p in prepared], forward, take)
        results = []
        for item, steps in zip(prepared, scores, strict=True):
            details: dict[str, Any] = {"step_scores": steps, "tokens": len(item.ids)}
            if item.dropped:
                details["truncated_tokens"] = item.dropped
            results.append(RewardResult.ok(_aggregate(steps, self.aggregate), **details))
        return results


def _is_token_classifier(config: Any) -> bool:
    return any(name.endswith("ForTokenClassification") for name in config.architectures or [])


def _aggregate(steps: list[float], how: str) -> float:
    """min, last, mean or product of the step scores.

    >>> _aggregate([0.5, 0.25], "product"), _aggregate([0.5, 0.25], "last")
    (0.125, 0.25)
    """
    if how == "min":
        return min(steps)
    if how == "last":
        return steps[-1]
    if how == "mean":
        return sum(steps) / len(steps)
    return math.prod(steps)
