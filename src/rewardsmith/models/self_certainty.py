"""``model.self_certainty``: the model's confidence in its own completion, from its distributions."""

from __future__ import annotations

import math
from typing import Any, Literal

from rewardsmith.core import RewardResult, Sample, register

from . import engine
from .causal import CausalInput, CausalReward
from .text import Truncate


def per_token(measure: str) -> Any:
    """The per-position function: KL(U ‖ p_i) for self-certainty, H(p_i) for entropy."""

    def compute(item: CausalInput, logits: Any) -> list[float]:
        torch, _ = engine.require()
        logp = torch.log_softmax(logits, dim=-1)
        if measure == "entropy":
            values = -(logp.exp() * logp).sum(-1)
        else:
            values = -logp.mean(-1) - math.log(logits.shape[-1])
        return values.cpu().tolist()

    return compute


@register("model.self_certainty")
class SelfCertainty(CausalReward):
    """Self-certainty: the mean KL divergence from uniform of the next-token distributions.

    *Scalable Best-of-N Selection for Large Language Models via Self-Certainty* (Kang et al.,
    2025), used as the only reward by INTUITOR (*Learning to Reason without External Rewards*,
    Zhao et al., 2025, RLIF): for a completion y of n tokens and vocabulary size V,

        SC(y) = (1/n) Σ_i KL(U ‖ p(· | x, y_<i)) = −1/(n·V) Σ_i Σ_j log(V · p(j | x, y_<i)).

    ``measure: entropy`` gives its sibling, the mean token entropy (1/n) Σ_i H(p(· | x, y_<i))
    (lower is more confident; negate it with ``affine`` to reward confidence, as RENT does).
    Per-token values are in ``details["token_values"]``.

    Example spec (INTUITOR's reward, on the policy itself)::

        type: model.self_certainty
        model: Qwen/Qwen2.5-1.5B-Instruct
    """

    value_range = (0.0, float("inf"))

    def __init__(
        self,
        model: str,
        measure: Literal["self_certainty", "entropy"] = "self_certainty",
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
        self.measure = measure
        self.chat_template = chat_template
        self.max_length = max_length
        self.truncate = truncate
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self.device = device
        self.dtype = dtype
        self.device_map = device_map
        if measure not in ("self_certainty", "entropy"):
            raise ValueError(f"measure: expected self_certainty or entropy, got {measure!r}")
        self._setup()

    def prepare(self, sample: Sample, where: str) -> CausalInput:
        context, special = self.context(sample)
        return self.encode(context, sample.text, special, where)

    def compute(self, prepared: list[CausalInput]) -> list[RewardResult]:
        results = []
        for item, values in zip(prepared, self.next_token(prepared, per_token(self.measure)), strict=True):
            details: dict[str, Any] = {"token_values": values, "tokens": len(values)}
            if item.dropped:
                details["truncated_tokens"] = item.dropped
            results.append(RewardResult.ok(sum(values) / len(values), **details))
        return results
