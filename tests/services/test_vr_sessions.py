"""VR exposure services: the hierarchy (screened, sealed, ordered), sessions run by the
controller with a simulated patient, overrides only from the therapist, replay after a
restart, reports with reasons, progress carried across sessions, export and erasure."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from mindway.errors import Forbidden, InvalidInput
from mindway.services import privacy, vr_hierarchy, vr_live, vr_reports, vr_sessions
from mindway.services.runtime import OutOfScope, Runtime
from mindway.store.models import ClinicalAlert
from mindway.store.vr_models import VrHierarchyItem, VrProgress, VrSessionLog
from tests.clinic import Clinic
from tests.services.audit_trail import AuditWatch, table_counts
from tests.services.vr_drive import ITEM, drive, patient


def _item(rt: Runtime, clinic: Clinic, **changes: Any) -> uuid.UUID:
    added = vr_hierarchy.add_item(rt, clinic.clinician_a, clinic.patient_a_id, ITEM | changes)
    assert added.item is not None
    return added.item.id


def _start(rt: Runtime, clinic: Clinic, item: uuid.UUID) -> vr_sessions.VrSessionPublic:
    return vr_sessions.start_session(rt, clinic.patient_a, clinic.patient_a_id, item)


def test_hierarchy_is_sealed_ordered_and_built_by_patient_and_clinician(
    rt: Runtime, clinic: Clinic
) -> None:
    watch = AuditWatch(rt)
    _item(rt, clinic)
    assert watch.single().action == "vr.hierarchy.add"
    mine = ITEM | {"label": "Looking down from the glass lift", "suds": 80}
    assert vr_hierarchy.add_item(rt, clinic.patient_a, clinic.patient_a_id, mine).item
    _item(rt, clinic, label="Balcony with a high railing", suds=30, intensity_hi=0.4)
    items = vr_hierarchy.list_items(rt, clinic.patient_a, clinic.patient_a_id)
    assert [i.suds for i in items] == [30, 55, 80]
    assert {i.status for i in items} == {"not started"}
    with rt.transaction() as db:
        assert all("balcony" not in r.item_enc for r in db.scalars(select(VrHierarchyItem)))


@pytest.mark.parametrize(
    "change",
    [{"intensity_lo": 0.6, "intensity_hi": 0.5}, {"suds": 101}, {"scene": "sharks"}, {"label": ""}],
)
def test_a_bad_item_is_refused_and_nothing_written(
    rt: Runtime, clinic: Clinic, change: dict[str, Any]
) -> None:
    before = table_counts(rt)
    with pytest.raises(InvalidInput):
        vr_hierarchy.add_item(rt, clinic.clinician_a, clinic.patient_a_id, ITEM | change)
    assert table_counts(rt) == before


def test_outsiders_are_refused(rt: Runtime, clinic: Clinic) -> None:
    with pytest.raises(OutOfScope):
        vr_hierarchy.add_item(rt, clinic.clinician_b, clinic.patient_a_id, ITEM)
    with pytest.raises(OutOfScope):
        vr_hierarchy.list_items(rt, clinic.patient_b, clinic.patient_a_id)
    with pytest.raises(Forbidden):
        vr_hierarchy.list_items(rt, clinic.admin, clinic.patient_a_id)
    session = _start(rt, clinic, _item(rt, clinic))
    with pytest.raises(OutOfScope):
        vr_sessions.connect(rt, clinic.clinician_b, session.id)
    with pytest.raises(OutOfScope):
        vr_reports.report(rt, clinic.patient_b, session.id)


def test_a_flagged_label_alerts_the_team_and_is_not_saved(rt: Runtime, clinic: Clinic) -> None:
    label = "I want to kill myself, there is no point going on"
    added = vr_hierarchy.add_item(
        rt, clinic.patient_a, clinic.patient_a_id, ITEM | {"label": label}
    )
    assert added.item is None and added.show_crisis_resources
    with rt.transaction() as db:
        assert db.scalars(select(VrHierarchyItem)).first() is None
        assert db.scalars(select(ClinicalAlert)).first() is not None


def test_a_simulated_session_reaches_exposure_and_carries_progress(
    rt: Runtime, clinic: Clinic
) -> None:
    item = _item(rt, clinic)
    session = _start(rt, clinic, item)
    assert (session.number, session.state, session.scene) == (1, "baseline", "heights")

    def send(message: dict[str, Any]) -> dict[str, Any]:
        return vr_sessions.step(rt, clinic.patient_a, session.id, message, clinic.patient_a_id)

    assert send({"event": "session_start", "patient": str(clinic.patient_a_id)}) == {"ok": True}
    assert send({"t": "soon"})["ok"] is False  # answered, not crashed
    replies = drive(send, patient(), 150)
    states = [r["state"] for r in replies]
    assert states[:60] == ["baseline"] * 60 and all(r["intensity"] == 0 for r in replies[:60])
    assert "exposure" in states and max(r["intensity"] for r in replies) > 0
    assert send({"event": "session_end"}) == {"ok": True}
    report = vr_reports.report(rt, clinic.clinician_a, session.id)
    assert report.session.state == "ended" and len(report.series["t"]) == 150
    assert report.series["scene_intensity"][-1] >= ITEM["intensity_lo"]
    assert any("baseline" in e["reason"] for e in report.events)
    assert any(e.get("state") == "exposure" and e["reason"] for e in report.events)
    progress = vr_hierarchy.hierarchy_progress(rt, clinic.patient_a, clinic.patient_a_id)
    assert progress.items[0].sessions == 1 and progress.next_item_id == item
    assert progress.items[0].item.status == "in progress"
    assert _start(rt, clinic, item).number == 2
    with rt.transaction() as db:
        logs = list(db.scalars(select(VrSessionLog)))
        assert logs and all('"hr"' not in r.records_enc for r in logs)
        assert db.scalars(select(VrProgress)).first() is not None


def test_overrides_are_the_therapists_and_win(rt: Runtime, clinic: Clinic) -> None:
    session = _start(rt, clinic, _item(rt, clinic))
    sim = patient()

    def send(message: dict[str, Any]) -> dict[str, Any]:
        return vr_sessions.step(rt, clinic.patient_a, session.id, message)

    drive(send, sim, 70)
    with pytest.raises(Forbidden):
        vr_sessions.override(rt, clinic.patient_a, session.id, "pause")
    refused = send({"event": "override", "action": "pause"})
    assert refused["ok"] is False
    watch = AuditWatch(rt)
    assert vr_sessions.override(rt, clinic.clinician_a, session.id, "pause") == {"ok": True}
    assert watch.single().reason == "override: pause"
    assert drive(send, sim, 3, t0=70)[-1]["state"] == "paused"
    assert vr_sessions.override(rt, clinic.clinician_a, session.id, "jump")["ok"] is False
    vr_sessions.override(rt, clinic.clinician_a, session.id, "end")
    assert drive(send, sim, 1, t0=73)[0]["state"] == "ended"
    report = vr_reports.report(rt, clinic.clinician_a, session.id)
    assert [e["action"] for e in report.events if e["kind"] == "override"] == ["pause", "end"]


def test_a_restarted_server_replays_the_sealed_log(rt: Runtime, clinic: Clinic) -> None:
    """The controller is deterministic: a rebuilt session answers as the original would."""
    item = _item(rt, clinic)
    first, second = _start(rt, clinic, item), None
    sims = [patient(3), patient(3)]

    def send_to(session_id: uuid.UUID) -> Any:
        return lambda m: vr_sessions.step(rt, clinic.patient_a, session_id, m)

    reference = drive(send_to(first.id), sims[0], 100)
    vr_sessions.end_session(rt, clinic.patient_a, first.id)
    vr_sessions.connect(rt, clinic.patient_a, first.id)  # an ended session stays ended
    second = _start(rt, clinic, _item(rt, clinic, label="Another balcony"))
    replies = drive(send_to(second.id), sims[1], 50)
    vr_sessions.checkpoint(rt, clinic.patient_a, second.id)  # the server shuts down
    vr_live.drop(second.id)  # and restarts: only the sealed log remains
    replies += drive(send_to(second.id), sims[1], 50, t0=50)
    assert replies == reference


def test_export_holds_the_vr_record_and_erasure_removes_it(rt: Runtime, clinic: Clinic) -> None:
    session = _start(rt, clinic, _item(rt, clinic))
    drive(lambda m: vr_sessions.step(rt, clinic.patient_a, session.id, m), patient(), 5)
    vr_sessions.end_session(rt, clinic.clinician_a, session.id)
    document = privacy.export_patient(rt, clinic.patient_a, clinic.patient_a_id)
    vr = document["vr_exposure"]
    assert vr["hierarchy"][0]["label"] == ITEM["label"] and vr["hierarchy"][0]["progress"]
    assert sum(len(chunk["records"]) for chunk in vr["sessions"][0]["log"]) == 5
    privacy.erase_patient(rt, clinic.admin, clinic.patient_a_id)
    with rt.transaction() as db:
        assert db.scalars(select(VrHierarchyItem)).first() is None
