"""The conformance battery: every promise a component makes, checked the same way for all.

Each check takes a :class:`Subject` (the reward as loaded from its spec, and the records to
score) and raises :class:`AssertionError` naming what broke. :func:`check_component` runs them.
"""

from __future__ import annotations

import asyncio
import copy
import inspect
import json
import math
import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rewardsmith.core import Reward, RewardResult, Sample, load, registry, to_spec
from rewardsmith.core.composition import child_slots, group_indices, replace_child

from . import hostile, paths

Record = dict[str, Any]
Key = tuple[str, float | None, str | None, str | None]


@dataclass
class Subject:
    """What is checked: the loaded reward (kept pristine), its spec and the records to score."""

    reward: Reward
    spec: dict[str, Any]
    records: list[Record]

    def fresh(self) -> Reward:
        """A copy in the state the reward was loaded in (stateful rewards count their calls)."""
        return copy.deepcopy(self.reward)

    def samples(self) -> list[Sample]:
        """Fresh samples of the records."""
        return [Sample.from_record(copy.deepcopy(record)) for record in self.records]


def key(result: RewardResult, error_text: bool = True) -> Key:
    """What must agree between two paths: status, value, error kind and (optionally) the reason.

    Reasons are compared only between calls on the same batch: a message may name a record by
    its place in the batch."""
    kind = None if result.error_kind is None else str(result.error_kind)
    return (result.status, result.value, kind, result.error if error_text else None)


def keys(results: Sequence[RewardResult], error_text: bool = True) -> list[Key]:
    return [key(result, error_text) for result in results]


def _differences(expected: Sequence[Any], got: Sequence[Any], what: str) -> None:
    if len(expected) != len(got):
        raise AssertionError(f"{what}: {len(got)} results for {len(expected)} samples")
    pairs = enumerate(zip(expected, got, strict=True))
    wrong = [f"  sample {i}: expected {e!r}, got {g!r}" for i, (e, g) in pairs if e != g]
    if wrong:
        raise AssertionError(f"{what} differs:\n" + "\n".join(wrong[:6]))


def names_in(reward: Reward) -> set[str]:
    """The names of every node of ``reward``'s tree."""
    found = {reward.name}
    for _, _, child in child_slots(reward):
        found |= names_in(child)
    return found


# --- the checks ---------------------------------------------------------------------------------


def check_spec_round_trip(subject: Subject) -> None:
    """``to_spec`` gives a plain-data spec that loads back into an equal reward, with equal results."""
    spec = to_spec(subject.reward)
    try:
        json.dumps(spec)
    except (TypeError, ValueError) as exc:
        raise AssertionError(f"to_spec is not plain JSON data: {exc}") from None
    again = load(spec)
    if to_spec(again) != spec:
        raise AssertionError(f"to_spec(load(to_spec(r))) != to_spec(r):\n  {to_spec(again)}\n  {spec}")
    _differences(keys(subject.fresh().score(subject.samples())), keys(again.score(subject.samples())), "reloaded")


def check_pickle(subject: Subject) -> None:
    """A reward pickles after it has scored (pools, caches started) and scores the same after."""
    reward = subject.fresh()
    reward.score(subject.samples())
    clone = pickle.loads(pickle.dumps(reward))
    if to_spec(clone) != to_spec(reward):
        raise AssertionError("the unpickled reward has another spec")
    _differences(keys(reward.score(subject.samples())), keys(clone.score(subject.samples())), "after unpickling")


def check_sync_async(subject: Subject) -> None:
    """``score`` and ``ascore`` give the same results."""
    expected = keys(subject.fresh().score(subject.samples()))
    _differences(expected, keys(asyncio.run(subject.fresh().ascore(subject.samples()))), "ascore")


def check_one_at_a_time(subject: Subject) -> None:
    """A sample's result does not depend on the rest of the batch beyond the reward's ``batch_scope``.

    Per-sample rewards are scored one sample at a time, group rewards one group at a time; a
    bad sample in the batch therefore cannot change the others. ``batch`` rewards are exempt.
    """
    scope = subject.reward.batch_scope
    if scope == "batch":
        return
    samples = subject.samples()
    expected = keys(subject.fresh().score(samples), error_text=False)
    units = [[i] for i in range(len(samples))] if scope == "sample" else [g.tolist() for g in group_indices(samples)]
    got: list[Key | None] = [None] * len(samples)
    for unit in units:
        for index, result in zip(unit, subject.fresh().score([samples[i] for i in unit]), strict=True):
            got[index] = key(result, error_text=False)
    _differences(expected, got, f"scored one {scope} at a time")


def check_order(subject: Subject) -> None:
    """Shuffling the batch shuffles the results and nothing else (``batch`` rewards are exempt)."""
    if subject.reward.batch_scope == "batch":
        return
    samples = subject.samples()
    expected = keys(subject.fresh().score(samples), error_text=False)
    _differences(expected[::-1], keys(subject.fresh().score(samples[::-1]), error_text=False), "reversed batch")


def check_values(subject: Subject) -> None:
    """Values are finite and lie in the declared ``value_range``; errors say why and of what kind."""
    reward = subject.fresh()
    low, high = reward.value_range or (-math.inf, math.inf)
    for index, result in enumerate(reward.score(subject.samples())):
        if result.value is not None:
            if not math.isfinite(result.value):
                raise AssertionError(f"sample {index}: value {result.value!r} is not finite")
            if not low <= result.value <= high:
                raise AssertionError(f"sample {index}: value {result.value!r} outside value_range {reward.value_range}")
        if result.error is not None and (not result.error.strip() or result.error_kind is None):
            raise AssertionError(f"sample {index}: an error without a reason or a kind: {result!r}")


def check_exception(subject: Subject) -> None:
    """An exception inside becomes an error result naming the component, with an error kind; in
    a batch, the other samples keep their results (or fail too, but never get another value)."""
    names = names_in(subject.reward)
    alone = subject.fresh().score([hostile.ExplodingSample()])[0]
    if alone.error is None:
        raise AssertionError(f"a sample that raises when read got {alone.status}, not an error")
    if not any(name in alone.error for name in names) or alone.error_kind is None:
        raise AssertionError(f"the error does not name the component ({sorted(names)}): {alone.error!r}")
    samples = subject.samples()
    expected = keys(subject.fresh().score(samples))
    mixed = subject.fresh().score([*samples[:2], hostile.ExplodingSample(), *samples[2:]])
    if mixed[2].error is None:
        raise AssertionError(f"in a batch, the sample that raises got {mixed[2].status}, not an error")
    for index, result in enumerate([*mixed[:2], *mixed[3:]]):
        if result.error is None and key(result) != expected[index]:
            raise AssertionError(f"sample {index} changed beside a raising sample: {key(result)} {expected[index]}")


def check_hostile_children(subject: Subject) -> None:
    """Each child in turn replaced by one that raises, one that is not applicable and one that is
    slow: a raising child gives an error naming it (or is not used for that sample), a child
    that does not apply never creates an error, a slow child changes nothing, on both paths."""
    for param, index, _ in child_slots(subject.reward):
        slot = param if index is None else f"{param}[{index}]"

        def variant(child: Reward) -> Reward:
            return replace_child(subject.fresh(), param, index, child)  # noqa: B023 - used at once

        samples = subject.samples()
        low = variant(hostile.Constant(0.25)).score(samples)
        high = variant(hostile.Constant(0.75)).score(samples)
        raising = variant(hostile.Raising())
        failed = raising.score(samples)
        _differences(keys(failed), keys(asyncio.run(raising.ascore(samples))), f"{slot} raising: ascore")
        for i, result in enumerate(failed):
            if result.error is not None:
                if hostile.BOOM not in result.error and low[i].error is None:
                    raise AssertionError(f"{slot} raising, sample {i}: the error does not say why: {result.error!r}")
            elif key(low[i]) != key(high[i]) or key(result) != key(low[i]):
                raise AssertionError(f"{slot} raising, sample {i}: got a value {result.value!r} from a failed child")
        abstaining = variant(hostile.Abstaining())
        skipped = abstaining.score(samples)
        _differences(keys(skipped), keys(asyncio.run(abstaining.ascore(samples))), f"{slot} not applicable: ascore")
        for i, result in enumerate(skipped):
            if result.error is not None and low[i].error is None:
                raise AssertionError(f"{slot} not applicable, sample {i}: became an error: {result.error!r}")
        slow = variant(hostile.Constant(0.25, delay=0.02))
        _differences(keys(low), keys(slow.score(samples)), f"{slot} slow")
        _differences(keys(low), keys(asyncio.run(slow.ascore(samples))), f"{slot} slow: ascore")


def _round_tripped(subject: Subject) -> list[Sample]:
    """The samples as a data file or an HTTP body carries them (JSON)."""
    try:
        return [Sample.from_record(json.loads(json.dumps(record))) for record in subject.records]
    except (TypeError, ValueError) as exc:
        raise AssertionError(f"the samples are not plain JSON records: {exc}") from None


def check_runner(subject: Subject) -> None:
    """``rewardsmith score --workers 2``: the same results from spawned worker processes."""
    expected = keys(subject.fresh().score(_round_tripped(subject)), error_text=False)
    batch_size = len(subject.records) if subject.reward.batch_scope == "batch" else 2
    got = paths.through_runner(subject.fresh(), subject.records, batch_size)
    _differences(expected, keys(got, error_text=False), "through the runner with 2 worker processes")


def check_server(subject: Subject) -> None:
    """``/score`` on a real server gives the same results, with its cache off and on.

    Each server is sent every other record first, then all of them twice: a cache that stored a
    result computed with the wrong neighbours (a group cut in half) would answer it again."""
    server = paths.conformance_server()
    part = subject.records[::2]
    calls = [part, subject.records, subject.records]
    reference = subject.fresh()
    expected = []
    for records in calls:
        samples = [Sample.from_record(json.loads(json.dumps(record))) for record in records]
        expected.append(reference.score(samples))
    for cache in (False, True):
        url = server.serve(subject.fresh(), cache=cache)
        for number, (records, want) in enumerate(zip(calls, expected, strict=True)):
            what = f"/score{' with --cache' if cache else ''}, request {number + 1} of {len(calls)}"
            # the cache scores only its misses, in a smaller batch: reasons may name other places
            got = paths.through_server(url, records)
            _differences(keys(want, error_text=not cache), keys(got, error_text=not cache), what)


def check_adapters(subject: Subject) -> None:
    """The TRL (sync, async), verl (per sample, async, batch) and OpenRLHF adapters give the
    values of the reward itself, mapped by their failure policy (abstain)."""
    from rewardsmith.integrations.common import policy_value
    from rewardsmith.integrations.openrlhf import OpenRLHFReward
    from rewardsmith.integrations.trl import AsyncTRLReward, TRLReward
    from rewardsmith.integrations.verl import VerlReward, to_sample
    from rewardsmith.serve.openrlhf import to_response, to_samples

    records = json.loads(json.dumps(subject.records))
    call = paths.trl_call(records)
    trl = TRLReward(subject.fresh())
    direct_results = subject.fresh().score(trl.samples(**call))
    bound = keys(TRLReward(subject.fresh()).bound.score(trl.samples(**call)), error_text=False)
    _differences(keys(direct_results, error_text=False), bound, "the adapters' shared core (BoundReward)")
    expected = [policy_value(r, "abstain") for r in direct_results]
    _differences(expected, trl(**call), "TRL")
    _differences(expected, asyncio.run(AsyncTRLReward(subject.fresh())(**call)), "TRL async")

    verl_samples = [to_sample(**c) for c in paths.verl_calls(records)]
    verl = VerlReward(subject.fresh())
    if subject.reward.batch_scope == "group":  # verl passes no prompt groups: refused, never a silent 0
        rows = VerlReward(subject.fresh()).score(verl_samples)
        if any(row["status"] != "error" for row in rows):
            raise AssertionError("verl: a group reward scored without the groups verl never passes")
    else:
        direct = _numbers(verl.to_dicts(verl_samples, subject.fresh().score(verl_samples)))
        _differences(direct, _numbers(VerlReward(subject.fresh()).score(verl_samples)), "verl batch")
    if subject.reward.batch_scope == "sample":
        one = VerlReward(subject.fresh())
        _differences(direct, _numbers([one.score([s])[0] for s in verl_samples]), "verl compute_score")
        many = VerlReward(subject.fresh())
        rows = [asyncio.run(many.ascore([s]))[0] for s in verl_samples]
        _differences(direct, _numbers(rows), "verl compute_score_async")

    queries = [
        (r.get("prompt") or "") + (r["completion"] if isinstance(r.get("completion"), str) else "") for r in records
    ]
    prompts = [r.get("prompt") for r in records]
    labels = [r.get("reference") for r in records]
    samples, found = to_samples(queries, prompts, labels)
    reward = subject.fresh()
    # OpenRLHF sends no groups: a batch-dependent reward is refused (every sample an error)
    results = [RewardResult.fail("refused")] * len(samples) if reward.batch_dependent else reward.score(samples)
    expected_answer = to_response(results, found, "abstain", reward.value_range)
    answer = OpenRLHFReward(subject.fresh())(queries, prompts, labels)
    _differences(expected_answer["rewards"], answer["rewards"], "OpenRLHF")


def _numbers(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """verl rows without their error text (the adapter adds the record's place to it)."""
    return [{k: v for k, v in row.items() if k != "error"} for row in rows]


#: The battery, in the order it runs. Names are what ``checks=`` selects and reports use.
CHECKS: dict[str, Callable[[Subject], None]] = {
    "spec_round_trip": check_spec_round_trip,
    "pickle": check_pickle,
    "sync_async": check_sync_async,
    "one_at_a_time": check_one_at_a_time,
    "order": check_order,
    "values": check_values,
    "exception": check_exception,
    "hostile_children": check_hostile_children,
    "runner": check_runner,
    "server": check_server,
    "adapters": check_adapters,
}
#: Checks that start processes or a server: a battery over many components may run them apart.
PATH_CHECKS = ("runner", "server", "adapters")


class ConformanceError(AssertionError):
    """A component broke one or more promises; the message lists each failed check."""

    def __init__(self, component: str, failures: dict[str, str]) -> None:
        self.component = component
        self.failures = failures
        lines = "\n".join(f"- {check}: {reason}" for check, reason in failures.items())
        super().__init__(f"{component} fails {len(failures)} conformance check(s):\n{lines}")


def example_spec(name: str) -> dict[str, Any]:
    """The documented example of a registered component: its ``example``, or ``{"type": name}``
    when every constructor parameter has a default."""
    cls = registry.get(name)
    if cls.example is not None:
        if cls.example.get("type") != name:
            raise AssertionError(f"{name}: its example is of type {cls.example.get('type')!r}")
        return copy.deepcopy(cls.example)
    required = [
        p.name
        for p in inspect.signature(cls.__init__).parameters.values()
        if p.name != "self" and p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    if required:
        raise AssertionError(
            f"{name}: no documented example; set `example = {{'type': {name!r}, ...}}` on the class "
            f"(required parameters: {', '.join(required)})"
        )
    return {"type": name}


def subject_of(name_or_reward: str | dict[str, Any] | Reward, samples: Sequence[Sample] | None) -> Subject:
    """Load what is checked: a registered name (from its example), a spec dict, or a Reward."""
    if isinstance(name_or_reward, Reward):
        reward = name_or_reward
        spec = to_spec(reward)
    else:
        spec = example_spec(name_or_reward) if isinstance(name_or_reward, str) else copy.deepcopy(name_or_reward)
        try:
            reward = load(copy.deepcopy(spec))
        except Exception as exc:
            raise ConformanceError(str(spec.get("type")), {"example": f"cannot load {spec}: {exc!r}"}) from exc
    if samples is None:
        from .samples import default_records

        records = [copy.deepcopy(record) for record in default_records(reward)]
    else:
        records = [sample.to_record() for sample in samples]
    return Subject(reward, spec, records)


def check_component(
    name_or_reward: str | dict[str, Any] | Reward,
    samples: Sequence[Sample] | None = None,
    *,
    checks: Sequence[str] | None = None,
) -> list[str]:
    """Run the conformance battery on one component; raise :class:`ConformanceError` listing every
    check it fails. Returns the names of the checks that ran.

    ``name_or_reward`` is a registered name (loaded from its documented ``example``), a spec
    dict or a Reward. ``samples`` replaces the default sample set of the component's kind
    (:mod:`rewardsmith.testing.samples`); give plain-JSON fields so the samples can travel
    through a file, the server and the adapters. ``checks`` selects checks by name
    (:data:`CHECKS`; default: all).

    >>> check_component("text.exact", checks=["spec_round_trip", "sync_async", "one_at_a_time"])
    ['spec_round_trip', 'sync_async', 'one_at_a_time']
    """
    selected = list(CHECKS) if checks is None else list(checks)
    unknown = sorted(set(selected) - set(CHECKS))
    if unknown:
        raise ValueError(f"checks: unknown {', '.join(unknown)} (known: {', '.join(CHECKS)})")
    subject = subject_of(name_or_reward, samples)
    failures: dict[str, str] = {}
    for name in selected:
        try:
            CHECKS[name](subject)
        except Exception as exc:  # noqa: BLE001 - every broken promise is reported, not only the first
            failures[name] = str(exc) if isinstance(exc, AssertionError) else f"raised {exc!r}"
    if failures:
        raise ConformanceError(subject.reward.name, failures)
    return selected
