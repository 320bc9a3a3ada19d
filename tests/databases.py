"""PostgreSQL databases for tests: making a new one, and resetting the shared per-run one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from mindway.config import Settings
from mindway.security.audit import GENESIS_HASH
from mindway.services.runtime import Runtime
from mindway.store import db as store
from mindway.store.models import Base


@contextmanager
def new_database(admin_url: str, name: str) -> Iterator[str]:
    """Create the empty database ``name`` on ``admin_url``'s server and give its URL; on the
    way out, end its connections and drop it."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
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
    finally:
        admin.dispose()


def open_empty(settings: Settings) -> Runtime:
    """A runtime on an empty store. The shared PostgreSQL database is migrated and emptied
    first: what an earlier test left there was sealed under that test's keys."""
    if settings.database_url:
        engine = store.make_engine(settings.sqlalchemy_url)
        try:
            store.upgrade(engine)
            empty_postgres(engine)
        finally:
            engine.dispose()
    return Runtime.open(settings)


def empty_postgres(engine: Engine) -> None:
    """Delete every row and reset the audit chain's head.

    The audit table refuses TRUNCATE (append-only trigger); replica mode skips triggers for
    this one test-only transaction.
    """
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        conn.execute(
            text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, :h)"), {"h": GENESIS_HASH}
        )
