"""Small user functions for the ``python`` component's documented example."""

from __future__ import annotations

from typing import Any


def mentions_reference(completion: Any, reference: Any) -> float | None:
    """1.0 when the completion contains the reference (case-insensitive), None without one.

    >>> mentions_reference("It is Paris.", "paris"), mentions_reference("x", None)
    (1.0, None)
    """
    if reference is None:
        return None
    return float(str(reference).lower() in str(completion).lower())
