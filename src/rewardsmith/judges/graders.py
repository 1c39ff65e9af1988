"""OpenAI grader objects as rewardsmith specs, so graders leave that service intact.

:func:`from_openai_grader` maps OpenAI's grader JSON (the ``graders`` of its evals and
reinforcement fine-tuning) onto the equivalent spec:

* ``string_check`` ``eq`` → ``text.exact`` (case-sensitive, punctuation kept; whitespace runs are
  collapsed), ``ne`` → ``affine(scale: -1, shift: 1)`` of it;
* ``text_similarity`` ``bleu`` → ``text.bleu``, ``rouge_1`` … ``rouge_5`` and ``rouge_l`` →
  ``text.rouge``;
* ``score_model`` → ``judge.pointwise`` with its messages as the template (Jinja2: OpenAI's
  ``{{sample.output_text}}`` is the fenced completion, ``{{item.x}}`` the record's field ``x``), a
  JSON answer ``{"result": r}`` and its ``range`` as the scale;
* ``label_model`` → ``judge.pointwise`` reading the last of its ``labels``, 1 for a
  ``passing_labels`` one and 0 for the others;
* ``multi`` → ``sum`` of its graders, when ``calculate_output`` is a weighted sum of their names
  (``0.7 * a + 0.3 * b``, ``(a + b) / 2``).

The ``input`` of a string or similarity grader must be ``{{sample.output_text}}`` (the completion);
its ``reference`` ``{{item.x}}`` is returned in the field map (``{"reference": "x"}``: score with
``--map reference=x``), a literal reference is refused. ``python`` graders, ``like``/``ilike``,
and the ``fuzzy_match``, ``gleu``, ``meteor`` and ``cosine`` metrics have no equivalent yet and are
refused with a reason, never approximated.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

from rewardsmith.core import Reward, load

_OUTPUT = re.compile(r"^\s*\{\{\s*sample\.output_text\s*\}\}\s*$")
_ITEM = re.compile(r"^\s*\{\{\s*item\.([\w.]+)\s*\}\}\s*$")
OPENAI = "https://api.openai.com/v1"


class GraderError(ValueError):
    """An OpenAI grader with no rewardsmith equivalent (the message says which part)."""


def load_grader(path: str | Path, base_url: str = OPENAI, api_key_env: str = "OPENAI_API_KEY") -> Reward:
    """The reward of an OpenAI grader JSON file (see :func:`from_openai_grader`)."""
    spec, _ = from_openai_grader(json.loads(Path(path).read_text(encoding="utf-8")), base_url, api_key_env)
    return load(spec)


def from_openai_grader(
    grader: dict[str, Any], base_url: str = OPENAI, api_key_env: str | None = "OPENAI_API_KEY"
) -> tuple[dict[str, Any], dict[str, str]]:
    """(spec, field map) of an OpenAI grader object; model graders call ``base_url``.

    >>> from_openai_grader({"type": "string_check", "name": "exact", "input": "{{sample.output_text}}",
    ...                     "reference": "{{item.answer}}", "operation": "eq"})
    ({'type': 'text.exact', 'case_sensitive': True, 'strip_punctuation': False}, {'reference': 'answer'})
    """
    kind = grader.get("type")
    name = str(grader.get("name", kind))
    if kind == "string_check":
        fields = _reference_map(grader, name)
        exact = {"type": "text.exact", "case_sensitive": True, "strip_punctuation": False}
        operation = grader.get("operation")
        if operation == "eq":
            return exact, fields
        if operation == "ne":
            return {"type": "affine", "reward": exact, "scale": -1.0, "shift": 1.0}, fields
        raise GraderError(f"{name}: string_check operation {operation!r} has no equivalent (eq and ne do)")
    if kind == "text_similarity":
        fields = _reference_map(grader, name)
        metric = str(grader.get("evaluation_metric"))
        if metric == "bleu":
            return {"type": "text.bleu"}, fields
        rouge = re.fullmatch(r"rouge_([1-5l])", metric)
        if rouge:
            kind_of_rouge = "rougeL" if rouge.group(1) == "l" else f"rouge{rouge.group(1)}"
            return {"type": "text.rouge", "rouge_type": kind_of_rouge}, fields
        raise GraderError(f"{name}: text_similarity metric {metric!r} has no equivalent (bleu and rouge_* do)")
    if kind in ("score_model", "label_model"):
        return _model_spec(grader, name, base_url, api_key_env), {}
    if kind == "multi":
        return _multi(grader, name, base_url, api_key_env)
    raise GraderError(f"{name}: grader type {kind!r} has no equivalent")


def _reference_map(grader: dict[str, Any], name: str) -> dict[str, str]:
    if not _OUTPUT.match(str(grader.get("input", ""))):
        raise GraderError(f"{name}: input must be {{{{sample.output_text}}}}, got {grader.get('input')!r}")
    found = _ITEM.match(str(grader.get("reference", "")))
    if not found:
        raise GraderError(f"{name}: reference must be {{{{item.<field>}}}}, got {grader.get('reference')!r}")
    return {"reference": found.group(1)}


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text", ""))
    if isinstance(content, list):
        return "\n".join(_text(part) for part in content)
    return ""


def _model_spec(grader: dict[str, Any], name: str, base_url: str, api_key_env: str | None) -> dict[str, Any]:
    system = [_text(m.get("content")) for m in grader.get("input", []) if m.get("role") in ("system", "developer")]
    user = [_text(m.get("content")) for m in grader.get("input", []) if m.get("role") not in ("system", "developer")]
    if not user:
        raise GraderError(f"{name}: no user message in input")
    params = grader.get("sampling_params") or {}
    spec: dict[str, Any] = {
        "type": "judge.pointwise",
        "base_url": base_url,
        "model": grader["model"],
        "system": "\n\n".join(system) or None,
        "api_key_env": api_key_env,
    }
    if params.get("temperature") is not None:
        spec["temperature"] = float(params["temperature"])
    if params.get("seed") is not None:
        spec["seed"] = int(params["seed"])
    if params.get("max_completions_tokens"):
        spec["max_tokens"] = int(params["max_completions_tokens"])
    if grader["type"] == "score_model":
        low, high = grader.get("range") or [0, 1]
        answer = f'Answer with a JSON object {{"result": <a number from {low} to {high}>}}.'
        spec.update(parse="json", score_key="result", scale=[float(low), float(high)])
    else:
        labels, passing = list(grader.get("labels") or []), set(grader.get("passing_labels") or [])
        if not labels or not passing <= set(labels):
            raise GraderError(f"{name}: labels must be given and include every passing label")
        answer = "Answer with exactly one of these labels: " + ", ".join(labels) + "."
        spec.update(parse="label", labels={label: 1.0 if label in passing else 0.0 for label in labels})
    spec["template"] = "\n\n".join(user) + "\n\n" + answer
    return spec


def _multi(
    grader: dict[str, Any], name: str, base_url: str, api_key_env: str | None
) -> tuple[dict[str, Any], dict[str, str]]:
    graders = grader.get("graders") or {}
    weights = _linear(str(grader.get("calculate_output", "")), set(graders), name)
    terms: list[dict[str, Any]] = []
    fields: dict[str, str] = {}
    for key, weight in weights.items():
        spec, own = from_openai_grader(graders[key], base_url, api_key_env)
        if any(fields.get(k, v) != v for k, v in own.items()):
            raise GraderError(f"{name}: its graders read different reference fields")
        fields.update(own)
        terms.append({**spec, "weight": weight})
    return {"type": "sum", "terms": terms}, fields


def _linear(expression: str, names: set[str], name: str) -> dict[str, float]:
    """Weights of a weighted sum of names: ``0.7 * a + 0.3 * b`` → {a: 0.7, b: 0.3}."""

    def walk(node: ast.AST, factor: float, out: dict[str, float]) -> None:
        if isinstance(node, ast.Name) and node.id in names:
            out[node.id] = out.get(node.id, 0.0) + factor
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
            walk(node.left, factor, out)
            walk(node.right, -factor if isinstance(node.op, ast.Sub) else factor, out)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            left_constant = isinstance(node.left, ast.Constant)
            constant, other = (node.left, node.right) if left_constant else (node.right, node.left)
            if not isinstance(constant, ast.Constant) or not isinstance(constant.value, int | float):
                raise GraderError(f"{name}: calculate_output is not a weighted sum: {expression!r}")
            walk(other, factor * constant.value, out)
        elif (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Div)
            and isinstance(node.right, ast.Constant)
            and isinstance(node.right.value, int | float)
        ):
            walk(node.left, factor / node.right.value, out)
        else:
            raise GraderError(f"{name}: calculate_output is not a weighted sum of its graders: {expression!r}")

    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError:
        raise GraderError(f"{name}: calculate_output does not parse: {expression!r}") from None
    weights: dict[str, float] = {}
    walk(tree.body, 1.0, weights)
    return weights
