"""The index of built-in components, ``builtins.json``: for each name, the module that registers
it and what ``rewardsmith list`` shows (a summary and the parameters), so that looking a name up
imports one module and listing imports none.

The file is generated from the code, never edited by hand, and a test regenerates it and fails
when it differs (a component added, renamed or re-documented without regenerating)::

    python -m rewardsmith.core.builtins          # rewrite builtins.json
    python -m rewardsmith.core.builtins --check  # exit 1 and show the difference if stale
"""

from __future__ import annotations

import inspect
import json
import sys
import typing
from functools import cache
from pathlib import Path
from typing import Any

INDEX_FILE = Path(__file__).with_name("builtins.json")
#: Where built-in components may live: every module of the package is imported to build the index.
PACKAGE = "rewardsmith"


@cache
def catalogue() -> dict[str, dict[str, Any]]:
    """name → ``{"module", "summary", "params"}`` as stored in ``builtins.json``."""
    return json.loads(INDEX_FILE.read_text(encoding="utf-8"))


def component_index() -> dict[str, str]:
    """Built-in component name → the module whose import registers it."""
    return {name: entry["module"] for name, entry in catalogue().items()}


def summary(cls: type) -> str:
    """The first paragraph of a class's docstring, on one line.

    >>> class A:
    ...     '''One sentence wrapped
    ...     over two lines.
    ...
    ...     More.'''
    >>> summary(A)
    'One sentence wrapped over two lines.'
    """
    doc = inspect.getdoc(cls) or ""
    return " ".join(doc.strip().split("\n\n", 1)[0].split())


def _type_name(annotation: Any) -> str:
    text = str(annotation) if typing.get_origin(annotation) else getattr(annotation, "__name__", str(annotation))
    return text.replace("typing.", "").replace("rewardsmith.core.reward.", "")


def describe_params(cls: type[Any]) -> list[tuple[str, str, str]]:
    """(name, type, default) of each constructor parameter; the default is ``required`` if none."""
    hints = typing.get_type_hints(cls.__init__)
    rows = []
    for param in inspect.signature(cls.__init__).parameters.values():
        if param.name == "self" or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        default = "required" if param.default is inspect.Parameter.empty else repr(param.default)
        rows.append((param.name, _type_name(hints.get(param.name, Any)), default))
    return rows


def params_line(cls: type) -> str:
    """``pattern, mode='search'``: the parameters as ``rewardsmith list`` shows them."""
    return ", ".join(n if d == "required" else f"{n}={d}" for n, _, d in describe_params(cls))


def build() -> dict[str, dict[str, Any]]:
    """Import every module of the package and index the components they register."""
    from .registry import COMPONENTS, walk_modules

    walk_modules([PACKAGE])
    out = {}
    for name, cls in sorted(COMPONENTS.registered().items()):
        if cls.__module__.split(".")[0] != PACKAGE:
            continue
        out[name] = {"module": cls.__module__, "summary": summary(cls), "params": params_line(cls)}
    return out


def render(index: dict[str, dict[str, Any]]) -> str:
    return json.dumps(index, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    fresh = render(build())
    current = INDEX_FILE.read_text(encoding="utf-8") if INDEX_FILE.exists() else ""
    if "--check" not in argv:
        if fresh != current:
            INDEX_FILE.write_text(fresh, encoding="utf-8")
        print(f"wrote {INDEX_FILE}")
        return 0
    if fresh == current:
        return 0
    import difflib

    diff = difflib.unified_diff(current.splitlines(), fresh.splitlines(), "builtins.json", "from the code", lineterm="")
    print("\n".join(diff))
    print(f"\n{INDEX_FILE} is stale: run `python -m rewardsmith.core.builtins` and commit the result")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
