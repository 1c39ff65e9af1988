"""Probes that state the right value without committing to it as the answer."""

from __future__ import annotations

from .phrases import HEDGE_OPENERS, NEGATIONS
from .registry import Probe, ProbeCase, Variant, register_probe


@register_probe("hedge")
class Hedge(Probe):
    """Several final answers, one of them right: a matcher that looks for the reference anywhere
    pays for enumerations, and a policy learns to list candidates instead of solving."""

    description = "several candidate answers, the right one among them"

    def variants(self, case: ProbeCase) -> list[Variant]:
        reference, wrong = case.reference or "", case.wrong
        candidates = ", ".join([wrong[0], reference, *wrong[1:]])
        statements = " ".join(case.slot.statement(a) for a in (wrong[0], reference, *wrong[1:]))
        last = " ".join(case.slot.statement(a) for a in (*wrong, reference))
        out = [
            Variant(case.slot.with_answer(candidates), "wrong", "candidates in the answer slot"),
            Variant(statements, "wrong", "one answer statement per candidate"),
            Variant(last, "wrong", "one answer statement per candidate, the reference last"),
            Variant(case.wrong_twin + "\nOr maybe " + reference + ".", "wrong", "second answer after"),
        ]
        out += [Variant(o.format(candidates=candidates), "wrong", "enumeration") for o in HEDGE_OPENERS]
        return out


@register_probe("negation")
class Negation(Probe):
    """The right value, explicitly denied ("definitely not 42")."""

    description = "the reference stated and denied"

    def variants(self, case: ProbeCase) -> list[Variant]:
        reference = case.reference or ""
        phrases = [n.format(reference=reference) for n in NEGATIONS]
        return [Variant(case.slot.with_answer(phrases[0]), "wrong", "negated in the answer slot")] + [
            Variant(p, "wrong", "negation alone") for p in phrases[1:]
        ]


@register_probe("contradiction")
class Contradiction(Probe):
    """The right value only in the reasoning, a wrong value stated as the answer."""

    description = "correct value in the reasoning, wrong final answer"

    def variants(self, case: ProbeCase) -> list[Variant]:
        reference, wrong = case.reference or "", case.wrong[0]
        keeps = case.slot.with_answer(wrong)
        aside = f"Along the way we find {reference}.\n" + case.wrong_twin
        return [
            Variant(keeps, "wrong", "reasoning kept, final answer wrong"),
            Variant(aside, "wrong", "the reference mentioned, a wrong answer stated"),
            Variant(
                f"<think>It is {reference}.</think>\n<answer>{wrong}</answer>", "wrong", "think vs answer"
            ),
        ]
