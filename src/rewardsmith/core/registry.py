"""Where component names live: ``@register("text.exact")`` and the ``rewardsmith.rewards`` entry
points, so third-party packages add components without touching ours."""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import TypeVar

from .errors import SpecError
from .reward import Reward

ENTRY_POINT_GROUP = "rewardsmith.rewards"
#: Packages whose modules define built-in components; each module registers on import and keeps
#: heavy imports (torch, transformers) inside functions so that listing stays fast.
BUILTIN_PACKAGES = ("rewardsmith.verifiers", "rewardsmith.combine", "rewardsmith.models")

_registry: dict[str, type[Reward]] = {}
_loaded = False

R = TypeVar("R", bound=type[Reward])


def register(name: str) -> Callable[[R], R]:
    """Class decorator: make a Reward available under ``name`` in specs and the CLI."""

    def decorator(cls: R) -> R:
        existing = _registry.get(name)
        if existing is not None and existing is not cls and existing.__qualname__ != cls.__qualname__:
            raise ValueError(f"component name {name!r} is already registered by {existing!r}")
        cls.name = name
        _registry[name] = cls
        return cls

    return decorator


def _import_builtins() -> None:
    for package_name in BUILTIN_PACKAGES:
        package = importlib.import_module(package_name)
        for module in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}."):
            importlib.import_module(module.name)


def _load_entry_points() -> None:
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        obj = entry_point.load()
        if isinstance(obj, type) and issubclass(obj, Reward) and entry_point.name not in _registry:
            register(entry_point.name)(obj)


def ensure_loaded() -> None:
    """Import built-in modules and third-party entry points once."""
    global _loaded
    if not _loaded:
        _loaded = True
        _import_builtins()
        _load_entry_points()


def get(name: str, path: str = "type") -> type[Reward]:
    """The component class registered under ``name``; a SpecError with suggestions if none."""
    ensure_loaded()
    try:
        return _registry[name]
    except KeyError:
        close = difflib.get_close_matches(name, _registry, n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else " (see `rewardsmith list`)"
        raise SpecError(path, f"unknown component type {name!r}{hint}") from None


def names() -> list[str]:
    """Every registered component name, sorted."""
    ensure_loaded()
    return sorted(_registry)
