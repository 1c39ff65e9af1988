"""Errors that reach users: each names where the problem is (a spec path, a record) and why.

The CLI turns these into one readable line and exit code 2, never a traceback.
"""

from __future__ import annotations


class RewardsmithError(Exception):
    """Base class of every error rewardsmith raises on purpose.

    ``kind`` is the :class:`~rewardsmith.core.result.ErrorKind` value a result gets when this
    error is caught around a reward (``core.result.kind_of`` reads it).
    """

    kind = "crash"


class SpecError(RewardsmithError):
    """A spec is invalid: unknown type, bad parameter, cycle. ``path`` locates it in the tree."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}" if path else message)


class DataError(RewardsmithError):
    """An input record cannot be read or mapped. ``where`` names the file and line or record."""

    kind = "bad_input"

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}")


class RewardError(RewardsmithError):
    """A reward failed in a way that is not a per-sample result (e.g. a model will not load)."""
