"""Shared fixtures. Real data is read in place from ../shared/data (or $REWARDSMITH_DATA)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def _data_dir() -> Path:
    configured = os.environ.get("REWARDSMITH_DATA")
    return Path(configured).resolve() if configured else (REPO_ROOT.parent / "shared" / "data").resolve()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The public data sets, read in place; skipped when absent, a failure under CI=true."""
    path = _data_dir()
    if not path.is_dir():
        message = f"real data folder {path} is absent (set REWARDSMITH_DATA)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; CI must run the real-data tests")
        pytest.skip(message)
    return path
