"""Where probes live: ``@register_probe("name")`` and the ``rewardsmith.probes`` entry points.

A probe turns one real record into adversarial or degraded variants of its completion, each
with the *control* completion it must not out-score. Users add their own probes exactly as
they add components: decorate a :class:`Probe` subclass, or expose it under the entry-point
group ``rewardsmith.probes`` of their package.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Literal, TypeVar

from rewardsmith.core import Sample, SpecError

from .answer import AnswerSlot

ENTRY_POINT_GROUP = "rewardsmith.probes"
#: Modules that define the built-in probes; each registers on import.
BUILTIN_MODULES = ("degenerate", "padding", "answers", "adversarial")

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


_registry: dict[str, type[Probe]] = {}
_loaded = False
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
    >>> _ = _registry.pop("shout")
    """

    def decorator(cls: P) -> P:
        existing = _registry.get(name)
        if existing is not None and existing.__qualname__ != cls.__qualname__:
            raise ValueError(f"probe name {name!r} is already registered by {existing!r}")
        cls.name = name
        _registry[name] = cls
        return cls

    return decorator


def _ensure_loaded() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module in BUILTIN_MODULES:
        importlib.import_module(f"{__package__}.{module}")
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        obj = entry_point.load()
        if isinstance(obj, type) and issubclass(obj, Probe) and entry_point.name not in _registry:
            register_probe(entry_point.name)(obj)


def probe_names() -> list[str]:
    """Every registered probe, sorted."""
    _ensure_loaded()
    return sorted(_registry)


def get_probe(name: str) -> Probe:
    """An instance of the probe registered under ``name``; a SpecError with suggestions if none."""
    _ensure_loaded()
    if name not in _registry:
        close = difflib.get_close_matches(name, _registry, n=3)
        hint = (
            f" (did you mean {', '.join(close)}?)" if close else f" (known: {', '.join(sorted(_registry))})"
        )
        raise SpecError("probes", f"unknown probe {name!r}{hint}")
    return _registry[name]()


def resolve_probes(probes: list[str] | str) -> list[Probe]:
    """``"all"``, a comma-separated string, or a list of names, as probe instances in order."""
    if isinstance(probes, str):
        probes = probe_names() if probes.strip() == "all" else [p.strip() for p in probes.split(",")]
    return [get_probe(name) for name in probes if name]
