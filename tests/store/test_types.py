"""UTC timestamps everywhere: aware UTC datetimes out, naive datetimes refused on the way in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from mindway.services.runtime import Runtime
from mindway.store.models import Alert, ClinicalNote
from mindway.store.types import utcnow
from tests.conftest import fast_settings

KOLKATA = timezone(timedelta(hours=5, minutes=30))


def _alert(at: datetime) -> Alert:
    return Alert(audience_role="admin", kind="test", message="m", created_at=at)


def test_aware_datetimes_come_back_as_utc(rt: Runtime) -> None:
    local = datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=KOLKATA)
    with rt.transaction() as db:
        alert = _alert(local)
        db.add(alert)
    with rt.transaction() as db:
        loaded = db.scalars(select(Alert.created_at).where(Alert.id == alert.id)).one()
    assert loaded.tzinfo is not None and loaded.utcoffset() == timedelta(0)
    assert loaded == local
    assert loaded.replace(tzinfo=None) == datetime(2026, 3, 28, 20, 0, 15, 123456)


def test_defaults_are_aware_utc(rt: Runtime) -> None:
    before = utcnow()
    with rt.transaction() as db:
        alert = Alert(audience_role="admin", kind="test", message="m")
        db.add(alert)
    with rt.transaction() as db:
        loaded = db.get(Alert, alert.id)
        assert loaded is not None
        assert loaded.created_at.tzinfo is not None
        assert before <= loaded.created_at <= utcnow()
        assert loaded.acknowledged_at is None


def test_comparisons_in_queries_use_utc(rt: Runtime) -> None:
    at = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    with rt.transaction() as db:
        db.add(_alert(at))
    with rt.transaction() as db:
        # 12:00 UTC is 17:30 in Kolkata: the same instant, whatever the offset it is given in.
        same = at.astimezone(KOLKATA)
        assert db.scalars(select(Alert).where(Alert.created_at == same)).all()
        assert not db.scalars(select(Alert).where(Alert.created_at > same)).all()
        later = same + timedelta(microseconds=1)
        assert db.scalars(select(Alert).where(Alert.created_at < later)).all()


def test_naive_datetimes_are_refused(rt: Runtime) -> None:
    with pytest.raises(StatementError, match="timezone-aware"), rt.transaction() as db:
        db.add(_alert(datetime(2026, 1, 1, 12, 0)))
    with pytest.raises(StatementError, match="timezone-aware"), rt.transaction() as db:
        db.scalars(select(Alert).where(Alert.created_at < datetime(2026, 1, 1))).all()
    with rt.transaction() as db:
        assert db.scalars(select(Alert)).all() == []


def test_postgres_returns_utc_whatever_the_session_time_zone(pg_database: str) -> None:
    engine = create_engine(pg_database, connect_args={"options": "-c timezone=Asia/Kolkata"})
    at = datetime(2026, 6, 1, 23, 45, tzinfo=UTC)
    try:
        with Session(engine) as db:
            assert db.execute(text("SHOW timezone")).scalar_one() == "Asia/Kolkata"
            alert = _alert(at)
            db.add(alert)
            db.commit()
            loaded = db.scalars(select(Alert.created_at).where(Alert.id == alert.id)).one()
            assert loaded == at and loaded.utcoffset() == timedelta(0)
            assert loaded.tzinfo is UTC
            kind = db.execute(
                text(
                    "SELECT data_type FROM information_schema.columns "
                    "WHERE table_name = 'alert' AND column_name = 'created_at'"
                )
            ).scalar_one()
            assert kind == "timestamp with time zone"
            db.delete(alert)
            db.commit()
    finally:
        engine.dispose()


def test_sqlite_stores_utc_text(tmp_path: Path) -> None:
    """SQLite keeps no offset, so the stored text must be the UTC wall time."""
    rt = Runtime.open(fast_settings(tmp_path))
    try:
        with rt.transaction() as db:
            db.add(_alert(datetime(2026, 1, 1, 5, 30, tzinfo=KOLKATA)))
        with rt.engine.connect() as conn:
            stored = conn.execute(text("SELECT created_at FROM alert")).scalar_one()
    finally:
        rt.close()
    assert str(stored).startswith("2026-01-01 00:00:00")


def test_foreign_keys_are_enforced(rt: Runtime) -> None:
    """SQLite enforces foreign keys only when asked (PRAGMA foreign_keys=ON)."""
    with pytest.raises(IntegrityError), rt.transaction() as db:
        db.add(
            ClinicalNote(
                patient_id=uuid.uuid4(), author_id=uuid.uuid4(), kind="session", body_enc="x"
            )
        )
