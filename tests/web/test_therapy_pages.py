"""The programme pages: enrol, tick a session complete, draft and finish a thought record,
a disclosure in an exercise bringing the crisis resources first, and the clinician's view."""

from __future__ import annotations

from mindway.services import exercises, programmes
from mindway.services.runtime import Runtime
from tests.clinic import Clinic
from tests.services.test_exercise_forms import RISKY, THOUGHT
from tests.web.visitor import Visitor

BASE = "/patient/programme"


def test_patient_enrols_and_completes_session_one(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    visitor.sign_in("patient.a")
    page = visitor.get(BASE).text
    assert "Choose a programme" in page and "Sleep better" in page and "My programme" in page
    reply = visitor.submit(f"{BASE}/enrol", {"programme": "sleep_better"}, page=BASE)
    assert reply.status_code == 303
    plan = programmes.current(rt, clinic.patient_a, clinic.patient_a_id)
    assert plan is not None
    for item in plan.sessions[0].items:
        reply = visitor.submit(f"{BASE}/progress", {"session": "1", "item": item.key}, page=BASE)
    assert "saved=session-1" in reply.headers["location"]
    page = visitor.get(BASE + "?saved=session-1").text
    assert "you completed session 1" in page and "1 of 4 sessions complete" in page
    module = visitor.get(f"{BASE}/modules/sleep").text
    assert "Sources" in module


def test_thought_record_draft_then_finish(rt: Runtime, clinic: Clinic, visitor: Visitor) -> None:
    visitor.sign_in("patient.a")
    path = f"{BASE}/exercises/thought_record"
    draft = {"situation": THOUGHT["situation"], "action": "draft"}
    reply = visitor.submit(path, draft, page=path)
    assert reply.status_code == 303 and reply.headers["location"].endswith("saved=draft")
    assert THOUGHT["situation"] in visitor.get(path).text
    reply = visitor.submit(path, {**THOUGHT, "action": "finish"}, page=path)
    assert reply.status_code == 303
    (record,) = exercises.list_exercises(rt, clinic.patient_a, clinic.patient_a_id)
    assert record.source == "app" and record.exercise == "thought_record"


def test_a_disclosure_stops_the_exercise_with_crisis_first(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    visitor.sign_in("patient.a")
    path = f"{BASE}/exercises/thought_record"
    values = {**THOUGHT, "automatic_thought": RISKY, "action": "finish"}
    reply = visitor.submit(path, values, page=path)
    assert reply.status_code == 303 and "help=now" in reply.headers["location"]
    page = visitor.get(path + "?help=now").text
    assert page.index('id="crisis-heading"') < page.index("<h2>Thought record")
    assert exercises.list_exercises(rt, clinic.patient_a, clinic.patient_a_id) == []


def test_clinician_assigns_a_tailored_programme(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    visitor.sign_in("clinician.a")
    path = f"/clinician/patients/{clinic.patient_a_id}/programme"
    assert "Not on a programme" in visitor.get(path).text
    form = {"programme": "depression_cbt", "skip": "6", "add": "sleep_better:2"}
    reply = visitor.submit(path, form, page=path)
    assert reply.status_code == 303
    page = visitor.get(path + "?saved=yes").text
    assert "Depression: CBT foundations" in page and "A steady sleep window" in page
    assert visitor.get(f"/clinician/patients/{clinic.patient_b_id}/programme").status_code == 404
