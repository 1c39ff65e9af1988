"""``judge.stored``: a pairwise judge whose two verdicts are already in the record.

Saved judge runs (LLMBar's ``result.json``, a team's own judge logs) are audited exactly like
live ones: the verdict of the first order is read from the field named by ``ab`` and that of the
swapped order from ``ba``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rewardsmith.core import ErrorKind, RewardResult, Sample, register
from rewardsmith.core.reward import Reward

from .pairwise import Verdict, to_original

_A = {"1", "a", "a>b", "output (a)", "[[a]]", "output_1", "first"}
_B = {"2", "b", "b>a", "output (b)", "[[b]]", "output_2", "second"}
_TIE = {"tie", "c", "[[c]]", "a=b", "0.5", "3"}


def verdict_of(raw: Any) -> Verdict:
    """A stored verdict as ``"a"``, ``"b"``, ``"tie"`` or None (absent or unreadable).

    >>> [verdict_of(v) for v in ("1", 2, "B>A", "tie", None, "garbage")]
    ['a', 'b', 'b', 'tie', None, None]
    """
    if raw is None or isinstance(raw, bool):
        return None
    text = str(raw).strip().lower()
    if text in _A:
        return "a"
    if text in _B:
        return "b"
    return "tie" if text in _TIE else None


def label_of(raw: Any) -> Verdict:
    """A pair record's label (``a``/``b``, 1/2, ``A>B``/``B>A``) as ``"a"`` or ``"b"``, else None."""
    verdict = verdict_of(raw)
    return verdict if verdict in ("a", "b") else None


@register("judge.stored")
class StoredJudge(Reward):
    """Stored pairwise verdicts as a reward: r = (v_ab + v_ba) / 2, the share of the two orders
    that preferred completion a (a tie counts ½).

    ``ab`` and ``ba`` name the record fields with the verdicts of the first and the swapped
    order, each "a"/"b"/"tie" (also 1/2, ``A>B``, ``[[A]]``); ``swapped: true`` says the ``ba``
    verdict is written in the swapped order's labels (its "a" is the record's b), false that it
    was already mapped back (as LLMBar stores it). A missing or unreadable verdict is an error
    (``bad_input``), never a loss.

    >>> StoredJudge()({}, winner_ab="a", winner_ba="tie").value
    0.75
    """

    example: ClassVar[dict[str, Any]] = {"type": "judge.stored", "ab": "winner_ab", "ba": "winner_ba"}
    value_range = (0.0, 1.0)

    def __init__(self, ab: str = "winner_ab", ba: str = "winner_ba", swapped: bool = False) -> None:
        self.ab = ab
        self.ba = ba
        self.swapped = swapped

    def verdicts(self, sample: Sample) -> tuple[Verdict, Verdict]:
        """(first order, swapped order) in the record's labels; None where absent or unreadable."""
        return verdict_of(sample.extra.get(self.ab)), to_original(verdict_of(sample.extra.get(self.ba)), self.swapped)

    def pair_verdicts(self, samples: list[Sample]) -> list[tuple[Verdict, Verdict]]:
        """Both verdicts of every pair record, for the pair audit."""
        return [self.verdicts(sample) for sample in samples]

    def score_one(self, sample: Sample) -> RewardResult:
        first, second = self.verdicts(sample)
        missing = [field for field, v in ((self.ab, first), (self.ba, second)) if v is None]
        if missing:
            return RewardResult.fail(
                f"{self.name}: no readable verdict in {', '.join(missing)}", kind=ErrorKind.BAD_INPUT
            )
        points = {"a": 1.0, "tie": 0.5, "b": 0.0}
        return RewardResult.ok((points[first] + points[second]) / 2, ab=first, ba=second)  # type: ignore[index]
