"""``rewardsmith list``: every registered component, or one in full.

The table of built-ins comes from the generated index (``core/builtins.json``), so listing
imports no component module; entry points and components registered at run time are described
from their classes. One component in full imports its module and shows its docstring reflowed
to the terminal (paragraphs and list items re-wrapped, code and doctests kept as written).
"""

from __future__ import annotations

import re
import textwrap
from typing import Annotated

import typer

from .app import app, fail

_ITEM = re.compile(r"^(\s*)([*+-]|\d+[.)])\s+")
_FENCE = re.compile(r"^\s*(```|~~~)")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def reflow(doc: str, width: int = 88) -> str:
    """A docstring dedented and re-wrapped to ``width``: each paragraph and list item becomes
    one wrapped block; doctests, fenced code, ``::`` literal blocks and directives stay as written.

    >>> print(reflow('''First line
    ...     wrapped by hand::
    ...
    ...         kept   as
    ...         written
    ...
    ...     * item one
    ...       continued
    ...     * item two''', width=40))
    First line wrapped by hand::
    <BLANKLINE>
        kept   as
        written
    <BLANKLINE>
    * item one continued
    * item two
    """
    lines = textwrap.dedent(_clean(doc)).splitlines()
    out: list[str] = []
    words: list[str] = []
    first = later = ""

    def flush() -> None:
        nonlocal words
        if words:
            out.extend(textwrap.wrap(" ".join(words), width, initial_indent=first, subsequent_indent=later,
                                     break_long_words=False, break_on_hyphens=False))
            words = []

    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        if not stripped:
            flush()
            if out and out[-1]:
                out.append("")
            index += 1
            continue
        verbatim_end = _verbatim_block(lines, index, literal=bool(out) and out[-1] == "" and _ends_literal(out))
        if verbatim_end > index:
            flush()
            out.extend(lines[index:verbatim_end])
            index = verbatim_end
            continue
        item = _ITEM.match(line)
        if item is not None:
            flush()
            first = line[: item.end()]
            later = " " * len(first)
            words = line[item.end():].split()
        elif words and first != later and _indent(line) < len(later):
            flush()
            first = later = " " * _indent(line)
            words = stripped.split()
        elif words:
            words.extend(stripped.split())
        else:
            first = later = " " * _indent(line)
            words = stripped.split()
        if stripped.endswith("::") and not stripped.startswith(".."):
            flush()
        index += 1
    flush()
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


def _clean(doc: str) -> str:
    """Dedent every line after the first (``inspect.cleandoc`` without its import cost)."""
    head, _, rest = doc.strip("\n").partition("\n")
    return head.strip() + ("\n" + textwrap.dedent(rest) if rest else "")


def _ends_literal(out: list[str]) -> bool:
    """Whether the paragraph before the last blank line ends with ``::`` (a literal block follows)."""
    for line in reversed(out[:-1]):
        if line.strip():
            return line.rstrip().endswith("::")
    return False


def _verbatim_block(lines: list[str], index: int, literal: bool) -> int:
    """The end of a block starting at ``index`` that must not be re-wrapped (``index`` if none)."""
    line = lines[index]
    stripped = line.strip()
    if stripped.startswith(">>>"):
        end = index
        while end < len(lines) and lines[end].strip():
            end += 1
        return end
    if _FENCE.match(line):
        end = index + 1
        while end < len(lines) and not _FENCE.match(lines[end]):
            end += 1
        return min(end + 1, len(lines))
    if stripped.startswith(".. ") or literal:
        base = _indent(line) if literal else _indent(line) + 1
        end = index + 1
        while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) >= base):
            end += 1
        while end > index + 1 and not lines[end - 1].strip():
            end -= 1
        return end
    return index


def _rows() -> list[tuple[str, str, str]]:
    """(name, summary, parameters) of every component; built-ins from the index."""
    from rewardsmith.core import builtins, registry

    catalogue = builtins.catalogue()
    rows = []
    for name in registry.names():
        entry = catalogue.get(name)
        if entry is not None and registry.COMPONENTS.module_of(name) == entry["module"]:
            rows.append((name, entry["summary"], entry["params"]))
        else:
            cls = registry.get(name)
            rows.append((name, builtins.summary(cls), builtins.params_line(cls)))
    return rows


@app.command("list")
def list_components(
    name: Annotated[str | None, typer.Argument(help="Show one component in full.")] = None,
) -> None:
    """List registered components with their parameters, or show one in full."""
    from rich.console import Console
    from rich.table import Table

    out = Console()
    if name is None:
        table = Table(title="rewardsmith components", show_lines=False)
        table.add_column("name", style="bold cyan", no_wrap=True)
        table.add_column("description")
        table.add_column("parameters", style="dim")
        for row in _rows():
            table.add_row(*row)
        out.print(table)
        return
    from rewardsmith.core import builtins, registry
    from rewardsmith.core.spec import missing_requirements

    if name not in registry.names():
        raise fail(f"unknown component {name!r}; run `rewardsmith list` to see them all")
    cls = registry.get(name)
    out.print(f"[bold cyan]{name}[/]  ({cls.__module__}.{cls.__qualname__})\n")
    out.print(reflow(cls.__doc__ or "", width=max(40, min(out.width, 100))), highlight=False, markup=False,
              soft_wrap=True)
    for module, extra in missing_requirements(cls, {}).items():
        out.print(f"\nneeds {module!r}, not installed: pip install 'rewardsmith[{extra}]'", highlight=False,
                  markup=False)
    table = Table(title="parameters")
    for column in ("name", "type", "default", ""):
        table.add_column(column)
    for row in builtins.describe_params(cls):
        table.add_row(*row, "runtime only: not in spec_hash" if row[0] in cls.runtime_params else "")
    out.print(table)
    describe_environment = getattr(cls, "describe_environment", None)
    if callable(describe_environment):
        out.print(describe_environment(), highlight=False)
