"""``mindway audit verify``: 0 on an intact chain, 1 naming the row that was altered, removed
or inserted, on SQLite and PostgreSQL.

The migration's triggers refuse UPDATE and DELETE on ``audit_event``; an attacker with the
database file can drop them, so the tampering tests do that first, as such an attacker would.
"""

from __future__ import annotations

import secrets
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from mindway.store.db import upgrade
from tests.cli.harness import Store, error_line
from tests.databases import empty_postgres

EVENTS = 5  # one account.create and four denied exports


def unknown_patient() -> str:
    return str(uuid.uuid4())


def add_events(store: Store) -> None:
    """Five audit events: creating the admin, then four exports of nobody (denied)."""
    made = store.run(
        "init", "--username", "ada", "--display-name", "Ada", "--password", "a-long-passphrase"
    )
    assert made.exit_code == 0, made.output
    for _ in range(EVENTS - 1):
        assert store.run("export", "patient", unknown_patient()).exit_code == 1


@pytest.fixture
def audited(store: Store) -> Store:
    """A store with five audit events and its append-only triggers dropped."""
    add_events(store)
    store.sql("DROP TRIGGER audit_event_no_update")
    store.sql("DROP TRIGGER audit_event_no_delete")
    return store


def verify_fails_at(store: Store, seq: int) -> str:
    result = store.run("audit", "verify")
    assert result.exit_code == 1, result.output
    line = error_line(result)
    assert f"row {seq}" in line or f"rows {seq}.." in line, line
    return line


def test_fresh_store_verifies(store: Store) -> None:
    result = store.run("audit", "verify")
    assert result.exit_code == 0, result.output
    assert "intact" in result.stdout
    assert store.sqlite_file.exists()


def test_intact_chain_verifies(store: Store) -> None:
    add_events(store)
    result = store.run("audit", "verify")
    assert result.exit_code == 0, result.output
    assert f"{EVENTS} rows" in result.stdout


def test_triggers_refuse_changes_to_the_log(store: Store) -> None:
    add_events(store)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.sql("UPDATE audit_event SET reason = 'x' WHERE seq = 2")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.sql("DELETE FROM audit_event WHERE seq = 2")


def test_altered_row_is_named(audited: Store) -> None:
    audited.sql("UPDATE audit_event SET outcome = 'success' WHERE seq = 3")
    assert "altered" in verify_fails_at(audited, 3)


@pytest.mark.parametrize("seq", [1, 3, EVENTS])
def test_removed_row_is_named(audited: Store, seq: int) -> None:
    audited.sql("DELETE FROM audit_event WHERE seq = ?", (seq,))
    assert "removed" in verify_fails_at(audited, seq)


def forged_row(store: Store, seq: int) -> None:
    """Insert a plausible event at ``seq``, linked to the row before it."""
    (prev_hash,) = store.sql("SELECT hash FROM audit_event WHERE seq = ?", (seq - 1,))[0]
    store.sql(
        "INSERT INTO audit_event (seq, id, at, actor_id, actor_role, action, resource_type, "
        "resource_id, outcome, reason, prev_hash, hash) "
        "VALUES (?, ?, '2026-01-01 10:00:00.000000', 'operator', 'admin', 'patient.export', "
        "'patient', ?, 'success', NULL, ?, ?)",
        (seq, uuid.uuid4().hex, unknown_patient(), prev_hash, secrets.token_hex(32)),
    )


def test_row_inserted_in_the_middle_is_named(audited: Store) -> None:
    for seq in range(EVENTS, 2, -1):  # make room at 3, highest first (seq is the key)
        audited.sql("UPDATE audit_event SET seq = seq + 1 WHERE seq = ?", (seq,))
    forged_row(audited, 3)
    verify_fails_at(audited, 3)


def test_row_appended_after_the_head_is_named(audited: Store) -> None:
    forged_row(audited, EVENTS + 1)
    verify_fails_at(audited, EVENTS + 1)


def test_unreadable_value_fails_in_one_line(audited: Store) -> None:
    audited.sql("UPDATE audit_event SET id = 'not-a-uuid' WHERE seq = 2")
    result = audited.run("audit", "verify")
    assert result.exit_code == 1
    assert "audit log broken" in error_line(result)


# --- PostgreSQL -----------------------------------------------------------------------------


def empty_postgres_at(url: str) -> None:
    """Migrate (another test may not have yet) and empty the shared database."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        upgrade(engine)
        empty_postgres(engine)
    finally:
        engine.dispose()


@pytest.fixture
def pg_store(pg_database: str, tmp_path: Path) -> Iterator[Store]:
    """The session's PostgreSQL database, emptied before and after (others share it)."""
    store = Store(tmp_path / "data", pg_database)
    empty_postgres_at(pg_database)
    try:
        yield store
    finally:
        empty_postgres_at(pg_database)


@pytest.mark.postgres
def test_verify_on_postgresql(pg_store: Store) -> None:
    add_events(pg_store)
    intact = pg_store.run("audit", "verify")
    assert intact.exit_code == 0, intact.output
    assert f"{EVENTS} rows" in intact.stdout
    engine = create_engine(pg_store.settings().sqlalchemy_url)
    try:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text("UPDATE audit_event SET reason = 'x' WHERE seq = 2"))
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
            conn.execute(text("UPDATE audit_event SET action = 'auth.login' WHERE seq = 2"))
            conn.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only"))
    finally:
        engine.dispose()
    assert "altered" in verify_fails_at(pg_store, 2)
