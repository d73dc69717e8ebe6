"""Fixtures shared by the unit tests."""

from __future__ import annotations

import pytest

from nncore.runs.manager import JobManager
from nncore.runs.store import RunStore


@pytest.fixture
def manager(tmp_path):
    """A job manager with its own run store, shut down after the test."""
    manager = JobManager(store=RunStore(tmp_path / "runs"), workers=1)
    yield manager
    manager.shutdown()
