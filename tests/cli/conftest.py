"""Fixtures for the command-line tests: empty and seeded stores in temporary folders."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import Result

from tests.cli.harness import DEMO_ARGS, Store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """An empty data folder: nothing exists until a command creates it."""
    return Store(tmp_path / "data")


@pytest.fixture
def demo_store(tmp_path: Path) -> Store:
    """A small demo clinic, seeded fresh for a test that changes it."""
    seeded = Store(tmp_path / "demo")
    result = seeded.run(*DEMO_ARGS)
    assert result.exit_code == 0, result.output
    return seeded


@pytest.fixture(scope="module")
def shared_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, Result]:
    """One demo clinic per module for tests that only read it; with the seeding's output."""
    seeded = Store(tmp_path_factory.mktemp("shared") / "data")
    result = seeded.run(*DEMO_ARGS)
    assert result.exit_code == 0, result.output
    return seeded, result
