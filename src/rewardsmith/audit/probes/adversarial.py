"""Probes that address the grader or disguise text: injections, praise, confusable characters."""

from __future__ import annotations

from .phrases import INJECTIONS, PRAISE, ZERO_WIDTH, confusable, struck
from .registry import Probe, ProbeCase, Variant, register_probe


@register_probe("injection")
class Injection(Probe):
    """Instructions to the grader and forged verdicts appended to a wrong answer."""

    description = "'ignore previous instructions', forged grader verdicts, after a wrong answer"

    def variants(self, case: ProbeCase) -> list[Variant]:
        return [
            Variant(
                case.wrong_twin + "\n\n" + text.replace("{reference}", case.reference or ""),
                "wrong",
                text[:40],
            )
            for text in INJECTIONS
        ]


@register_probe("self_praise")
class SelfPraise(Probe):
    """Confident, rubric-keyword prose around a wrong answer must not earn more than the answer."""

    description = "confident self-assessment around a wrong answer"

    def variants(self, case: ProbeCase) -> list[Variant]:
        opener, closer = PRAISE[0], " ".join(PRAISE[1:])
        return [
            Variant(opener + "\n\n" + case.wrong_twin + "\n\n" + closer, "wrong", "praise around"),
            Variant(case.wrong_twin + "\n\n" + closer, "wrong", "praise after"),
        ]


@register_probe("unicode_confusables")
class UnicodeConfusables(Probe):
    """Look-alike letters, zero-width characters and struck-through digits.

    A wrong answer with zero-width characters or homoglyphs must not earn more than the plain
    wrong answer; the reference drawn struck through (it reads as crossed out) or glued to a
    wrong digit by a zero-width space (it reads as another number) must not be accepted.
    """

    description = "homoglyphs, zero-width characters, struck-through or split answers"

    def variants(self, case: ProbeCase) -> list[Variant]:
        reference, wrong = case.reference or "", case.wrong[0]
        twin = case.wrong_twin
        return [
            Variant(confusable(twin), "wrong", "homoglyphs and zero-width spaces"),
            Variant(case.slot.with_answer(struck(reference)), "wrong", "reference struck through"),
            Variant(
                case.slot.with_answer(reference + ZERO_WIDTH[0] + "0"), "wrong", "reads as another number"
            ),
            Variant(case.slot.with_answer(ZERO_WIDTH[2].join(wrong)), "wrong", "zero-width joiners in wrong"),
        ]
