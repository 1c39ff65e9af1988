"""Spec files: a tree of ``{type: <registered name>, <parameters>}`` nodes, validated in full
before any record is scored.

Parameters are checked against each component's constructor signature with pydantic, and every
error names its place in the tree (``terms[1].pattern: expected str``). A parameter annotated
as a Reward (or a list of them) holds child nodes; a combinator with a ``weights`` parameter
takes each child's ``weight`` key from its ``terms``. A component whose optional packages are
missing (``Reward.requires``) is refused here, with the extra to install, before any record is
scored.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import math
import types
import typing
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from . import registry
from .errors import MissingDependency, RewardsmithError, SpecError
from .reward import Reward

if TYPE_CHECKING:
    import pydantic
    from pydantic_core import ErrorDetails

T = TypeVar("T")

_TYPE_WORDS = {
    "string": "str",
    "int": "int",
    "float": "float",
    "bool": "bool",
    "list": "list",
    "dict": "mapping",
    "tuple": "list",
    "literal": "one of",
}


def _child_kind(annotation: Any) -> str | None:
    """'one' for a Reward parameter, 'many' for a list of them, None otherwise."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if annotation is Reward or (isinstance(annotation, type) and issubclass(annotation, Reward)):
        return "one"
    if origin in (typing.Union, types.UnionType):
        kinds = {_child_kind(a) for a in args if a is not type(None)}
        kinds.discard(None)
        return kinds.pop() if len(kinds) == 1 else None
    if origin in (list, tuple) or (origin is not None and getattr(origin, "__name__", "") == "Sequence"):
        return "many" if args and _child_kind(args[0]) == "one" else None
    return None


def _per_class(function: Callable[[type[Reward]], T]) -> Callable[[type[Reward]], T]:
    """``functools.cache`` for a function of a component class."""
    # mypy checks a class against Hashable through its instances' __hash__ and finds a mismatch.
    return cache(function)  # type: ignore[return-value]


@_per_class
def _signature(cls: type[Reward]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(annotations, defaults) of the constructor parameters."""
    hints = typing.get_type_hints(cls.__init__)
    annotations, defaults = {}, {}
    for param in inspect.signature(cls.__init__).parameters.values():
        if param.name == "self" or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        annotations[param.name] = hints.get(param.name, Any)
        defaults[param.name] = param.default
    return annotations, defaults


@_per_class
def _params_model(cls: type[Reward]) -> type[pydantic.BaseModel]:
    import pydantic

    annotations, defaults = _signature(cls)
    fields: dict[str, Any] = {}
    for name, annotation in annotations.items():
        default = defaults[name]
        fields[name] = (annotation, ... if default is inspect.Parameter.empty else default)
    config = pydantic.ConfigDict(extra="forbid", arbitrary_types_allowed=True)
    return pydantic.create_model(f"{cls.__name__}Params", __config__=config, **fields)




def _infinite_params(cls: type[Reward]) -> frozenset[str]:
    """The parameters of ``cls`` that may hold ±inf (``infinite_params`` on the class)."""
    return frozenset(getattr(cls, "infinite_params", frozenset()))


def _non_finite(value: Any, where: str) -> tuple[str, float] | None:
    """(place, value) of the first NaN/±inf float inside ``value``, else None."""
    if isinstance(value, float):
        return None if math.isfinite(value) else (where, value)
    if isinstance(value, list | tuple):
        items: Any = enumerate(value)
    elif isinstance(value, dict):
        items = value.items()
    else:
        return None
    for key, item in items:
        found = _non_finite(item, _join(where, key if isinstance(key, int) else str(key)))
        if found is not None:
            return found
    return None


def _check_finite(
    cls: type[Reward],
    values: Mapping[str, Any],
    annotations: Mapping[str, Any],
    path: str,
    weights_from: str | None,
) -> None:
    """Refuse a NaN or infinite number in a float parameter: it would score silently wrong
    (a NaN weight gives 0.0, an infinite one NaN) and write invalid JSON. Parameters listed in
    ``infinite_params`` may be ±inf (a clip bound, a norm order), never NaN."""
    allowed = _infinite_params(cls)
    for name, value in values.items():
        if "float" not in str(annotations.get(name)):
            continue
        found = _non_finite(value, name)
        if found is None:
            continue
        where, number = found
        if name in allowed and not math.isnan(number):
            continue
        if name == "weights" and weights_from is not None:
            index = int(where[len("weights[") :].split("]")[0])
            where = f"{_join(weights_from, index)}.weight"
        else:
            where = _join(path, where) if path else where
        need = "a number or ±inf" if name in allowed else "a finite number"
        raise SpecError(where, f"must be {need}, got {number}")


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _pydantic_message(error: ErrorDetails, known: list[str]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"unknown parameter (known: {', '.join(known) or 'none'})"
    if kind == "missing":
        return "missing required parameter"
    if kind == "literal_error":
        return f"expected {error['ctx']['expected']}, got {error['input']!r}"
    head = kind.split("_")[0]
    if head in _TYPE_WORDS and ("type" in kind or "parsing" in kind):
        return f"expected {_TYPE_WORDS[head]}, got {type(error['input']).__name__} {error['input']!r}"
    return error["msg"]


class _Loader:
    def __init__(self, base_dir: Path | None) -> None:
        self.base_dir = base_dir
        self.stack: list[int] = []
        self.files: list[Path] = []

    def node(self, node: Any, path: str) -> Reward:
        if isinstance(node, Reward):
            return node
        if isinstance(node, str):
            node = {"type": node}
        if not isinstance(node, dict):
            raise SpecError(path, f"expected a mapping with 'type', got {type(node).__name__}")
        if id(node) in self.stack:
            raise SpecError(path, "cycle: this node contains itself")
        self.stack.append(id(node))
        try:
            if "include" in node:
                return self.include(node, path)
            return self.build(node, path)
        finally:
            self.stack.pop()

    def include(self, node: dict[str, Any], path: str) -> Reward:
        if set(node) - {"include", "weight"}:
            raise SpecError(path, "an 'include' node takes no other keys")
        target = Path(node["include"])
        if not target.is_absolute() and self.base_dir is not None:
            target = self.base_dir / target
        target = target.resolve()
        if target in self.files:
            raise SpecError(path, f"cycle: {target.name} includes itself")
        if not target.exists():
            raise SpecError(path, f"included spec {str(target)!r} does not exist")
        self.files.append(target)
        saved, self.base_dir = self.base_dir, target.parent
        try:
            return self.node(_read_yaml(target), _join(path, "include"))
        finally:
            self.base_dir = saved
            self.files.pop()

    def build(self, node: dict[str, Any], path: str) -> Reward:
        type_name = node.get("type")
        if not isinstance(type_name, str):
            raise SpecError(_join(path, "type"), "missing component type")
        try:
            cls = registry.get(type_name, _join(path, "type"))
        except ImportError as exc:  # a module that imports an optional package at its top
            raise MissingDependency(_join(path, "type"), type_name, exc.name or str(exc), None) from None
        annotations, _ = _signature(cls)
        params = {k: v for k, v in node.items() if k != "type"}
        params_from_terms: str | None = None  # where per-term weights came from
        for name, value in list(params.items()):
            kind = _child_kind(annotations.get(name))
            if kind == "one" and value is not None:
                params[name] = self.node(value, _join(path, name))
            elif kind == "many":
                if not isinstance(value, list):
                    raise SpecError(_join(path, name), "expected a list of components")
                weights = [
                    child.get("weight") if isinstance(child, dict) else None for child in value
                ]
                params[name] = [
                    self.node(_without_weight(child), _join(_join(path, name), i))
                    for i, child in enumerate(value)
                ]
                if any(w is not None for w in weights):
                    if "weights" not in annotations:
                        raise SpecError(_join(path, name), f"{type_name} takes no term weights")
                    if params.get("weights") is not None:
                        raise SpecError(path, "give weights per term or as 'weights', not both")
                    params["weights"] = [1.0 if w is None else w for w in weights]
                    params_from_terms = _join(path, name)
        import pydantic

        try:
            validated = _params_model(cls).model_validate(params)
        except pydantic.ValidationError as exc:
            first = exc.errors()[0]
            where = path
            for key in first["loc"]:
                where = _join(where, key)
            raise SpecError(where, _pydantic_message(first, list(annotations))) from None
        values = {k: getattr(validated, k) for k in validated.model_fields_set}
        _check_finite(cls, values, annotations, path, params_from_terms)
        for module, extra in missing_requirements(cls, values).items():
            raise MissingDependency(_join(path, "type"), type_name, module, extra)
        try:
            return cls(**values)
        except ImportError as exc:
            module = exc.name or str(exc)
            raise MissingDependency(_join(path, "type"), type_name, module, cls.requires.get(module)) from None
        except (ValueError, TypeError) as exc:
            message = str(exc)
            param, sep, rest = message.partition(": ")
            if sep and param in annotations:
                raise SpecError(_join(path, param), rest) from None
            raise SpecError(path, f"{type_name}: {message}") from None


def _without_weight(child: Any) -> Any:
    if isinstance(child, dict) and "weight" in child:
        return {k: v for k, v in child.items() if k != "weight"}
    return child


def _read_yaml(path: Path) -> Any:
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(str(path), f"not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise SpecError(str(path), f"cannot read the spec file: {exc.strerror or exc}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise yaml_error(str(path), exc) from None


def yaml_error(where: str, exc: Exception, what: str = "not valid YAML") -> SpecError:
    """A YAML syntax error as one line, ``where:line:column: what: problem (context)``.

    PyYAML's own message spans several lines (a context, the problem, quoted excerpts with
    carets); an editor or a terminal reader wants the place and the problem.

    >>> import yaml
    >>> try:
    ...     yaml.safe_load("type: sum" + chr(10) + "terms: [text.exact" + chr(10))
    ... except yaml.YAMLError as exc:
    ...     print(yaml_error("b.yaml", exc))
    b.yaml:3:1: not valid YAML: expected ',' or ']', but got '<stream end>' (while parsing a flow sequence at 2:8)
    """
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None)
    if mark is None or not problem:  # a ReaderError (a forbidden character): no line, no column
        position = getattr(exc, "position", None)
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return SpecError(where, f"{what}: {first}" + (f" (character {position + 1})" if position is not None else ""))
    message = problem
    context: str | None = getattr(exc, "context", None)
    context_mark: Any = getattr(exc, "context_mark", None)
    if context:
        same = context_mark is None or (context_mark.line, context_mark.column) == (mark.line, mark.column)
        message += f" ({context})" if same else f" ({context} at {context_mark.line + 1}:{context_mark.column + 1})"
    return SpecError(f"{where}:{mark.line + 1}:{mark.column + 1}", f"{what}: {message}")


def load(spec: str | Path | dict[str, Any] | Reward) -> Reward:
    """Build a Reward from a YAML/JSON file, a dict, a component name, a folder that
    ``rewardsmith train`` wrote (its ``rewardsmith.json``), or a Reward (returned).

    >>> load({"type": "text.exact"}).name
    'text.exact'
    """
    if isinstance(spec, Reward):
        return spec
    if isinstance(spec, dict):
        return _Loader(None).node(spec, "")
    text = str(spec)
    path = Path(text)
    if path.is_dir() and (path / TRAINED_MANIFEST).is_file():
        path = path / TRAINED_MANIFEST
    if path.is_file() or (path.suffix.lower() in (".yaml", ".yml", ".json") and text not in registry.names()):
        if not path.is_file():
            raise SpecError(text, "spec file does not exist")
        loader = _Loader(path.resolve().parent)
        loader.files.append(path.resolve())
        node = _read_yaml(path)
        if _is_trained_manifest(node):
            node = {**node["spec"], "model": str(path.resolve().parent)}
        if _is_openai_grader(node):
            node = _from_openai_grader(node, text)
        return loader.node(node, "")
    return _Loader(None).node({"type": text}, "")


#: The manifest ``rewardsmith train`` writes into a model folder: the folder (or this file) is a spec.
TRAINED_MANIFEST = "rewardsmith.json"


def _is_trained_manifest(node: Any) -> bool:
    """``{"spec": {...}, "data_sha256": ...}``: its spec loads the folder the manifest sits in,
    wherever that folder has been moved or copied to."""
    if not isinstance(node, dict) or "type" in node:
        return False
    return isinstance(node.get("spec"), dict) and "data_sha256" in node


#: Top-level ``type`` values of OpenAI's grader objects (evals and reinforcement fine-tuning).
OPENAI_GRADER_TYPES = frozenset({"string_check", "text_similarity", "score_model", "label_model", "multi", "python"})


def _is_openai_grader(node: Any) -> bool:
    return isinstance(node, dict) and node.get("type") in OPENAI_GRADER_TYPES and "type" in node and (
        "name" in node or "graders" in node or "input" in node
    )


def _from_openai_grader(node: dict[str, Any], where: str) -> dict[str, Any]:
    """The equivalent spec of an OpenAI grader file (``rewardsmith.judges.graders``, imported by
    name like a registered module, so core stays free of the judges' dependencies)."""
    import importlib

    graders = importlib.import_module("rewardsmith.judges.graders")
    try:
        spec, _fields = graders.from_openai_grader(node)
    except (ValueError, RewardsmithError) as exc:
        raise SpecError(where, f"OpenAI grader: {exc}") from None
    return spec


def to_spec(reward: Reward, *, runtime: bool = True) -> dict[str, Any]:
    """The spec dict that :func:`load` turns back into an equal reward.

    With ``runtime=False`` the parameters each node marks as runtime-only
    (``Reward.runtime_params``: worker counts, cache sizes) are left out: what remains is the
    reward's identity, which :func:`spec_hash` hashes.
    """
    node: dict[str, Any] = {"type": reward.name}
    params = reward.get_params()
    if not runtime:
        params = {k: v for k, v in params.items() if k not in type(reward).runtime_params}
    weights = params.get("weights") if "terms" in params else None
    for key, value in params.items():
        if key == "weights" and weights is not None:
            continue
        if isinstance(value, Reward):
            node[key] = to_spec(value, runtime=runtime)
        elif isinstance(value, list | tuple) and value and all(isinstance(v, Reward) for v in value):
            node[key] = [to_spec(v, runtime=runtime) for v in value]
            if key == "terms" and weights is not None:
                for child, weight in zip(node[key], weights, strict=True):
                    child["weight"] = weight
        else:
            node[key] = value
    return node


def spec_hash(reward: Reward) -> str:
    """A stable hash of the spec: results cached or resumed under it belong to this spec.

    Runtime-only parameters (``Reward.runtime_params``) are left out, so scoring the same reward
    with more workers or a bigger cache keeps its hash (and its cache and ``--resume``).
    """
    from importlib.metadata import PackageNotFoundError, version

    try:
        package_version = version("rewardsmith")
    except PackageNotFoundError:
        package_version = "dev"
    canonical = json.dumps([package_version, to_spec(reward, runtime=False)], sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def missing_requirements(cls: type[Reward], params: Mapping[str, Any]) -> dict[str, str]:
    """The packages ``cls`` needs with ``params`` that cannot be imported (module → extra).

    Looked up with ``importlib.util.find_spec``, never imported.

    >>> missing_requirements(Reward, {})
    {}
    """
    import importlib.util

    missing = {}
    for module, extra in cls.requirements(params).items():
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError, AttributeError):
            found = False
        if not found:
            missing[module] = extra
    return missing
