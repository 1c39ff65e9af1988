"""``text.exact``: normalised exact match against the reference (one string or several)."""

from __future__ import annotations

import re
import string
import unicodedata
from typing import Any

from rewardsmith.core import RewardResult, Sample, register
from rewardsmith.core.reward import Reward

_ARTICLES = re.compile(r"\b(a|an|the)\b", re.IGNORECASE)
_PUNCTUATION = str.maketrans("", "", string.punctuation)


def normalise_text(
    text: str, case_sensitive: bool = False, strip_punctuation: bool = True, remove_articles: bool = False
) -> str:
    """Unicode NFKC, optional case folding, punctuation and article removal, collapsed spaces.

    >>> normalise_text("  The  Answer: Paris. ")
    'the answer paris'
    """
    text = unicodedata.normalize("NFKC", text)
    if not case_sensitive:
        text = text.casefold()
    if strip_punctuation:
        text = text.translate(_PUNCTUATION)
    if remove_articles:
        text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def references_of(sample: Sample) -> list[str]:
    """The reference as a list of strings (a list of acceptable answers is allowed)."""
    reference: Any = sample.reference
    if reference is None:
        return []
    if isinstance(reference, list | tuple):
        return [str(r) for r in reference if r is not None]
    return [str(reference)]


@register("text.exact")
class TextExact(Reward):
    """1.0 when the normalised completion equals a normalised reference, else 0.0.

    Normalisation: NFKC, case folding, punctuation removed, whitespace collapsed (each
    configurable). A reference may be a list of acceptable strings. A record without a reference
    is an error, not a 0.

    >>> TextExact()("Paris.", "paris").value
    1.0
    >>> TextExact(case_sensitive=True)("paris", "Paris").value
    0.0
    """

    value_range = (0.0, 1.0)

    def __init__(
        self, case_sensitive: bool = False, strip_punctuation: bool = True, remove_articles: bool = False
    ) -> None:
        self.case_sensitive = case_sensitive
        self.strip_punctuation = strip_punctuation
        self.remove_articles = remove_articles

    def _norm(self, text: str) -> str:
        return normalise_text(text, self.case_sensitive, self.strip_punctuation, self.remove_articles)

    def score_one(self, sample: Sample) -> RewardResult:
        references = references_of(sample)
        if not references:
            return RewardResult.fail("no reference to compare with", kind="bad_input")
        completion = self._norm(sample.text)
        matched = next((r for r in references if self._norm(r) == completion), None)
        return RewardResult.ok(
            1.0 if matched is not None else 0.0, normalised=completion, matched=matched
        )
