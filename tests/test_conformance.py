"""Every registered component (built-ins and entry points) passes the shared conformance battery.

One test, parametrised over (component, check): a component that cannot load fails every check,
it is never skipped. A check that finds a bug not fixed yet is a strict xfail naming the bug in
``KNOWN_FAILURES``, so it turns into a failure the day the bug is fixed and the entry is stale.
The shared server and process pool start once for the whole run (about 40 s for all on 2
cores; the runner checks of the ``model.*`` components, whose worker processes import torch,
are marked slow).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rewardsmith.core import load, registry
from rewardsmith.testing import CHECKS, check_component, example_spec
from rewardsmith.testing.paths import conformance_server

#: (component, check) -> the bug it finds, until fixed.
KNOWN_FAILURES: dict[tuple[str, str], str] = {}


def local_model(kind: str, shared_data: Path, folder: Path) -> str:
    """A model folder on disk for the ``model.*`` components (no hub): the tiny trained Llama of
    the shared data as it is (``causal``), or with a one-label sequence-classification head."""
    tiny = shared_data / "tiny_llama_stories260k" / "hf"
    if kind == "causal":
        return str(tiny)
    target = folder / kind
    if not target.is_dir():
        import torch
        import transformers

        torch.manual_seed(0)
        model = transformers.AutoModelForSequenceClassification.from_pretrained(tiny, num_labels=1)
        model.save_pretrained(target)
        transformers.AutoTokenizer.from_pretrained(tiny).save_pretrained(target)
    return str(target)


def model_spec(name: str, request: pytest.FixtureRequest) -> dict[str, Any]:
    """A ``model.*`` spec on a local model (their documented models live on the hub)."""
    shared = request.getfixturevalue("shared_data")
    folder = request.getfixturevalue("tmp_path_factory").getbasetemp() / "conformance-models"
    causal = local_model("causal", shared, folder)
    spec: dict[str, Any] = {"type": name, "model": causal, "chat_template": "none"}
    if name == "model.classifier":
        spec["model"] = local_model("classifier", shared, folder)
    elif name == "model.implicit":
        spec["ref_model"] = causal
    return spec


def target(name: str, request: pytest.FixtureRequest) -> str | dict[str, Any]:
    """What to check for ``name``: the name itself (loaded from its documented example), except
    ``remote``, whose example URL is replaced by a server that serves ``text.exact``, and the
    ``model.*`` components, which are given a local model, and the live ``judge.*``, whose
    endpoint is a scripted local OpenAI-compatible server (``tests/judges/scripted.py``)."""
    if name.startswith("model."):
        return model_spec(name, request)
    if name.startswith("judge.") and name != "judge.stored":
        from tests.judges.scripted import judge_target

        return judge_target(name)
    if name != "remote":
        return name
    load(example_spec("remote"))
    return {"type": "remote", "url": conformance_server().serve(load("text.exact"))}


def cases() -> list[Any]:
    params = []
    for name in registry.names():
        for check in CHECKS:
            marks = []
            if (name, check) in KNOWN_FAILURES:
                marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_FAILURES[(name, check)]))
            if name.startswith("model.") and check == "runner":
                marks.append(pytest.mark.slow)  # two spawned workers import torch: ~20 s on 2 cores
            params.append(pytest.param(name, check, marks=marks, id=f"{name}-{check}"))
    return params


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("name", "check"), cases())
def test_component_keeps_its_promises(name: str, check: str, request: pytest.FixtureRequest) -> None:
    check_component(target(name, request), checks=[check])


GATE = {
    "type": "gate",
    "gate": {"type": "text.exact"},
    "terms": [{"type": "format.regex", "pattern": "4", "weight": 0.5}],
}
GROUP_NORM = {"type": "group_norm", "reward": {"type": "text.exact"}}


@pytest.mark.parametrize(
    ("spec", "records", "expected"),
    [
        (GATE, [{"completion": "4", "reference": "4"}, {"completion": "5 4", "reference": "4"}], [1.5, 0.0]),
        (
            GROUP_NORM,
            [{"completion": c, "reference": "4", "group": "q"} for c in ["4", "5", "6", "7"]],
            [1.4997, -0.4999, -0.4999, -0.4999],
        ),
    ],
    ids=["gate", "cached_group_norm"],
)
def test_the_rewards_of_issue_18_give_the_same_numbers_on_every_path(spec, records, expected) -> None:
    from rewardsmith.core import Sample

    samples = [Sample.from_record(record) for record in records]
    assert [round(r.value, 4) for r in load(spec).score(samples)] == expected
    check_component(spec, samples=samples)


def test_the_grpo_example_gives_the_same_numbers_on_every_path() -> None:
    from rewardsmith.io.readers import read_records

    examples = Path(__file__).resolve().parents[1] / "examples"
    samples = [record.to_sample({}) for record in read_records(examples / "data" / "grpo_samples.jsonl")]
    check_component(load(examples / "grpo_reward.yaml"), samples=samples)
