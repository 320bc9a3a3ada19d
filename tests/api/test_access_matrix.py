"""The access matrix: roles x resources x own/foreign against the documented policy.

Allowed answers 2xx; a role without the permission 403; a patient outside the caller's scope
404, exactly like a patient that does not exist; no credentials 401. Every answer but 401
(and ``/me``, which only reads the session) writes exactly one audit event, and every denial
is audited as ``denied``.
The table is written out by hand from :mod:`mindway.security.policy`'s documentation, not
derived from its code, so that a change to the policy shows up here.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mindway.services import alerts, break_glass, chat, clinical_alerts, handoffs, measures
from mindway.services.runtime import Runtime
from mindway.services.vr_hierarchy import add_item as add_vr_item
from mindway.services.vr_sessions import start_session as start_vr_session
from tests.api.calls import API, assert_problem, random_id, sign_in
from tests.clinic import PASSWORD, Clinic
from tests.services.audit_trail import AuditWatch

PATIENT, CLINICIAN, ADMIN, RESEARCHER = "patient", "clinician", "admin", "researcher"
ROLES = (PATIENT, CLINICIAN, ADMIN, RESEARCHER)
# Who acts for each role: patient A, clinician A (team A), the admin, the researcher.
ACTING = {PATIENT: "patient_a", CLINICIAN: "clinician_a", ADMIN: "admin", RESEARCHER: "researcher"}
# "own" is patient A (patient A's own record, on clinician A's team); "foreign" is patient B.
SCOPES = ("own", "foreign")


@dataclass(frozen=True)
class Resource:
    name: str
    method: str
    path: str
    action: str | None  # the audit action; None where nothing is audited
    body: dict[str, Any] | None = None

    @property
    def scoped(self) -> bool:
        return "{patient}" in self.path


RESOURCES = (
    Resource("record", "GET", "/patients/{patient}", "patient.read"),
    Resource("notes", "GET", "/patients/{patient}/notes", "note.list"),
    Resource(
        "note_add",
        "POST",
        "/patients/{patient}/notes",
        "note.create",
        {"kind": "session", "body": "Reviewed the sleep diary together."},
    ),
    Resource("consents", "GET", "/patients/{patient}/consents", "consent.read"),
    Resource(
        "consent_write",
        "POST",
        "/patients/{patient}/consents",
        "consent.grant",
        {"purpose": "research", "granted": True},
    ),
    Resource("consent_history", "GET", "/patients/{patient}/consents/history", "consent.history"),
    Resource("export", "GET", "/patients/{patient}/export", "patient.export"),
    Resource("export_fhir", "GET", "/patients/{patient}/fhir", "patient.export_fhir"),
    Resource("erase", "DELETE", "/patients/{patient}", "patient.erase"),
    Resource(
        "break_glass",
        "POST",
        "/patients/{patient}/break-glass",
        "break_glass.start",
        {"reason": "Patient presented in crisis at the front desk"},
    ),
    Resource("caseload", "GET", "/patients", "caseload.read"),
    Resource("accounts", "GET", "/accounts", "account.list"),
    Resource(
        "account_create",
        "POST",
        "/accounts",
        "account.create",
        {
            "username": "new.clinician",
            "display_name": "New",
            "role": "clinician",
            "password": PASSWORD,
        },
    ),
    Resource(
        "account_update", "PATCH", "/accounts/{account}", "account.disable", {"disabled": True}
    ),
    Resource("mfa_reset", "POST", "/accounts/{account}/mfa-reset", "account.mfa_reset"),
    Resource("care_teams", "GET", "/care-teams", "care_team.list"),
    Resource("care_team_create", "POST", "/care-teams", "care_team.create", {"name": "Team C"}),
    Resource("care_team_member", "PUT", "/care-teams/{team}/members/{account}", "care_team.update"),
    Resource(
        "care_team_member_remove",
        "DELETE",
        "/care-teams/{team}/members/{account}",
        "care_team.update",
    ),
    Resource("audit_events", "GET", "/audit-events", "audit.read"),
    Resource("alerts", "GET", "/alerts", "alert.list"),
    Resource("alert_ack", "POST", "/alerts/{alert}/acknowledge", "alert.acknowledge"),
    Resource("break_glass_reason", "GET", "/break-glass/{grant}/reason", "break_glass.review"),
    Resource("research_export", "GET", "/research/export", "research.export"),
    Resource("me", "GET", "/me", None),
    Resource("instruments", "GET", "/instruments", None),
    Resource("instrument", "GET", "/instruments/{instrument}", None),
    Resource(
        "questionnaire_submit",
        "POST",
        "/patients/{patient}/questionnaires",
        "questionnaire.submit",
        {"instrument": "gad7", "answers": [1, 1, 1, 0, 0, 0, 0]},
    ),
    Resource("questionnaires", "GET", "/patients/{patient}/questionnaires", "questionnaire.list"),
    Resource(
        "patient_clinical_alerts",
        "GET",
        "/patients/{patient}/clinical-alerts",
        "clinical_alert.list",
    ),
    Resource("triage", "POST", "/patients/{patient}/triage", "triage.propose", {}),
    Resource("clinical_alerts", "GET", "/clinical-alerts", "clinical_alert.inbox"),
    Resource(
        "clinical_alert_ack",
        "POST",
        "/clinical-alerts/{clinical_alert}/acknowledge",
        "clinical_alert.acknowledge",
    ),
    Resource("progress", "GET", "/patients/{patient}/progress", "progress.read"),
    Resource("schedules", "GET", "/patients/{patient}/schedules", "schedule.list"),
    Resource(
        "schedule_set",
        "PUT",
        "/patients/{patient}/schedules/{instrument}",
        "schedule.set",
        {"every_days": 14},
    ),
    Resource(
        "schedule_stop", "DELETE", "/patients/{patient}/schedules/{instrument}", "schedule.stop"
    ),
    Resource(
        "checkin_record",
        "POST",
        "/patients/{patient}/checkins",
        "checkin.record",
        {"mood": 5, "anxiety": 4, "energy": 5, "sleep_hours": 7, "sleep_quality": 5},
    ),
    Resource("checkins", "GET", "/patients/{patient}/checkins", "checkin.list"),
    Resource("checkin_summary", "GET", "/patients/{patient}/checkins/summary", "checkin.summary"),
    Resource("reminders", "GET", "/patients/{patient}/reminders", "checkin_reminder.read"),
    Resource(
        "reminders_set",
        "PUT",
        "/patients/{patient}/reminders",
        "checkin_reminder.set",
        {"times": ["08:30"], "timezone": "Europe/Berlin"},
    ),
    Resource(
        "chat_send", "POST", "/patients/{patient}/chat/messages", "chat.message", {"text": "hi"}
    ),
    Resource("chat_messages", "GET", "/patients/{patient}/chat/messages", "chat.read"),
    Resource("exercises", "GET", "/patients/{patient}/exercises", "exercise.list"),
    Resource("chat_flagged", "GET", "/chat/flagged", "chat.flagged"),
    Resource("handoffs", "GET", "/handoffs", "handoff.inbox"),
    Resource("handoff_read", "POST", "/handoffs/{handoff}/read", "handoff.read"),
    # Digital therapeutics (issue 5).
    Resource("programmes", "GET", "/programmes", None),
    Resource("programme", "GET", "/patients/{patient}/programme", "programme.read"),
    Resource(
        "programme_enrol",
        "POST",
        "/patients/{patient}/programme",
        "programme.enrol",
        {"programme": "sleep_better"},
    ),
    Resource(
        "programme_progress",
        "POST",
        "/patients/{patient}/programme/progress",
        "programme.progress",
        {"session": 1, "item": "module:sleep"},
    ),
    Resource("programme_leave", "DELETE", "/patients/{patient}/programme", "programme.leave"),
    Resource(
        "programme_reminders",
        "PUT",
        "/patients/{patient}/programme/reminders",
        "programme.reminders",
        {"on": False},
    ),
    Resource(
        "exercise_draft",
        "PUT",
        "/patients/{patient}/exercise-drafts",
        "exercise.draft",
        {"exercise": "activity_plan", "fields": {"activity": "Walk by the river"}},
    ),
    Resource(
        "exercise_finish",
        "POST",
        "/patients/{patient}/exercise-records",
        "exercise.finish",
        {
            "exercise": "activity_plan",
            "fields": {"activity": "Walk", "when": "Tuesday 10:00", "mood_expected": "6"},
        },
    ),
    Resource("insights", "GET", "/patients/{patient}/insights", "insight.read"),
    Resource(
        "recommendations", "GET", "/patients/{patient}/recommendations", "recommendation.read"
    ),
    Resource("prompt", "GET", "/patients/{patient}/prompt", "jitai.prompt_read"),
    Resource("treatment_options", "GET", "/patients/{patient}/treatment-options", "recommend.view"),
    Resource(
        "pgx_record",
        "POST",
        "/patients/{patient}/pharmacogenomics",
        "recommend.pgx_record",
        {"gene": "CYP2C19", "diplotype": "*2/*2"},
    ),
    Resource(
        "treatment_record",
        "POST",
        "/patients/{patient}/treatments",
        "recommend.treatment_record",
        {"treatment": "sertraline", "response": "partial"},
    ),
    Resource(
        "treatment_decision",
        "POST",
        "/patients/{patient}/treatment-decisions",
        "recommend.decision_record",
        {"chosen": "escitalopram", "reason": "Prefers a once-daily tablet"},
    ),
    Resource(
        "treatment_training_rows",
        "GET",
        "/research/treatment-decisions.csv",
        "recommend.training_rows",
    ),
    Resource("vr_hierarchy", "GET", "/patients/{patient}/vr/hierarchy", "vr.hierarchy.list"),
    Resource(
        "vr_hierarchy_add",
        "POST",
        "/patients/{patient}/vr/hierarchy",
        "vr.hierarchy.add",
        {"label": "A balcony", "suds": 40, "scene": "heights"},
    ),
    Resource("vr_progress", "GET", "/patients/{patient}/vr/progress", "vr.hierarchy.progress"),
    Resource("vr_sessions", "GET", "/patients/{patient}/vr/sessions", "vr.session.list"),
    Resource(
        "vr_session_start",
        "POST",
        "/patients/{patient}/vr/hierarchy/{vr_item}/sessions",
        "vr.session.start",
    ),
    Resource(
        "vr_session_report",
        "GET",
        "/patients/{patient}/vr/sessions/{vr_session}",
        "vr.session.report",
    ),
    Resource(
        "vr_session_message",
        "POST",
        "/patients/{patient}/vr/sessions/{vr_session}/messages",
        "vr.session.step",
        {"t": 0.0, "hr": 72.0, "eda": None, "suds": None},
    ),
    Resource(
        "vr_session_override",
        "POST",
        "/patients/{patient}/vr/sessions/{vr_session}/override",
        "vr.session.override",
        {"action": "hold"},
    ),
    Resource(
        "vr_session_end",
        "POST",
        "/patients/{patient}/vr/sessions/{vr_session}/end",
        "vr.session.end",
    ),
)

Expected = dict[str, int | tuple[int, int]]  # role -> status, or (own, foreign) statuses


def only(role: str, status: int) -> Expected:
    return {r: status if r == role else 403 for r in ROLES}


CARE_RECORD: Expected = {PATIENT: (200, 404), CLINICIAN: (200, 404), ADMIN: 403, RESEARCHER: 403}
EXPECTED: dict[str, Expected] = {
    "record": CARE_RECORD,
    "notes": CARE_RECORD,
    "note_add": {PATIENT: 403, CLINICIAN: (201, 404), ADMIN: 403, RESEARCHER: 403},
    "consents": CARE_RECORD,
    "consent_write": CARE_RECORD,
    "consent_history": CARE_RECORD,
    "export": {PATIENT: (200, 404), CLINICIAN: 403, ADMIN: (200, 200), RESEARCHER: 403},
    "export_fhir": {PATIENT: (200, 404), CLINICIAN: 403, ADMIN: (200, 200), RESEARCHER: 403},
    "erase": {PATIENT: 403, CLINICIAN: 403, ADMIN: (204, 204), RESEARCHER: 403},
    # Break-glass is for patients outside one's teams: on an own patient it is refused (422).
    "break_glass": {PATIENT: 403, CLINICIAN: (422, 201), ADMIN: 403, RESEARCHER: 403},
    "caseload": only(CLINICIAN, 200),
    "accounts": only(ADMIN, 200),
    "account_create": only(ADMIN, 201),
    "account_update": only(ADMIN, 200),
    "mfa_reset": only(ADMIN, 200),
    "care_teams": only(ADMIN, 200),
    "care_team_create": only(ADMIN, 201),
    "care_team_member": only(ADMIN, 200),
    "care_team_member_remove": only(ADMIN, 200),
    "audit_events": only(ADMIN, 200),
    "alerts": only(ADMIN, 200),
    "alert_ack": only(ADMIN, 200),
    "break_glass_reason": only(ADMIN, 200),
    "research_export": only(RESEARCHER, 200),
    "me": dict.fromkeys(ROLES, 200),
    "instruments": dict.fromkeys(ROLES, 200),
    "instrument": dict.fromkeys(ROLES, 200),
    "questionnaire_submit": {
        PATIENT: (201, 404),
        CLINICIAN: (201, 404),
        ADMIN: 403,
        RESEARCHER: 403,
    },
    "questionnaires": CARE_RECORD,
    "patient_clinical_alerts": CARE_RECORD,
    "triage": {PATIENT: 403, CLINICIAN: (200, 404), ADMIN: 403, RESEARCHER: 403},
    "clinical_alerts": only(CLINICIAN, 200),
    "clinical_alert_ack": only(CLINICIAN, 200),
    "progress": CARE_RECORD,
    "schedules": CARE_RECORD,
    "schedule_set": {PATIENT: 403, CLINICIAN: (200, 404), ADMIN: 403, RESEARCHER: 403},
    "schedule_stop": {PATIENT: 403, CLINICIAN: (204, 404), ADMIN: 403, RESEARCHER: 403},
    # Patients record their own check-ins and reminders; their clinicians read them.
    "checkin_record": only(PATIENT, 201) | {PATIENT: (201, 404)},
    "checkins": CARE_RECORD,
    "checkin_summary": CARE_RECORD,
    "reminders": CARE_RECORD,
    "reminders_set": only(PATIENT, 200) | {PATIENT: (200, 404)},
    # Patients talk with the companion; their clinicians read the conversation and exercises.
    "chat_send": only(PATIENT, 200) | {PATIENT: (200, 404)},
    "chat_messages": CARE_RECORD,
    "exercises": CARE_RECORD,
    "chat_flagged": only(CLINICIAN, 200),
    "handoffs": only(CLINICIAN, 200),
    "handoff_read": only(CLINICIAN, 204),
    # Programmes: clinicians assign, step-1 patients self-enrol; only patients tick progress,
    # do exercises and see prompts (no programme yet: progress is refused, 422).
    "programmes": dict.fromkeys(ROLES, 200),
    "programme": CARE_RECORD,
    "programme_enrol": {PATIENT: (201, 404), CLINICIAN: (201, 404), ADMIN: 403, RESEARCHER: 403},
    "programme_progress": only(PATIENT, 422) | {PATIENT: (422, 404)},
    # Leaving: the patient or their clinician; reminders are the patient's own choice.
    "programme_leave": {PATIENT: (422, 404), CLINICIAN: (422, 404), ADMIN: 403, RESEARCHER: 403},
    "programme_reminders": only(PATIENT, 422) | {PATIENT: (422, 404)},
    "exercise_draft": only(PATIENT, 200) | {PATIENT: (200, 404)},
    "exercise_finish": only(PATIENT, 201) | {PATIENT: (201, 404)},
    "insights": CARE_RECORD,
    "recommendations": CARE_RECORD,
    "prompt": only(PATIENT, 200) | {PATIENT: (200, 404)},
    # Treatment decision support is for the care team only: patients never see it.
    "treatment_options": {PATIENT: 403, CLINICIAN: (200, 404), ADMIN: 403, RESEARCHER: 403},
    "pgx_record": {PATIENT: 403, CLINICIAN: (201, 404), ADMIN: 403, RESEARCHER: 403},
    "treatment_record": {PATIENT: 403, CLINICIAN: (201, 404), ADMIN: 403, RESEARCHER: 403},
    "treatment_decision": {PATIENT: 403, CLINICIAN: (201, 404), ADMIN: 403, RESEARCHER: 403},
    "treatment_training_rows": only(RESEARCHER, 200),
    # VR exposure: the patient and their team build the hierarchy and run sessions; only the
    # therapist overrides the controller.
    "vr_hierarchy": CARE_RECORD,
    "vr_hierarchy_add": {PATIENT: (201, 404), CLINICIAN: (201, 404), ADMIN: 403, RESEARCHER: 403},
    "vr_progress": CARE_RECORD,
    "vr_sessions": CARE_RECORD,
    "vr_session_start": {PATIENT: (201, 404), CLINICIAN: (201, 404), ADMIN: 403, RESEARCHER: 403},
    "vr_session_report": CARE_RECORD,
    "vr_session_message": CARE_RECORD,
    "vr_session_override": only(CLINICIAN, 200) | {CLINICIAN: (200, 404)},
    "vr_session_end": CARE_RECORD,
}


def _scopes(resource: Resource) -> tuple[str, ...]:
    return (*SCOPES, "missing") if resource.scoped else ("-",)


def _expected_status(resource: Resource, role: str, scope: str) -> int:
    expected = EXPECTED[resource.name][role]
    if not isinstance(expected, tuple):
        return expected
    return 404 if scope == "missing" else expected[SCOPES.index(scope)]


def _ids(rt: Runtime, clinic: Clinic, resource: Resource) -> dict[str, Any]:
    """Objects the path names; a break-glass grant (clinician B on patient A) and its alert
    are made only for the two resources that need them."""
    ids: dict[str, Any] = {
        "account": clinic.clinician_b.account_id,
        "team": clinic.team_a,
        "instrument": "phq9",
    }
    if "{clinical_alert}" in resource.path:
        measures.submit(rt, clinic.patient_a, clinic.patient_a_id, "phq9", [0] * 8 + [1])
        ids["clinical_alert"] = clinical_alerts.inbox(rt, clinic.clinician_a)[0].id
    if "{handoff}" in resource.path:
        chat.send(rt, clinic.patient_a, clinic.patient_a_id, "send a message to my clinician")
        chat.send(rt, clinic.patient_a, clinic.patient_a_id, "Could we talk about my sleep?")
        ids["handoff"] = handoffs.inbox(rt, clinic.clinician_a)[0].id
    if "{vr_item}" in resource.path or "{vr_session}" in resource.path:
        item = {"label": "A balcony", "suds": 40, "scene": "heights"}
        added = add_vr_item(rt, clinic.clinician_a, clinic.patient_a_id, item).item
        assert added is not None
        ids["vr_item"] = added.id
        started = start_vr_session(rt, clinic.patient_a, clinic.patient_a_id, added.id)
        ids["vr_session"] = started.id
    if "{grant}" in resource.path or "{alert}" in resource.path:
        reason = "Covering for a colleague on leave"
        ids["grant"] = break_glass.start(rt, clinic.clinician_b, clinic.patient_a_id, reason).id
        ids["alert"] = alerts.list_alerts(rt, clinic.admin)[0].id
    return ids


def _patient(clinic: Clinic, scope: str) -> uuid.UUID | str:
    patient = {"own": clinic.patient_a, "foreign": clinic.patient_b}.get(scope)
    return patient.patient_id if patient and patient.patient_id else random_id()


def _call(client: TestClient, resource: Resource, headers: dict[str, str], **ids: Any) -> Any:
    url = API + resource.path.format(**ids)
    return client.request(resource.method, url, json=resource.body, headers=headers)


def _denied_first(resource: Resource) -> list[str]:
    """Roles refused everything go first, so that a success cannot change what they see."""
    return sorted(ROLES, key=lambda role: EXPECTED[resource.name][role] != 403)


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda resource: resource.name)
def test_access_matrix(rt: Runtime, clinic: Clinic, client: TestClient, resource: Resource) -> None:
    """Per role and scope: the status, and the audit events written (action, outcome, role)."""
    ids = _ids(rt, clinic, resource)
    expected: dict[str, Any] = {}
    actual: dict[str, Any] = {}
    for role in _denied_first(resource):
        acting = getattr(clinic, ACTING[role])
        headers = sign_in(client, clinic.usernames[ACTING[role]])
        bodies = {}
        for scope in _scopes(resource):
            key = f"{role}/{scope}"
            status = _expected_status(resource, role, scope)
            outcome = "success" if status < 400 else "failure" if status == 422 else "denied"
            expected[key] = (status, [(resource.action, outcome, role)] if resource.action else [])
            watch = AuditWatch(rt)
            response = _call(client, resource, headers, patient=_patient(clinic, scope), **ids)
            events = watch.new()
            actual[key] = (
                response.status_code,
                [(e.action, e.outcome, e.actor_role) for e in events],
            )
            assert all(e.actor_id == str(acting.account_id) for e in events)
            if response.status_code >= 400:
                bodies[scope] = assert_problem(response, response.status_code)
        if actual.get(f"{role}/foreign", (0,))[0] == 404:
            # Existence does not leak: out of scope answers exactly like no such patient.
            assert bodies["foreign"] == bodies["missing"]
    assert actual == expected


def test_access_matrix_without_credentials(rt: Runtime, clinic: Clinic, client: TestClient) -> None:
    """The unauthenticated column: 401 everywhere, real objects or not, and nothing written."""
    ids = {"account": clinic.clinician_b.account_id, "team": clinic.team_a, "instrument": "phq9"}
    watch = AuditWatch(rt)
    answers = {
        (resource.name, scope): _call(
            client,
            resource,
            {},
            patient=_patient(clinic, scope),
            grant=random_id(),
            alert=random_id(),
            clinical_alert=random_id(),
            handoff=random_id(),
            vr_item=random_id(),
            vr_session=random_id(),
            **ids,
        )
        for resource in RESOURCES
        for scope in _scopes(resource)
    }
    assert {key: r.status_code for key, r in answers.items()} == dict.fromkeys(answers, 401)
    for response in answers.values():
        assert_problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"
    assert watch.new() == []


def test_matrix_covers_every_api_operation(client: TestClient) -> None:
    """A new route must be added to the matrix (and so to the policy's table) to pass."""
    spec = client.get("/openapi.json").json()
    operations = {
        (method.upper(), re.sub(r"\{[^}]+\}", "{}", path.removeprefix(API)))
        for path, item in spec["paths"].items()
        if path.startswith(API) and not path.startswith(f"{API}/auth/")
        for method in item
    }
    covered = {(r.method, re.sub(r"\{[^}]+\}", "{}", r.path)) for r in RESOURCES}
    assert operations == covered
    assert set(EXPECTED) == {r.name for r in RESOURCES}
    assert all(set(e) == set(ROLES) for e in EXPECTED.values())
