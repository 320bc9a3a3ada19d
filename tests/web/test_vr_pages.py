"""VR exposure pages: the patient builds the hierarchy and opens a scene; a flagged label
shows the crisis resources first; the clinician sees the hierarchy, a live view, the report
with its plots and reasons, and the HTTP fallbacks of the scene and the live view."""

from __future__ import annotations

import re

from mindway.services import vr_hierarchy, vr_sessions
from mindway.services.runtime import Runtime
from tests.clinic import Clinic
from tests.services.vr_drive import ITEM, drive, patient
from tests.web.visitor import Visitor

FORM = {"label": "Balcony, fourth floor", "suds": "45", "scene": "heights"}
SESSION = re.compile(r"/patient/exposure/sessions/([0-9a-f-]{36})$")


def test_patient_adds_an_item_and_starts_a_scene(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    visitor.sign_in("patient.a")
    page = visitor.get("/patient/exposure").text
    assert 'href="/patient/exposure" aria-current="page"' in page
    reply = visitor.submit("/patient/exposure/items", FORM, page="/patient/exposure")
    assert reply.status_code == 303
    (item,) = vr_hierarchy.list_items(rt, clinic.patient_a, clinic.patient_a_id)
    started = visitor.submit(
        f"/patient/exposure/items/{item.id}/start", {}, page="/patient/exposure"
    )
    found = SESSION.search(started.headers["location"])
    assert found
    scene = visitor.get(started.headers["location"]).text
    assert 'data-scene="heights"' in scene and "/static/vr/scene-page.js" in scene
    token = re.search(r'data-csrf="([^"]+)"', scene)
    assert token
    reply = visitor.client.post(
        started.headers["location"] + "/messages",
        json={"t": 0, "hr": 70},
        headers={"X-CSRF-Token": token.group(1)},
    )
    assert reply.json()["state"] == "baseline"
    assert (
        visitor.client.post(started.headers["location"] + "/messages", json={}).status_code == 403
    )


def test_a_flagged_label_shows_the_crisis_resources_first(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    visitor.sign_in("patient.a")
    label = {**FORM, "label": "I want to end my life, I have a plan"}
    reply = visitor.submit("/patient/exposure/items", label, page="/patient/exposure")
    assert reply.status_code == 200 and 'class="crisis crisis-first"' in reply.text
    assert vr_hierarchy.list_items(rt, clinic.patient_a, clinic.patient_a_id) == []


def test_a_bad_item_keeps_the_page_and_says_why(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    visitor.sign_in("patient.a")
    bad = {**FORM, "intensity_lo": "0.9", "intensity_hi": "0.2"}
    reply = visitor.submit("/patient/exposure/items", bad, page="/patient/exposure")
    assert reply.status_code == 422 and "intensity_hi must be at least" in reply.text


def test_clinician_report_live_view_and_feed(rt: Runtime, clinic: Clinic, visitor: Visitor) -> None:
    pid = clinic.patient_a_id
    added = vr_hierarchy.add_item(rt, clinic.clinician_a, pid, ITEM).item
    assert added is not None
    session = vr_sessions.start_session(rt, clinic.patient_a, pid, added.id)
    drive(lambda m: vr_sessions.step(rt, clinic.patient_a, session.id, m), patient(), 90)
    visitor.sign_in("clinician.a")
    base = f"/clinician/patients/{pid}/exposure"
    assert ITEM["label"] in visitor.get(base).text
    assert f"{base}/sessions/{session.id}/live" in visitor.get(base).text
    live = visitor.get(f"{base}/sessions/{session.id}/live").text
    assert 'data-action="step_down"' in live and "/static/vr/live.js" in live
    feed = visitor.get(f"{base}/sessions/{session.id}/feed?after=80").json()
    assert [r["i"] for r in feed["rows"]] == list(range(80, 90)) and feed["reason"]
    token = re.search(r'data-csrf="([^"]+)"', live)
    assert token
    done = visitor.client.post(
        f"{base}/sessions/{session.id}/override",
        json={"action": "pause"},
        headers={"X-CSRF-Token": token.group(1)},
    )
    assert done.json() == {"ok": True}
    report = visitor.get(f"{base}/sessions/{session.id}").text
    assert report.count("<svg") == 4 and "baseline calibration" in report
    assert "therapist: pause" in report
    assert visitor.get(f"/clinician/patients/{clinic.patient_b_id}/exposure").status_code == 404
