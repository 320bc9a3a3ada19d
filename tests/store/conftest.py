"""Store fixtures: an empty PostgreSQL database of its own, for migration tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.conftest import PG_ADMIN_URL
from tests.databases import new_database


@pytest.fixture
def empty_pg_url(pg_database: str) -> Iterator[str]:
    """A brand-new, empty PostgreSQL database (``pg_database`` skips or fails if none runs)."""
    with new_database(PG_ADMIN_URL, f"mindway_empty_{uuid.uuid4().hex[:12]}") as url:
        yield url
