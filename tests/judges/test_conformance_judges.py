"""Every judge passes the shared conformance battery, its endpoint a scripted local server (the
battery's server, runner and adapter paths call it from other processes too)."""

from __future__ import annotations

import pytest

from rewardsmith.core import registry
from rewardsmith.testing import CHECKS, check_component

from .scripted import JUDGE_SPECS, judge_target


def test_every_live_judge_is_covered() -> None:
    judges = {name for name in registry.names() if name.startswith("judge.")}
    assert judges == {*JUDGE_SPECS, "judge.stored"}


@pytest.mark.timeout(300)
@pytest.mark.parametrize("check", list(CHECKS))
@pytest.mark.parametrize("name", sorted(JUDGE_SPECS))
def test_judge_keeps_its_promises(name, check) -> None:
    check_component(judge_target(name), checks=[check])


@pytest.mark.parametrize("check", list(CHECKS))
def test_stored_judge_keeps_its_promises(check) -> None:
    check_component("judge.stored", checks=[check])
