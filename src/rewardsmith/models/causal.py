"""What the causal-LM rewards share: a context, a target continuation, and one forward pass that
gives every target token's next-token distribution.

For a context x and a target y = (y_1, …, y_n) tokenised together, position i of the target is
predicted from p(· | x, y_<i): the logits one position earlier. ``likelihood``, ``implicit`` and
``self_certainty`` differ only in what they compute from those distributions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rewardsmith.core import Sample

from . import engine
from .base import ModelReward
from .text import (
    BadInput,
    Tokens,
    first_token_ending_after,
    prompt_messages,
    render_conversation,
    split_steps,
    tokenize,
)


@dataclass
class CausalInput:
    """A tokenised context + target: ``ids[start:]`` are the target tokens that are scored."""

    ids: list[int]
    start: int
    tokens: Tokens
    boundary: int
    first: int
    dropped: int

    def target_spans(self) -> list[tuple[int, int]]:
        """Character spans (in the target text) of the scored target tokens."""
        return [
            (max(s - self.boundary, 0), max(e - self.boundary, 0))
            for s, e in self.tokens.spans[self.first + self.start:self.first + len(self.ids)]
        ]


class CausalReward(ModelReward):
    """A reward computed from a causal LM's next-token distributions over a target."""

    task = "causal"

    def context(self, sample: Sample) -> tuple[str, bool]:
        """The text before the completion, and whether the tokenizer adds its special tokens.

        With a chat template, the prompt is rendered with the generation prompt (the text the
        policy continued); without one, it is the prompt as plain text after the BOS.
        """
        if self._template is None:
            return sample.prompt_text, True
        messages = prompt_messages(sample)
        return render_conversation(self.tokenizer, self._template, messages, generation_prompt=True), False

    def encode(self, context: str, target: str, special: bool, where: str) -> CausalInput:
        """Tokenise context + target together and locate the target; truncate as configured."""
        if not target.strip():
            raise BadInput(f"{where}: empty target text")
        tokens = tokenize(self.tokenizer, context + target, special=special)
        ids = tokens.ids
        start = first_token_ending_after(tokens, len(context))
        if start >= len(ids):
            raise BadInput(f"{where}: the target has no tokens")
        if start == 0:
            raise BadInput(f"{where}: nothing precedes the target (no prompt and no BOS token to condition on)")
        first = 0
        if len(ids) > self._limit:
            if self.truncate == "error":
                raise BadInput(f"{where}: {len(ids)} tokens exceed max_length {self._limit} (truncate: error)")
            if self.truncate == "left":
                first = len(ids) - self._limit
                start = max(start - first, 1)  # a target longer than the limit loses its first tokens
                ids = ids[first:]
            else:
                if start >= self._limit:
                    raise BadInput(f"{where}: the context alone reaches max_length {self._limit}")
                ids = ids[:self._limit]
        dropped = len(tokens.ids) - len(ids)
        return CausalInput(ids, start, tokens, len(context), first, dropped)

    def next_token(self, inputs: list[CausalInput], fn: Callable[[CausalInput, Any], Any],
                   path: str | None = None) -> list[Any]:
        """``fn(input, logits)`` for every input, with ``logits`` the (n, V) float32 next-token
        logits at the target's positions, from the model at ``path`` (default: ``model``)."""

        def take(index: int, output: Any) -> Any:
            item = inputs[index]
            return fn(item, output[item.start - 1:len(item.ids) - 1].float())

        return self.run(self.loaded(path), [i.ids for i in inputs], engine.causal_logits, take)


def target_logprobs(item: CausalInput, logits: Any) -> list[float]:
    """log p(y_i | x, y_<i) for every scored target token."""
    torch, _ = engine.require()
    targets = torch.tensor(item.ids[item.start:], device=logits.device).unsqueeze(-1)
    return torch.log_softmax(logits, dim=-1).gather(-1, targets).squeeze(-1).cpu().tolist()


def step_of_tokens(item: CausalInput, target: str, separator: str) -> tuple[list[int], int]:
    """The step index of every scored target token (the step holding its first character), and
    the number of steps; steps are the target split at ``separator``."""
    spans = split_steps(target, separator)
    if not spans:
        return [], 0
    steps = []
    for start, _ in item.target_spans():
        index = 0
        while index + 1 < len(spans) and spans[index + 1][0] <= start:
            index += 1
        steps.append(index)
    return steps, len(spans)
