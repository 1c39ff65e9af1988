"""What selection reads from a scored row: its reward and status, group, label, answer, length.

A scored row is what ``rewardsmith score`` writes: the input record plus ``reward``,
``reward_error``, ``reward_error_kind`` and ``reward_details`` (whose ``components`` hold the
tree of sub-rewards of a composed spec). Selection never trusts a row to be well formed: a
missing or non-numeric reward is "no value", which never wins and never passes a filter.
"""

from __future__ import annotations

import json
import math
from collections.abc import Hashable, Iterable, Iterator, Mapping
from typing import Any

from rewardsmith.core import DataError
from rewardsmith.core.sample import messages_to_text

#: A name that a row does not have (distinct from a field whose value is null).
MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING", "__bool__": lambda self: False})()

#: Keys under which a component's details name the answer it extracted (``math.answer``:
#: ``extracted``); the same list the audit's majority vote reads.
ANSWER_KEYS = ("answer", "extracted", "prediction", "pred")

Row = dict[str, Any]
Indexed = tuple[int, Row]


def reward_of(row: Row) -> float | None:
    """The row's reward as a finite float, or None (error, not applicable, absent, not a number).

    >>> reward_of({"reward": 0.5}), reward_of({"reward": None}), reward_of({"reward": "nan"})
    (0.5, None, None)
    """
    value = row.get("reward")
    if value is None or isinstance(value, bool):
        return None
    if not isinstance(value, int | float):
        try:
            value = float(value)
        except (TypeError, ValueError):
            return None
    value = float(value)
    return value if math.isfinite(value) else None


def status_of(row: Row) -> str:
    """``ok``, ``error`` or ``not_applicable``, as :class:`~rewardsmith.core.RewardResult` says.

    >>> status_of({"reward": None, "reward_error": "timeout"}), status_of({"reward": None})
    ('error', 'not_applicable')
    """
    if row.get("reward_error"):
        return "error"
    return "ok" if reward_of(row) is not None else "not_applicable"


def field(row: Any, path: str | tuple[str, ...]) -> Any:
    """Follow a dotted path (or its parts) through dicts and lists; :data:`MISSING` if absent.

    A key that itself contains dots (``"6b.solution"``) is found before the path is split.

    >>> field({"a": {"b": [1, 2]}}, "a.b.1"), field({"x.y": 3}, "x.y"), field({}, "a") is MISSING
    (2, 3, True)
    """
    joined = path if isinstance(path, str) else ".".join(path)
    if isinstance(row, Mapping) and joined in row:
        return row[joined]
    parts = path.split(".") if isinstance(path, str) else path
    value = row
    for part in parts:
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.lstrip("-").isdigit() and -len(value) <= int(part) < len(value):
            value = value[int(part)]
        else:
            return MISSING
    return value


def component_index(details: Any) -> dict[str, dict[str, Any]]:
    """Every component of a composed reward by its label, depth first; the first one wins a name.

    Components nest (``sum`` → ``if`` → ``math.answer``): ``components.math.answer`` in a filter
    or ``--vote math.answer`` finds the entry wherever it sits.

    >>> tree = {"components": {"sum": {"value": 1.0, "details": {"components": {
    ...     "math.answer": {"value": 1.0, "error": None, "details": {"extracted": "14"}}}}}}}
    >>> sorted(component_index(tree)), component_index(tree)["math.answer"]["details"]["extracted"]
    (['math.answer', 'sum'], '14')
    """
    index: dict[str, dict[str, Any]] = {}
    stack = [details]
    while stack:
        current = stack.pop()
        if not isinstance(current, Mapping):
            continue
        children = current.get("components")
        if not isinstance(children, Mapping):
            continue
        nested = []
        for label, entry in children.items():
            if isinstance(entry, Mapping):
                index.setdefault(str(label), dict(entry))
                nested.append(entry.get("details"))
        stack.extend(reversed(nested))
    return index


def hashable(value: Any) -> Hashable:
    """A value usable as a dict key: lists and dicts (chat messages) by their canonical JSON.

    >>> hashable([{"role": "user", "content": "hi"}])
    '[{"content": "hi", "role": "user"}]'
    """
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def answer_of(row: Row, key: str, root_name: str | None = None) -> Hashable | None:
    """The answer a row votes for under ``--vote KEY``, or None (the row does not vote).

    KEY is, in this order: a field of the record (``pred``, ``result.answer``); the label of a
    component whose details name the answer it extracted (``math.answer`` → ``extracted``);
    the whole reward when it is that one component (``root_name``, or a scored row whose
    details have no components but do have an answer).

    >>> answer_of({"pred": "4"}, "pred"), answer_of({"reward_details": {"extracted": "7"}}, "math.answer")
    ('4', '7')
    """
    value = field(row, key)
    if value is not MISSING and key not in ("reward", "reward_details"):
        return None if value is None else hashable(value)
    details = row.get("reward_details")
    if not isinstance(details, Mapping):
        return None
    entry = component_index(details).get(key)
    if entry is not None:
        return _extracted(entry.get("details"))
    if "components" not in details and (root_name is None or root_name == key):
        return _extracted(details)
    return None


def _extracted(details: Any) -> Hashable | None:
    if not isinstance(details, Mapping):
        return None
    for name in ANSWER_KEYS:
        value = details.get(name)
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return value
    return None


def label_of(row: Row) -> float | None:
    """The row's correctness label as 0.0/1.0 (bools, 0/1 numbers, "true"/"1" strings), else None.

    >>> label_of({"label": True}), label_of({"label": "0"}), label_of({"label": 0.5}), label_of({})
    (1.0, 0.0, None, None)
    """
    value = row.get("label")
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float) and value in (0, 1):
        return float(value)
    if isinstance(value, str) and value.strip().lower() in ("0", "1", "true", "false"):
        return 1.0 if value.strip().lower() in ("1", "true") else 0.0
    return None


def length_of(row: Row) -> int:
    """Characters of the completion's text (every assistant turn of a chat completion)."""
    return len(messages_to_text(row.get("completion"), roles=("assistant",)))


def group_key(row: Row, by: str | None) -> Hashable | None:
    """The group a row belongs to: the ``by`` field when given, else ``group``, else the prompt.

    None means the row stands alone (no group and no prompt).

    >>> group_key({"group": 3, "prompt": "p"}, None), group_key({"prompt": "p"}, None), group_key({}, None)
    (3, 'p', None)
    """
    if by is not None:
        value = field(row, by)
        return None if value is MISSING or value is None else hashable(value)
    for name in ("group", "prompt"):
        value = row.get(name)
        if value is not None:
            return hashable(value)
    return None


def iter_groups(rows: Iterable[Indexed], by: str | None, contiguous: bool = True) -> Iterator[list[Indexed]]:
    """Groups of rows (each row with its input position), in first-seen order.

    ``contiguous`` streams: a group ends where the next one starts, so memory holds one group.
    A group that starts again later is an error naming the record (sort the file, or read it
    in memory with ``contiguous=False``), never two half-groups judged apart.

    >>> rows = [(0, {"group": "a"}), (1, {"group": "a"}), (2, {"group": "b"})]
    >>> [[i for i, _ in g] for g in iter_groups(rows, None)]
    [[0, 1], [2]]
    """
    if not contiguous:
        groups: dict[Any, list[Indexed]] = {}
        for index, row in rows:
            key = group_key(row, by)
            groups.setdefault(("row", index) if key is None else ("key", key), []).append((index, row))
        yield from groups.values()
        return
    seen: set[int] = set()
    current: list[Indexed] = []
    current_key: Any = MISSING
    for index, row in rows:
        key = group_key(row, by)
        if key is not None and key == current_key:
            current.append((index, row))
            continue
        if current:
            yield current
        if key is not None:
            digest = hash(key)
            if digest in seen:
                where = row.get("_where") or f"record {index}"
                raise DataError(
                    str(where),
                    f"group {str(key)[:60]!r} appeared earlier, not next to its other records; groups must be "
                    "contiguous to stream (sort the file by group, or pass --in-memory)",
                )
            seen.add(digest)
        current, current_key = [(index, row)], key
    if current:
        yield current


def check_named_fields(
    rows: Iterable[Indexed], by: str | None, vote: str | None, root_name: str | None = None
) -> Iterator[Indexed]:
    """Pass the rows through; once they are read, a ``--by`` field or ``--vote`` key that no row
    has is a :class:`DataError` (a misspelt name must not silently make every row its own group
    or keep first rows), as ``--filter`` refuses a misspelt field.

    >>> list(check_named_fields([(0, {"q": 1})], "nosuch", None))
    Traceback (most recent call last):
    ...
    rewardsmith.core.errors.DataError: --by: no record has the field 'nosuch' (a misspelt field?)
    """
    by_seen = by is None
    vote_seen = vote is None
    count = 0
    for item in rows:
        count += 1
        row = item[1]
        if not by_seen and field(row, by) is not MISSING:  # type: ignore[arg-type]
            by_seen = True
        if not vote_seen and (
            field(row, vote) is not MISSING  # type: ignore[arg-type]
            or answer_of(row, vote, root_name) is not None  # type: ignore[arg-type]
            or (isinstance(row.get("reward_details"), Mapping) and vote in component_index(row["reward_details"]))
            or vote == root_name
        ):
            vote_seen = True
        yield item
    if count and not by_seen:
        raise DataError("--by", f"no record has the field {by!r} (a misspelt field?)")
    if count and not vote_seen:
        raise DataError("--vote", f"no record has the field or component {vote!r} (a misspelt name?)")
