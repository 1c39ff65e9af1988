"""How long a completion is: characters, words, or tokens of a tokenizer loaded from a local path."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np

from rewardsmith.core import Sample

Unit = Literal["chars", "words", "tokens"]


def tokenizer_requirements(params: Mapping[str, Any]) -> dict[str, str]:
    """What a token count needs (module → extra): ``tokenizers`` for a ``tokenizer.json``,
    ``transformers`` for a model folder without one; nothing for characters or words.

    >>> tokenizer_requirements({"unit": "words"})
    {}
    """
    tokenizer = params.get("tokenizer")
    if params.get("unit") != "tokens" or not tokenizer:
        return {}
    location = Path(tokenizer)
    if location.is_file() or (location / "tokenizer.json").is_file():
        return {"tokenizers": "text"}
    return {"transformers": "models"}


def check_unit(unit: Unit, tokenizer: str | None) -> None:
    """Fail at load time, not at the first batch, when a token count has no usable tokenizer."""
    if unit == "tokens":
        if tokenizer is None:
            raise ValueError("tokenizer: unit 'tokens' needs a tokenizer (a local tokenizer.json or folder)")
        if not Path(tokenizer).exists():
            raise ValueError(f"tokenizer: {tokenizer!r} does not exist (only local tokenizers are loaded)")


@lru_cache(maxsize=8)
def load_tokenizer(path: str) -> Any:
    """A ``tokenizers.Tokenizer`` from a ``tokenizer.json`` file or a folder holding one, else a
    ``transformers`` tokenizer from the folder (local files only, never the network)."""
    location = Path(path)
    file = location / "tokenizer.json" if location.is_dir() else location
    if file.is_file():
        from tokenizers import Tokenizer

        return Tokenizer.from_file(str(file))
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(location), local_files_only=True)


def count_tokens(texts: list[str], tokenizer: str) -> np.ndarray:
    """Tokens per text, without special tokens, encoded as one batch."""
    loaded = load_tokenizer(tokenizer)
    if hasattr(loaded, "encode_batch"):
        encodings = loaded.encode_batch(texts, add_special_tokens=False)
        return np.array([len(e.ids) for e in encodings], dtype=float)
    ids = loaded(texts, add_special_tokens=False)["input_ids"]
    return np.array([len(i) for i in ids], dtype=float)


def measure(samples: list[Sample], unit: Unit = "words", tokenizer: str | None = None) -> np.ndarray:
    """|y| for each sample's completion text in ``unit``.

    >>> measure([Sample("two words"), Sample("")], "words").tolist()
    [2.0, 0.0]
    >>> measure([Sample("two words")], "chars").tolist()
    [9.0]
    """
    texts = [s.text for s in samples]
    if unit == "chars":
        return np.array([len(t) for t in texts], dtype=float)
    if unit == "words":
        return np.array([len(t.split()) for t in texts], dtype=float)
    if tokenizer is None:
        raise ValueError("unit 'tokens' needs a tokenizer")
    return count_tokens(texts, tokenizer)
