"""The registry: one class for components and probes, lazy, thread-safe, and an index kept fresh.

Each test that depends on what a first call does runs in a fresh interpreter, so modules that
other tests imported do not hide a lazy-loading or race bug.
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
from rewardsmith.audit.probes.registry import BUILTIN_PROBES, PROBES
from rewardsmith.core import SpecError, registry
from rewardsmith.core.registry import Registry

SRC = str(Path(rewardsmith.__file__).resolve().parents[1])


def run_python(code: str, *, extra_path: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (extra_path, SRC, env.get("PYTHONPATH")) if p)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env, timeout=timeout
    )


def test_component_index_lists_every_builtin_component_and_its_module():
    """Fails when a component is added, renamed, moved or re-documented without regenerating
    ``core/builtins.json`` (``python -m rewardsmith.core.builtins``)."""
    done = subprocess.run(
        [sys.executable, "-m", "rewardsmith.core.builtins", "--check"],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": SRC}, timeout=300,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_probe_index_names_every_builtin_probe_and_its_module():
    done = run_python(
        """
        import json
        from rewardsmith.audit.probes.registry import PROBES
        from rewardsmith.core.registry import walk_modules
        walk_modules(["rewardsmith.audit.probes"])
        print(json.dumps({n: c.__module__ for n, c in PROBES.registered().items()}))
        """
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == BUILTIN_PROBES


def test_six_concurrent_first_verl_calls_with_two_routes_all_score():
    """verl 0.9.1's reward loop: per-sample keyword calls with ``reward_kwargs`` merged in, a sync
    function run on the event loop's thread pool. Six first calls at once, two routes: before the
    registry waited for the built-ins, four raised ``unknown component type 'text.exact'``."""
    done = run_python(
        """
        import asyncio, concurrent.futures, json, threading
        from functools import partial
        from rewardsmith.integrations.verl import compute_score

        ROUTES = {"qa": "text.exact", "fmt": {"type": "format.regex", "pattern": "^Answer"}}
        ROWS = [("qa", "Paris", "paris"), ("fmt", "Answer: 4", "4"), ("qa", "Rome", "paris"),
                ("fmt", "4", "4"), ("qa", "paris", "paris"), ("fmt", "Answer 5", "4")]
        start = threading.Barrier(len(ROWS))

        def _call_with_kwargs(raw_fn, extra_kwargs, *args, **kwargs):  # verl trainer/ppo/reward.py
            start.wait()  # every thread makes its first call at the same moment
            return raw_fn(*args, **{**kwargs, **extra_kwargs})

        wrapped = partial(_call_with_kwargs, compute_score, {"routes": ROUTES})

        async def one(index, source, solution, truth):
            call = dict(data_source=source, solution_str=solution, ground_truth=truth, extra_info={"index": index})
            try:
                out = await asyncio.get_running_loop().run_in_executor(None, lambda: wrapped(**call))
            except Exception as exc:
                return f"raised {type(exc).__name__}: {exc}"
            return [out["score"], out["status"], out["error"]]

        async def main():
            asyncio.get_running_loop().set_default_executor(concurrent.futures.ThreadPoolExecutor(len(ROWS)))
            return await asyncio.gather(*(one(i, *row) for i, row in enumerate(ROWS)))

        print(json.dumps(asyncio.run(main())))
        """
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [
        [1.0, "ok", ""], [1.0, "ok", ""], [0.0, "ok", ""], [0.0, "ok", ""], [1.0, "ok", ""], [1.0, "ok", ""],
    ]


def test_an_unknown_route_in_the_verl_adapter_is_an_error_result_not_an_exception():
    from rewardsmith.integrations.verl import compute_score

    routes = {"qa": "text.exakt"}
    out = compute_score(data_source="qa", solution_str="x", ground_truth="x", extra_info={}, routes=routes)
    assert (out["score"], out["status"], out["valid"]) == (0.0, "error", 0.0)
    assert "unknown component type 'text.exakt'" in out["error"]


def test_scoring_text_exact_from_the_cli_imports_no_sandbox_sympy_or_server(tmp_path):
    data = tmp_path / "data.jsonl"
    data.write_text('{"completion": "Paris", "reference": "paris"}\n')
    done = run_python(
        f"""
        import json, sys
        from rewardsmith.cli import app
        try:
            app(args=["score", "text.exact", {str(data)!r}, "-o", {str(tmp_path / "out.jsonl")!r}, "-q"])
        except SystemExit as exit:
            assert not exit.code, exit.code
        print(json.dumps(sorted(sys.modules)))
        """
    )
    assert done.returncode == 0, done.stderr
    modules = json.loads(done.stdout)
    heavy = [m for m in modules if m.split(".")[0] in ("sympy", "fastapi", "uvicorn", "httpx", "torch")]
    heavy += [m for m in modules if m.startswith(("rewardsmith.verifiers.code", "rewardsmith.verifiers.math",
                                                  "rewardsmith.serve", "rewardsmith.audit", "rewardsmith.models"))]
    assert heavy == []
    assert "rewardsmith.verifiers.text.exact" in modules


@pytest.mark.parametrize("args", [["--help"], ["list"]])
def test_help_and_list_import_no_component_and_no_heavy_library(args):
    """The proxy for a fast start (0.46 s before; under 0.3 s now): nothing heavy is imported
    (pydantic comes with typer's own option parsing)."""
    done = run_python(
        f"""
        import json, sys
        from rewardsmith.cli import app
        try:
            app(args={args!r}, prog_name="rewardsmith")
        except SystemExit as exit:
            assert not exit.code, exit.code
        print(json.dumps(sorted(sys.modules)))
        """
    )
    assert done.returncode == 0, done.stderr
    modules = json.loads(done.stdout.splitlines()[-1])
    heavy = [m for m in modules if m.split(".")[0] in ("numpy", "yaml", "sympy", "httpx", "asyncio")]
    heavy += [m for m in modules if m.startswith(("rewardsmith.verifiers.", "rewardsmith.combine.",
                                                  "rewardsmith.audit", "rewardsmith.serve", "rewardsmith.client"))]
    assert heavy == []


def test_a_stale_index_still_finds_a_registered_component():
    done = run_python(
        """
        from rewardsmith.core import registry
        registry.COMPONENTS._index = {}  # as if the index were generated before text.exact existed
        print(registry.get("text.exact").__name__)
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "TextExact"


def test_an_index_naming_a_module_that_moved_still_finds_the_component():
    done = run_python(
        """
        from rewardsmith.core import registry
        registry.COMPONENTS._index = {"text.exact": "rewardsmith.verifiers.text.gone"}
        print(registry.get("text.exact").__name__)
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "TextExact"


def test_a_third_party_entry_point_is_a_component_and_listed(tmp_path):
    (tmp_path / "shout_reward.py").write_text(textwrap.dedent(
        '''
        from rewardsmith import Reward

        class Shout(Reward):
            """1 when the completion is in capitals."""

            def score_one(self, sample):
                return float(sample.text.isupper())
        '''
    ))
    dist = tmp_path / "shout_reward-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: shout-reward\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[rewardsmith.rewards]\nplugin.shout = shout_reward:Shout\n")
    done = run_python(
        """
        import rewardsmith
        from rewardsmith.core import registry
        print("plugin.shout" in registry.names(), rewardsmith.load("plugin.shout")("LOUD").value)
        """,
        extra_path=str(tmp_path),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "1.0"]


def test_components_and_probes_share_one_registry_class():
    assert type(registry.COMPONENTS) is type(PROBES) is Registry
    with pytest.raises(SpecError, match=r"^probes: unknown probe 'emtpy' \(did you mean empty"):
        PROBES.get("emtpy")
    with pytest.raises(SpecError, match=r"^type: unknown component type 'text.exakt' \(did you mean text.exact"):
        registry.get("text.exakt")


def test_registering_a_second_class_under_a_taken_name_is_refused():
    shapes = Registry("shape", object, "example.shapes", {})

    @shapes.register("square")
    class Square:
        pass

    with pytest.raises(ValueError, match="shape name 'square' is already registered"):

        @shapes.register("square")
        class Other:
            pass
