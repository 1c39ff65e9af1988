"""``rewardsmith distance SPEC_A SPEC_B``: how different two rewards are, without training on them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from .app import app


def _spec_function(reward: Any, info: dict[str, Any] | None = None) -> Any:
    """A vectorised R(s, a, s') over arrays from a spec: each row scored as a transition sample."""
    import numpy as np

    from rewardsmith.classic.transition import transition_sample
    from rewardsmith.core.errors import RewardError

    def function(obs: Any, actions: Any, next_obs: Any) -> Any:
        samples = [transition_sample(s, a, x, info=info) for s, a, x in zip(obs, actions, next_obs, strict=True)]
        values = []
        for index, result in enumerate(reward.score(samples)):
            if result.value is None:
                raise RewardError(
                    f"{reward.name} gave no value on transition {index}: {result.error or 'not applicable'}"
                )
            values.append(result.value)
        return np.asarray(values)

    return function


@app.command("distance")
def distance_command(
    spec_a: Annotated[str, typer.Argument(help="First reward: spec file, component name or inline '{type: ...}'.")],
    spec_b: Annotated[str, typer.Argument(help="Second reward.")],
    env: Annotated[str | None, typer.Option(help="Gymnasium environment id to sample transitions from.")] = None,
    mdp: Annotated[
        Path | None, typer.Option(help="Tabular MDP description (JSON, see docs/classic.md): exact.")
    ] = None,
    gamma: Annotated[
        float | None,
        typer.Option(
            help="Discount factor of the canonicalisation, in [0, 1] (default: the --mdp file's gamma, else 0.99)."
        ),
    ] = None,
    transitions: Annotated[int, typer.Option(min=10, help="Transitions sampled from --env (random policy).")] = 512,
    mean_samples: Annotated[
        int, typer.Option(min=1, help="(action, next state) pairs for the canonical expectations.")
    ] = 64,
    bootstrap: Annotated[int, typer.Option(min=10, help="Bootstrap resamples for the interval.")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the rollouts, samples and bootstrap.")] = 0,
) -> None:
    """EPIC distance (Gleave et al. 2021) between two rewards: 0 = same policies, 1 = opposite.

    With --mdp the distance is exact (tabular, plus STARC with EPIC and DARD canonicalisation);
    with --env it is estimated from transitions of a random policy, with a bootstrap interval.
    """
    import numpy as np
    from rich.console import Console

    from rewardsmith.classic import epic_distance, starc_distance
    from rewardsmith.classic.distances import bootstrap_interval, sample_canonical

    from .audit import load_spec

    if (env is None) == (mdp is None):
        raise typer.BadParameter("give exactly one of --env and --mdp")
    # EPIC's canonicalisation is defined for any γ in [0, 1]; γ = 1 (undiscounted, episodic) is allowed
    if gamma is not None and not 0.0 <= gamma <= 1.0:  # also refuses NaN
        raise typer.BadParameter(f"must be a discount factor in [0, 1], got {gamma}", param_hint="--gamma")
    out = Console(soft_wrap=True)
    reward_a, reward_b = load_spec(spec_a), load_spec(spec_b)
    if mdp is not None:
        from rewardsmith.audit.mdp import read_mdp, tabulate

        description = read_mdp(mdp, need_target=False)
        if gamma is None:
            gamma = description["mdp"].gamma
            out.print(f"gamma {gamma:g} (the file's)")
        tables = []
        for reward in (reward_a, reward_b):
            table, problems = tabulate(reward, description)
            if problems:
                raise typer.BadParameter(
                    f"{reward.name} gave no value on {problems[0]['transition']}: {problems[0]['error']}"
                )
            tables.append(table)
        dynamics = description["mdp"].transitions
        out.print(f"EPIC distance: {epic_distance(tables[0], tables[1], gamma):.6f}")
        for canon in ("EPIC", "DARD"):
            value = starc_distance(tables[0], tables[1], dynamics, gamma, canon, 2, 2)
            out.print(f"STARC ({canon} canonicalisation, L2 norm, L2 metric): {value:.6f}")
        return
    gamma = 0.99 if gamma is None else gamma
    try:
        import gymnasium as gym
    except ImportError:
        raise typer.BadParameter("--env needs gymnasium: pip install 'rewardsmith[gym]'") from None
    assert env is not None  # exactly one of --env and --mdp, and --mdp returned above
    try:
        environment = gym.make(env)
    except gym.error.Error as exc:
        raise typer.BadParameter(f"cannot make the environment {env!r}: {exc}", param_hint="--env") from None
    obs, _ = environment.reset(seed=seed)
    environment.action_space.seed(seed)
    starts: list[np.ndarray] = []
    actions: list[np.ndarray] = []
    following: list[np.ndarray] = []
    while len(starts) < transitions:
        action = environment.action_space.sample()
        next_obs, _, terminated, truncated, _ = environment.step(action)
        starts.append(np.asarray(obs, dtype=np.float64))
        actions.append(np.asarray(action, dtype=np.float64))
        following.append(np.asarray(next_obs, dtype=np.float64))
        obs = next_obs if not (terminated or truncated) else environment.reset()[0]
    rng = np.random.default_rng(seed)
    s, a, x = np.stack(starts), np.stack(actions), np.stack(following)
    state_samples = x[rng.choice(len(x), size=min(mean_samples, len(x)), replace=False)]
    acts = np.stack(
        [np.asarray(environment.action_space.sample(), dtype=np.float64) for _ in range(len(state_samples))]
    )
    canonical = [
        sample_canonical(_spec_function(reward), s, a, x, acts, state_samples, gamma) for reward in (reward_a, reward_b)
    ]
    estimate, low, high = bootstrap_interval(canonical[0], canonical[1], n_bootstrap=bootstrap, seed=seed)
    out.print(
        f"EPIC distance on {env}: {estimate:.4f}  (95% bootstrap interval {low:.4f} – {high:.4f}; "
        f"{transitions} transitions of a random policy, {len(state_samples)} mean samples)"
    )
