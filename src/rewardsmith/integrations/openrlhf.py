"""OpenRLHF adapter, file form (contract read from openrlhf 0.11.2): this module defines
``reward_func(queries, prompts, labels, **kwargs)`` for ``--reward.remote_url /path/to/file.py``.

OpenRLHF imports the file by path and calls ``reward_func`` once per sample, through
``asyncio.to_thread`` (a worker thread, so no signals), with three lists of length 1: the whole
decoded prompt+response (chat special tokens included), the prompt and the label. It reads
``{"rewards", "scores", "extra_logs"}``. The HTTP form (``--reward.remote_url
http://HOST:PORT/get_reward``) is served by ``rewardsmith serve``; both share the protocol
mapping in :mod:`rewardsmith.serve.openrlhf` (prompt stripping, [0, 1] scores, failure policy:
``abstain`` answers ``null``, which OpenRLHF refuses loudly; ``zero`` answers 0.0, counted in
``extra_logs["reward_error"]``; ``raise`` raises).

Configured by environment variables, read on first call: ``REWARDSMITH_SPEC`` (spec file or
component name), ``REWARDSMITH_ON_ERROR`` (abstain | zero | raise), ``REWARDSMITH_TIMEOUT``
(seconds per call) and ``REWARDSMITH_TOKENIZER`` (a local ``tokenizer.json`` or tokenizer folder
for the tokenizer-aware prompt match). ``REWARDSMITH_MONITOR_DIR`` turns on the training monitor
(:mod:`rewardsmith.monitor`): a step every ``REWARDSMITH_MONITOR_EVERY`` samples (default 256; set
it to ``rollout_batch_size x n_samples_per_prompt``), completions grouped by prompt, and
``extra_logs["monitor_alerts"]``, the number of monitor alerts active, which OpenRLHF logs.

>>> reward_fn = OpenRLHFReward("text.exact")
>>> reward_fn(["<|im_start|>user\\nCapital?<|im_end|>\\nParis<|im_end|>"],
...           ["<|im_start|>user\\nCapital?<|im_end|>\\n"], ["paris"])["rewards"]
[1.0]
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from rewardsmith.core import RewardResult
from rewardsmith.integrations.common import ON_ERROR_CHOICES, BoundReward, OnError, Spec
from rewardsmith.monitor import hooks
from rewardsmith.serve.openrlhf import refusal, to_response, to_samples

ON_ERROR_ENV = "REWARDSMITH_ON_ERROR"
TIMEOUT_ENV = "REWARDSMITH_TIMEOUT"
TOKENIZER_ENV = "REWARDSMITH_TOKENIZER"
MONITOR_DIR_ENV = "REWARDSMITH_MONITOR_DIR"
MONITOR_EVERY_ENV = "REWARDSMITH_MONITOR_EVERY"


def load_tokenizer(location: str) -> Any:
    """A local tokenizer: a ``tokenizer.json`` file (``tokenizers``) or a folder (transformers)."""
    if location.endswith(".json"):
        from tokenizers import Tokenizer

        return Tokenizer.from_file(location)
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(location, local_files_only=True)


class OpenRLHFReward:
    """A rewardsmith spec as OpenRLHF's ``reward_func`` (picklable, thread-safe, lazy)."""

    def __init__(
        self,
        spec: Spec = None,
        *,
        on_error: OnError = "abstain",
        timeout: float | None = None,
        tokenizer: Any = None,
        monitor: Any = None,
    ) -> None:
        self.bound = BoundReward(spec, on_error=on_error, timeout=timeout)
        self.monitor = monitor
        self.tokenizer = tokenizer
        self._loaded_tokenizer: Any = None if isinstance(tokenizer, str) else tokenizer
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in ("_lock", "_loaded_tokenizer")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._loaded_tokenizer = None if isinstance(self.tokenizer, str) else self.tokenizer
        self._lock = threading.Lock()

    def _tokenizer(self) -> Any:
        """The tokenizer for the prompt match, loaded once from a path on first use."""
        if self._loaded_tokenizer is None and isinstance(self.tokenizer, str):
            with self._lock:
                if self._loaded_tokenizer is None:
                    self._loaded_tokenizer = load_tokenizer(self.tokenizer)
        return self._loaded_tokenizer

    def __call__(
        self,
        queries: Sequence[str],
        prompts: Sequence[Any] | None = None,
        labels: Sequence[Any] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        samples, found = to_samples(list(queries), prompts, labels, self._tokenizer())
        refused = refusal(self.bound.reward)
        results = self.bound.score(samples) if refused is None else [RewardResult.fail(refused) for _ in samples]
        response = to_response(results, found, self.bound.on_error, self.bound.reward.value_range)
        if self.monitor is not None:
            grouped = [replace(s, group=s.prompt_text) if s.group is None else s for s in samples]
            hooks.publish(self.monitor, self.bound.name, grouped, results, reward=self.bound.reward)
            response["extra_logs"]["monitor_alerts"] = [float(len(self.monitor.book.active))] * len(samples)
        return response


_default: OpenRLHFReward | None = None
_default_lock = threading.Lock()


def _from_environment() -> OpenRLHFReward:
    global _default
    with _default_lock:
        if _default is None:
            on_error = os.environ.get(ON_ERROR_ENV, "abstain")
            if on_error not in ON_ERROR_CHOICES:
                raise ValueError(f"{ON_ERROR_ENV} must be one of {', '.join(ON_ERROR_CHOICES)}, got {on_error!r}")
            timeout = os.environ.get(TIMEOUT_ENV)
            monitor_dir = os.environ.get(MONITOR_DIR_ENV)
            monitor = None
            if monitor_dir:
                from rewardsmith.monitor import shared_monitor

                monitor = shared_monitor(monitor_dir, int(os.environ.get(MONITOR_EVERY_ENV) or 256))
            _default = OpenRLHFReward(
                on_error=on_error,  # type: ignore[arg-type]  # a str checked against ON_ERROR_CHOICES above
                timeout=float(timeout) if timeout else None,
                tokenizer=os.environ.get(TOKENIZER_ENV) or None,
                monitor=monitor,
            )
        return _default


def reward_func(queries: Sequence[str], prompts: Sequence[Any], labels: Sequence[Any], **kwargs: Any) -> dict[str, Any]:
    """OpenRLHF's file-form entry point; the spec comes from ``$REWARDSMITH_SPEC``."""
    return _from_environment()(queries, prompts, labels, **kwargs)
