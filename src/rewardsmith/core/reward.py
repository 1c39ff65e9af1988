"""The one protocol: a Reward scores a batch of samples and returns one result per sample.

Batch-first, because models, process pools and HTTP all want batches. A component either
implements :meth:`Reward.score_one` (one sample at a time; the base class isolates failures per
sample) or overrides :meth:`Reward.score_batch` (whole batch; group-level transforms and models).
"""

from __future__ import annotations

import inspect
import traceback
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar, Literal

from .result import RewardResult, coerce_result, kind_of
from .sample import Sample

#: How far one sample's result depends on the other samples of a call, narrowest first:
#: ``sample`` (not at all), ``group`` (on the other completions of its prompt group, e.g. GRPO
#: normalisation), ``batch`` (on the whole call, or on earlier calls, e.g. running statistics).
BatchScope = Literal["sample", "group", "batch"]
BATCH_SCOPES: tuple[BatchScope, ...] = ("sample", "group", "batch")


def describe_exception(exc: BaseException) -> str:
    """One line naming the exception and where it was raised, for an error result."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" (at {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno})" if frames else ""
    text = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}{where}" if text else f"{type(exc).__name__}{where}"


class Reward:
    """Base class of every component.

    Parameters are constructor arguments stored under the same attribute names
    (scikit-learn style), so :meth:`get_params` and a YAML spec map one-to-one onto objects.

    >>> class Length(Reward):
    ...     name = "length"
    ...     def score_one(self, sample):
    ...         return len(sample.text)
    >>> [r.value for r in Length().score([Sample("abc"), Sample("")])]
    [3.0, 0.0]
    """

    name: str = "reward"
    #: The range a value must lie in, when the component declares one (audits and
    #: :func:`rewardsmith.testing.check_component` check it).
    value_range: tuple[float, float] | None = None
    #: A spec that builds a working instance, for ``rewardsmith list``, the docs and the shared
    #: conformance battery (:func:`rewardsmith.testing.check_component`). Needed when a
    #: constructor parameter has no default; otherwise ``{"type": name}`` is the example.
    example: ClassVar[dict[str, Any] | None] = None
    #: What this node itself reads besides its own sample (see :data:`BatchScope`); children add
    #: theirs in :attr:`batch_scope`.
    own_batch_scope: BatchScope = "sample"
    #: Packages the component imports, each mapped to the extra that installs it
    #: (``{"sacrebleu": "text"}``): a spec naming the component is refused while one is missing,
    #: before any record is scored. :meth:`requirements` narrows it by parameters.
    requires: ClassVar[Mapping[str, str]] = {}
    #: Parameters that change how the reward runs but never its values (worker counts, cache
    #: sizes, batch sizes): they stay in :func:`~rewardsmith.core.spec.to_spec` but are left out
    #: of :func:`~rewardsmith.core.spec.spec_hash`, so ``--resume`` and the cache still match.
    runtime_params: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def requirements(cls, params: Mapping[str, Any]) -> Mapping[str, str]:
        """The packages needed with these constructor parameters (module → extra): ``requires``."""
        return cls.requires

    @property
    def batch_scope(self) -> BatchScope:
        """The widest :data:`BatchScope` in this reward's tree.

        A result cache stores one result per sample, and a server that merges requests into
        one batch mixes their groups; both must know when a reward is not per-sample.

        >>> from rewardsmith.core import load
        >>> load({"type": "sum", "terms": [{"type": "group_norm", "reward": "text.exact"}]}).batch_scope
        'group'
        """
        scopes = [BATCH_SCOPES.index(self.own_batch_scope)]
        scopes += [BATCH_SCOPES.index(child.batch_scope) for _, child in self.children()]
        return BATCH_SCOPES[max(scopes)]

    @property
    def batch_dependent(self) -> bool:
        """True when a sample's result may depend on the other samples of the call."""
        return self.batch_scope != "sample"

    def score(self, samples: Sequence[Sample]) -> list[RewardResult]:
        """Score a batch. One sample that raises becomes an error result; the batch goes on."""
        samples = list(samples)
        if not samples:
            return []
        try:
            results = self.score_batch(samples)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a per-sample result
            return self.batch_failed(samples, exc)
        return self.finish(samples, results)

    def batch_failed(self, samples: list[Sample], exc: Exception) -> list[RewardResult]:
        """One error result per sample for a batch whose scoring raised ``exc``."""
        reason = describe_exception(exc)
        kind = kind_of(exc)
        if type(self).score_batch is Reward.score_batch or len(samples) == 1:
            return [RewardResult.fail(f"{self.name}: {reason}", kind=kind) for _ in samples]
        return [RewardResult.fail(f"{self.name}: batch failed: {reason}", kind=kind) for _ in samples]

    def finish(self, samples: list[Sample], results: Sequence[Any]) -> list[RewardResult]:
        """Exactly one valid result per sample from what scoring returned."""
        if len(results) != len(samples):
            return [
                RewardResult.fail(f"{self.name}: returned {len(results)} results for {len(samples)} samples")
                for _ in samples
            ]
        return [coerce_result(r) for r in results]

    async def ascore(self, samples: Sequence[Sample]) -> list[RewardResult]:
        """Async twin of :meth:`score`; the default runs it in a worker thread."""
        import asyncio

        return await asyncio.to_thread(self.score, samples)

    def score_batch(self, samples: list[Sample]) -> list[RewardResult]:
        """Score every sample; the default calls :meth:`score_one` and isolates failures."""
        results = []
        for sample in samples:
            try:
                results.append(coerce_result(self.score_one(sample)))
            except Exception as exc:  # noqa: BLE001
                results.append(RewardResult.fail(f"{self.name}: {describe_exception(exc)}", kind=kind_of(exc)))
        return results

    def score_one(self, sample: Sample) -> RewardResult | float | None:
        """Score one sample: a number, a RewardResult, or None for "not applicable"."""
        raise NotImplementedError(f"{type(self).__name__} implements neither score_one nor score_batch")

    def __call__(self, completion: Any, reference: Any = None, **fields: Any) -> RewardResult:
        """Score a single completion: ``reward("The answer is 4", "4")``."""
        sample = Sample.from_record({"completion": completion, "reference": reference, **fields})
        return self.score([sample])[0]

    @classmethod
    def param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [
            p.name
            for p in signature.parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]

    def get_params(self) -> dict[str, Any]:
        """Constructor parameters and their current values."""
        return {name: getattr(self, name) for name in self.param_names() if hasattr(self, name)}

    def children(self) -> Iterator[tuple[str, Reward]]:
        """Child rewards, with the label their results carry in ``details["components"]``."""
        for key, value in self.get_params().items():
            if isinstance(value, Reward):
                yield key, value
            elif isinstance(value, list | tuple):
                for index, item in enumerate(value):
                    if isinstance(item, Reward):
                        yield f"{key}[{index}]", item

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"
