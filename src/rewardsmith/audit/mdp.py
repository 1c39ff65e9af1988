"""The audit of a classical reward: the spec tabulated on a small MDP, then searched for exploits.

``rewardsmith audit SPEC MDP.json --mdp`` reads a tabular MDP description (JSON)::

    {
      "transitions": [S][A][S'] probabilities,         # required
      "gamma": 0.99, "initial": [S], "terminal": [state indices],
      "states": [S][D] observation of each state,        # default: the state index
      "actions": [A][K] action value of each action,     # default: the action index
      "env_reward": [S][A][S'],                          # what env.reward reads (optional)
      "true_reward": [S][A][S'] or "intended_policy": [S],
      "reference_reward": [S][A][S'],                    # optional: must keep its optimal policy
      "state_names": [...], "action_names": [...], "horizon": 100
    }

The spec is scored on every (s, a, s') as a transition sample — the proxy reward R[s, a, s'],
transitions that cannot occur included (:func:`tabulate`) — and the section reports the exploit
search (:func:`rewardsmith.classic.find_exploits`), the policy-invariance check against
``reference_reward`` (a shaped reward must keep the task's optimal policy), and two distances to
the true reward, both 0 for the true reward plus potential shaping:

* ``mdp_epic_distance``: EPIC as Gleave et al. (2021) define it, on every (s, a, s') — so the
  file's ``true_reward`` and ``env_reward`` count where T(s'|s,a) = 0 too;
* ``mdp_support_distance``: the same Pearson distance after a canonicalisation that reads only
  the transitions that can occur (:func:`rewardsmith.classic.episodic.support_distance`), for a
  true reward known only there.

Either is None, with a finding, where it is undefined (a reward equivalent to a constant) or
the spec cannot be scored on the triples it reads. Metrics for ``--fail-on``: ``mdp_exploited``
(0/1), ``mdp_gap``, ``mdp_policy_changed_states``, ``mdp_epic_distance``,
``mdp_support_distance``, ``mdp_errors`` (possible transitions the spec could not score: any
error fails the audit's tabulation).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from rewardsmith.classic import TabularMDP, check_policy_invariance, epic_distance, find_exploits
from rewardsmith.classic.distances import UndefinedDistance
from rewardsmith.classic.episodic import absorb_terminal, support_distance
from rewardsmith.classic.transition import transition_sample
from rewardsmith.core import DataError, Reward, load
from rewardsmith.core.spec import spec_hash, to_spec

from .rules import evaluate, parse_rule


def read_mdp(path: str | Path, need_target: bool = True) -> dict[str, Any]:
    """The MDP description in ``path``, checked; a DataError names the field at fault.
    ``need_target``: the audit needs ``true_reward`` or ``intended_policy`` (what the proxy
    should make the agent do); a distance between two specs does not."""
    where = str(path)
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DataError(where, f"cannot read the MDP description: {exc}") from None
    if not isinstance(raw, dict) or "transitions" not in raw:
        raise DataError(where, "an MDP description is a JSON object with 'transitions' [S][A][S']")
    gamma = raw.get("gamma", 0.99)
    if isinstance(gamma, bool) or not isinstance(gamma, (int, float)):
        raise DataError(where, f"gamma: expected a number in [0, 1], got {gamma!r}")
    for name in ("state_names", "action_names", "terminal", "initial", "states", "actions", "intended_policy"):
        if raw.get(name) is not None and not isinstance(raw[name], list):
            raise DataError(where, f"{name}: expected a list, got {type(raw[name]).__name__}")
    terminal = raw.get("terminal")
    if terminal is not None and not all(isinstance(i, int) and not isinstance(i, bool) for i in terminal):
        raise DataError(where, f"terminal: expected a list of state indices (integers), got {terminal!r}")
    try:
        transitions = np.asarray(raw["transitions"], dtype=np.float64)
    except (ValueError, TypeError) as exc:
        raise DataError(where, f"transitions: expected numbers [S][A][S'] (every row as long): {exc}") from None
    try:
        mdp = TabularMDP(
            transitions,
            gamma=float(gamma),
            initial=None if raw.get("initial") is None else np.asarray(raw["initial"], dtype=np.float64),
            terminal=None if terminal is None else np.asarray(terminal, dtype=np.int64),
            state_names=list(raw.get("state_names") or []),
            action_names=list(raw.get("action_names") or []),
        )
    except (ValueError, TypeError) as exc:
        raise DataError(where, str(exc)) from None
    if mdp.gamma == 1.0:
        endless = mdp.endless_states()
        if endless:
            raise DataError(
                where,
                f"gamma: 1 needs every policy to reach a terminal state, but from state {endless[0]} a policy can "
                f"loop forever and its return diverges; use gamma < 1",
            )
    shape = mdp.transitions.shape
    arrays: dict[str, np.ndarray] = {}
    for name in ("env_reward", "true_reward", "reference_reward"):
        if raw.get(name) is not None:
            try:
                array = np.asarray(raw[name], dtype=np.float64)
            except (ValueError, TypeError) as exc:
                raise DataError(where, f"{name}: expected numbers [S][A][S']: {exc}") from None
            if array.shape != shape:
                raise DataError(where, f"{name}: expected shape {shape}, got {array.shape}")
            if not np.all(np.isfinite(array)):
                s, a, x = (int(i) for i in np.argwhere(~np.isfinite(array))[0])
                raise DataError(where, f"{name}: [{s}][{a}][{x}] is {array[s, a, x]}, not a finite number")
            arrays[name] = array
    if need_target and "true_reward" not in arrays and raw.get("intended_policy") is None:
        raise DataError(where, "give 'true_reward' or 'intended_policy' (what the proxy should make the agent do)")
    intended = raw.get("intended_policy")
    if intended is not None and (
        len(intended) != mdp.n_states
        or not all(isinstance(a, int) and not isinstance(a, bool) and 0 <= a < mdp.n_actions for a in intended)
    ):
        raise DataError(
            where, f"intended_policy: expected one action index (0 to {mdp.n_actions - 1}) per state ({mdp.n_states})"
        )
    horizon = raw.get("horizon", 100)
    if isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 1:
        raise DataError(where, f"horizon: expected a positive integer, got {horizon!r}")
    states = raw.get("states") or [[s] for s in range(mdp.n_states)]
    actions = raw.get("actions") or list(range(mdp.n_actions))
    if len(states) != mdp.n_states or len(actions) != mdp.n_actions:
        raise DataError(where, f"'states' needs {mdp.n_states} entries and 'actions' {mdp.n_actions}")
    return {
        "mdp": mdp,
        "states": states,
        "actions": actions,
        "intended_policy": raw.get("intended_policy"),
        "horizon": horizon,
        **arrays,
    }


def tabulate(reward: Reward, description: dict[str, Any]) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """R[s, a, s'] = the spec on every (s, a, s'), possible or not; the (s, a, s') it could not score.

    EPIC's canonicalisation averages R over every triple and DARD's over transitions between
    successors, most of which cannot occur; their shaping invariance needs R there too (a 0 put
    in their place is not shaped, and the shaping no longer cancels). A transition sample can
    be built for any triple, so the spec is scored on all of them: ``terminated`` is whether s'
    is terminal, ``reward`` (what ``env.reward`` reads) is ``env_reward[s, a, s']``. Rows of
    terminal states are then taken relative to their absorbing step
    (:func:`rewardsmith.classic.episodic.absorb_terminal`), which makes a terminal-safe
    ``shaping.potential`` a shaping of the continuing MDP EPIC and DARD are defined on; no
    transition an episode can contain changes. Each problem says whether its transition is
    possible (T(s'|s,a) > 0): the exploit search needs those, the distances need all.
    """
    mdp: TabularMDP = description["mdp"]
    env_reward = description.get("env_reward")
    assert mdp.terminal is not None
    possible = mdp.transitions > 0
    cells = [tuple(index) for index in np.argwhere(possible)] + [tuple(index) for index in np.argwhere(~possible)]
    samples = [
        transition_sample(
            description["states"][s],
            description["actions"][a],
            description["states"][n],
            reward=None if env_reward is None else float(env_reward[s, a, n]),
            terminated=bool(mdp.terminal[n]),
            id=f"{s},{a},{n}",
        )
        for s, a, n in cells
    ]
    table = np.zeros(mdp.transitions.shape)
    problems = []
    for (s, a, n), result in zip(cells, reward.score(samples), strict=True):
        if result.value is None:
            error = result.error or "not applicable"
            if not possible[s, a, n]:
                error += " (a transition that cannot occur, which EPIC's canonicalisation reads)"
            problems.append(
                {"transition": [int(s), int(a), int(n)], "error": error, "possible": bool(possible[s, a, n])}
            )
        else:
            table[s, a, n] = result.value
    return absorb_terminal(table, mdp.terminal), problems


def _distance(name: str, compute: Callable[[], float], findings: list[dict[str, str]]) -> float | None:
    """A distance, or None with a finding when the true reward or the spec prefers nothing."""
    try:
        return compute()
    except UndefinedDistance as exc:
        findings.append({"level": "warn", "text": f"{name} is not defined: {exc}"})
        return None


def mdp_section(reward: Reward, description: dict[str, Any]) -> dict[str, Any]:
    """The ``mdp`` section: tabulated proxy, exploit search, invariance and distances to the true reward."""
    mdp: TabularMDP = description["mdp"]
    proxy, problems = tabulate(reward, description)
    blocking = [problem for problem in problems if problem["possible"]]
    findings = []
    metrics: dict[str, Any] = {"mdp_errors": len(blocking)}
    section: dict[str, Any] = {"states": mdp.n_states, "actions": mdp.n_actions, "gamma": mdp.gamma}
    if blocking:
        findings.append({"level": "bad", "text": f"the spec gave no value on {len(blocking)} transitions"})
        section.update(metrics=metrics, findings=findings, errors=blocking[:20])
        return section
    true = description.get("true_reward")
    intended = description.get("intended_policy")
    report = find_exploits(mdp, proxy, true, None if intended is None else np.asarray(intended), description["horizon"])
    metrics.update(
        mdp_exploited=int(report.exploited),
        mdp_gap=report.gap,
        mdp_threshold=report.threshold,
        mdp_proxy_return_optimal=report.proxy_return_optimal,
        mdp_proxy_return_intended=report.proxy_return_intended,
    )
    if report.true_return_optimal is not None:
        metrics["mdp_true_return_optimal"] = report.true_return_optimal
        metrics["mdp_true_return_intended"] = report.true_return_intended
    findings.append({"level": "bad" if report.exploited else "ok", "text": report.summary()})
    reference = description.get("reference_reward")
    if reference is not None:
        invariance = check_policy_invariance(mdp, reference, proxy)
        metrics["mdp_policy_changed_states"] = len(invariance.changed_states)
        if not invariance.invariant:
            findings.append(
                {
                    "level": "bad",
                    "text": f"the spec changes the reference reward's optimal policy in states "
                    f"{invariance.changed_states[:10]}: a shaping term without the potential form?",
                }
            )
    if true is not None:
        if problems:
            metrics["mdp_epic_distance"] = None
            findings.append(
                {
                    "level": "warn",
                    "text": f"EPIC is not computed: it reads the spec on every (s, a, s'), and the spec gave "
                    f"no value on {len(problems)} that cannot occur (first: {problems[0]['transition']}, "
                    f"{problems[0]['error']}); mdp_support_distance reads only the possible ones",
                }
            )
            section["errors"] = problems[:20]
        else:
            true_full = absorb_terminal(true, mdp.terminal)
            metrics["mdp_epic_distance"] = _distance(
                "mdp_epic_distance", lambda: epic_distance(proxy, true_full, mdp.gamma), findings
            )
        metrics["mdp_support_distance"] = _distance(
            "mdp_support_distance",
            lambda: support_distance(proxy, true, mdp.transitions, mdp.gamma, mdp.terminal),
            findings,
        )
    section.update(metrics=metrics, findings=findings, trajectory=report.trajectory, degenerate=report.degenerate)
    return section


def audit_mdp(
    reward: Reward | str | dict[str, Any],
    path: str | Path,
    fail_on: list[str] | tuple[str, ...] = (),
    meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A report (same shape as :func:`rewardsmith.audit.audit`'s) with the ``mdp`` section only.

    >>> from rewardsmith.classic.examples import looping_boat_race
    >>> import json, tempfile
    >>> mdp, proxy, true = looping_boat_race()
    >>> path = tempfile.mktemp(suffix=".json")
    >>> _ = open(path, "w").write(json.dumps({"transitions": mdp.transitions.tolist(), "gamma": 0.99,
    ...     "initial": mdp.initial.tolist(), "terminal": [4], "env_reward": proxy.tolist(),
    ...     "true_reward": true.tolist()}))
    >>> report = audit_mdp({"type": "env.reward"}, path, fail_on=["mdp_exploited>0"])
    >>> report["metrics"]["mdp_exploited"], report["failed"]
    (1, True)
    """
    rules = [parse_rule(text) for text in fail_on]
    reward = load(reward)
    description = read_mdp(path)
    section = mdp_section(reward, description)
    metrics = dict(section.get("metrics", {}))
    try:
        spec, digest = to_spec(reward), spec_hash(reward)
    except Exception:  # noqa: BLE001 - a reward built in Python may not round-trip to a spec
        spec, digest = {"type": reward.name}, None
    report: dict[str, Any] = {
        "meta": {
            "reward": reward.name,
            "spec": spec,
            "spec_hash": digest,
            "records": int(np.count_nonzero(description["mdp"].transitions > 0)),
            "threshold": None,
            "seed": None,
            "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            **(meta or {}),
        },
        "metrics": metrics,
        "findings": list(section.get("findings", [])),
        "sections": {"mdp": section},
        "rules": evaluate(rules, metrics),
    }
    report["failed"] = any(rule["failed"] for rule in report["rules"])
    return json.loads(json.dumps(report, default=float))
