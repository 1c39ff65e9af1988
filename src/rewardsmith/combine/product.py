"""``product``: the weighted product of child rewards (every factor must be good)."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from rewardsmith.core import register

from .base import Combinator


@register("product")
class Product(Combinator):
    """R = Π_i r_i^{w_i} over the terms that have a value (plain product with the default weights).

    A product is a soft AND: any factor of 0 zeroes the reward, so a correct answer in the
    wrong format earns nothing. A negative factor with a fractional weight has no real power
    and makes the result an error, never a silent NaN.

    >>> from rewardsmith.verifiers.text.exact import TextExact
    >>> from rewardsmith.verifiers.format.regex import FormatRegex
    >>> reward = Product([TextExact(), FormatRegex("^4$", value=0.5)])
    >>> reward("4", reference="4").value, reward("4.", reference="4").value
    (0.5, 0.0)
    """

    example: ClassVar[dict[str, Any]] = {"type": "product", "terms": [{"type": "text.exact"}, {"type": "format.tags"}]}

    def reduce(self, values: np.ndarray, weights: np.ndarray) -> np.ndarray:
        powered = np.power(values, weights[:, None])
        return np.where(np.isnan(values), 1.0, powered).prod(axis=0)
