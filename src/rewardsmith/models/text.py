"""From a sample to the exact text and tokens a model sees: chat templates, steps, truncation.

A reward model's score depends on the text it reads, so rendering is explicit:

* ``chat_template: auto`` renders the conversation with the tokenizer's own template (what a
  model card's ``apply_chat_template`` example does); a tokenizer without one is a spec error,
  never a silent fallback to plain text;
* ``chat_template: none`` reads the prompt followed directly by the completion as plain text,
  with the tokenizer's special tokens (its BOS);
* any other value is the path of a Jinja template file.

Rendered text is tokenised once, with character offsets, so a component can tell which tokens
belong to the completion, to a step or to a step's separator tag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from rewardsmith.core import Sample
from rewardsmith.core.sample import messages_to_text

Truncate = Literal["error", "left", "right"]


class BadInput(ValueError):
    """A sample the model cannot read as asked (over-long, empty, no steps): its error result."""

    kind = "bad_input"


def resolve_chat_template(tokenizer: Any, chat_template: str) -> str | None:
    """The template text to render with, None for plain text; ValueError naming the parameter."""
    if chat_template == "none":
        return None
    if chat_template == "auto":
        template = getattr(tokenizer, "chat_template", None)
        if isinstance(template, dict):
            template = template.get("default")
        if not template:
            raise ValueError(
                "chat_template: the model's tokenizer has no chat template; "
                "use chat_template: none to score plain text, or give a template file"
            )
        return template
    path = Path(chat_template).expanduser()
    if not path.is_file():
        raise ValueError(f"chat_template: expected auto, none or a template file; {chat_template!r} is not a file")
    return path.read_text(encoding="utf-8")


def prompt_messages(sample: Sample) -> list[dict[str, Any]]:
    """The prompt as chat messages (a plain string is one user turn)."""
    prompt = sample.prompt
    if prompt is None or prompt == "":
        return []
    if isinstance(prompt, str):
        return [{"role": "user", "content": prompt}]
    if isinstance(prompt, dict):
        return [prompt]
    return [m if isinstance(m, dict) else {"role": "user", "content": str(m)} for m in prompt]


def completion_messages(sample: Sample, text: str | None = None) -> list[dict[str, Any]]:
    """The completion as chat messages (a plain string, or ``text``, is one assistant turn)."""
    if text is not None or not isinstance(sample.completion, list | dict):
        return [{"role": "assistant", "content": sample.text if text is None else text}]
    completion = sample.completion
    return [completion] if isinstance(completion, dict) else list(completion)


def render_conversation(tokenizer: Any, template: str, messages: list[dict[str, Any]], *,
                        generation_prompt: bool = False) -> str:
    return tokenizer.apply_chat_template(
        messages, chat_template=template, tokenize=False, add_generation_prompt=generation_prompt
    )


@dataclass
class Tokens:
    """Token ids of a rendered text with each token's character span."""

    ids: list[int]
    spans: list[tuple[int, int]]
    text: str


def tokenize(tokenizer: Any, text: str, *, special: bool) -> Tokens:
    """Tokenise ``text`` once, with offsets; ``special`` adds the tokenizer's BOS/EOS wrapping.

    A rendered chat template already holds its special tokens, so it is tokenised with
    ``special=False`` (as ``apply_chat_template(tokenize=True)`` does): a second BOS would change
    every score.
    """
    encoded = tokenizer(text, add_special_tokens=special, return_offsets_mapping=True, verbose=False)
    return Tokens(list(encoded["input_ids"]), [tuple(s) for s in encoded["offset_mapping"]], text)


def first_token_ending_after(tokens: Tokens, boundary: int) -> int:
    """Index of the first token whose span ends after character ``boundary`` (len(ids) if none).

    A token that straddles the boundary counts as after it: the completion's tokens are those
    that end after the prompt.
    """
    for index, (start, end) in enumerate(tokens.spans):
        if end > boundary and end > start:
            return index
    return len(tokens.ids)


def last_token_covering(tokens: Tokens, char_end: int) -> int | None:
    """Index of the last token that starts before character ``char_end`` (the token holding the
    last character of a tag that ends there)."""
    found = None
    for index, (start, end) in enumerate(tokens.spans):
        if end > start and start < char_end:
            found = index
    return found


def truncate(ids: list[int], max_length: int, mode: Truncate, where: str) -> tuple[list[int], int]:
    """``(kept ids, index of the first kept token in ids)``; BadInput under ``error``.

    ``left`` drops the oldest tokens (keeps the end, where a reward model reads its score);
    ``right`` drops the newest.
    """
    if len(ids) <= max_length:
        return ids, 0
    if mode == "error":
        raise BadInput(f"{where}: {len(ids)} tokens exceed max_length {max_length} (truncate: error)")
    if mode == "left":
        return ids[-max_length:], len(ids) - max_length
    return ids[:max_length], 0


def record_name(sample: Sample, position: int) -> str:
    """How an error names its record: its id, else its place in the batch."""
    return f"record {sample.id!r}" if sample.id is not None else f"record #{position}"


def split_steps(text: str, separator: str) -> list[tuple[int, int]]:
    """Character spans of the steps of ``text``: pieces between ``separator``s, blank ones left
    out. A step's span runs up to the next step, so separators belong to the step before them.

    >>> text = "a\\n\\nb\\n\\n\\n\\nc"
    >>> [text[s:e] for s, e in split_steps(text, "\\n\\n")]
    ['a\\n\\n', 'b\\n\\n\\n\\n', 'c']
    """
    starts = []
    position = 0
    for piece in re.split(f"({re.escape(separator)})", text):
        if piece and piece != separator and piece.strip():
            starts.append(position)
        position += len(piece)
    return [(start, starts[i + 1] if i + 1 < len(starts) else len(text)) for i, start in enumerate(starts)]


def steps_of(sample: Sample, steps_field: str, separator: str) -> list[str]:
    """The steps of a sample: the record's ``steps_field`` list when it has one, else the
    completion split at ``separator`` (each step stripped of the separator)."""
    stored = sample.extra.get(steps_field)
    if isinstance(stored, list) and stored:
        return [messages_to_text(step) for step in stored]
    text = sample.text
    return [text[s:e].strip() for s, e in split_steps(text, separator)]
