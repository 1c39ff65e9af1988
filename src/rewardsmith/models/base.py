"""What every model reward shares: its parameters, validation before scoring, per-sample errors.

A component here is an ordinary :class:`~rewardsmith.core.Reward`. Its constructor checks what
can be checked without the weights (torch and transformers importable, the tokenizer loads, the
chat template exists, a named label exists), so a bad spec fails before any record is scored,
with the parameter's path. The weights load on first use, once per process (see
:mod:`.engine`). The instance holds only its parameters and the template text, so it pickles
(TRL's async trainer, Ray and process pools send rewards to other processes).

``batch_size``, ``max_tokens``, ``device``, ``dtype`` and ``device_map`` say how to run the model,
not what to compute: :attr:`ModelReward.runtime_params` names them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from rewardsmith.core import RewardResult, Sample
from rewardsmith.core.errors import RewardError
from rewardsmith.core.result import ErrorKind, kind_of
from rewardsmith.core.reward import Reward, describe_exception

from . import engine
from .text import BadInput, Truncate, record_name, resolve_chat_template

_TRUNCATE = ("error", "left", "right")


class ModelReward(Reward):
    """Base of the model components: validation in the constructor, errors per sample."""

    #: Which transformers head the component loads: ``causal``, ``sequence`` or ``token`` (a
    #: class default; ``model.prm`` picks it per instance from the checkpoint).
    task: engine.Task = "causal"
    #: Parameters that say how to run the model, not what the reward computes (kept out of
    #: ``spec_hash``, so a resumed or cached run on another device still matches).
    runtime_params: ClassVar[frozenset[str]] = frozenset({"batch_size", "max_tokens", "device", "dtype", "device_map"})
    #: Modules the component imports at run time, each with the extra that installs it.
    requires: ClassVar[Mapping[str, str]] = {"torch": "models", "transformers": "models"}

    model: str
    chat_template: str
    max_length: int | None
    truncate: Truncate
    batch_size: int
    max_tokens: int | None
    device: str
    dtype: str
    device_map: str | None

    def _setup(self) -> None:
        """Check the run-independent parameters and load the tokenizer (not the weights)."""
        if self.truncate not in _TRUNCATE:
            raise ValueError(f"truncate: expected one of {', '.join(_TRUNCATE)}, got {self.truncate!r}")
        if self.batch_size < 1:
            raise ValueError(f"batch_size: must be at least 1, got {self.batch_size}")
        if self.max_tokens is not None and self.max_tokens < 1:
            raise ValueError(f"max_tokens: must be at least 1 or null, got {self.max_tokens}")
        if self.max_length is not None and self.max_length < 2:
            raise ValueError(f"max_length: must be at least 2 or null, got {self.max_length}")
        if self.dtype not in ("auto", "float32", "bfloat16", "float16"):
            raise ValueError(f"dtype: expected auto, float32, bfloat16 or float16, got {self.dtype!r}")
        try:
            tokenizer = engine.load_tokenizer(self.model)
        except engine.MissingModelsExtra as exc:
            raise ValueError(f"model: {exc}") from None
        except engine.ModelLoadError as exc:
            raise ValueError(f"model: {exc}") from None
        self._template = resolve_chat_template(tokenizer, self.chat_template)
        self._limit = self.max_length or _model_limit(self.model, tokenizer)

    def config(self) -> Any:
        """The model's transformers config (no weights); ValueError naming ``model`` if unreadable."""
        try:
            _, transformers = engine.require()
        except engine.MissingModelsExtra as exc:
            raise ValueError(f"model: {exc}") from None
        try:
            return transformers.AutoConfig.from_pretrained(self.model)
        except (OSError, ValueError) as exc:
            raise ValueError(f"model: cannot read the config of {self.model!r}: {exc}") from None

    @property
    def tokenizer(self) -> Any:
        return engine.load_tokenizer(self.model)

    def loaded(self, path: str | None = None) -> engine.Loaded:
        """The model (``path`` defaults to ``model``) with this component's runtime settings."""
        return engine.load_model(
            path or self.model, self.task, device=self.device, dtype=self.dtype, device_map=self.device_map
        )

    def run(self, loaded: engine.Loaded, sequences: list[list[int]], forward: Any, take: Any) -> list[Any]:
        return engine.run(
            loaded, sequences, forward, take, pad_id=engine.pad_id_of(self.tokenizer),
            batch_size=self.batch_size, max_tokens=self.max_tokens, limit=self._limit,
        )

    def prepare(self, sample: Sample, where: str) -> Any:
        """What the model needs for one sample; raise :class:`BadInput` when it cannot be read."""
        raise NotImplementedError

    def compute(self, prepared: list[Any]) -> list[RewardResult]:
        """Results for the prepared samples (all of which could be read)."""
        raise NotImplementedError

    def score_batch(self, samples: list[Sample]) -> list[RewardResult]:
        results: list[RewardResult | None] = [None] * len(samples)
        ready: list[int] = []
        prepared: list[Any] = []
        for position, sample in enumerate(samples):
            try:
                prepared.append(self.prepare(sample, record_name(sample, position)))
                ready.append(position)
            except BadInput as exc:
                results[position] = RewardResult.fail(f"{self.name}: {exc}", kind=ErrorKind.BAD_INPUT)
        if prepared:
            try:
                computed = self.compute(prepared)
            except (ImportError, RewardError) as exc:
                failure = RewardResult.fail(f"{self.name}: {describe_exception(exc)}", kind=kind_of(exc))
                computed = [failure] * len(prepared)
            for position, result in zip(ready, computed, strict=True):
                results[position] = result
        return [r for r in results if r is not None]


def _model_limit(path: str, tokenizer: Any) -> int:
    """The longest input the model takes: the tokenizer's limit, else the config's positions."""
    limit = getattr(tokenizer, "model_max_length", None)
    if isinstance(limit, int) and 1 < limit < 10**7:
        return limit
    _, transformers = engine.require()
    try:
        config = transformers.AutoConfig.from_pretrained(path)
    except (OSError, ValueError):
        return 2048
    positions = getattr(config, "max_position_embeddings", None)
    return positions if isinstance(positions, int) and positions > 1 else 2048
