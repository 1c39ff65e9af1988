"""Where probes live: ``@register_probe("name")`` and the ``rewardsmith.probes`` entry points.

A probe turns one real record into adversarial or degraded variants of its completion, each
with the *control* completion it must not out-score. Users add their own probes exactly as
they add components: decorate a :class:`Probe` subclass, or expose it under the entry-point
group ``rewardsmith.probes`` of their package. The names live in the same
:class:`~rewardsmith.core.registry.Registry` class as components (lazy, thread-safe).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

from rewardsmith.core import Sample
from rewardsmith.core.registry import Registry

from .answer import AnswerSlot

ENTRY_POINT_GROUP = "rewardsmith.probes"
#: Built-in probe name → the module that registers it (a test checks it against the modules).
BUILTIN_PROBES = {
    **dict.fromkeys(("injection", "self_praise", "unicode_confusables"), f"{__package__}.adversarial"),
    **dict.fromkeys(("hedge", "negation", "contradiction"), f"{__package__}.answers"),
    **dict.fromkeys(
        ("master_keys", "empty", "format_only", "echo_question", "answer_only"), f"{__package__}.degenerate"
    ),
    **dict.fromkeys(("length_inflation", "repeat_steps", "format_farming"), f"{__package__}.padding"),
    **dict.fromkeys(
        ("whole_image", "many_boxes", "off_image", "swapped_corners", "zero_area_box"), f"{__package__}.grounding"
    ),
    **dict.fromkeys(("fence_escape", "verdict_forgery"), f"{__package__}.judge"),
}

#: What a variant must not out-score: the record's own completion (a degraded copy of it must
#: not earn more), the honest wrong twin (the same completion with a wrong answer), or the
#: floor (the lower of the wrong twin and an empty completion: content-free text earns nothing).
Control = Literal["original", "wrong", "floor"]


@dataclass(frozen=True)
class Variant:
    """One adversarial completion, the control it must not beat, and what it tries."""

    text: str
    control: Control
    note: str


@dataclass(frozen=True)
class ProbeCase:
    """What a probe sees: the record, its completion cut at the final answer, a wrong answer."""

    sample: Sample
    slot: AnswerSlot
    reference: str | None
    wrong: tuple[str, ...]

    @property
    def text(self) -> str:
        """The record's own completion, as scored."""
        return self.sample.text

    @property
    def wrong_twin(self) -> str:
        """The honest failure: the same completion, every occurrence of the answer made wrong."""
        return self.slot.wrong_twin(self.reference, self.wrong[0])

    def wrong_slot(self, answer: str) -> str:
        """The wrong twin with ``answer`` in place of its final answer."""
        twin = self.wrong_twin
        cut = len(self.slot.wrong_twin(self.reference, "")) - len(self.slot.suffix)
        return twin[:cut] + answer + self.slot.suffix


class Probe:
    """Base class: :meth:`variants` maps a record to the variants that must not be rewarded.

    ``needs`` names what a record must carry for the probe to apply (``reference``,
    ``prompt``); records without it are skipped and counted as not applicable.
    """

    name: str = "probe"
    needs: tuple[str, ...] = ("reference",)
    description: str = ""

    def variants(self, case: ProbeCase) -> list[Variant]:
        raise NotImplementedError


PROBES: Registry[Probe] = Registry(
    "probe", Probe, ENTRY_POINT_GROUP, BUILTIN_PROBES, path="probes", packages=(__package__,)
)
P = TypeVar("P", bound=type[Probe])


def register_probe(name: str) -> Callable[[P], P]:
    """Class decorator: make a probe available to ``--probes NAME`` and :func:`audit_hacking`.

    >>> @register_probe("shout")
    ... class Shout(Probe):
    ...     description = "the completion in capitals must not earn more"
    ...     needs = ()
    ...     def variants(self, case):
    ...         return [Variant(case.text.upper(), "original", "upper case")]
    >>> "shout" in probe_names()
    True
    >>> PROBES.unregister("shout")
    """
    return PROBES.register(name)


def probe_names() -> list[str]:
    """Every registered probe, sorted."""
    return PROBES.names()


def get_probe(name: str) -> Probe:
    """An instance of the probe registered under ``name``; a SpecError with suggestions if none."""
    return PROBES.get(name)()


def resolve_probes(probes: list[str] | str) -> list[Probe]:
    """``"all"``, a comma-separated string, or a list of names, as probe instances in order."""
    if isinstance(probes, str):
        probes = probe_names() if probes.strip() == "all" else [p.strip() for p in probes.split(",")]
    return [get_probe(name) for name in probes if name]
