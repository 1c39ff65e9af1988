"""Classical RL: reward terms for environments, potential shaping, intrinsic rewards, reward
distances (EPIC, STARC) and exploit search on small MDPs.

Only numpy is needed here; the Gymnasium wrapper (:mod:`rewardsmith.gym`) needs the ``gym`` extra
and RND the ``models`` extra.
"""

from .distances import (
    canonical_direct_distance,
    canonicalize,
    epic_distance,
    pearson_distance,
    sample_epic_distance,
    starc_distance,
)
from .exploits import ExploitReport, find_exploits
from .mdp import InvarianceReport, TabularMDP, check_policy_invariance, potential_shaping
from .transition import Transition, transition_sample

__all__ = [
    "ExploitReport",
    "InvarianceReport",
    "TabularMDP",
    "Transition",
    "canonical_direct_distance",
    "canonicalize",
    "check_policy_invariance",
    "epic_distance",
    "find_exploits",
    "pearson_distance",
    "potential_shaping",
    "sample_epic_distance",
    "starc_distance",
    "transition_sample",
]
