"""Shared fixtures: settings in a temporary data folder, and a runtime on SQLite or PostgreSQL.

PostgreSQL runs on 127.0.0.1:5432 (trust auth, user postgres) on the development and CI
machines. Each test run creates its own database and drops it at the end. Under ``CI=true``
the PostgreSQL tests fail, not skip, when the server is unreachable.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from mindway.config import Settings
from mindway.services.runtime import Runtime
from tests.clinic import Clinic, build_clinic
from tests.databases import new_database, open_empty

PG_ADMIN_URL = os.environ.get(
    "MINDWAY_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ("sqlite", "postgresql")


def fast_settings(data_dir: Path, database_url: str | None = None, **extra: object) -> Settings:
    """Settings for tests: cheap Argon2 parameters (the defaults are tested on their own)."""
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, migrated once, dropped at the end."""
    name = f"mindway_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with ExitStack() as cleanup:
        try:
            url = cleanup.enter_context(new_database(PG_ADMIN_URL, name))
        except Exception as exc:
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail(f"PostgreSQL is unreachable at {PG_ADMIN_URL} under CI: {exc}")
            pytest.skip(f"PostgreSQL unreachable: {exc}")
        yield url


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    url = request.getfixturevalue("pg_database") if backend == "postgresql" else None
    return fast_settings(tmp_path / "data", url)


@pytest.fixture
def rt(settings: Settings) -> Iterator[Runtime]:
    """An open runtime on a fresh, migrated, empty store of the parametrised backend."""
    runtime = open_empty(settings)
    try:
        yield runtime
    finally:
        runtime.close()


@pytest.fixture
def clinic(rt: Runtime) -> Clinic:
    """The small test clinic (two teams, their people, an admin, a researcher) on ``rt``."""
    return build_clinic(rt)
