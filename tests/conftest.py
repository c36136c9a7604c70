"""Session fixtures: the real shared data beside the repository, and small hand-checkable fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

#: The date the documents carry (cover page, file properties) during the tests: 2026-01-01
#: 00:00 UTC, through the reproducible-builds variable, which the package and every command
#: a test starts read. Left to the clock, a suite running across midnight compares the
#: documents of two runs with two dates on their covers and reports a difference that is not
#: one. Tests of the run-date behaviour clear the setting themselves.
os.environ.setdefault("SOURCE_DATE_EPOCH", "1767225600")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real-data folder ``../shared/data`` next to the repository root.

    Tests that need it are skipped (with the reason) when the folder is absent, e.g. on a
    machine that only has the package.
    """
    path = REPO_ROOT.parent / "shared" / "data"
    if not path.is_dir():
        pytest.skip(f"real shared data not found beside the repository ({path.name} missing)")
    return path


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    """The bundled synthetic demo town, ``data/demo``."""
    return REPO_ROOT / "data" / "demo"
