"""Resetting the shared per-run PostgreSQL database between tests."""

from __future__ import annotations

from sqlalchemy import Engine, text

from mindway.security.audit import GENESIS_HASH
from mindway.store.models import Base


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
