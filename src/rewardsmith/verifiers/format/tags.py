"""``format.tags``: R1-style structure, e.g. ``<think>…</think><answer>…</answer>``."""

from __future__ import annotations

import re
from typing import Literal

from rewardsmith.core import RewardResult, Sample, register
from rewardsmith.core.reward import Reward


@register("format.tags")
class FormatTags(Reward):
    """``value`` when the completion is exactly one non-empty block per tag, in order, else 0.0.

    The R1 format reward (*DeepSeek-R1*, 2025, and VLM-R1, GUI-G1, Seg-Zero, Router-R1 after it):
    one ``<think>…</think>`` followed by one ``<answer>…</answer>``. Each tag must open and close
    exactly once; an empty or whitespace-only block earns nothing (an empty ``<think></think>``
    is the cheapest way to farm the format reward); with ``strict`` nothing but whitespace may
    stand outside the tags.

    Chat templates of reasoning models often open ``<think>`` in the prompt, so the completion
    starts inside the think block; TRL's format reward then scores every completion 0
    (trl#6966). With ``opened_in_prompt: auto`` a prompt that ends with the first opening tag
    is taken to have opened it; ``always`` / ``never`` force the choice.

    >>> FormatTags()("<think>2+2 is 4</think> <answer>4</answer>").value
    1.0
    >>> FormatTags()("<think></think><answer>4</answer>").details["reason"]
    'empty <think> block'
    >>> FormatTags()("2+2 is 4</think><answer>4</answer>", prompt="What is 2+2? <think>").value
    1.0
    """

    value_range = (0.0, 1.0)

    def __init__(
        self,
        tags: list[str] | None = None,
        strict: bool = True,
        opened_in_prompt: Literal["auto", "always", "never"] = "auto",
        value: float = 1.0,
    ) -> None:
        self.tags = list(tags) if tags is not None else ["think", "answer"]
        if not self.tags:
            raise ValueError("tags: at least one tag name is required")
        bad = [t for t in self.tags if not re.fullmatch(r"[A-Za-z_][\w.-]*", t)]
        if bad:
            raise ValueError(f"tags: not valid tag names: {bad}")
        self.strict = strict
        self.opened_in_prompt = opened_in_prompt
        self.value = value
        between = r"\s*" if strict else r".*?"
        blocks = between.join(rf"<{t}>(.*?)</{t}>" for t in self.tags)
        self._pattern = re.compile(rf"\s*{blocks}\s*" if strict else blocks, re.DOTALL)

    def _prompt_opened(self, sample: Sample) -> bool:
        if self.opened_in_prompt != "auto":
            return self.opened_in_prompt == "always"
        return sample.prompt_text.rstrip().endswith(f"<{self.tags[0]}>")

    def score_one(self, sample: Sample) -> RewardResult:
        text = sample.text
        first = self.tags[0]
        if self._prompt_opened(sample) and not text.lstrip().startswith(f"<{first}>"):
            text = f"<{first}>{text}"
        for tag in self.tags:
            for mark in (f"<{tag}>", f"</{tag}>"):
                count = text.count(mark)
                if count != 1:
                    return RewardResult.ok(0.0, reason=f"{mark} appears {count} times, expected once")
        match = self._pattern.fullmatch(text) if self.strict else self._pattern.search(text)
        if match is None:
            where = "text outside the tags or tags out of order" if self.strict else "tags out of order"
            return RewardResult.ok(0.0, reason=where)
        for tag, content in zip(self.tags, match.groups(), strict=True):
            if not content.strip():
                return RewardResult.ok(0.0, reason=f"empty <{tag}> block")
        return RewardResult.ok(self.value, reason=None)
