"""rewardsmith: define, test, audit and serve rewards for RL post-training.

>>> import rewardsmith
>>> reward = rewardsmith.load({"type": "text.exact"})
>>> reward("Paris", reference="paris").value
1.0
"""

from rewardsmith.client import Client
from rewardsmith.core import (
    DataError,
    ErrorKind,
    Reward,
    RewardError,
    RewardResult,
    RewardsmithError,
    Sample,
    SpecError,
    load,
    register,
    spec_hash,
    to_spec,
)

__all__ = [
    "Client",
    "DataError",
    "ErrorKind",
    "Reward",
    "RewardError",
    "RewardResult",
    "RewardsmithError",
    "Sample",
    "SpecError",
    "load",
    "register",
    "spec_hash",
    "to_spec",
]
