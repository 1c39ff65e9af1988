"""A component whose optional package is missing is refused before scoring; ``list`` reads well.

The missing package is really missing: the CLI runs in a fresh interpreter whose
``sitecustomize`` puts a finder in front of ``sys.meta_path`` that refuses to find it, so the
check under test (``importlib.util.find_spec``) runs unchanged.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import rewardsmith
from rewardsmith.cli.listing import reflow

SRC = str(Path(rewardsmith.__file__).resolve().parents[1])

BLOCKER = '''
import sys

HIDDEN = {hidden!r}


class _Hide:
    """Finds nothing for the hidden packages, as if they were not installed."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in HIDDEN:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None


sys.meta_path.insert(0, _Hide())
'''


def run_cli(tmp_path: Path, args: list[str], hidden: tuple[str, ...] = (), columns: int = 100):
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(BLOCKER.format(hidden=set(hidden)))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), SRC]), "COLUMNS": str(columns)}
    return subprocess.run(
        [sys.executable, "-m", "rewardsmith", *args], capture_output=True, text=True, env=env, timeout=120
    )


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "data.jsonl"
    rows = [{"completion": "the cat sat", "reference": "the cat sat"}, {"completion": "{}", "reference": "x"}]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def test_bleu_without_sacrebleu_exits_2_with_the_install_line_before_scoring(tmp_path, data):
    out = tmp_path / "out.jsonl"
    done = run_cli(tmp_path, ["score", "text.bleu", str(data), "-o", str(out)], hidden=("sacrebleu",))
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        "error: type: text.bleu needs the package 'sacrebleu', which is not installed: "
        "pip install 'rewardsmith[text]'"
    ]
    assert not out.exists() and not (tmp_path / "out.jsonl.partial").exists()


def test_a_missing_package_deep_in_a_spec_names_its_place(tmp_path, data):
    spec = tmp_path / "spec.yaml"
    spec.write_text(textwrap.dedent(
        """
        type: sum
        terms:
          - {type: text.exact}
          - {type: text.rouge}
        """
    ))
    done = run_cli(tmp_path, ["score", str(spec), str(data), "-o", str(tmp_path / "o.jsonl")], hidden=("rouge_score",))
    assert done.returncode == 2
    assert "terms[1].type: text.rouge needs the package 'rouge_score'" in done.stderr
    assert "pip install 'rewardsmith[text]'" in done.stderr


def test_a_json_schema_needs_jsonschema_but_plain_json_does_not(tmp_path, data):
    schema = tmp_path / "schema.yaml"
    schema.write_text("type: format.json\njson_schema: {type: object}\n")
    refused = run_cli(tmp_path, ["score", str(schema), str(data), "-o", str(tmp_path / "a.jsonl")],
                      hidden=("jsonschema",))
    assert refused.returncode == 2
    assert "format.json needs the package 'jsonschema'" in refused.stderr
    plain = run_cli(tmp_path, ["score", "format.json", str(data), "-o", str(tmp_path / "b.jsonl"), "-q"],
                    hidden=("jsonschema",))
    assert plain.returncode == 0, plain.stderr
    rows = [json.loads(line) for line in (tmp_path / "b.jsonl").read_text().splitlines()]
    assert [row["reward"] for row in rows] == [0.0, 1.0]


def test_list_one_component_says_which_extra_is_missing(tmp_path):
    done = run_cli(tmp_path, ["list", "text.chrf"], hidden=("sacrebleu",))
    assert done.returncode == 0, done.stderr
    assert "needs 'sacrebleu', not installed: pip install 'rewardsmith[text]'" in done.stdout


def test_list_code_tests_reflows_its_docstring_instead_of_breaking_each_hard_wrapped_line(tmp_path):
    from rewardsmith.verifiers.code.reward import CodeTests

    done = run_cli(tmp_path, ["list", "code.tests"], columns=100)
    assert done.returncode == 0, done.stderr
    doc = textwrap.dedent(CodeTests.__doc__.partition("\n")[2]).splitlines()
    shown = done.stdout.split("\n\n", 1)[1].split("parameters")[0].rstrip().splitlines()
    assert max(len(line) for line in shown) <= 100
    assert len(shown) <= len(doc) + 1  # a ragged re-wrap turned each long line into two
    assert ">>> reward = CodeTests(mode=\"fraction\", workers=1)" in shown  # doctests kept as written


def test_reflow_joins_paragraphs_and_list_items_and_keeps_code():
    doc = """Summary line.

    A paragraph wrapped
    by hand at a narrow width.

    * ``all``: 1 if every
      test passes;
    * ``fraction``: the share.

    .. code-block:: yaml

        type: remote
        url: http://127.0.0.1:8000

    >>> Reward()("x").value
    1.0
    """
    assert reflow(doc, width=30).splitlines() == [
        "Summary line.",
        "",
        "A paragraph wrapped by hand at",
        "a narrow width.",
        "",
        "* ``all``: 1 if every test",
        "  passes;",
        "* ``fraction``: the share.",
        "",
        ".. code-block:: yaml",
        "",
        "    type: remote",
        "    url: http://127.0.0.1:8000",
        "",
        '>>> Reward()("x").value',
        "1.0",
    ]
