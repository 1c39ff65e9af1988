"""Spec loading: the tree, validation with paths, cycles, weights, round trips."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from rewardsmith import SpecError, load, to_spec
from rewardsmith.combine.sum import Sum
from rewardsmith.verifiers.format.regex import FormatRegex
from rewardsmith.verifiers.text.exact import TextExact

ISSUE_EXAMPLE = """\
type: sum
terms:
  - {type: text.exact, weight: 1.0}
  - {type: format.regex, pattern: "^Answer:", weight: 0.1}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_issue_example_loads_and_scores(tmp_path):
    reward = load(write(tmp_path, "spec.yaml", ISSUE_EXAMPLE))
    assert isinstance(reward, Sum)
    assert reward.weights == [1.0, 0.1]
    result = reward("Answer: 4", reference="answer 4")
    assert result.value == pytest.approx(1.1)
    assert result.details["components"]["format.regex"]["weight"] == 0.1


def test_python_tree_equals_yaml_tree(tmp_path):
    built = Sum([TextExact(), FormatRegex("^Answer:")], weights=[1.0, 0.1])
    loaded = load(write(tmp_path, "spec.yaml", ISSUE_EXAMPLE))
    assert to_spec(built) == to_spec(loaded)
    assert to_spec(load(to_spec(built))) == to_spec(built)


def test_component_name_is_a_spec():
    assert isinstance(load("text.exact"), TextExact)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"type": "sum", "terms": [{"type": "text.exact"}, {"type": "format.regex", "pattern": 5}]},
         "terms[1].pattern: expected str"),
        ({"type": "sum", "terms": [{"type": "text.exakt"}]},
         "terms[0].type: unknown component type 'text.exakt' (did you mean text.exact"),
        ({"type": "text.exact", "casesensitive": True}, "casesensitive: unknown parameter"),
        ({"type": "format.regex"}, "pattern: missing required parameter"),
        ({"type": "format.regex", "pattern": "("}, "pattern: not a valid regular expression"),
        ({"type": "format.regex", "pattern": "a", "mode": "find"}, "mode: expected 'search', 'match' or"),
        ({"type": "sum", "terms": [{"type": "text.exact", "weight": "heavy"}]}, "weights[0]: "),
        ({"type": "sum", "terms": "text.exact"}, "terms: expected a list of components"),
        ({"terms": []}, "type: missing component type"),
    ],
)
def test_bad_specs_are_rejected_with_their_path(spec, message):
    with pytest.raises(SpecError) as info:
        load(spec)
    assert str(info.value).startswith(message), str(info.value)


def test_yaml_alias_cycle_is_rejected(tmp_path):
    path = write(tmp_path, "cycle.yaml", """\
        &root
        type: sum
        terms:
          - *root
        """)
    with pytest.raises(SpecError, match=r"terms\[0\]: cycle"):
        load(path)


def test_include_cycle_is_rejected_and_include_works(tmp_path):
    write(tmp_path, "a.yaml", "type: sum\nterms:\n  - include: b.yaml\n")
    write(tmp_path, "b.yaml", "type: sum\nterms:\n  - include: a.yaml\n")
    with pytest.raises(SpecError, match=r"cycle: a\.yaml includes itself"):
        load(tmp_path / "a.yaml")
    write(tmp_path, "leaf.yaml", "type: text.exact\n")
    write(tmp_path, "top.yaml", "type: sum\nterms:\n  - {include: leaf.yaml, weight: 2}\n")
    assert load(tmp_path / "top.yaml")("x", reference="X").value == 2.0


def test_invalid_yaml_and_missing_file(tmp_path):
    with pytest.raises(SpecError, match="not valid YAML"):
        load(write(tmp_path, "bad.yaml", "type: [unclosed"))
    with pytest.raises(SpecError, match="spec file does not exist"):
        load(tmp_path / "missing.yaml")


def test_entry_point_registers_a_third_party_component(tmp_path):
    package = tmp_path / "thirdparty_reward.py"
    package.write_text(
        "from rewardsmith import Reward\n"
        "class Shout(Reward):\n"
        "    '''1.0 for completions in capitals.'''\n"
        "    def score_one(self, sample):\n"
        "        return float(sample.text.isupper())\n"
    )
    dist = tmp_path / "thirdparty_reward-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: thirdparty-reward\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[rewardsmith.rewards]\nthirdparty.shout = thirdparty_reward:Shout\n")
    code = "import rewardsmith; print(rewardsmith.load('thirdparty.shout')('HEY').value)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert out.stdout.strip() == "1.0"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"type": "sum", "terms": [{"type": "text.exact"}, {"type": "text.exact", "weight": float("nan")}]},
            "terms[1].weight: must be a finite number, got nan",
        ),
        (
            {"type": "sum", "terms": [{"type": "text.exact", "weight": float("inf")}]},
            "terms[0].weight: must be a finite number, got inf",
        ),
        (
            {"type": "sum", "terms": ["text.exact"], "weights": [float("-inf")]},
            "weights[0]: must be a finite number, got -inf",
        ),
        (
            {"type": "sum", "terms": [{"type": "affine", "reward": "text.exact", "scale": float("nan")}]},
            "terms[0].scale: must be a finite number, got nan",
        ),
        ({"type": "clip", "reward": "text.exact", "low": float("nan")}, "low: must be a number or ±inf, got nan"),
        (
            {"type": "field", "field": "s", "value_range": [0, float("nan")]},
            "value_range[1]: must be a number or ±inf, got nan",
        ),
    ],
)
def test_non_finite_float_parameters_are_refused(spec, message):
    with pytest.raises(SpecError) as info:
        load(spec)
    assert str(info.value) == message


def test_yaml_nan_and_overflowing_weights_are_refused(tmp_path):
    for text, shown in ((".nan", "nan"), ("1e400", "inf")):
        path = tmp_path / "spec.yaml"
        path.write_text(f"type: sum\nterms:\n  - {{type: text.exact, weight: {text}}}\n")
        with pytest.raises(SpecError, match=rf"^terms\[0\]\.weight: must be a finite number, got {shown}$"):
            load(path)


def test_infinite_values_stay_allowed_where_they_mean_something():
    clip = load({"type": "clip", "reward": "text.exact", "low": float("-inf"), "high": 1.0})
    assert clip.low == float("-inf")
    assert clip("a", "a").value == 1.0
    assert load({"type": "field", "field": "s", "value_range": [0, float("inf")]}).value_range == (0.0, float("inf"))
    assert load({"type": "env.action_magnitude", "ord": float("inf")}).ord == float("inf")
