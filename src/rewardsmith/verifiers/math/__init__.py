"""Math answer verification: extract → normalise → compare, with a process pool for sympy.

``from rewardsmith.verifiers.math import MathAnswer`` (registered as ``math.answer``).
"""

from .reward import MathAnswer

__all__ = ["MathAnswer"]
