"""Serve a reward over HTTP: ``rewardsmith serve SPEC``.

The app (:mod:`.app`) answers ``/score``, OpenRLHF's ``/get_reward``, ``/health``, ``/spec`` and
``/metrics``; a micro-batcher (:mod:`.batching`) merges concurrent requests into full batches; an
optional SQLite cache (:mod:`.cache`) is shared with ``rewardsmith score --cache``.
"""

from .cache import CachedReward, ResultCache

__all__ = ["CachedReward", "ResultCache"]
