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
# Punctuation that changes what an answer says, kept when punctuation is stripped: a sign in front
# of a number or a name (-5, -x), a decimal point, fraction slash, ratio colon or minus between
# digits (3.5, 3/4, 3:2, 2-3), a comparison (<, >, =) and an operator between terms (2^3, 2*3,
# 2+3). Everything else in string.punctuation goes (full stops, quotes, commas, thousands
# separators, hyphens inside words, brackets, per cent signs).
# Each alternative starts with its character (lookbehinds after it), so the engine scans for
# punctuation instead of trying every lookaround at every position.
_MEANINGFUL_OR_PUNCTUATION = re.compile(
    r"(?P<keep>[-+](?<![\w.][-+])(?=\.?\w)|[-./:](?<=\d[-./:])(?=\d)|[<>=]|[\^*+](?<=\w[\^*+])(?=[\w(-]))"
    rf"|[{re.escape(string.punctuation)}]"
)
_MAY_MEAN = re.compile(r"[-+./:<>=^*]")


def _strip_punctuation(text: str, keep_meaning: bool) -> str:
    if not keep_meaning or _MAY_MEAN.search(text) is None:
        return text.translate(_PUNCTUATION)
    return _MEANINGFUL_OR_PUNCTUATION.sub(lambda m: m.group("keep") or "", text)


def normalise_text(
    text: str,
    case_sensitive: bool = False,
    strip_punctuation: bool = True,
    remove_articles: bool = False,
    keep_meaning: bool = True,
) -> str:
    """Unicode NFKC, optional case folding, punctuation and article removal, collapsed spaces.

    With ``keep_meaning`` (the default) stripping punctuation keeps the marks that change what an
    answer says: a sign, a decimal point, a fraction slash, a comparison; ``keep_meaning=False`` is
    SQuAD's normalisation (Rajpurkar et al. 2016), which strips every ASCII punctuation mark, so
    that "-5" reads as "5" and "3.5" as "35".

    >>> normalise_text("  The  Answer: Paris. ")
    'the answer paris'
    >>> normalise_text("-x < -1."), normalise_text("x < 1")
    ('-x < -1', 'x < 1')
    >>> normalise_text("It is 1,000.5!"), normalise_text("3/4"), normalise_text("well-known")
    ('it is 1000.5', '3/4', 'wellknown')
    >>> normalise_text("-3.5", keep_meaning=False)
    '35'
    """
    text = unicodedata.normalize("NFKC", text)
    if keep_meaning:
        text = text.replace("\u2212", "-")  # the minus sign, so that "\u22125" reads as "-5"
    if not case_sensitive:
        text = text.casefold()
    if strip_punctuation:
        text = _strip_punctuation(text, keep_meaning)
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
    configurable). Stripping punctuation never flips what an answer says: signs, decimal points,
    fraction slashes and comparisons are kept, so "-5" does not match "5" nor "x > 1" match
    "x < 1" (``squad=True`` strips them too, as SQuAD's EM script does). A reference may be a list
    of acceptable strings. A record without a reference is an error, not a 0.

    >>> TextExact()("Paris.", "paris").value
    1.0
    >>> TextExact(case_sensitive=True)("paris", "Paris").value
    0.0
    >>> TextExact()("-5", "5").value, TextExact(squad=True)("-5", "5").value
    (0.0, 1.0)
    """

    value_range = (0.0, 1.0)

    def __init__(
        self,
        case_sensitive: bool = False,
        strip_punctuation: bool = True,
        remove_articles: bool = False,
        squad: bool = False,
    ) -> None:
        self.case_sensitive = case_sensitive
        self.strip_punctuation = strip_punctuation
        self.remove_articles = remove_articles
        self.squad = squad

    def _norm(self, text: str) -> str:
        return normalise_text(
            text, self.case_sensitive, self.strip_punctuation, self.remove_articles, keep_meaning=not self.squad
        )

    def score_one(self, sample: Sample) -> RewardResult:
        references = references_of(sample)
        if not references:
            return RewardResult.fail("no reference to compare with", kind="bad_input")
        completion = self._norm(sample.text)
        matched = next((r for r in references if self._norm(r) == completion), None)
        return RewardResult.ok(
            1.0 if matched is not None else 0.0, normalised=completion, matched=matched
        )
