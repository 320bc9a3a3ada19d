"""Alembic migrations build the whole schema on an empty SQLite file and PostgreSQL database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, select, text

from mindway.errors import ConfigurationError
from mindway.security.audit import GENESIS_HASH
from mindway.services.runtime import Runtime
from mindway.store import db as store
from mindway.store.models import AuditHead, Base, CareTeam
from tests.conftest import fast_settings

EXPECTED_TABLES = set(Base.metadata.tables) | {"alembic_version"}
HEAD = ScriptDirectory(str(store.MIGRATIONS_DIR)).get_current_head()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'nested' / 'folder' / 'mindway.sqlite3'}"
    else:
        url = request.getfixturevalue("empty_pg_url")
    engine = store.make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def _triggers(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        else:
            query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        return set(conn.execute(text(query)).scalars())


def _head(engine: Engine) -> list[tuple[int, int, str]]:
    with engine.connect() as conn:
        rows = conn.execute(select(AuditHead.id, AuditHead.seq, AuditHead.hash)).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_upgrade_creates_the_schema_on_an_empty_database(empty_engine: Engine) -> None:
    assert _tables(empty_engine) == set()
    store.upgrade(empty_engine)
    assert _tables(empty_engine) == EXPECTED_TABLES
    with empty_engine.connect() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert version == HEAD
    assert _head(empty_engine) == [(1, 0, GENESIS_HASH)]
    expected = (
        {"audit_event_no_update", "audit_event_no_delete"}
        if empty_engine.dialect.name == "sqlite"
        else {"audit_event_append_only", "audit_event_no_truncate"}
    )
    assert _triggers(empty_engine) == expected


def test_the_migrated_schema_matches_the_models(empty_engine: Engine) -> None:
    """Columns and their nullability agree with the ORM (no drift between models and migrations)."""
    store.upgrade(empty_engine)
    inspector = inspect(empty_engine)
    for table in Base.metadata.sorted_tables:
        columns = {c["name"]: c for c in inspector.get_columns(table.name)}
        assert set(columns) == set(table.columns.keys()), table.name
        for column in table.columns:
            assert columns[column.name]["nullable"] == column.nullable, (table.name, column.name)


def test_upgrade_is_idempotent(empty_engine: Engine) -> None:
    store.upgrade(empty_engine)
    with store.transaction(store.make_sessionmaker(empty_engine)) as db:
        db.add(CareTeam(name="Team A"))
    store.upgrade(empty_engine)
    store.upgrade(empty_engine)
    assert _tables(empty_engine) == EXPECTED_TABLES
    assert _head(empty_engine) == [(1, 0, GENESIS_HASH)]
    with empty_engine.connect() as conn:
        assert conn.execute(select(CareTeam.name)).scalars().all() == ["Team A"]


def test_downgrade_to_base_and_back(empty_engine: Engine) -> None:
    store.upgrade(empty_engine)
    config = store.alembic_config(empty_engine.url.render_as_string(hide_password=False))
    with empty_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert _tables(empty_engine) <= {"alembic_version"}
    assert _triggers(empty_engine) == set()
    store.upgrade(empty_engine)
    assert _tables(empty_engine) == EXPECTED_TABLES
    assert len(_triggers(empty_engine)) >= 1


def test_runtime_creates_its_store_in_an_empty_data_dir(tmp_path: Path) -> None:
    data_dir = tmp_path / "empty"
    rt = Runtime.open(fast_settings(data_dir))
    try:
        assert (data_dir / "mindway.sqlite3").is_file()
        assert _tables(rt.engine) == EXPECTED_TABLES
    finally:
        rt.close()
    again = Runtime.open(fast_settings(data_dir))  # a restart upgrades again, harmlessly
    again.close()


def test_sqlite_runs_in_wal_mode_with_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    """WAL lets readers work beside the writer; the busy timeout makes writers wait, not fail."""
    engine = store.make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    try:
        store.upgrade(engine)
        for _ in range(2):  # every pooled connection, not just the first
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == (
                    store.SQLITE_BUSY_TIMEOUT_MS
                )
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert store.SQLITE_BUSY_TIMEOUT_MS >= 5000
        assert (tmp_path / "m.sqlite3-wal").exists()
    finally:
        engine.dispose()


def test_ping_answers(empty_engine: Engine) -> None:
    store.ping(empty_engine)


@pytest.mark.parametrize(
    "url",
    ["sqlite:///{tmp}/is-a-folder", "postgresql+psycopg://postgres@127.0.0.1:1/mindway"],
    ids=["sqlite path is a folder", "postgresql unreachable"],
)
def test_an_unusable_database_is_a_clear_configuration_error(tmp_path: Path, url: str) -> None:
    (tmp_path / "is-a-folder").mkdir()
    with pytest.raises(ConfigurationError, match=r"cannot (open|create) the database"):
        engine = store.make_engine(url.format(tmp=tmp_path))
        try:
            store.upgrade(engine)
        finally:
            engine.dispose()
