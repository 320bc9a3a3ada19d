"""The clinician's alerts inbox, the caseload sorted by risk, and the patient's scores."""

from __future__ import annotations

import re
import uuid
from datetime import date

from mindway.security.policy import Actor, Role
from mindway.services import accounts, clinical_alerts, measures
from mindway.services.runtime import Runtime
from tests.clinic import Clinic, add_account
from tests.web.questionnaire_steps import PHQ9_MODERATE, PHQ9_RISK, audit_count, refuses_forged_csrf
from tests.web.visitor import Visitor

ACK = "clinical_alert.acknowledge"


def _risk_alert(rt: Runtime, clinic: Clinic) -> uuid.UUID:
    """Patient A answers PHQ-9 item 9 above zero: one urgent risk alert for team A."""
    sent = measures.submit(rt, clinic.patient_a, clinic.patient_a_id, "phq9", PHQ9_RISK)
    assert sent.alerts_raised == ["risk:urgent"]
    alerts = clinical_alerts.inbox(rt, clinic.clinician_a)
    return next(a.id for a in alerts if a.patient_id == clinic.patient_a_id)


def _patient(rt: Runtime, clinic: Clinic, username: str, given: str, family: str) -> Actor:
    who = accounts.Registration(given, family, date(1980, 1, 1), care_team_id=clinic.team_a)
    return add_account(rt, clinic.admin, username, Role.PATIENT, who)


def test_inbox_lists_the_open_alert_with_a_menu_badge(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    alert_id = _risk_alert(rt, clinic)
    visitor.sign_in("clinician.a")
    page = visitor.get("/clinician/alerts").text
    for text in (
        "Urgent",
        "Risk",
        "Alice Archer",
        f'href="/clinician/patients/{clinic.patient_a_id}"',
        "PHQ-9 item 9 answered 2",
        "due <time",
        f'action="/clinician/alerts/{alert_id}/acknowledge"',
    ):
        assert text in page, text
    assert "Overdue" not in page  # due in four hours
    assert re.search(
        r'href="/clinician/alerts" aria-current="page">Alerts <span class="badge">1', page
    )
    caseload = visitor.get("/clinician").text
    assert re.search(r'href="/clinician/alerts">Alerts <span class="badge">1<', caseload)


def test_inbox_is_the_clinicians_own_and_empty_elsewhere(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    _risk_alert(rt, clinic)
    visitor.sign_in("clinician.b")
    page = visitor.get("/clinician/alerts").text
    assert "No open alerts" in page and "Alice" not in page
    assert 'class="badge"' not in page


def test_acknowledge_removes_the_alert_from_the_open_list(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    alert_id = _risk_alert(rt, clinic)
    visitor.sign_in("clinician.a")
    before = audit_count(rt, ACK)
    reply = visitor.submit(f"/clinician/alerts/{alert_id}/acknowledge", {})
    assert reply.status_code == 303 and reply.headers["location"] == "/clinician/alerts?ack=done"
    assert audit_count(rt, ACK) == before + 1
    assert audit_count(rt, ACK, "success") == 1
    assert clinical_alerts.inbox(rt, clinic.clinician_a) == []
    page = visitor.get(reply.headers["location"]).text
    assert "Alert acknowledged" in page and "No open alerts" in page
    assert 'class="badge"' not in page
    shown = visitor.get("/clinician/alerts?show=all").text
    assert "Acknowledged" in shown and "Alice Archer" in shown
    again = visitor.submit(f"/clinician/alerts/{alert_id}/acknowledge", {})
    assert again.headers["location"] == "/clinician/alerts?ack=already"


def test_another_teams_alert_cannot_be_acknowledged(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    alert_id = _risk_alert(rt, clinic)
    visitor.sign_in("clinician.b")
    for target in (alert_id, uuid.uuid4()):
        reply = visitor.submit(f"/clinician/alerts/{target}/acknowledge", {})
        assert reply.status_code == 404 and "Alice" not in reply.text
    assert audit_count(rt, ACK, "success") == 0
    assert len(clinical_alerts.inbox(rt, clinic.clinician_a)) == 1


def test_patients_cannot_use_the_inbox(rt: Runtime, clinic: Clinic, visitor: Visitor) -> None:
    alert_id = _risk_alert(rt, clinic)
    visitor.sign_in("patient.a")
    assert visitor.get("/clinician/alerts").status_code == 403
    assert visitor.submit(f"/clinician/alerts/{alert_id}/acknowledge", {}).status_code == 403
    assert len(clinical_alerts.inbox(rt, clinic.clinician_a)) == 1


def test_acknowledge_refuses_a_missing_or_forged_csrf_token(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    alert_id = _risk_alert(rt, clinic)
    visitor.sign_in("clinician.a")
    path = f"/clinician/alerts/{alert_id}/acknowledge"
    refuses_forged_csrf(rt, visitor, path, {"csrf": visitor.csrf()})
    assert clinical_alerts.inbox(rt, clinic.clinician_a) == []


def test_caseload_puts_urgent_then_high_alerts_first(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    _patient(rt, clinic, "patient.c", "Cara", "Abbott")  # no alerts, first by name
    dan = _patient(rt, clinic, "patient.d", "Dan", "Able")
    assert dan.patient_id is not None
    measures.submit(rt, dan, dan.patient_id, "phq9", [0] * 9)
    measures.submit(rt, dan, dan.patient_id, "phq9", PHQ9_MODERATE)  # up 12: deterioration
    _risk_alert(rt, clinic)
    visitor.sign_in("clinician.a")
    page = visitor.get("/clinician").text
    names = re.findall(r'href="/clinician/patients/[^"]+">([^<]+)</a>', page)
    assert names == ["Alice Archer", "Dan Able", "Cara Abbott"]
    assert "Urgent alert" in page and "High alert" in page  # words, not colour alone


def test_patient_page_shows_alerts_and_charts(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    pid = clinic.patient_a_id
    for answers in ([2] * 8 + [0], [2, 2, 2, 1, 1, 1, 1, 1, 0], PHQ9_RISK):
        measures.submit(rt, clinic.patient_a, pid, "phq9", answers)
    measures.submit(rt, clinic.patient_a, pid, "gad7", [1] * 7)
    visitor.sign_in("clinician.a")
    page = visitor.get(f"/clinician/patients/{pid}").text
    scores = page.split('id="scores"', 1)[1]
    assert scores.count('<svg class="chart"') == 2
    assert 'class="band band-4"' in scores and "moderately severe" in scores
    assert scores.index("PHQ-9") < scores.index("GAD-7")
    phq9_table = scores.split("<table", 1)[1].split("</table>", 1)[0]
    for cell in ("<td>16</td>", "<td>11</td>", "<td>10</td>", "reliable improvement"):
        assert cell in phq9_table, cell
    assert "suicidal ideation" in phq9_table
    alerts = page.split('id="alerts"', 1)[1].split("</section>", 1)[0]
    assert "Urgent" in alerts and 'name="from" value="patient"' in alerts
    (alert,) = clinical_alerts.inbox(rt, clinic.clinician_a)
    reply = visitor.submit(
        f"/clinician/alerts/{alert.id}/acknowledge",
        {"from": "patient"},
        page=f"/clinician/patients/{pid}",
    )
    assert reply.headers["location"] == f"/clinician/patients/{pid}?ack=done#alerts"
    after = visitor.get(f"/clinician/patients/{pid}").text.split('id="alerts"', 1)[1]
    assert "Acknowledged" in after.split("</section>", 1)[0]


def test_patient_page_without_scores(clinic: Clinic, visitor: Visitor) -> None:
    visitor.sign_in("clinician.a")
    page = visitor.get(f"/clinician/patients/{clinic.patient_a_id}").text
    assert "No questionnaires yet." in page and "No alerts for this patient." in page
