"""Security tests start from an environment without ``MINDWAY_*`` settings."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("MINDWAY_")]:
        monkeypatch.delenv(name)
