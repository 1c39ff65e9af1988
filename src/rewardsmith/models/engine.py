"""The one engine under every model reward: load once, pack by a token budget, pad, run, unpad.

Every model component turns its samples into token sequences (see :mod:`.text`) and hands them
here. The engine

* loads a model once per process and shares it between every component that names it (the key
  is path, task, device, dtype and device map), behind a lock, so verl's worker threads and the
  server's request threads never load it twice;
* pads every sequence to a width that depends on its own length only (the next multiple of 32)
  and packs sequences of one width into batches of at most ``batch_size`` sequences and
  ``max_tokens`` padded tokens, so long and short samples do not share a batch, padding stays
  small, and a sample's score is bit-identical alone and in any batch (on CPU; see :func:`pack`);
* pads each batch on one side with explicit position ids, so a sample's positions (and with
  them its rotary embeddings) are the same alone, in any batch, and on either padding side;
* gives a causal (decoder-only) model no attention mask when it pads on the right: a real token
  never attends to the padding after it, so the result is the same, and attention takes its
  fast causal path instead of a materialised mask (the largest cost on CPU);
* hands each sample's unpadded slice of the model output to the component, and restores the
  input order.

torch and transformers are imported inside functions: ``rewardsmith list`` and every rule
reward work without them, and a model component without them names the extra to install.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from rewardsmith.core.errors import RewardError

EXTRA = "pip install 'rewardsmith[models]'"
Task = Literal["causal", "sequence", "token"]
_DTYPES = ("auto", "float32", "bfloat16", "float16")


class MissingModelsExtra(ImportError):
    """torch or transformers is not installed; the message names the extra."""

    kind = "dependency"


class ModelLoadError(RewardError):
    """A model or tokenizer could not be loaded (a missing path, a wrong architecture)."""

    kind = "dependency"


def require() -> tuple[Any, Any]:
    """``(torch, transformers)``, or :class:`MissingModelsExtra` naming the extra to install."""
    try:
        import torch
        import transformers
    except ImportError as exc:
        raise MissingModelsExtra(f"model rewards need torch and transformers: {EXTRA} ({exc})") from None
    return torch, transformers


@dataclass
class Loaded:
    """A model in memory, the device its inputs go to, and the lock its forward passes take."""

    model: Any
    device: Any
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: Every attention layer is causal (a decoder-only model): right padding needs no mask.
    causal: bool = False


_load_lock = threading.Lock()
_models: dict[tuple[Any, ...], Loaded] = {}
_tokenizers: dict[str, Any] = {}


def resolve_device(device: str) -> str:
    """``auto`` is the first CUDA device when there is one, else the CPU."""
    if device != "auto":
        return device
    torch, _ = require()
    return "cuda" if torch.cuda.is_available() else "cpu"


def missing_local_folder(path: str) -> str | None:
    """Why ``path`` names a local model folder that is not there (None: it is there, or it may be
    a hub id such as ``org/name``), so a mistyped path is not reported as a malformed hub id.

    >>> missing_local_folder("/no/such/rm"), missing_local_folder("org/name"), missing_local_folder(".")
    ("no model folder at '/no/such/rm'", None, None)
    """
    local = Path(path).expanduser()
    looks_local = local.is_absolute() or path.startswith((".", "~")) or path.count("/") > 1 or local.exists()
    if not looks_local or local.is_dir():
        return None
    return f"{str(local)!r} is a file, not a model folder" if local.exists() else f"no model folder at {path!r}"


def load_tokenizer(path: str) -> Any:
    """The tokenizer of ``path``, loaded once per process."""
    with _load_lock:
        if path not in _tokenizers:
            missing = missing_local_folder(path)
            if missing is not None:
                raise ModelLoadError(f"cannot load a tokenizer from {path!r}: {missing}")
            _, transformers = require()
            try:
                _tokenizers[path] = transformers.AutoTokenizer.from_pretrained(path)
            except (OSError, ValueError) as exc:
                raise ModelLoadError(f"cannot load a tokenizer from {path!r}: {exc}") from None
        return _tokenizers[path]


def load_model(path: str, task: Task, *, device: str = "auto", dtype: str = "float32",
               device_map: str | None = None) -> Loaded:
    """The model at ``path`` for ``task`` in eval mode, loaded once per process per settings."""
    if dtype not in _DTYPES:
        raise ValueError(f"dtype: expected one of {', '.join(_DTYPES)}, got {dtype!r}")
    torch, transformers = require()
    key = (path, task, device, dtype, device_map)
    with _load_lock:
        if key in _models:
            return _models[key]
        auto = {
            "causal": transformers.AutoModelForCausalLM,
            "sequence": transformers.AutoModelForSequenceClassification,
            "token": transformers.AutoModelForTokenClassification,
        }[task]
        kwargs: dict[str, Any] = {"dtype": dtype if dtype == "auto" else getattr(torch, dtype)}
        if device_map is not None:
            kwargs["device_map"] = device_map
        try:
            with no_hub_bars():
                model, info = auto.from_pretrained(path, output_loading_info=True, **kwargs)
        except (OSError, ValueError) as exc:
            raise ModelLoadError(f"cannot load {path!r} as a {auto.__name__}: {exc}") from None
        if task != "causal":
            check_head(path, task, info)
        if device_map is None:
            model = model.to(resolve_device(device))
        model.eval()
        loaded = Loaded(model, next(model.parameters()).device, causal=is_causal(model))
        _models[key] = loaded
        return loaded


@contextmanager
def no_hub_bars() -> Iterator[None]:
    """Hide transformers' own load and save bars and its load reports while ours run (a missing
    head is :func:`check_head`'s error, not a log line); restore them after."""
    from transformers.utils import logging

    shown, verbosity = logging.is_progress_bar_enabled(), logging.get_verbosity()
    logging.disable_progress_bar()
    logging.set_verbosity_error()
    try:
        yield
    finally:
        logging.set_verbosity(verbosity)
        if shown:
            logging.enable_progress_bar()


def check_head(path: str, task: Task, info: dict[str, Any]) -> None:
    """A reward head missing from the checkpoint (or of another shape) is an error: transformers
    would start it at random and log a line, and every score would be noise that looks like a
    reward. A base language model is not a reward model until a head is trained on it.

    >>> check_head("m", "sequence", {"missing_keys": set(), "mismatched_keys": []})
    >>> check_head("base", "sequence", {"missing_keys": {"score.weight"}})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    rewardsmith.models.engine.ModelLoadError: 'base' has no trained sequence head: score.weight missing ...
    """
    missing = sorted(info.get("missing_keys") or ())
    mismatched = sorted(str(key[0] if isinstance(key, tuple) else key) for key in info.get("mismatched_keys") or ())
    if not missing and not mismatched:
        return
    what = ", ".join(missing[:4]) + " missing from the checkpoint" if missing else (
        ", ".join(mismatched[:4]) + " of another shape in the checkpoint"
    )
    raise ModelLoadError(
        f"{path!r} has no trained {task} head: {what}, so it would start at random and score noise; "
        "train one (rewardsmith train rm|prm) or name a reward model's folder"
    )


def is_causal(model: Any) -> bool:
    """True when every attention module of ``model`` says it is causal (decoder-only models)."""
    flags = [m.is_causal for m in model.modules() if isinstance(getattr(m, "is_causal", None), bool)]
    return bool(flags) and all(flags)


#: Every sequence is padded to a width that depends on its own length only: the next multiple
#: of this step (capped at the model's limit).
WIDTH_STEP = 32


def width_of(length: int, limit: int | None = None, step: int = WIDTH_STEP) -> int:
    """The padded width a sequence of ``length`` tokens is always computed at.

    >>> width_of(1), width_of(32), width_of(33), width_of(500, limit=512), width_of(500, limit=510)
    (32, 32, 64, 512, 510)
    """
    width = -(-length // step) * step
    return max(length, min(width, limit)) if limit is not None else width


def pack(lengths: Sequence[int], batch_size: int, max_tokens: int | None, limit: int | None = None) -> list[list[int]]:
    """Indices grouped into batches of one width each (see :func:`width_of`), widest first: at most
    ``batch_size`` sequences and ``max_tokens`` padded tokens (width × rows) per batch; a
    sequence wider than the budget is a batch of its own. Ties keep input order.

    A sample is therefore computed at the same width alone and in any batch. On CPU the rows of
    a batch do not change each other's float results, but the width does (attention reduces over
    a block of that many keys), so this makes scores bit-identical however records are batched.

    >>> pack([3, 40, 4, 38], batch_size=8, max_tokens=None)
    [[1, 3], [0, 2]]
    >>> pack([3, 40, 4, 38], batch_size=8, max_tokens=100)
    [[1], [3], [0, 2]]
    """
    widths = [width_of(n, limit) for n in lengths]
    order = sorted(range(len(lengths)), key=lambda i: -widths[i])
    batches: list[list[int]] = []
    current: list[int] = []
    for index in order:
        full = current and (
            widths[current[0]] != widths[index]
            or len(current) >= batch_size
            or (max_tokens is not None and widths[index] * (len(current) + 1) > max_tokens)
        )
        if full:
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    return batches


def collate(sequences: Sequence[Sequence[int]], pad_id: int, side: Literal["right", "left"],
            device: Any, width: int | None = None) -> tuple[Any, Any, Any, list[int]]:
    """``(input_ids, attention_mask, position_ids, offsets)`` for one batch of ``width`` columns
    (default: the longest sequence).

    Position ids count from a row's first real token (0, 1, …), so a left-padded sample sees the
    same positions as when it is alone; right padding just continues the count (a position
    that falls back to 0 would read as the start of a packed sequence). ``offsets[b]`` is where
    row b's first real token sits.
    """
    torch, _ = require()
    width = max(width or 0, *(len(s) for s in sequences))
    ids = torch.full((len(sequences), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sequences), width), dtype=torch.long)
    positions = torch.zeros((len(sequences), width), dtype=torch.long)
    offsets = []
    for row, sequence in enumerate(sequences):
        n = len(sequence)
        start = width - n if side == "left" else 0
        ids[row, start:start + n] = torch.tensor(list(sequence), dtype=torch.long)
        mask[row, start:start + n] = 1
        positions[row, start:] = torch.arange(width - start)
        offsets.append(start)
    return ids.to(device), mask.to(device), positions.to(device), offsets


def run(
    loaded: Loaded,
    sequences: Sequence[Sequence[int]],
    forward: Callable[[Any, Any, Any, Any], Any],
    take: Callable[[int, Any], Any],
    *,
    pad_id: int,
    batch_size: int,
    max_tokens: int | None,
    side: Literal["right", "left"] = "right",
    limit: int | None = None,
) -> list[Any]:
    """Run ``forward(model, ids, mask, positions)`` over packed batches of ``sequences``.

    ``forward`` returns a tensor whose first two axes are (row, position), or (row, …) for a
    model that pools by itself; ``take(index, rows_output)`` receives sample ``index``'s slice
    without padding and returns what the component keeps. Results come back in input order.
    ``limit`` caps the padded width (the model's longest input).
    """
    torch, _ = require()
    results: list[Any] = [None] * len(sequences)
    lengths = [len(s) for s in sequences]
    for batch in pack(lengths, batch_size, max_tokens, limit):
        width = width_of(lengths[batch[0]], limit)
        ids, mask, positions, offsets = collate([sequences[i] for i in batch], pad_id, side, loaded.device, width)
        if side == "right" and loaded.causal:
            mask = None
        with loaded.lock, torch.inference_mode():
            output = forward(loaded.model, ids, mask, positions)
            for row, index in enumerate(batch):
                if output.dim() >= 3:
                    results[index] = take(index, output[row, offsets[row]:offsets[row] + lengths[index]])
                else:
                    results[index] = take(index, output[row])
    return results


def causal_logits(model: Any, ids: Any, mask: Any, positions: Any) -> Any:
    """Next-token logits (row, position, vocabulary) of a causal LM."""
    return model(input_ids=ids, attention_mask=mask, position_ids=positions).logits


def token_logits(model: Any, ids: Any, mask: Any, positions: Any) -> Any:
    """Per-position head outputs (row, position, labels) of a token classifier."""
    return model(input_ids=ids, attention_mask=mask, position_ids=positions).logits


def sequence_logits(model: Any, ids: Any, mask: Any, positions: Any) -> Any:
    """Per-position score-head outputs (row, position, labels) of a decoder sequence classifier.

    transformers' decoder classifiers pool at "the rightmost token that is not the pad token",
    which moves when the pad token is also the end-of-text token the template ends with (a
    sample then scores differently alone and in a batch). Here the head is applied at every
    position and the component reads the last real one. Models without a ``score`` head over a
    base model (encoders such as BERT) pool by themselves and are used as they are.
    """
    base = getattr(model, getattr(model, "base_model_prefix", ""), None)
    head = getattr(model, "score", None)
    if base is not None and head is not None and not model.config.is_encoder_decoder:
        hidden = base(input_ids=ids, attention_mask=mask, position_ids=positions).last_hidden_state
        return head(hidden)
    return model(input_ids=ids, attention_mask=mask).logits


def pad_id_of(tokenizer: Any) -> int:
    """The id padding uses: the tokenizer's pad token, else its end-of-text token, else 0.

    Which id fills padding does not change any score: padded positions are masked out and
    never read.
    """
    for candidate in (tokenizer.pad_token_id, tokenizer.eos_token_id):
        if isinstance(candidate, int):
            return candidate
    return 0
