"""Shared fixtures: settings in a temporary data folder, and a runtime on SQLite or PostgreSQL.

PostgreSQL runs on 127.0.0.1:5432 (trust auth, user postgres) on the development and CI
machines. Each test run creates its own database and drops it at the end. Under ``CI=true``
the PostgreSQL tests fail, not skip, when the server is unreachable.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from mindway.config import Settings
from mindway.services.runtime import Runtime
from tests.databases import empty_postgres

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
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is unreachable at {PG_ADMIN_URL} under CI: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    url = request.getfixturevalue("pg_database") if backend == "postgresql" else None
    return fast_settings(tmp_path / "data", url)


@pytest.fixture
def rt(settings: Settings, backend: str) -> Iterator[Runtime]:
    """An open runtime on a fresh, migrated, empty store of the parametrised backend."""
    runtime = Runtime.open(settings)
    if backend == "postgresql":
        empty_postgres(runtime.engine)
    try:
        yield runtime
    finally:
        runtime.close()
