"""``rewardsmith list``: every registered component, or one in full."""

from __future__ import annotations

import inspect
import typing
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from rewardsmith.core import registry
from rewardsmith.core.reward import Reward

from .app import app, fail


def _first_line(cls: type[Reward]) -> str:
    doc = inspect.getdoc(cls) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def _type_name(annotation: Any) -> str:
    text = str(annotation) if typing.get_origin(annotation) else getattr(annotation, "__name__", str(annotation))
    return text.replace("typing.", "").replace("rewardsmith.core.reward.", "")


def describe_params(cls: type[Reward]) -> list[tuple[str, str, str]]:
    """(name, type, default) for each constructor parameter."""
    hints = typing.get_type_hints(cls.__init__)
    rows = []
    for param in inspect.signature(cls.__init__).parameters.values():
        if param.name == "self" or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        default = "required" if param.default is inspect.Parameter.empty else repr(param.default)
        rows.append((param.name, _type_name(hints.get(param.name, Any)), default))
    return rows


@app.command("list")
def list_components(
    name: Annotated[str | None, typer.Argument(help="Show one component in full.")] = None,
) -> None:
    """List registered components with their parameters, or show one in full."""
    out = Console()
    if name is None:
        table = Table(title="rewardsmith components", show_lines=False)
        table.add_column("name", style="bold cyan", no_wrap=True)
        table.add_column("description")
        table.add_column("parameters", style="dim")
        for component in registry.names():
            cls = registry.get(component)
            params = ", ".join(f"{n}={d}" if d != "required" else n for n, _, d in describe_params(cls))
            table.add_row(component, _first_line(cls), params)
        out.print(table)
        return
    if name not in registry.names():
        raise fail(f"unknown component {name!r}; run `rewardsmith list` to see them all")
    cls = registry.get(name)
    out.print(f"[bold cyan]{name}[/]  ({cls.__module__}.{cls.__qualname__})\n")
    out.print(inspect.getdoc(cls) or "", highlight=False, markup=False)
    table = Table(title="parameters")
    for column in ("name", "type", "default"):
        table.add_column(column)
    for row in describe_params(cls):
        table.add_row(*row)
    out.print(table)
    extra = getattr(cls, "describe_environment", None)
    if callable(extra):
        out.print(extra(), highlight=False)
