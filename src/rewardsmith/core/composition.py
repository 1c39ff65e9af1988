"""How composed rewards work and report on their children, shared by combinators, transforms,
the summary and the audit: the one scoring path of a composite (:class:`Composite`), readable
labels, the ``details["components"]`` entry, value columns, and a batch's prompt groups."""

from __future__ import annotations

import asyncio
import copy
import gc
import json
import math
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from .result import RewardResult
from .reward import Reward
from .sample import Sample


def child_labels(rewards: Sequence[Reward]) -> list[str]:
    """Unique, readable labels for children: their names, numbered when a name repeats."""
    labels: list[str] = []
    seen: dict[str, int] = {}
    for reward in rewards:
        count = seen.get(reward.name, 0)
        seen[reward.name] = count + 1
        labels.append(reward.name if count == 0 else f"{reward.name}#{count + 1}")
    return labels


def component_entry(result: RewardResult, weight: float | None = None) -> dict[str, Any]:
    """How a child's result appears in its parent's ``details["components"]``."""
    entry: dict[str, Any] = {"value": result.value, "error": result.error, "details": result.details}
    if weight is not None:
        entry["weight"] = weight
    return entry


class Components(Mapping[str, dict[str, Any]]):
    """``details["components"]`` of a composed result: each child's entry, built on access.

    A deep spec tree scores thousands of samples per batch; materialising one entry dict per
    child and sample up front would cost more than cheap leaves themselves. This mapping keeps
    a reference to the children's results instead, and behaves like the dict it stands for
    (``==``, iteration, pickling, JSON through :func:`json_default`).

    >>> components = Components(("a", "b"), (RewardResult.ok(1), RewardResult.fail("x")), (1.0, 0.5))
    >>> components["b"]
    {'value': None, 'error': 'x', 'details': {}, 'weight': 0.5}
    >>> dict(components) == {"a": component_entry(RewardResult.ok(1), 1.0), "b": components["b"]}
    True
    """

    __slots__ = ("_labels", "_results", "_weights")

    def __init__(
        self, labels: Sequence[str], results: Sequence[RewardResult], weights: Sequence[float] | None = None
    ) -> None:
        self._labels = tuple(labels)
        self._results = tuple(results)
        self._weights = None if weights is None else tuple(weights)

    def __getitem__(self, label: str) -> dict[str, Any]:
        try:
            index = self._labels.index(label)
        except ValueError:
            raise KeyError(label) from None
        weight = None if self._weights is None else self._weights[index]
        return component_entry(self._results[index], weight)

    def __iter__(self) -> Iterator[str]:
        return iter(self._labels)

    def __len__(self) -> int:
        return len(self._labels)

    def __repr__(self) -> str:
        return repr(dict(self))

    def __reduce__(self) -> tuple[Any, ...]:
        return (Components, (self._labels, self._results, self._weights))

    @classmethod
    def rows(
        cls, labels: Sequence[str], child_results: Sequence[Sequence[RewardResult]], weights: Sequence[float] | None
    ) -> list[Components]:
        """One mapping per sample from children's result columns (the hottest loop of a deep tree,
        so the shared tuples are built once and ``__init__`` is skipped).

        >>> [dict(c) for c in Components.rows(["a"], [[RewardResult.ok(1), RewardResult.ok(2)]], None)][1]
        {'a': {'value': 2.0, 'error': None, 'details': {}}}
        """
        labels_t = tuple(labels)
        weights_t = None if weights is None else tuple(weights)
        new = object.__new__
        out = []
        for row in zip(*child_results, strict=True):
            components = new(cls)
            components._labels, components._results, components._weights = labels_t, row, weights_t
            out.append(components)
        return out


def json_default(value: Any) -> Any:
    """``default=`` for :func:`json.dumps`: lazy mappings become dicts, anything else a string.

    >>> json.dumps({"c": Components(("a",), (RewardResult.ok(1),))}, default=json_default)
    '{"c": {"a": {"value": 1.0, "error": null, "details": {}}}}'
    """
    if isinstance(value, Mapping):
        return dict(value)
    return str(value)


def plain(value: Any) -> Any:
    """A copy of ``value`` with every mapping a plain dict (for code that wants real dicts).

    >>> plain({"c": Components(("a",), (RewardResult.ok(1),))})
    {'c': {'a': {'value': 1.0, 'error': None, 'details': {}}}}
    """
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a batch's results are assembled.

    Assembling allocates a few acyclic dicts per child and sample while every child's results
    are alive; collections triggered by those allocations would traverse the whole live batch
    again and again and find nothing to free. The collector is re-enabled on exit if it was on.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def error_mask(results: Sequence[RewardResult]) -> np.ndarray:
    """True where a result is an error.

    >>> error_mask([RewardResult.ok(1), RewardResult.fail("x")]).tolist()
    [False, True]
    """
    return np.fromiter((r.error is not None for r in results), dtype=bool, count=len(results))


def value_array(results: Sequence[RewardResult]) -> np.ndarray:
    """The values of a column of results, NaN where a result has no value.

    >>> value_array([RewardResult.ok(1), RewardResult.fail("x")]).tolist()
    [1.0, nan]
    """
    return np.fromiter(
        (math.nan if r.value is None else r.value for r in results), dtype=float, count=len(results)
    )


def _group_key(sample: Sample, index: int) -> Any:
    group = sample.group
    if group is None:
        return ("__own_group__", index)
    try:
        hash(group)
    except TypeError:
        return json.dumps(group, sort_keys=True, default=str)
    return group


def group_indices(samples: Sequence[Sample]) -> list[np.ndarray]:
    """Index arrays of the prompt groups of a batch; a sample with ``group`` None is its own.

    >>> [g.tolist() for g in group_indices([Sample("a", group=1), Sample("b"), Sample("c", group=1)])]
    [[0, 2], [1]]
    """
    groups: dict[Any, list[int]] = {}
    for index, sample in enumerate(samples):
        groups.setdefault(_group_key(sample, index), []).append(index)
    return [np.asarray(indices, dtype=int) for indices in groups.values()]


#: What a composite's :meth:`Composite.plan` yields: the children to score, each on a batch.
ChildCalls = list[tuple[Reward, list[Sample]]]
#: A composite's logic: yields child calls, receives their results (one list per call, in
#: order), and returns the node's results.
Plan = Generator[ChildCalls, list[list[RewardResult]], list[RewardResult]]


class Composite(Reward):
    """A reward built from child rewards, with its logic written once for ``score`` and ``ascore``.

    httpx keeps its sync and async clients alike by putting all logic in one shared base and
    letting only the I/O differ. A composite does the same: :meth:`plan` is a generator that
    *yields* the child calls it needs (``[(child, samples), ...]``), *receives* their results,
    and *returns* its own results. :meth:`score_batch` answers each yield with ``child.score``;
    :meth:`ascore` answers it with the children's ``ascore``, run concurrently. A subclass
    cannot override either driver, so no combinator can forget its logic on one path.

    >>> from rewardsmith.core.result import RewardResult
    >>> class Best(Composite):
    ...     name = "best"
    ...     def __init__(self, terms):
    ...         self.terms = terms
    ...     def plan(self, samples):
    ...         columns = yield [(term, samples) for term in self.terms]
    ...         return [RewardResult.ok(max(r.value for r in row)) for row in zip(*columns)]
    >>> class Length(Reward):
    ...     name = "length"
    ...     def score_one(self, sample):
    ...         return len(sample.text)
    >>> best = Best([Length(), Length()])
    >>> [r.value for r in best.score([Sample("ab")])], [r.value for r in asyncio.run(best.ascore([Sample("ab")]))]
    ([2.0], [2.0])
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        overridden = sorted({"score", "ascore", "score_batch", "score_one"} & set(vars(cls)))
        if overridden:
            raise TypeError(
                f"{cls.__name__} overrides {', '.join(overridden)}: a Composite writes its logic once, in plan()"
            )

    def plan(self, samples: list[Sample]) -> Plan:
        """The node's logic over a batch (see the class docstring)."""
        raise NotImplementedError

    def score_batch(self, samples: list[Sample]) -> list[RewardResult]:
        return drive(self.plan(samples), _score_calls)

    async def ascore(self, samples: Sequence[Sample]) -> list[RewardResult]:
        """Async twin of :meth:`score`: the same :meth:`plan`, children scored with ``ascore``."""
        samples = list(samples)
        if not samples:
            return []
        steps = self.plan(samples)
        try:
            calls = next(steps)
            while True:
                calls = steps.send(await _ascore_calls(calls))
        except StopIteration as stop:
            return self.finish(samples, stop.value)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a per-sample result
            return self.batch_failed(samples, exc)


def drive(steps: Plan, score_calls: Callable[[ChildCalls], list[list[RewardResult]]]) -> list[RewardResult]:
    """Run a plan to its end, answering each yield with ``score_calls``."""
    try:
        calls = next(steps)
        while True:
            calls = steps.send(score_calls(calls))
    except StopIteration as stop:
        return stop.value


def _score_calls(calls: ChildCalls) -> list[list[RewardResult]]:
    return [reward.score(batch) if batch else [] for reward, batch in calls]


async def _ascore_calls(calls: ChildCalls) -> list[list[RewardResult]]:
    async def one(reward: Reward, batch: list[Sample]) -> list[RewardResult]:
        return await reward.ascore(batch) if batch else []

    return list(await asyncio.gather(*(one(reward, batch) for reward, batch in calls)))


def spread(
    results: Sequence[RewardResult], chosen: Sequence[int] | np.ndarray, size: int, fill: RewardResult
) -> list[RewardResult]:
    """Results of a subset of a batch (sample ``chosen[k]`` got ``results[k]``) back at full size.

    >>> [r.value for r in spread([RewardResult.ok(1)], [1], 3, RewardResult.not_applicable())]
    [None, 1.0, None]
    """
    out = [fill] * size
    for index, result in zip(chosen, results, strict=True):
        out[int(index)] = result
    return out


def child_slots(reward: Reward) -> Iterator[tuple[str, int | None, Reward]]:
    """(parameter, index in a list parameter or None, child) for every child of ``reward``."""
    for key, value in reward.get_params().items():
        if isinstance(value, Reward):
            yield key, None, value
        elif isinstance(value, list | tuple):
            for index, item in enumerate(value):
                if isinstance(item, Reward):
                    yield key, index, item


def replace_child(reward: Reward, param: str, index: int | None, child: Reward) -> Reward:
    """A shallow copy of ``reward`` with one child replaced (the original is left alone)."""
    clone = copy.copy(reward)
    if index is None:
        setattr(clone, param, child)
    else:
        items = list(getattr(reward, param))
        items[index] = child
        setattr(clone, param, items)
    return clone


def map_children(reward: Reward, function: Callable[[Reward], Reward]) -> Reward:
    """A shallow copy of ``reward`` with ``function`` applied to every child."""
    clone = reward
    for param, index, child in list(child_slots(reward)):
        clone = replace_child(clone, param, index, function(child))
    return clone
