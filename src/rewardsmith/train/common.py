"""What both trainers share: the starting folder, the training arguments, the final report."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from rewardsmith.core.errors import DataError, RewardError

#: Written into a tokenizer that has none, so the trained folder loads with ``chat_template: auto``
#: and training and scoring render conversations the same way.
PLAIN_TEMPLATE = "{% for message in messages %}{{ message['role'] }}: {{ message['content'] }}\n{% endfor %}"


def require() -> tuple[Any, Any, Any]:
    """torch, transformers and trl, or a RewardError naming the extra to install."""
    try:
        import torch
        import transformers
        import trl
    except ImportError as exc:
        raise RewardError(
            f"training needs torch, transformers and trl: pip install 'rewardsmith[train]' ({exc})"
        ) from exc
    return torch, transformers, trl


def check_paths(base: str, out: Path) -> None:
    """Before anything heavy is imported: the output folder can be written, and a base given as
    a local path exists (a hub id is left to transformers)."""
    from rewardsmith.io.writer import check_output_folder
    from rewardsmith.models.engine import missing_local_folder

    check_output_folder(out)
    missing = missing_local_folder(base)
    if missing is not None:
        raise DataError("--base", missing)


def _one_line(exc: BaseException, limit: int = 240) -> str:
    """An exception's message on one line, cut at ``limit`` characters."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def start_folder(
    base: str, out: Path, head: str, special_tokens: tuple[str, ...] = (), seed: int = 0, **head_kwargs: Any
) -> tuple[Any, Any]:
    """The base model with a fresh ``head`` (``sequence`` or ``token`` classification) and its
    tokenizer, saved into ``out``: the pad token set (end-of-text when there is none), a chat
    template added when missing, ``special_tokens`` added (the embeddings grow to fit)."""
    torch, transformers, _ = require()
    from rewardsmith.models.engine import missing_local_folder

    missing = missing_local_folder(base)
    if missing is not None:
        raise DataError("--base", missing)
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(base)
    except Exception as exc:  # noqa: BLE001 - transformers raises OSError, ValueError, TypeError, sentencepiece's own
        raise DataError("--base", f"cannot load a tokenizer from {base!r}: {_one_line(exc)}") from None
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token
    if not getattr(tokenizer, "chat_template", None):
        tokenizer.chat_template = PLAIN_TEMPLATE
    added = tokenizer.add_special_tokens({"additional_special_tokens": list(special_tokens)}) if special_tokens else 0
    auto = {
        "sequence": transformers.AutoModelForSequenceClassification,
        "token": transformers.AutoModelForTokenClassification,
    }[head]
    torch.manual_seed(seed)
    try:
        model = auto.from_pretrained(base, **head_kwargs)
    except (OSError, ValueError) as exc:
        raise DataError("--base", f"cannot load {base!r} as a {auto.__name__}: {_one_line(exc)}") from None
    if added:
        model.resize_token_embeddings(len(tokenizer))
    model.config.pad_token_id = tokenizer.pad_token_id
    out.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(out)
    model.save_pretrained(out)
    return model, tokenizer


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a proportion (95 % by default).

    >>> [round(v, 4) for v in wilson(80, 100)]
    [0.7112, 0.8666]
    """
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - spread, centre + spread


def write_manifest(
    out: Path, spec: dict[str, Any], digest: str, metrics: dict[str, Any], history: list[dict[str, Any]],
    status: str = "done",
) -> Path:
    """``rewardsmith.json``, written atomically: the spec that loads the folder, the SHA-256 of the
    training data, the metrics, the loss and evaluation history, and whether the run finished
    (``done``) or was stopped with Ctrl-C (``interrupted``; ``--resume`` continues it)."""
    path = out / "rewardsmith.json"
    body = {"status": status, "spec": spec, "data_sha256": digest, "metrics": metrics, "history": history}
    temporary = path.with_suffix(".json.partial")
    temporary.write_text(json.dumps(body, indent=1, default=float) + "\n", encoding="utf-8")
    temporary.replace(path)
    return path
