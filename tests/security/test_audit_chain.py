"""The tamper-evident audit chain on SQLite and PostgreSQL (HIPAA 45 CFR 164.312(b)).

An attacker with database access can drop the append-only triggers; the HMAC chain and the
head record must still reveal every altered, removed or inserted row, by its number.
"""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, exc, func, insert, select, text, update

from mindway.security import audit, crypto
from mindway.security.audit import AuditRecord
from mindway.services.runtime import Runtime
from mindway.store.models import AuditEvent, AuditHead

EVENTS = 10


def record(i: int) -> AuditRecord:
    return AuditRecord(
        action="record.read",
        outcome="success",
        actor_id=str(uuid.UUID(int=i)),
        actor_role="clinician",
        resource_type="patient",
        resource_id=str(uuid.UUID(int=1000 + i)),
        reason=None,
    )


def append(rt: Runtime, count: int, start: int = 1) -> None:
    with rt.transaction() as db:
        for i in range(start, start + count):
            rt.audit(db, record(i))


def check(rt: Runtime) -> audit.Verification:
    with rt.transaction() as db:
        return audit.verify(db, rt.keyring.secret_key)


def run(rt: Runtime, statement: Any) -> None:
    with rt.engine.begin() as conn:
        conn.execute(statement)


def row(rt: Runtime, seq: int) -> AuditEvent:
    with rt.transaction() as db:
        return db.scalars(select(AuditEvent).where(AuditEvent.seq == seq)).one()


@pytest.fixture
def chain(rt: Runtime) -> Runtime:
    append(rt, EVENTS)
    result = check(rt)
    assert result.ok and result.rows_checked == EVENTS, result
    return rt


@pytest.fixture
def attacker(chain: Runtime, backend: str) -> Iterator[Runtime]:
    """Switch off the append-only triggers, as someone with database access could."""
    if backend == "sqlite":
        run(chain, text("DROP TRIGGER audit_event_no_update"))
        run(chain, text("DROP TRIGGER audit_event_no_delete"))
        yield chain
        return
    run(chain, text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
    try:
        yield chain
    finally:  # the PostgreSQL schema is shared by the whole test run
        run(chain, text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only"))


def test_fresh_store_verifies(rt: Runtime) -> None:
    result = check(rt)
    assert result.ok and result.rows_checked == 0 and result.first_bad_seq is None


def test_long_chain_verifies_across_batches(rt: Runtime) -> None:
    """More rows than verify() reads per batch (1000), appended in several transactions."""
    append(rt, 600)
    append(rt, 500, start=601)
    result = check(rt)
    assert result.ok, result.problem
    assert result.rows_checked == 1100
    with rt.transaction() as db:
        head = db.get(AuditHead, 1)
        assert head is not None and head.seq == 1100
        assert head.hash == db.scalars(select(AuditEvent.hash).where(AuditEvent.seq == 1100)).one()


def test_each_row_links_to_the_previous(chain: Runtime) -> None:
    rows = [row(chain, seq) for seq in range(1, EVENTS + 1)]
    assert rows[0].prev_hash == audit.GENESIS_HASH
    for before, after in itertools.pairwise(rows):
        assert after.prev_hash == before.hash
    assert len({r.hash for r in rows}) == EVENTS


def test_a_different_secret_key_does_not_verify(chain: Runtime) -> None:
    with chain.transaction() as db:
        result = audit.verify(db, b"\x01" * 32)
    assert not result.ok and result.first_bad_seq == 1


@pytest.mark.parametrize(
    ("statement", "verb"),
    [
        (update(AuditEvent).where(AuditEvent.seq == 3).values(action="x"), "update"),
        (update(AuditEvent).values(outcome="denied"), "update"),
        (delete(AuditEvent).where(AuditEvent.seq == 3), "delete"),
        (delete(AuditEvent), "delete"),
    ],
    ids=["update one", "update all", "delete one", "delete all"],
)
def test_database_refuses_update_and_delete(chain: Runtime, statement: Any, verb: str) -> None:
    """Defence in depth: the migration's triggers keep the table append-only."""
    with pytest.raises(exc.DBAPIError, match="append-only"):
        run(chain, statement)
    assert row(chain, 3).action == "record.read"
    assert check(chain).ok


def test_orm_delete_is_refused_too(chain: Runtime) -> None:
    with pytest.raises(exc.DBAPIError, match="append-only"), chain.transaction() as db:
        db.delete(db.scalars(select(AuditEvent).where(AuditEvent.seq == 1)).one())
    assert check(chain).rows_checked == EVENTS


ALTERATIONS: dict[str, Any] = {
    "action": "record.write",
    "outcome": "denied",
    "outcome_unknown": "bogus",
    "actor_id": str(uuid.UUID(int=999)),
    "actor_role": "admin",
    "resource_type": "account",
    "resource_id": str(uuid.UUID(int=4242)),
    "reason": "nothing to see",
    "id": uuid.UUID(int=7),
}


@pytest.mark.parametrize("field", [*ALTERATIONS, "at", "hash", "prev_hash"])
def test_an_altered_row_is_named(attacker: Runtime, field: str) -> None:
    target = 4
    original = row(attacker, target)
    if field == "at":
        values: dict[str, Any] = {"at": original.at - timedelta(microseconds=1)}
    elif field in ("hash", "prev_hash"):
        values = {field: "f" * 64}
    else:
        values = {field.removesuffix("_unknown"): ALTERATIONS[field]}
    run(attacker, update(AuditEvent).where(AuditEvent.seq == target).values(**values))
    result = check(attacker)
    assert not result.ok
    assert result.first_bad_seq == target, result
    assert result.rows_checked == target - 1
    assert result.problem and str(target) in result.problem


def test_restoring_an_altered_row_verifies_again(attacker: Runtime) -> None:
    """The check is about content, not about the row having been touched."""
    run(attacker, update(AuditEvent).where(AuditEvent.seq == 2).values(action="record.write"))
    assert check(attacker).first_bad_seq == 2
    run(attacker, update(AuditEvent).where(AuditEvent.seq == 2).values(action="record.read"))
    assert check(attacker).ok


@pytest.mark.parametrize("removed", [1, 5, EVENTS - 1])
def test_a_removed_row_is_named(attacker: Runtime, removed: int) -> None:
    run(attacker, delete(AuditEvent).where(AuditEvent.seq == removed))
    result = check(attacker)
    assert not result.ok and result.first_bad_seq == removed, result
    assert result.problem and "removed" in result.problem


def test_removing_a_row_and_renumbering_is_caught(attacker: Runtime) -> None:
    run(attacker, delete(AuditEvent).where(AuditEvent.seq == 5))
    _shift(attacker, after=5, by=-1)
    result = check(attacker)
    assert not result.ok and result.first_bad_seq == 5, result


def _shift(rt: Runtime, after: int, by: int) -> None:
    """Renumber rows after ``after`` by ``by`` (in two steps, past the primary key)."""
    run(rt, update(AuditEvent).where(AuditEvent.seq > after).values(seq=-AuditEvent.seq))
    run(rt, update(AuditEvent).where(AuditEvent.seq < 0).values(seq=-AuditEvent.seq + by))


def _forged(rt: Runtime, seq: int, prev_hash: str) -> dict[str, Any]:
    template = row(rt, 1)
    return {
        "seq": seq,
        "id": uuid.uuid4(),
        "at": template.at,
        "actor_id": str(uuid.UUID(int=666)),
        "actor_role": "admin",
        "action": "account.create",
        "resource_type": "account",
        "resource_id": None,
        "outcome": "success",
        "reason": None,
        "prev_hash": prev_hash,
        "hash": crypto.keyed_hash(b"\x02" * 32, prev_hash.encode() + b"forged"),
    }


def test_a_row_inserted_in_the_middle_is_named(attacker: Runtime) -> None:
    after = 6
    _shift(attacker, after=after, by=1)
    forged = _forged(attacker, after + 1, row(attacker, after).hash)
    run(attacker, insert(AuditEvent).values(**forged))
    with attacker.engine.begin() as conn:  # the attacker fixes the head up as well
        top = conn.execute(select(func.max(AuditEvent.seq))).scalar_one()
        top_hash = conn.execute(select(AuditEvent.hash).where(AuditEvent.seq == top)).scalar_one()
        conn.execute(update(AuditHead).values(seq=top, hash=top_hash))
    result = check(attacker)
    assert not result.ok and result.first_bad_seq == after + 1, result


def test_a_forged_row_appended_without_the_head_is_named(chain: Runtime) -> None:
    forged = _forged(chain, EVENTS + 1, row(chain, EVENTS).hash)
    run(chain, insert(AuditEvent).values(**forged))
    result = check(chain)
    assert not result.ok and result.first_bad_seq == EVENTS + 1, result


@pytest.mark.parametrize("gap", [1, 5, 1000])
def test_a_forged_row_appended_with_a_gap_is_named_as_inserted(chain: Runtime, gap: int) -> None:
    """Rows past an intact head were inserted; none was removed before them."""
    seq = EVENTS + 1 + gap
    run(chain, insert(AuditEvent).values(**_forged(chain, seq, row(chain, EVENTS).hash)))
    result = check(chain)
    assert not result.ok and result.first_bad_seq == seq, result
    assert result.problem and "inserted" in result.problem


def test_a_removed_tail_and_a_forged_row_name_the_removal(attacker: Runtime) -> None:
    run(attacker, delete(AuditEvent).where(AuditEvent.seq >= EVENTS - 1))
    run(attacker, insert(AuditEvent).values(**_forged(attacker, EVENTS + 3, "0" * 64)))
    result = check(attacker)
    assert not result.ok and result.first_bad_seq == EVENTS - 1, result
    assert result.problem and "removed" in result.problem


def test_a_valid_row_slipped_in_behind_the_head_is_named(chain: Runtime) -> None:
    """Even a correctly chained row (made with the key) is caught if the head did not move."""
    with chain.transaction() as db:
        head = db.get(AuditHead, 1)
        assert head is not None
        seq, digest = head.seq, head.hash
    append(chain, 1, start=500)
    run(chain, update(AuditHead).values(seq=seq, hash=digest))
    result = check(chain)
    assert not result.ok and result.first_bad_seq == EVENTS + 1, result
    assert result.problem and "inserted" in result.problem


@pytest.mark.parametrize("cut", [1, 3, EVENTS])
def test_a_truncated_tail_is_detected_through_the_head(attacker: Runtime, cut: int) -> None:
    first_removed = EVENTS - cut + 1
    run(attacker, delete(AuditEvent).where(AuditEvent.seq >= first_removed))
    result = check(attacker)
    assert not result.ok and result.first_bad_seq == first_removed, result
    assert result.rows_checked == first_removed - 1
    assert result.problem and "removed" in result.problem


def test_a_missing_head_is_reported(chain: Runtime) -> None:
    run(chain, delete(AuditHead))
    result = check(chain)
    assert not result.ok and result.problem and "head" in result.problem


def test_the_first_of_several_problems_is_named(attacker: Runtime) -> None:
    run(attacker, delete(AuditEvent).where(AuditEvent.seq == 8))
    run(attacker, update(AuditEvent).where(AuditEvent.seq == 3).values(outcome="failure"))
    assert check(attacker).first_bad_seq == 3


def test_concurrent_appends_keep_the_chain(rt: Runtime) -> None:
    """Appenders in separate transactions are serialised by the head row's lock."""
    threads, per_thread = 6, 8
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            barrier.wait(timeout=10)
            for i in range(per_thread):
                with rt.transaction() as db:
                    rt.audit(db, record(t * 100 + i))
        except BaseException as error:
            errors.append(error)

    workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not errors, errors
    result = check(rt)
    assert result.ok, result.problem
    assert result.rows_checked == threads * per_thread
    with rt.transaction() as db:
        actors = set(db.scalars(select(AuditEvent.actor_id)))
    assert len(actors) == threads * per_thread


def test_audit_record_refuses_unknown_outcomes() -> None:
    with pytest.raises(ValueError, match="outcome"):
        AuditRecord(action="x", outcome="maybe")


@pytest.mark.parametrize("seq", [0, -1])
def test_a_row_inserted_before_the_first_is_named(chain: Runtime, seq: int) -> None:
    """Rows numbered below 1 would show up in the log; verify() must not skip them."""
    run(chain, insert(AuditEvent).values(**_forged(chain, seq, audit.GENESIS_HASH)))
    result = check(chain)
    assert not result.ok and result.first_bad_seq == seq, result
    assert result.problem and "inserted" in result.problem
