"""Session fixtures: the real shared data beside the repository, and small hand-checkable fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


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
