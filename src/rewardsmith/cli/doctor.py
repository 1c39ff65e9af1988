"""``rewardsmith doctor``: what this machine gives rewardsmith, starting with the code sandbox."""

from __future__ import annotations

import typer
from rich.console import Console

from .app import app


@app.command("doctor")
def doctor() -> None:
    """Report the code sandbox's isolation here (network namespace or the fallback in use)."""
    from rewardsmith.verifiers.code.reward import get_pool, isolation_report
    from rewardsmith.verifiers.code.sandbox import SandboxError

    out = Console()
    pool = get_pool(1)
    try:
        out.print(isolation_report(pool), highlight=False, markup=False)
    except SandboxError as exc:
        out.print(f"code sandbox: cannot start ({exc})", highlight=False, markup=False)
        raise typer.Exit(1) from exc
    finally:
        pool.close()
