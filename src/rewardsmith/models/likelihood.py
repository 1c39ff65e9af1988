"""``model.likelihood``: log p(target | context) under a causal LM."""

from __future__ import annotations

from typing import Any, Literal

from rewardsmith.core import RewardResult, Sample, register

from .causal import CausalInput, CausalReward, target_logprobs
from .text import BadInput, Truncate

Reduce = Literal["sum", "mean", "min"]


@register("model.likelihood")
class Likelihood(CausalReward):
    """The log-likelihood of a target text given its context: Σ_i log p(y_i | c, y_<i).

    ``target: completion`` scores the completion given the prompt (given the tokenizer's BOS
    when the prompt is empty). ``target: reference`` scores the reference answer appended after
    the completion's reasoning, log π(y* | x, z): the reward of *VeriFree: Reinforcing General
    Reasoning without Verifiers* (Zhou et al., 2025) and of "probability of the reference given
    the reasoning" rewards such as P2S. ``reasoning_until`` cuts the completion just after a
    marker (e.g. ``<answer>``) and ``reference_prefix`` is put before the reference.

    ``reduce`` turns the per-token values into the reward: ``sum`` (the log-likelihood),
    ``mean`` (per token; length-neutral) or ``min`` (the least likely token). Every token's
    log-probability is in ``details["token_logprobs"]``. Context and target are tokenised
    together; a token straddling their boundary belongs to the target.

    Example spec (VeriFree-style, on an instruct model with a chat template)::

        type: model.likelihood
        model: Qwen/Qwen3-1.7B
        target: reference
        reasoning_until: "<answer>"
        reduce: sum
    """

    def __init__(
        self,
        model: str,
        target: Literal["completion", "reference"] = "completion",
        reduce: Reduce = "sum",
        reference_prefix: str = "",
        reasoning_until: str | None = None,
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
        self.target = target
        self.reduce = reduce
        self.reference_prefix = reference_prefix
        self.reasoning_until = reasoning_until
        self.chat_template = chat_template
        self.max_length = max_length
        self.truncate = truncate
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self.device = device
        self.dtype = dtype
        self.device_map = device_map
        if target not in ("completion", "reference"):
            raise ValueError(f"target: expected completion or reference, got {target!r}")
        if reduce not in ("sum", "mean", "min"):
            raise ValueError(f"reduce: expected sum, mean or min, got {reduce!r}")
        self._setup()

    def prepare(self, sample: Sample, where: str) -> CausalInput:
        context, special = self.context(sample)
        if self.target == "completion":
            return self.encode(context, sample.text, special, where)
        reference = _reference_text(sample.reference)
        if reference is None:
            raise BadInput(f"{where}: no reference text to score")
        reasoning = sample.text
        if self.reasoning_until is not None:
            cut = reasoning.find(self.reasoning_until)
            if cut < 0:
                raise BadInput(f"{where}: the completion has no {self.reasoning_until!r} to end its reasoning")
            reasoning = reasoning[:cut + len(self.reasoning_until)]
        return self.encode(context + reasoning + self.reference_prefix, reference, special, where)

    def compute(self, prepared: list[CausalInput]) -> list[RewardResult]:
        results = []
        for item, logprobs in zip(prepared, self.next_token(prepared, target_logprobs), strict=True):
            details: dict[str, Any] = {"token_logprobs": logprobs, "tokens": len(logprobs)}
            if item.dropped:
                details["truncated_tokens"] = item.dropped
            results.append(RewardResult.ok(reduce_values(logprobs, self.reduce), **details))
        return results


def reduce_values(values: list[float], how: str) -> float:
    """Σ, mean or min of per-token values.

    >>> reduce_values([-1.0, -3.0], "sum"), reduce_values([-1.0, -3.0], "mean"), reduce_values([-1.0, -3.0], "min")
    (-4.0, -2.0, -3.0)
    """
    if how == "sum":
        return float(sum(values))
    if how == "mean":
        return float(sum(values) / len(values))
    return float(min(values))


def _reference_text(reference: Any) -> str | None:
    """The reference as text: a string, a number, or the first of a list of them."""
    if isinstance(reference, list | tuple):
        reference = reference[0] if reference else None
    if isinstance(reference, bool) or reference is None:
        return None
    if isinstance(reference, int | float | str):
        text = str(reference)
        return text if text.strip() else None
    return None
