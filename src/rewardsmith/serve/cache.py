"""A result cache on disk, shared by ``rewardsmith serve --cache`` and ``rewardsmith score --cache``.

GRPO scores every prompt's group of completions, and repeated epochs score the same text again;
a reward that runs code or a model pays for each. Results are stored in SQLite under the key
(spec hash, sample content): the spec hash (:func:`rewardsmith.spec_hash`) changes whenever the
spec or the rewardsmith version does, so a cached result always belongs to the reward that made
it. The sample's ``id`` is not part of the content (the same text under two ids is one result).

Only values and "not applicable" results are cached; errors (a timeout, a crashed sandbox) are
scored again next time, since they are often transient.

A reward whose result depends on the rest of the batch (``group_norm``, ``group_rank``,
``running_norm``, ...: :attr:`Reward.batch_dependent`) cannot be cached per sample: the same
completion gets a different advantage in another group. For such a reward the cache stores the
per-sample subtrees beneath the batch-dependent nodes (the ``text.exact`` under a
``group_norm``), and the batch-dependent nodes are computed afresh on every call.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rewardsmith.core import RewardResult, Sample, spec_hash
from rewardsmith.core.composition import json_default, map_children
from rewardsmith.core.reward import Reward

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    spec TEXT NOT NULL,
    key TEXT NOT NULL,
    value REAL,
    details TEXT NOT NULL,
    PRIMARY KEY (spec, key)
) WITHOUT ROWID
"""


def sample_key(sample: Sample) -> str:
    """A content hash of everything in the sample a reward may read, except its ``id``.

    >>> sample_key(Sample("4", reference="4", id=1)) == sample_key(Sample("4", reference="4", id=2))
    True
    >>> sample_key(Sample("4", reference="4")) == sample_key(Sample("5", reference="4"))
    False
    """
    record = sample.to_record()
    record.pop("id", None)
    canonical = json.dumps(record, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


class ResultCache:
    """SQLite store of results keyed by (spec hash, sample key); safe across threads and processes.

    >>> import tempfile, os
    >>> cache = ResultCache(os.path.join(tempfile.mkdtemp(), "c.sqlite"))
    >>> cache.put("spec1", {"k": RewardResult.ok(1.0, matched="4")})
    >>> cache.get("spec1", ["k", "missing"])
    {'k': RewardResult(value=1.0, error=None, details={'matched': '4'}, error_kind=None)}
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(_SCHEMA)
            self._db = db
        return self._db

    def get(self, spec: str, keys: Sequence[str]) -> dict[str, RewardResult]:
        """The cached results among ``keys`` (absent keys are left out)."""
        found: dict[str, RewardResult] = {}
        unique = list(dict.fromkeys(keys))
        with self._lock:
            db = self._connect()
            for start in range(0, len(unique), 500):
                chunk = unique[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = db.execute(
                    f"SELECT key, value, details FROM results WHERE spec = ? AND key IN ({marks})",
                    [spec, *chunk],
                ).fetchall()
                for key, value, details in rows:
                    found[key] = RewardResult(value=value, details=json.loads(details))
        return found

    def put(self, spec: str, results: dict[str, RewardResult]) -> None:
        """Store results; errors are skipped (they are scored again next time)."""
        rows = [
            (spec, key, result.value, json.dumps(result.details, default=json_default))
            for key, result in results.items()
            if result.status != "error"
        ]
        if not rows:
            return
        with self._lock:
            db = self._connect()
            db.execute("BEGIN")
            db.executemany("INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?)", rows)
            db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def __getstate__(self) -> dict[str, Any]:
        return {"path": self.path}

    def __setstate__(self, state: dict[str, Any]) -> None:
        ResultCache.__init__(self, state["path"])


class CachedReward(Reward):
    """Wrap a reward so results already in the cache are not scored again.

    Misses are scored together, in one batch, by the wrapped reward; a sample repeated within
    the batch (a GRPO group with equal completions) is scored once. ``hits`` and ``misses``
    count samples since creation (the server reports them in ``/metrics``). Results are the same
    with or without the cache, also for a reward that depends on the rest of the batch: there
    the per-sample subtrees beneath the batch-dependent nodes are cached instead (see the module
    docstring).

    >>> import tempfile, os
    >>> from rewardsmith.verifiers.text.exact import TextExact
    >>> reward = CachedReward(TextExact(), os.path.join(tempfile.mkdtemp(), "c.sqlite"))
    >>> [r.value for r in reward.score([Sample("4", reference="4"), Sample("5", reference="4")])]
    [1.0, 0.0]
    >>> [r.value for r in reward.score([Sample("4", reference="4")])], reward.hits, reward.misses
    ([1.0], 1, 2)
    >>> from rewardsmith.combine.group import GroupNorm
    >>> group = [Sample(c, reference="4", group="q") for c in ["4", "5", "6", "7"]]
    >>> normed = CachedReward(GroupNorm(TextExact()), os.path.join(tempfile.mkdtemp(), "c.sqlite"))
    >>> [round(r.value, 4) for r in normed.score(group)], [round(r.value, 4) for r in normed.score(group)]
    ([1.4997, -0.4999, -0.4999, -0.4999], [1.4997, -0.4999, -0.4999, -0.4999])
    >>> normed.hits, normed.misses
    (4, 4)
    """

    def __init__(self, reward: Reward, path: str | Path) -> None:
        self.reward = reward
        self.path = Path(path)
        self.name = reward.name
        self.value_range = reward.value_range
        self.cache = ResultCache(self.path)
        self._leaves: list[CachedLeaf] = []
        self._scorer = self._wrap(reward)

    def _wrap(self, reward: Reward) -> Reward:
        """``reward`` with every maximal per-sample subtree read through the cache."""
        if not reward.batch_dependent:
            leaf = CachedLeaf(reward, self.cache)
            self._leaves.append(leaf)
            return leaf
        return map_children(reward, self._wrap)

    @property
    def hits(self) -> int:
        """Samples answered from the cache (by the cached subtrees)."""
        return sum(leaf.hits for leaf in self._leaves)

    @property
    def misses(self) -> int:
        """Samples the cached subtrees had to score."""
        return sum(leaf.misses for leaf in self._leaves)

    def score(self, samples: Sequence[Sample]) -> list[RewardResult]:
        return self._scorer.score(samples)


class CachedLeaf(Reward):
    """A per-sample reward read through a :class:`ResultCache` (one node of a :class:`CachedReward`)."""

    def __init__(self, reward: Reward, cache: ResultCache) -> None:
        if reward.batch_dependent:
            raise ValueError(f"reward: {reward.name} depends on the batch; its results cannot be cached per sample")
        self.reward = reward
        self.cache = cache
        self.name = reward.name
        self.value_range = reward.value_range
        self.hits = 0
        self.misses = 0
        self._spec: str | None = None

    @property
    def spec(self) -> str:
        """The hash of the wrapped reward's spec: the cache namespace."""
        if self._spec is None:
            self._spec = spec_hash(self.reward)
        return self._spec

    def score(self, samples: Sequence[Sample]) -> list[RewardResult]:
        samples = list(samples)
        keys = [sample_key(s) for s in samples]
        cached = self.cache.get(self.spec, keys)
        first: dict[str, int] = {}
        for index, key in enumerate(keys):
            first.setdefault(key, index)
        todo = [i for key, i in first.items() if key not in cached]
        fresh = self.reward.score([samples[i] for i in todo]) if todo else []
        self.hits += len(samples) - len(todo)
        self.misses += len(todo)
        scored = {keys[i]: result for i, result in zip(todo, fresh, strict=True)}
        self.cache.put(self.spec, scored)
        return [cached[key] if key in cached else scored[key] for key in keys]
