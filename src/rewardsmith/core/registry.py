"""Where names live: ``@register("text.exact")``, a built-in index, and entry points, so
third-party packages add components (and audit probes) without touching ours.

One :class:`Registry` class serves components (:data:`COMPONENTS`, entry-point group
``rewardsmith.rewards``) and hacking probes (``rewardsmith.audit.probes.registry.PROBES``,
group ``rewardsmith.probes``). It is

* **lazy**: a built-in name is looked up in an index (name → module, ``core/builtins.json`` for
  components) and only its module is imported, so ``rewardsmith score text.exact`` never imports
  the code sandbox, sympy or the server; entry points are read only for a name no built-in has;
* **never wrong when the index is stale**: a name found nowhere else makes it import every module
  of ``packages`` once before it is called unknown (a test keeps the index fresh, for speed);
* **thread-safe**: a name is returned only once the module that registers it is fully imported
  (Python's import lock makes a second thread wait for a module another thread is importing),
  so concurrent first calls (verl's reward workers) never see a half-filled registry.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, TypeVar

from .errors import SpecError

T = TypeVar("T")
C = TypeVar("C", bound=type)

COMPONENT_GROUP = "rewardsmith.rewards"
ENTRY_POINT_GROUP = COMPONENT_GROUP  # the name this module used before the Registry class


class Registry(Generic[T]):
    """Names of one kind of class (``what``: "component", "probe") mapped to the classes.

    ``index`` gives, for each built-in name, the module whose import registers it (a mapping,
    or a function returning one, read on first use). Classes register with :meth:`register`;
    third-party packages also through the entry-point ``group``. ``base`` is the class an
    entry point must subclass; ``path`` is where a :class:`SpecError` for an unknown name points,
    and ``hint`` what it adds when no name is close (by default, every known name). ``packages``
    are imported in full (less the subpackages in ``skip``), once, before a name is called unknown
    (the index may be stale).

    >>> shapes = Registry("shape", object, "example.shapes", {})
    >>> @shapes.register("square")
    ... class Square:
    ...     pass
    >>> shapes.get("square").name, shapes.names()
    ('square', ['square'])
    >>> shapes.get("sqare")
    Traceback (most recent call last):
    ...
    rewardsmith.core.errors.SpecError: type: unknown shape 'sqare' (did you mean square?)
    """

    def __init__(
        self,
        what: str,
        base: type,
        group: str,
        index: Mapping[str, str] | Callable[[], Mapping[str, str]],
        path: str = "type",
        hint: str | None = None,
        packages: tuple[str, ...] = (),
        skip: tuple[str, ...] = (),
    ) -> None:
        self.what = what
        self.base = base
        self.group = group
        self.path = path
        self.hint = hint
        self._index_source = index
        self._index: Mapping[str, str] | None = None
        self._classes: dict[str, type[T]] = {}
        #: Names whose registering module has finished importing (safe to hand out).
        self._ready: set[str] = set()
        self._write = threading.Lock()  # never held while importing (a module registers as it imports)
        self._entry_lock = threading.RLock()
        self._entry_points: dict[str, Any] | None = None
        self.packages = packages
        self.skip = skip
        self._walked = False

    # -- registering -------------------------------------------------------------------------
    def register(self, name: str) -> Callable[[C], C]:
        """Class decorator: make a class available under ``name``."""

        def decorator(cls: C) -> C:
            with self._write:
                existing = self._classes.get(name)
                if existing is not None and existing is not cls and existing.__qualname__ != cls.__qualname__:
                    raise ValueError(f"{self.what} name {name!r} is already registered by {existing!r}")
                cls.name = name  # type: ignore[attr-defined]
                self._classes[name] = cls
            return cls

        return decorator

    def unregister(self, name: str) -> None:
        """Forget ``name`` (tests that register a throw-away class clean up with this)."""
        with self._write:
            self._classes.pop(name, None)
            self._ready.discard(name)

    # -- looking up --------------------------------------------------------------------------
    @property
    def index(self) -> Mapping[str, str]:
        """Built-in name → the module that registers it."""
        if self._index is None:
            source = self._index_source
            self._index = dict(source() if callable(source) else source)
        return self._index

    def get(self, name: str, path: str | None = None) -> type[T]:
        """The class registered under ``name``, importing its module first if needed.

        An unknown name is a :class:`SpecError` at ``path`` with close matches suggested.
        """
        if name in self._ready:
            return self._classes[name]
        module = self.index.get(name)
        if module is not None:
            try:
                importlib.import_module(module)  # returns once the module is fully imported, in any thread
            except ModuleNotFoundError as exc:
                if not exc.name or not (module == exc.name or module.startswith(f"{exc.name}.")):
                    raise  # the module is there but imports a package that is not installed
                self._walk()  # a stale index names a module that moved or went away
        if name not in self._classes:
            self._load_entry_point(name)
        if name not in self._classes:
            self._walk()  # a stale index: the name moved to another module, or is new
        cls = self._classes.get(name)
        if cls is None:
            import difflib

            close = difflib.get_close_matches(name, self.names(), n=3)
            if close:
                hint = f" (did you mean {', '.join(close)}?)"
            else:
                hint = self.hint if self.hint is not None else f" (known: {', '.join(self.names())})"
            raise SpecError(self.path if path is None else path, f"unknown {self.what} {name!r}{hint}")
        with self._write:
            self._ready.add(name)
        return cls

    def names(self) -> list[str]:
        """Every name: built-ins, entry points and classes registered at run time, sorted.

        Nothing is imported; :meth:`get` imports a name's module when it is used.
        """
        return sorted({*self.index, *self._classes, *self._entry_point_table()})

    def module_of(self, name: str) -> str | None:
        """The built-in module of ``name``, or None for entry points and run-time registrations."""
        return self.index.get(name)

    def load_all(self) -> dict[str, type[T]]:
        """Import every built-in and entry point; every name with its class (slow: tests, tools)."""
        return {name: self.get(name) for name in self.names()}

    def registered(self) -> dict[str, type[T]]:
        """The classes registered so far, without importing anything."""
        with self._write:
            return dict(self._classes)

    def _walk(self) -> None:
        """Import every module of ``packages`` once, skipping those whose imports are missing."""
        with self._entry_lock:
            if not self._walked:
                walk_modules(self.packages, skip_broken=True, skip=self.skip)
                self._walked = True

    # -- entry points ------------------------------------------------------------------------
    def _entry_point_table(self) -> Mapping[str, Any]:
        with self._entry_lock:
            if self._entry_points is None:
                from importlib.metadata import entry_points

                self._entry_points = {ep.name: ep for ep in entry_points(group=self.group)}
            return self._entry_points

    def _load_entry_point(self, name: str) -> None:
        with self._entry_lock:
            entry_point = self._entry_point_table().get(name)
            if entry_point is None or name in self._classes:
                return
            obj = entry_point.load()
            if isinstance(obj, type) and issubclass(obj, self.base) and name not in self._classes:
                self.register(name)(obj)


def _component_index() -> Mapping[str, str]:
    from .builtins import component_index

    return component_index()


def _reward_base() -> type:
    from .reward import Reward

    return Reward


COMPONENTS: Registry[Any] = Registry(
    "component type",
    _reward_base(),
    COMPONENT_GROUP,
    _component_index,
    hint=" (see `rewardsmith list`)",
    packages=("rewardsmith",),
    # Subpackages that hold no component: a typo is not worth importing the server and the audit.
    skip=tuple(f"rewardsmith.{name}" for name in ("audit", "cli", "integrations", "io", "serve", "testing")),
)


def register(name: str) -> Callable[[C], C]:
    """Class decorator: make a Reward available under ``name`` in specs and the CLI.

    >>> from rewardsmith.core.reward import Reward
    >>> @register("example.length")
    ... class Length(Reward):
    ...     def score_one(self, sample):
    ...         return len(sample.text)
    >>> get("example.length")()("four").value
    4.0
    >>> COMPONENTS.unregister("example.length")
    """
    return COMPONENTS.register(name)


def get(name: str, path: str = "type") -> type[Any]:
    """The component class registered under ``name``; a SpecError with suggestions if none."""
    return COMPONENTS.get(name, path)


def names() -> list[str]:
    """Every component name (built-in, entry point, registered at run time), sorted."""
    return COMPONENTS.names()


def ensure_loaded() -> None:
    """Import every built-in component module and entry point (the registry is lazy otherwise)."""
    COMPONENTS.load_all()


def walk_modules(packages: Iterable[str], skip_broken: bool = False, skip: Iterable[str] = ()) -> list[str]:
    """Import every module under ``packages`` (``__main__``, the CLI and ``skip`` left out) and name them.

    With ``skip_broken``, a module that fails to import (an optional package missing) is skipped.
    """
    skipped = tuple(skip)
    import pkgutil

    found = []
    for package_name in packages:
        package = importlib.import_module(package_name)
        found.append(package_name)
        for module in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}.", onerror=lambda _: None):
            if module.name.endswith("__main__") or module.name.split(".")[:2] == ["rewardsmith", "cli"]:
                continue
            if any(module.name == name or module.name.startswith(f"{name}.") for name in skipped):
                continue
            try:
                importlib.import_module(module.name)
            except Exception:  # only with skip_broken: the walk is a fallback
                if not skip_broken:
                    raise
                continue
            found.append(module.name)
    return found
