"""A persistent cache of judge answers, keyed by what determines the answer.

The key is the SHA-256 of ``(base_url, model, messages, sampling parameters)`` as canonical
JSON, so a re-run of an audit or a resumed ``score`` asks the endpoint nothing it has already
answered. Only successful answers are stored: a failed call is asked again next time. The API key
is never part of the key or the stored answer. SQLite, one file, safe for several processes
(each opens its own connection; writes are single statements).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any


def cache_key(base_url: str, model: str, messages: list[dict[str, Any]], params: dict[str, Any]) -> str:
    """The cache key of one request.

    >>> a = cache_key("http://h/v1", "m", [{"role": "user", "content": "x"}], {"temperature": 0, "seed": 1})
    >>> a == cache_key("http://h/v1", "m", [{"role": "user", "content": "x"}], {"seed": 1, "temperature": 0})
    True
    >>> a == cache_key("http://h/v1", "m", [{"role": "user", "content": "x"}], {"temperature": 0, "seed": 2})
    False
    """
    body = json.dumps(
        {"base_url": base_url.rstrip("/"), "model": model, "messages": messages, "params": params},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()


class AnswerCache:
    """``get``/``put`` of raw endpoint answers (JSON objects) in the SQLite file at ``path``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, body TEXT NOT NULL)")
            self._db.commit()

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT body FROM answers WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def put(self, key: str, body: dict[str, Any]) -> None:
        text = json.dumps(body, ensure_ascii=False)
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO answers (key, body) VALUES (?, ?)", (key, text))
            self._db.commit()

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM answers").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
