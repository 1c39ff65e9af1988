"""``model.implicit``: the implicit (DPO) reward β·log π/π_ref, per sequence, token or step."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from rewardsmith.core import RewardResult, Sample, register

from . import engine
from .causal import CausalInput, CausalReward, step_of_tokens, target_logprobs
from .text import Truncate


@dataclass
class _Item:
    input: CausalInput
    target: str


@register("model.implicit")
class Implicit(CausalReward):
    """r(x, y) = β Σ_i (log π(y_i | x, y_<i) − log π_ref(y_i | x, y_<i)), from two causal LMs.

    *Direct Preference Optimization: Your Language Model is Secretly a Reward Model* (Rafailov
    et al., 2023): a policy π trained with DPO against π_ref defines the reward β log π(y|x) /
    π_ref(y|x). *Free Process Rewards without Process Labels* (Yuan et al., 2024) reads it per
    step: the process value after step t is q_t = Σ_{i ≤ t} β log π(y_i | y_<i)/π_ref(y_i | y_<i)
    and the step reward is q_t − q_{t−1}, the sum of the token terms inside step t.

    The value is always the whole-response reward (the sum). ``granularity: token`` adds every
    token's β·log-ratio in ``details["token_rewards"]``; ``granularity: step`` adds each step's
    reward in ``details["step_scores"]`` (steps: the record's ``steps_field`` list joined by
    ``separator``, else the completion split at ``separator``), so ``steps.aggregate``,
    ``steps.clip`` and ``steps.delta`` compose on it. Both models must share the tokenizer of
    ``model``.

    Example spec (an implicit PRM, aggregated by its weakest step)::

        type: steps.aggregate
        method: min
        reward: {type: model.implicit, model: ./dpo-policy, ref_model: ./sft-reference, granularity: step}
    """

    def __init__(
        self,
        model: str,
        ref_model: str,
        beta: float = 0.05,
        granularity: Literal["sequence", "token", "step"] = "sequence",
        separator: str = "\n\n",
        steps_field: str = "steps",
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
        self.ref_model = ref_model
        self.beta = beta
        self.granularity = granularity
        self.separator = separator
        self.steps_field = steps_field
        self.chat_template = chat_template
        self.max_length = max_length
        self.truncate = truncate
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self.device = device
        self.dtype = dtype
        self.device_map = device_map
        if granularity not in ("sequence", "token", "step"):
            raise ValueError(f"granularity: expected sequence, token or step, got {granularity!r}")
        if not separator:
            raise ValueError("separator: must not be empty")
        self._setup()
        try:
            reference_vocab = engine.load_tokenizer(ref_model).get_vocab()
        except engine.ModelLoadError as exc:
            raise ValueError(f"ref_model: {exc}") from None
        if reference_vocab != self.tokenizer.get_vocab():
            raise ValueError("ref_model: its tokenizer differs from the policy's; the log-ratio needs one vocabulary")

    def prepare(self, sample: Sample, where: str) -> _Item:
        stored = sample.extra.get(self.steps_field)
        if self.granularity == "step" and isinstance(stored, list) and stored:
            target = self.separator.join(str(step) for step in stored)
        else:
            target = sample.text
        context, special = self.context(sample)
        return _Item(self.encode(context, target, special, where), target)

    def compute(self, prepared: list[_Item]) -> list[RewardResult]:
        inputs = [item.input for item in prepared]
        policy = self.next_token(inputs, target_logprobs)
        reference = self.next_token(inputs, target_logprobs, path=self.ref_model)
        results = []
        for item, lp, lp_ref in zip(prepared, policy, reference, strict=True):
            token_rewards = [self.beta * (a - b) for a, b in zip(lp, lp_ref, strict=True)]
            details: dict[str, Any] = {"tokens": len(token_rewards)}
            if self.granularity == "token":
                details["token_rewards"] = token_rewards
            elif self.granularity == "step":
                steps, count = step_of_tokens(item.input, item.target, self.separator)
                step_rewards = [0.0] * count
                for step, value in zip(steps, token_rewards, strict=True):
                    step_rewards[step] += value
                details["step_scores"] = step_rewards
            if item.input.dropped:
                details["truncated_tokens"] = item.input.dropped
            results.append(RewardResult.ok(sum(token_rewards), **details))
        return results
