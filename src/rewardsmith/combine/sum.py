"""``sum``: the weighted sum of child rewards."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from rewardsmith.core import register

from .base import Combinator


@register("sum")
class Sum(Combinator):
    """R = Σ_i w_i · r_i over the terms that have a value.

    Each child's value, weight, error and details are kept in ``details["components"]``. An
    errored term makes the sum an error unless ``on_error`` says ``skip`` or ``zero``.

    >>> from rewardsmith.verifiers.text.exact import TextExact
    >>> from rewardsmith.verifiers.format.regex import FormatRegex
    >>> reward = Sum([TextExact(), FormatRegex("^Answer:")], weights=[1.0, 0.1])
    >>> reward("Answer: 4", reference="answer 4").value
    1.1
    """

    example: ClassVar[dict[str, Any]] = {
        "type": "sum",
        "terms": [{"type": "text.exact", "weight": 1.0}, {"type": "format.regex", "pattern": "Paris", "weight": 0.5}],
    }

    def reduce(self, values: np.ndarray, weights: np.ndarray) -> np.ndarray:
        return np.nansum(weights[:, None] * values, axis=0)
