"""VR exposure services: the hierarchy (screened, sealed, ordered), sessions run by the
controller with a simulated patient, overrides only from the therapist, replay after a
restart, reports with reasons, progress carried across sessions, export and erasure."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from mindway.errors import Forbidden, InvalidInput
from mindway.services import privacy, vr_hierarchy, vr_live, vr_reports, vr_sessions
from mindway.services.event_bus import Hub, LocalBus
from mindway.services.runtime import OutOfScope, Runtime
from mindway.store.models import ClinicalAlert
from mindway.store.vr_models import VrHierarchyItem, VrProgress, VrSessionLog
from tests.clinic import Clinic
from tests.services.audit_trail import AuditWatch, table_counts
from tests.services.vr_drive import ITEM, deliver_pending, drive, patient


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


def _sealed_overrides(rt: Runtime, clinic: Clinic, session: uuid.UUID) -> list[str]:
    report = vr_reports.report(rt, clinic.clinician_a, session)
    return [e["action"] for e in report.events if e["kind"] == "override"]


def _owned_elsewhere(
    session_id: uuid.UUID,
) -> tuple[Hub, LocalBus, LocalBus, list[dict[str, Any]]]:
    """Two processes on one bus: this one, and the owner answering the session's samples,
    which records what is forwarded to it."""
    hub = Hub()
    here, owner = LocalBus(hub), LocalBus(hub)
    forwarded: list[dict[str, Any]] = []
    owner.subscribe(vr_live.CONTROL, forwarded.append)
    owner.claim(vr_live.owner_key(session_id), 60.0)
    return hub, here, owner, forwarded


def test_an_override_for_a_session_answered_elsewhere_is_checked_forwarded_and_applied(
    rt: Runtime, clinic: Clinic
) -> None:
    """Another process answers the samples: this one checks the override and forwards it;
    the owner checks it again and applies it as the same clinician (one log writer)."""
    session = _start(rt, clinic, _item(rt, clinic))
    hub, here, owner, forwarded = _owned_elsewhere(session.id)
    vr_live.attach(here)
    try:
        with pytest.raises(Forbidden):
            vr_sessions.override(rt, clinic.patient_a, session.id, "pause")
        with pytest.raises(OutOfScope):
            vr_sessions.override(rt, clinic.clinician_b, session.id, "pause")
        assert vr_sessions.override(rt, clinic.clinician_a, session.id, "jump")["ok"] is False
        assert forwarded == []
        watch = AuditWatch(rt)
        reply = vr_sessions.override(rt, clinic.clinician_a, session.id, "pause")
        assert reply == {"ok": True, "forwarded": True}
        assert watch.single().reason == "override forwarded to the session's process: pause"
        assert len(forwarded) == 1
        assert forwarded[0] | {"auth": None} == {
            "session": str(session.id),
            "action": "pause",
            "account": str(clinic.clinician_a.account_id),
            "auth": None,
        }
        with rt.transaction() as db:  # nothing written to the log here
            assert (
                db.scalars(select(VrSessionLog).where(VrSessionLog.session_id == session.id)).all()
                == []
            )
    finally:
        vr_live.detach(here)
    vr_live.attach(owner)  # now play the owning process
    try:
        stranger = forwarded[0] | {"account": str(clinic.clinician_b.account_id)}
        vr_sessions._apply_forwarded(rt, stranger)  # not on the care team: refused there too
        vr_sessions._apply_forwarded(
            rt, forwarded[0] | {"account": str(clinic.patient_a.account_id)}
        )
        vr_sessions._apply_forwarded(rt, {"session": "not-a-uuid", "action": "pause"})
        assert _sealed_overrides(rt, clinic, session.id) == []
        watch = AuditWatch(rt)
        vr_sessions._apply_forwarded(rt, forwarded[0])
        event = watch.single()
        assert (event.action, event.outcome) == ("vr.session.override", "success")
        assert event.actor_id == str(clinic.clinician_a.account_id)
        assert event.reason == "override: pause"
        assert _sealed_overrides(rt, clinic, session.id) == ["pause"]
        owner.claim(vr_live.owner_key(session.id), 60.0)
        LocalBus(hub).claim(vr_live.owner_key(session.id), 60.0)  # the scene moved on
        vr_sessions._apply_forwarded(rt, forwarded[0] | {"action": "hold"})  # not ours: left
        assert _sealed_overrides(rt, clinic, session.id) == ["pause"]
    finally:
        vr_live.detach(owner)
        vr_sessions.end_session(rt, clinic.patient_a, session.id)


def test_ending_a_session_answered_elsewhere_is_forwarded_to_its_owner(
    rt: Runtime, clinic: Clinic
) -> None:
    session = _start(rt, clinic, _item(rt, clinic))
    _, here, owner, forwarded = _owned_elsewhere(session.id)
    vr_live.attach(here)
    try:
        with pytest.raises(OutOfScope):
            vr_sessions.end_session(rt, clinic.patient_b, session.id)
        view = vr_sessions.end_session(rt, clinic.patient_a, session.id)
        assert view.ended_at is None  # the owner ends it
        assert [(m["action"], m["account"]) for m in forwarded] == [
            (vr_sessions.END, str(clinic.patient_a.account_id))
        ]
    finally:
        vr_live.detach(here)
    vr_live.attach(owner)
    try:
        watch = AuditWatch(rt)
        vr_sessions._apply_forwarded(rt, forwarded[0])  # the patient may end their own session
        assert (watch.single().action, watch.single().reason) == ("vr.session.end", None)
        assert vr_sessions.get_session(rt, clinic.clinician_a, session.id).state == "ended"
        assert (
            vr_live.find(session.id) is None and owner.owner(vr_live.owner_key(session.id)) is None
        )
    finally:
        vr_live.detach(owner)


def test_a_scene_reconnecting_to_a_process_with_an_old_copy_catches_up(
    rt: Runtime, clinic: Clinic
) -> None:
    """A watcher's process rebuilt the session early; the scene ran on another process and
    reconnects here: the copy is rebuilt from the log (no stale answers, no clashing chunks)."""
    item = _item(rt, clinic)
    session, reference = _start(rt, clinic, item), None
    old = vr_live.find(session.id)  # this process's copy, made at the start
    assert old is not None
    loop = asyncio.new_event_loop()
    watcher = vr_live.Watcher(asyncio.Queue(), loop)
    old.watchers.add(watcher)

    def send(message: dict[str, Any]) -> dict[str, Any]:
        return vr_sessions.step(rt, clinic.patient_a, session.id, message)

    sim = patient(3)
    vr_live.drop(session.id)  # the other process runs the scene...
    replies = drive(send, sim, 40)
    vr_sessions.checkpoint(rt, clinic.patient_a, session.id)  # ...and seals on disconnect
    vr_live.drop(session.id)
    vr_live.keep(old)  # back here, the old copy is all this process has
    vr_sessions.connect(rt, clinic.patient_a, session.id)
    live = vr_live.find(session.id)
    assert live is not None and live is not old and live.controller.t == 39.0
    replies += drive(send, sim, 20, t0=40)
    deliver_pending(loop)  # the watchers of the old copy hear the new one
    heard = [watcher.queue.get_nowait()["t"] for _ in range(watcher.queue.qsize())]
    loop.close()
    assert heard[0] == 40.0 and heard[-1] == 59.0
    vr_sessions.end_session(rt, clinic.patient_a, session.id)
    other = _start(rt, clinic, _item(rt, clinic, label="Another balcony"))
    reference = drive(lambda m: vr_sessions.step(rt, clinic.patient_a, other.id, m), patient(3), 60)
    assert replies == reference


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
