"""rewardsmith: define, test, audit and serve rewards for RL post-training.

>>> import rewardsmith
>>> reward = rewardsmith.load({"type": "text.exact"})
>>> reward("Paris", reference="paris").value
1.0
"""

from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from rewardsmith.client import Client


def __getattr__(name: str) -> Any:
    # The HTTP client is imported on first use: `rewardsmith --help` and a local score need none of it.
    if name == "Client":
        from rewardsmith.client import Client

        return Client
    raise AttributeError(f"module 'rewardsmith' has no attribute {name!r}")


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
