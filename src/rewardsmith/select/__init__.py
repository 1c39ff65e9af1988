"""Selection with a reward: best-of-N, majority vote, filters (rejection sampling), preference pairs.

After RL itself, the commonest use of a reward is choosing among samples: best-of-N at
inference, rejection-sampling fine-tuning (RFT, STaR, ReST), filtering synthetic data, and
DPO/reward-model preference pairs. Every function here takes records (dicts, Samples or a
``datasets.Dataset``) that are already scored or a reward to score them with, and returns a
:class:`Selection` (the kept rows and a :class:`SelectReport`). ``rewardsmith select`` runs the
same code over files, streaming.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .api import Selection, best_of, filter, pairs, vote
    from .expr import Expression, ExpressionError, parse
    from .files import Options, select_file
    from .report import SelectReport

#: Imported on first use, so that ``rewardsmith --help`` (which reads the option names of
#: ``rewardsmith select`` from the submodules) does not import the scoring engine.
_LAZY = {
    **dict.fromkeys(("Selection", "best_of", "filter", "pairs", "vote"), "api"),
    **dict.fromkeys(("Expression", "ExpressionError", "parse"), "expr"),
    **dict.fromkeys(("Options", "select_file"), "files"),
    "SelectReport": "report",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "Expression",
    "ExpressionError",
    "Options",
    "SelectReport",
    "Selection",
    "best_of",
    "filter",
    "pairs",
    "parse",
    "select_file",
    "vote",
]
