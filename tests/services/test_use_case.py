"""The audited unit of work: one transaction, exactly one audit event, success or not."""

from __future__ import annotations

import uuid
from contextlib import nullcontext

import pytest

from mindway.errors import Forbidden, InvalidInput, MindwayError
from mindway.services.runtime import OutOfScope, Runtime
from mindway.store.models import CareTeam
from tests.clinic import Clinic
from tests.services.audit_trail import AuditWatch, table_counts


@pytest.mark.parametrize(
    ("error", "outcome", "reason"),
    [
        (None, "success", "made a team"),
        (InvalidInput("bad"), "failure", "InvalidInput"),
        (Forbidden("no"), "denied", "Forbidden"),
        (OutOfScope("gone"), "denied", "OutOfScope"),
        (RuntimeError("bug"), "failure", "internal error"),
    ],
)
def test_one_event_and_all_or_nothing(
    rt: Runtime, clinic: Clinic, error: Exception | None, outcome: str, reason: str
) -> None:
    counts, watch = table_counts(rt), AuditWatch(rt)
    team_id = uuid.uuid4()
    expectation = pytest.raises(type(error)) if error else nullcontext()
    with expectation, rt.use_case(clinic.admin, "care_team.create", "care_team", team_id) as uc:
        uc.db.add(CareTeam(id=team_id, name="Team Z"))
        uc.db.flush()
        uc.reason = "made a team"
        if error:
            raise error
    event = watch.single()
    assert (event.action, event.outcome, event.reason) == ("care_team.create", outcome, reason)
    assert (event.actor_id, event.actor_role) == (str(clinic.admin.account_id), "admin")
    assert event.resource_id == str(team_id)
    grown = counts | {"care_team": counts["care_team"] + 1}
    assert table_counts(rt) == (grown if error is None else counts)


def test_a_failure_reason_set_by_the_service_is_kept(rt: Runtime, clinic: Clinic) -> None:
    watch = AuditWatch(rt)
    with pytest.raises(MindwayError), rt.use_case(clinic.patient_a, "patient.read") as uc:
        uc.failure_reason = "not own record"
        raise OutOfScope("patient not found")
    assert (watch.single().outcome, watch.single().reason) == ("denied", "not own record")
