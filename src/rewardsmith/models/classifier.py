"""``model.classifier``: a sequence-classifier reward model's raw score."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rewardsmith.core import RewardResult, Sample, register

from . import engine
from .base import ModelReward
from .text import (
    BadInput,
    Truncate,
    completion_messages,
    prompt_messages,
    render_conversation,
    tokenize,
    truncate,
)


@dataclass
class _Input:
    ids: list[int]
    dropped: int


@register("model.classifier")
class Classifier(ModelReward):
    """The raw score r(x, y) of an ``AutoModelForSequenceClassification`` reward model.

    A Bradley–Terry reward model is trained so that P(y_w ≻ y_l | x) = σ(r(x, y_w) − r(x, y_l))
    (*Training language models to follow instructions with human feedback*, Ouyang et al., 2022;
    Skywork-Reward, InternLM2-Reward, ArmoRM are of this kind). The value is the logit of the
    head at the last token of the rendered conversation, unsquashed, as TRL and OpenRLHF use it;
    bound it with a transform in the spec (``log_sigmoid``, ``par``, ``clip``). A
    multi-objective head is read at ``label_index`` or by its ``label`` name (``id2label`` of
    the config); every head's logit is in ``details["logits"]``.

    ``chat_template: auto`` renders ``prompt`` + ``completion`` with the model's own template,
    as its model card does (a tokenizer without one is a spec error); ``none`` reads prompt and
    completion as plain text; a path reads a Jinja template file. Beyond ``max_length`` tokens
    (default: the model's limit) ``truncate: error`` gives an error result naming the record,
    ``left`` keeps the last tokens, ``right`` the first.

    Example spec (the raw score, bounded to [−5, 5])::

        type: clip
        low: -5
        high: 5
        reward: {type: model.classifier, model: Skywork/Skywork-Reward-V2-Llama-3.1-8B, dtype: bfloat16}
    """

    task = "sequence"

    def __init__(
        self,
        model: str,
        chat_template: str = "auto",
        max_length: int | None = None,
        truncate: Truncate = "error",
        label_index: int = 0,
        label: str | None = None,
        batch_size: int = 16,
        max_tokens: int | None = 16384,
        device: str = "auto",
        dtype: str = "float32",
        device_map: str | None = None,
    ) -> None:
        self.model = model
        self.chat_template = chat_template
        self.max_length = max_length
        self.truncate = truncate
        self.label_index = label_index
        self.label = label
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self.device = device
        self.dtype = dtype
        self.device_map = device_map
        self._setup()
        self._head = self._resolve_head()

    def _resolve_head(self) -> int:
        config = self.config()
        labels = {str(name): int(index) for index, name in (config.id2label or {}).items()}
        if self.label is not None:
            if self.label not in labels:
                raise ValueError(f"label: unknown label {self.label!r} (known: {', '.join(labels) or 'none'})")
            return labels[self.label]
        if not 0 <= self.label_index < config.num_labels:
            raise ValueError(f"label_index: {self.label_index} is out of range for {config.num_labels} labels")
        return self.label_index

    def render(self, sample: Sample) -> tuple[str, bool]:
        """The exact text the model reads, and whether the tokenizer adds its special tokens."""
        if self._template is None:
            return sample.prompt_text + sample.text, True
        messages = prompt_messages(sample) + completion_messages(sample)
        return render_conversation(self.tokenizer, self._template, messages), False

    def prepare(self, sample: Sample, where: str) -> _Input:
        if not sample.text.strip():
            raise BadInput(f"{where}: empty completion")
        text, special = self.render(sample)
        full = tokenize(self.tokenizer, text, special=special).ids
        ids, _ = truncate(full, self._limit, self.truncate, where)
        return _Input(ids, len(full) - len(ids))

    def compute(self, prepared: list[_Input]) -> list[RewardResult]:
        def take(index: int, output: Any) -> list[float]:
            return (output[-1] if output.dim() == 2 else output).float().cpu().tolist()

        logits = self.run(self.loaded(), [p.ids for p in prepared], engine.sequence_logits, take)
        results = []
        for item, row in zip(prepared, logits, strict=True):
            details: dict[str, Any] = {"tokens": len(item.ids)}
            if len(row) > 1:
                details["logits"] = row
            if item.dropped:
                details["truncated_tokens"] = item.dropped
            results.append(RewardResult.ok(row[self._head], **details))
        return results
