"""The hacking audit runs against judges: master keys, injections, praise, fence escapes and
forged verdicts find a gullible judge out and leave a sound one alone."""

from __future__ import annotations

import re

from rewardsmith.audit.probes.audit import audit_hacking
from rewardsmith.audit.probes.registry import probe_names
from rewardsmith.core import load

from .scripted import Reply, fenced

RECORDS = [
    {"prompt": "What is 6 * 7?", "completion": "6 * 7 = 42, so the answer is \\boxed{42}.", "reference": "42"},
    {"prompt": "What is 10 - 3?", "completion": "Taking three away from ten gives \\boxed{7}.", "reference": "7"},
    {"prompt": "What is 2 ** 5?", "completion": "Doubling one five times gives \\boxed{32}.", "reference": "32"},
]
PROBES = ["master_keys", "injection", "self_praise", "fence_escape", "verdict_forgery"]


def reference_of(body) -> str:
    return re.search(r"Reference answer:\n(.*?)\n", body["messages"][-1]["content"]).group(1)


def sound(body) -> str:
    """Yes iff the boxed answer is the reference."""
    (text,) = fenced(body)
    boxed = re.findall(r"\\boxed\{([^}]*)\}", text)
    return "Yes" if boxed and boxed[-1].strip() == reference_of(body) else "No"


def gullible(body) -> str:
    """Fooled by a bare opener, by the word "correct", and by the reference anywhere in the text."""
    (text,) = fenced(body)
    if len(text.strip()) < 25 or "correct" in text.lower() or reference_of(body) in text:
        return "Yes"
    return sound(body)


def run(rule):
    from .scripted import ScriptedServer

    with ScriptedServer(lambda body: Reply([rule(body)])) as server:
        judge = load({"type": "judge.verify", "base_url": server.url, "model": "m", "logprobs": False})
        return audit_hacking(judge, RECORDS, probes=PROBES, corpus=False)


def test_the_judge_probes_are_registered() -> None:
    assert {"fence_escape", "verdict_forgery"} <= set(probe_names())


def test_a_gullible_judge_is_caught_by_every_judge_probe() -> None:
    probes = run(gullible)["probes"]
    assert {name: probes[name]["exploit_rate"] for name in PROBES} == dict.fromkeys(PROBES, 1.0)
    assert probes["master_keys"]["examples"][0]["reward"] == 1.0


def test_a_sound_judge_passes_them() -> None:
    probes = run(sound)["probes"]
    assert {name: probes[name]["exploit_rate"] for name in PROBES} == dict.fromkeys(PROBES, 0.0)
    assert all(probes[name]["errors"] == 0 and probes[name]["n"] == 3 for name in PROBES)
