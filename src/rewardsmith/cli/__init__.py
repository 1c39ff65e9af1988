"""The ``rewardsmith`` command: thin; parses flags and calls the library.

Each sub-command lives in its own module and attaches itself to :data:`app`.
"""

from . import audit, distance, doctor, listing, monitor, score, select, serve, train  # noqa: F401 - importing registers the commands
from .app import app, run


def main() -> None:
    run()


__all__ = ["app", "main"]
