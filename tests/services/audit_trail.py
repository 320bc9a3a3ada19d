"""Looking at what a use case left behind: new audit events, and row counts of every table."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from mindway.services.runtime import Runtime
from mindway.store.models import AuditEvent, AuditHead, Base

# Tables a failed or refused request may still touch: the audit chain and login throttling.
BOOKKEEPING = frozenset({AuditEvent.__tablename__, AuditHead.__tablename__, "login_attempt"})


@dataclass(frozen=True)
class Event:
    """An audit row, detached from its session."""

    seq: int
    action: str
    outcome: str
    actor_id: str | None
    actor_role: str | None
    resource_type: str | None
    resource_id: str | None
    reason: str | None


def last_seq(rt: Runtime) -> int:
    with rt.transaction() as db:
        return int(db.scalar(select(func.max(AuditEvent.seq))) or 0)


def events_after(rt: Runtime, seq: int) -> list[Event]:
    with rt.transaction() as db:
        rows = db.scalars(select(AuditEvent).where(AuditEvent.seq > seq).order_by(AuditEvent.seq))
        return [
            Event(
                r.seq,
                r.action,
                r.outcome,
                r.actor_id,
                r.actor_role,
                r.resource_type,
                r.resource_id,
                r.reason,
            )
            for r in rows
        ]


def table_counts(rt: Runtime) -> dict[str, int]:
    """Rows per table, leaving out the bookkeeping tables."""
    with rt.transaction() as db:
        return {
            table.name: int(db.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
            if table.name not in BOOKKEEPING
        }


class AuditWatch:
    """Marks the end of the audit log now; ``new()`` gives the events written since."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.mark = last_seq(rt)

    def new(self) -> list[Event]:
        return events_after(self.rt, self.mark)

    def single(self) -> Event:
        """The one event written since the mark (fails unless there is exactly one)."""
        events = self.new()
        assert len(events) == 1, [(e.action, e.outcome) for e in events]
        return events[0]
