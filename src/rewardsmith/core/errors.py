"""Errors that reach users: each names where the problem is (a spec path, a record) and why.

The CLI turns these into one readable line and exit code 2, never a traceback.
"""

from __future__ import annotations

from typing import Any


def _rebuild(cls: type[BaseException], args: tuple[Any, ...], state: dict[str, Any]) -> BaseException:
    """Unpickle an error without calling its ``__init__`` (whose signature differs from ``args``)."""
    error = cls.__new__(cls)
    BaseException.__init__(error, *args)
    error.__dict__.update(state)
    return error


class RewardsmithError(Exception):
    """Base class of every error rewardsmith raises on purpose.

    ``kind`` is the :class:`~rewardsmith.core.result.ErrorKind` value a result gets when this
    error is caught around a reward (``core.result.kind_of`` reads it).

    Every subclass survives pickling, whatever its constructor takes, so an error raised in a
    worker process or a Ray actor reaches the caller as itself (Python would call
    ``cls(*args)`` with the formatted message alone, and the caller would see "Failed to
    deserialize exception" instead):

    >>> import pickle
    >>> error = pickle.loads(pickle.dumps(SpecError("terms[0].type", "unknown component")))
    >>> type(error).__name__, error.path, str(error)
    ('SpecError', 'terms[0].type', 'terms[0].type: unknown component')
    """

    kind = "crash"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


class SpecError(RewardsmithError):
    """A spec is invalid: unknown type, bad parameter, cycle. ``path`` locates it in the tree."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}" if path else message)


class MissingDependency(SpecError):
    """A component needs a package that is not installed; the message names the extra to install.

    Raised while a spec is validated, before any record is scored.

    >>> str(MissingDependency("type", "text.bleu", "sacrebleu", "text"))
    "type: text.bleu needs the package 'sacrebleu', which is not installed: pip install 'rewardsmith[text]'"
    """

    kind = "dependency"

    def __init__(self, path: str, component: str, module: str, extra: str | None) -> None:
        self.component = component
        self.module = module
        self.extra = extra
        install = f"pip install 'rewardsmith[{extra}]'" if extra else f"pip install {module.split('.')[0]}"
        super().__init__(path, f"{component} needs the package {module!r}, which is not installed: {install}")


class DataError(RewardsmithError):
    """An input record cannot be read or mapped. ``where`` names the file and line or record."""

    kind = "bad_input"

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}")


class RewardError(RewardsmithError):
    """A reward failed in a way that is not a per-sample result (e.g. a model will not load)."""
