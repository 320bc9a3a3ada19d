"""The append-only, tamper-evident audit log.

Each row's ``hash`` is ``HMAC-SHA-256(secret key, prev_hash || canonical JSON of the row)``,
and ``audit_head`` anchors the newest row, so an altered, removed or inserted row breaks the
chain at a place :func:`verify` can name (HIPAA 45 CFR 164.312(b), OWASP ASVS 16.4.2).
Rows hold pseudonymous ids and action codes, never health data.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from mindway.security import crypto
from mindway.store.models import AuditEvent, AuditHead
from mindway.store.types import utcnow

GENESIS_HASH = "0" * 64
OUTCOMES = ("success", "denied", "failure")
REASON_MAX = 200  # the column's width


@dataclass(frozen=True)
class AuditRecord:
    """What happened, in codes: who (pseudonymous id and role), what, to which object, result."""

    action: str
    outcome: str
    actor_id: str | None = None
    actor_role: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    reason: str | None = None

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"unknown audit outcome {self.outcome!r}")
        if self.reason is not None and len(self.reason) > REASON_MAX:
            object.__setattr__(self, "reason", self.reason[: REASON_MAX - 1] + "…")


def _canonical(seq: int, event_id: uuid.UUID, at: datetime, record: AuditRecord) -> bytes:
    content = {
        "seq": seq,
        "id": str(event_id),
        "at": at.isoformat(),
        "actor_id": record.actor_id,
        "actor_role": record.actor_role,
        "action": record.action,
        "resource_type": record.resource_type,
        "resource_id": record.resource_id,
        "outcome": record.outcome,
        "reason": record.reason,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":")).encode()


def _link(secret: bytes, prev_hash: str, canonical: bytes) -> str:
    return crypto.keyed_hash(secret, prev_hash.encode() + b"\n" + canonical)


def _record_of(row: AuditEvent) -> AuditRecord:
    return AuditRecord(
        action=row.action,
        outcome=row.outcome if row.outcome in OUTCOMES else "failure",
        actor_id=row.actor_id,
        actor_role=row.actor_role,
        resource_type=row.resource_type,
        resource_id=row.resource_id,
        reason=row.reason,
    )


def append(db: Session, secret: bytes, record: AuditRecord) -> AuditEvent:
    """Append one event to the chain inside the caller's transaction."""
    head = db.scalars(select(AuditHead).where(AuditHead.id == 1).with_for_update()).one()
    seq = head.seq + 1
    at = utcnow()
    event_id = uuid.uuid4()
    digest = _link(secret, head.hash, _canonical(seq, event_id, at, record))
    row = AuditEvent(
        seq=seq,
        id=event_id,
        at=at,
        actor_id=record.actor_id,
        actor_role=record.actor_role,
        action=record.action,
        resource_type=record.resource_type,
        resource_id=record.resource_id,
        outcome=record.outcome,
        reason=record.reason,
        prev_hash=head.hash,
        hash=digest,
    )
    db.add(row)
    head.seq, head.hash = seq, digest
    db.flush()
    return row


@dataclass(frozen=True)
class Verification:
    ok: bool
    rows_checked: int
    first_bad_seq: int | None = None
    problem: str | None = None


def _rows(db: Session, batch: int = 1000) -> Iterator[AuditEvent]:
    last: int | None = None  # from the very first row, even one numbered 0 or below
    while True:
        query = select(AuditEvent).order_by(AuditEvent.seq).limit(batch)
        if last is not None:
            query = query.where(AuditEvent.seq > last)
        rows = db.scalars(query).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def head_is_signed_by(db: Session, secret: bytes) -> bool:
    """Whether the newest row's link was made with ``secret`` (a cheap start-up check)."""
    try:
        row = db.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).first()
    except (ValueError, TypeError, StatementError):
        return False
    if row is None:
        return True
    canonical = _canonical(row.seq, row.id, row.at, _record_of(row))
    return crypto.same(_link(secret, row.prev_hash, canonical), row.hash)


def verify(db: Session, secret: bytes) -> Verification:
    """Walk the chain from the start; name the first row that was altered, removed or inserted."""
    try:
        return _walk(db, secret)
    except (ValueError, TypeError, StatementError):
        # A value was altered into something that no longer parses (e.g. a bad UUID).
        seq = _first_unreadable(db)
        return Verification(False, 0, seq, f"row {seq} was altered (a value no longer parses)")


def _first_unreadable(db: Session) -> int | None:
    db.expunge_all()
    for seq in db.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)).all():
        try:
            db.scalars(select(AuditEvent).where(AuditEvent.seq == seq)).one()
        except (ValueError, TypeError, StatementError):
            return int(seq)
    return None


def _walk(db: Session, secret: bytes) -> Verification:
    prev_hash, expected_seq, checked = GENESIS_HASH, 1, 0
    for row in _rows(db):
        if row.seq < expected_seq:
            return Verification(
                False, checked, row.seq, f"row {row.seq} was inserted before the chain's start"
            )
        if row.seq != expected_seq:
            head = db.get(AuditHead, 1)
            if head is not None and head.seq == checked and crypto.same(head.hash, prev_hash):
                return Verification(
                    False, checked, row.seq, f"row {row.seq} was inserted after the chain's head"
                )
            return Verification(
                False,
                checked,
                expected_seq,
                f"row {expected_seq} was removed (next row is {row.seq})",
            )
        if not crypto.same(row.prev_hash, prev_hash):
            return Verification(
                False,
                checked,
                row.seq,
                f"row {row.seq} does not follow row {row.seq - 1}: "
                "a row was inserted or replaced here",
            )
        computed = _link(
            secret, row.prev_hash, _canonical(row.seq, row.id, row.at, _record_of(row))
        )
        if row.outcome not in OUTCOMES or not crypto.same(computed, row.hash):
            return Verification(False, checked, row.seq, f"row {row.seq} was altered")
        prev_hash, expected_seq, checked = row.hash, expected_seq + 1, checked + 1
    head = db.get(AuditHead, 1)
    if head is None:
        return Verification(False, checked, None, "the chain's head record is missing")
    if head.seq > checked:
        return Verification(
            False, checked, checked + 1, f"rows {checked + 1}..{head.seq} were removed"
        )
    if head.seq < checked or not crypto.same(head.hash, prev_hash):
        return Verification(
            False, checked, head.seq + 1, f"row {head.seq + 1} was inserted after the chain's head"
        )
    return Verification(True, checked)
