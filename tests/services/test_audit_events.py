"""Representative use cases write exactly one audit event with the right action and outcome,
on success and on failure; audit rows never hold health data."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from mindway.errors import MindwayError
from mindway.security.policy import Actor
from mindway.services import (
    accounts,
    audit_log,
    auth,
    break_glass,
    consent,
    patients,
    privacy,
    research,
)
from mindway.services.runtime import Runtime
from mindway.store.models import AuditEvent
from tests.clinic import PASSWORD, Clinic
from tests.services.audit_trail import AuditWatch

REASON = "Unreachable care team; patient at risk tonight"
NOTE = "Discussed the argument with her sister and the panic that followed."

UseCase = Callable[[Runtime, Actor, uuid.UUID], object]


def read(rt: Runtime, actor: Actor, pid: uuid.UUID) -> object:
    return patients.read_record(rt, actor, pid)


def note(rt: Runtime, actor: Actor, pid: uuid.UUID) -> object:
    return patients.add_note(rt, actor, pid, "session", NOTE)


def grant(rt: Runtime, actor: Actor, pid: uuid.UUID) -> object:
    return consent.record(rt, actor, pid, "care", True)


def export(rt: Runtime, actor: Actor, pid: uuid.UUID) -> object:
    return privacy.export_patient(rt, actor, pid)


def erase(rt: Runtime, actor: Actor, pid: uuid.UUID) -> None:
    privacy.erase_patient(rt, actor, pid)


def emergency(rt: Runtime, actor: Actor, pid: uuid.UUID) -> object:
    return break_glass.start(rt, actor, pid, REASON)


def create_new(rt: Runtime, actor: Actor, _pid: uuid.UUID) -> object:
    return accounts.create_account(
        rt, actor, username="new.one", display_name="X", role="researcher", password=PASSWORD
    )


def create_taken(rt: Runtime, actor: Actor, _pid: uuid.UUID) -> object:
    return accounts.create_account(
        rt, actor, username="patient.a", display_name="X", role="researcher", password=PASSWORD
    )


def login_right(rt: Runtime, _actor: Actor, _pid: uuid.UUID) -> object:
    return auth.login(rt, "patient.a", PASSWORD, "192.0.2.1")


def login_wrong(rt: Runtime, _actor: Actor, _pid: uuid.UUID) -> object:
    return auth.login(rt, "patient.a", "Alice Archer 1985-03-14", "192.0.2.1")


def research_export(rt: Runtime, actor: Actor, _pid: uuid.UUID) -> object:
    return research.export(rt, actor)


def audit_read(rt: Runtime, actor: Actor, _pid: uuid.UUID) -> object:
    return audit_log.browse(rt, actor, audit_log.AuditFilter())


@dataclass(frozen=True)
class Step:
    """One use case, run by one member of the clinic on one patient (A unless named)."""

    use_case: UseCase
    who: str
    whom: str = "patient_a"

    def actor(self, clinic: Clinic) -> Actor:
        return getattr(clinic, self.who)  # type: ignore[no-any-return]

    def __call__(self, rt: Runtime, clinic: Clinic) -> object:
        patient_id = getattr(clinic, self.whom).patient_id
        return self.use_case(rt, self.actor(clinic), patient_id)


CASES = [
    ("patient.read", Step(read, "clinician_a"), Step(read, "clinician_a", "patient_b"), "denied"),
    ("patient.read", Step(read, "patient_a"), Step(read, "patient_a", "patient_b"), "denied"),
    ("note.create", Step(note, "clinician_a"), Step(note, "clinician_a", "patient_b"), "denied"),
    ("note.create", Step(note, "clinician_a"), Step(note, "patient_a"), "denied"),
    ("consent.grant", Step(grant, "patient_a"), Step(grant, "patient_b"), "denied"),
    ("account.create", Step(create_new, "admin"), Step(create_taken, "admin"), "failure"),
    ("account.create", Step(create_new, "admin"), Step(create_new, "clinician_a"), "denied"),
    ("auth.login", Step(login_right, "patient_a"), Step(login_wrong, "patient_a"), "failure"),
    ("patient.export", Step(export, "patient_a"), Step(export, "patient_b"), "denied"),
    ("patient.export", Step(export, "admin"), Step(export, "clinician_a"), "denied"),
    (
        "research.export",
        Step(research_export, "researcher"),
        Step(research_export, "admin"),
        "denied",
    ),
    ("break_glass.start", Step(emergency, "clinician_b"), Step(emergency, "patient_b"), "denied"),
    ("patient.erase", Step(erase, "admin", "patient_b"), Step(erase, "clinician_b"), "denied"),
    ("audit.read", Step(audit_read, "admin"), Step(audit_read, "clinician_a"), "denied"),
]


@pytest.mark.parametrize(
    ("action", "succeed", "fail", "failure"),
    [pytest.param(*case, id=f"{case[0]}-{case[2].who}-{case[3]}") for case in CASES],
)
def test_exactly_one_event_on_success_and_on_failure(
    rt: Runtime, clinic: Clinic, action: str, succeed: Step, fail: Step, failure: str
) -> None:
    watch = AuditWatch(rt)
    succeed(rt, clinic)
    success = watch.single()
    assert (success.action, success.outcome) == (action, "success")
    assert success.actor_id == str(succeed.actor(clinic).account_id)

    watch = AuditWatch(rt)
    with pytest.raises(MindwayError):
        fail(rt, clinic)
    event = watch.single()
    assert (event.action, event.outcome) == (action, failure)
    actor = fail.actor(clinic)
    assert (event.actor_id, event.actor_role) == (str(actor.account_id), actor.role)
    assert event.reason


def test_patient_events_name_the_patient_by_id(rt: Runtime, clinic: Clinic) -> None:
    watch = AuditWatch(rt)
    Step(note, "clinician_a")(rt, clinic)
    event = watch.single()
    assert (event.resource_type, event.resource_id) == ("patient", str(clinic.patient_a.patient_id))


def test_audit_rows_hold_no_health_data(rt: Runtime, clinic: Clinic) -> None:
    """Run the use cases that touch health data, then search every audit column."""
    for step in (
        Step(note, "clinician_a"),
        Step(read, "clinician_a"),
        Step(grant, "patient_a"),
        Step(emergency, "clinician_b"),
        Step(read, "clinician_b"),
        Step(export, "patient_a"),
        Step(research_export, "researcher"),
        Step(erase, "admin", "patient_b"),
    ):
        step(rt, clinic)
    with pytest.raises(MindwayError):
        Step(login_wrong, "patient_a")(rt, clinic)
    secrets = (
        "Alice",
        "Archer",
        "Bob",
        "Baker",
        "1985-03-14",
        "1992-07-01",
        "sister",
        REASON,
        "female",
        "Black",
        "patient.a",
        "clinician.a",
    )
    with rt.transaction() as db:
        rows = db.scalars(select(AuditEvent)).all()
        text = "\n".join(str(getattr(row, c.key)) for row in rows for c in AuditEvent.__table__.c)
    assert len(rows) > 15
    assert [s for s in secrets if s in text] == []
    assert audit_log.verify(rt).ok
