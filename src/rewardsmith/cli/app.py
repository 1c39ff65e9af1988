"""The typer application every command module attaches to, and the error boundary.

User mistakes (a bad spec, a missing file) become one readable line and exit code 2, never a
traceback.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.markup import escape

from rewardsmith.core import RewardsmithError

app = typer.Typer(
    name="rewardsmith",
    help="Define, test, audit and serve rewards for RL post-training.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True, soft_wrap=True)

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


def fail(message: str) -> typer.Exit:
    """Print an error line and return the exit to raise (exit code 2)."""
    console.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    return typer.Exit(EXIT_USAGE)


def _optional_value(argv: list[str], flag: str, default: str) -> list[str]:
    """Let ``flag`` be given without a value (``--ray`` alone means ``--ray local``)."""
    out = list(argv)
    for index, arg in enumerate(out):
        if arg == flag and (index + 1 == len(out) or out[index + 1].startswith("-")):
            out.insert(index + 1, default)
            break
    return out


def run() -> None:
    try:
        argv = _optional_value(_optional_value(sys.argv[1:], "--ray", "local"), "--best-of", "0")
        app(args=argv, prog_name="rewardsmith")
    except RewardsmithError as exc:  # messages hold brackets ("rewardsmith[text]") that are not markup
        console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        sys.exit(EXIT_USAGE)


@app.callback()
def _root() -> None:
    """rewardsmith: define, test, audit and serve rewards for RL post-training."""
