"""Classical RL: reward terms for environments, potential shaping, intrinsic rewards, reward
distances (EPIC, STARC, and a shaping-invariant distance on possible transitions) and exploit
search on small MDPs.

Only numpy is needed here; the Gymnasium wrapper (:mod:`rewardsmith.gym`) needs the ``gym`` extra
and RND the ``models`` extra.
"""

from .distances import (
    UndefinedDistance,
    canonical_direct_distance,
    canonicalize,
    epic_distance,
    pearson_distance,
    sample_epic_distance,
    starc_distance,
)
from .episodic import absorb_terminal, support_distance
from .exploits import ExploitReport, find_exploits
from .mdp import InvarianceReport, TabularMDP, check_policy_invariance, potential_shaping
from .transition import Transition, transition_sample

__all__ = [
    "ExploitReport",
    "InvarianceReport",
    "TabularMDP",
    "Transition",
    "UndefinedDistance",
    "absorb_terminal",
    "canonical_direct_distance",
    "canonicalize",
    "check_policy_invariance",
    "epic_distance",
    "find_exploits",
    "pearson_distance",
    "potential_shaping",
    "sample_epic_distance",
    "starc_distance",
    "support_distance",
    "transition_sample",
]
