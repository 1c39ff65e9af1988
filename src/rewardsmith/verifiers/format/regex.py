"""``format.regex``: does the completion match a regular expression.

Matched with the ``regex`` package (Python's ``re`` syntax) under a time limit: a pattern that
backtracks catastrophically on some completion (``(a+)+$`` on ``aaaa…!``, which hangs ``re``)
cannot stall a training step: past ``timeout`` seconds the sample is an error of kind
``timeout``, never a 0 and never a hang.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import regex as re

from rewardsmith.core import RewardResult, Sample, register
from rewardsmith.core.reward import Reward


@register("format.regex")
class FormatRegex(Reward):
    """``value`` when ``pattern`` matches the completion text, else 0.0.

    ``mode`` picks :func:`re.search` (anywhere; ``^`` anchors at the start), ``match`` or
    ``fullmatch``; ``flags`` is any of ``i`` (ignore case), ``m`` (multiline), ``s`` (dot-all).

    >>> FormatRegex("^Answer:")("Answer: 4").value
    1.0
    >>> FormatRegex("^Answer:")("So... Answer: 4").value
    0.0
    >>> FormatRegex(r"(a+)+$")("a" * 40 + "!").value  # catastrophic for ``re``; quick here
    0.0
    """

    example: ClassVar[dict[str, Any]] = {"type": "format.regex", "pattern": "Paris"}

    value_range = (0.0, 1.0)

    def __init__(
        self,
        pattern: str,
        mode: Literal["search", "match", "fullmatch"] = "search",
        flags: str = "",
        value: float = 1.0,
        timeout: float = 1.0,
    ) -> None:
        self.pattern = pattern
        self.mode = mode
        self.flags = flags
        self.value = value
        if not timeout > 0:
            raise ValueError(f"timeout: must be a positive number of seconds, got {timeout}")
        self.timeout = timeout
        unknown = set(flags) - set("ims")
        if unknown:
            raise ValueError(f"flags: unknown flag(s) {''.join(sorted(unknown))!r}; use i, m, s")
        compiled_flags = 0
        for letter, flag in (("i", re.IGNORECASE), ("m", re.MULTILINE), ("s", re.DOTALL)):
            if letter in flags:
                compiled_flags |= flag
        try:
            self._regex = re.compile(pattern, compiled_flags)
        except re.error as exc:
            raise ValueError(f"pattern: not a valid regular expression: {exc}") from None

    def score_one(self, sample: Sample) -> RewardResult:
        try:
            match = getattr(self._regex, self.mode)(sample.text, timeout=self.timeout)
        except TimeoutError:
            return RewardResult.fail(
                f"format.regex: {self.pattern!r} did not finish within {self.timeout:g}s on this completion",
                kind="timeout",
            )
        return RewardResult.ok(
            self.value if match else 0.0, matched=match.group(0)[:200] if match else None
        )
