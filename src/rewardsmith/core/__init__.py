"""The core: samples, results, the Reward protocol, the registry and spec loading.

No heavy dependencies and no imports from the rest of rewardsmith.
"""

from .errors import DataError, RewardError, RewardsmithError, SpecError
from .registry import register
from .result import ErrorKind, RewardResult, coerce_result, kind_of
from .reward import Reward
from .sample import Sample
from .spec import load, spec_hash, to_spec

__all__ = [
    "DataError",
    "ErrorKind",
    "Reward",
    "RewardError",
    "RewardResult",
    "RewardsmithError",
    "Sample",
    "SpecError",
    "coerce_result",
    "kind_of",
    "load",
    "register",
    "spec_hash",
    "to_spec",
]
