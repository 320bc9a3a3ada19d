"""Every free-text field a person can send to the API is accounted for (DESIGN.md safety
rules: any text a person enters is risk-screened before anything else happens to it).

A new string field in a request body fails this test until it is listed: either as screened
(with the test that proves it) or as not a person's free text, with the reason.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

# (method, path, field) -> where it is screened, or why it is not patient free text.
SCREENED = {
    ("POST", "/api/v1/patients/{patient_id}/chat/messages", "text"): "tests/services/test_chat.py",
    ("POST", "/api/v1/patients/{patient_id}/checkins", "note"): "tests/services/test_checkins.py",
    ("POST", "/api/v1/patients/{patient_id}/checkins", "tags"): "tests/services/test_checkins.py",
    ("PUT", "/api/v1/patients/{patient_id}/exercise-drafts", "fields"): (
        "tests/services/test_exercise_forms.py"
    ),
    ("POST", "/api/v1/patients/{patient_id}/exercise-records", "fields"): (
        "tests/services/test_exercise_forms.py"
    ),
    ("POST", "/api/v1/patients/{patient_id}/vr/hierarchy", "label"): (
        "tests/services/test_vr_sessions.py::test_a_flagged_label_alerts_the_team_and_is_not_saved"
    ),
}
NOT_PATIENT_TEXT = {
    "username": "sign-in identifier",
    "password": "secret, never stored in clear",
    "code": "one-time code",
    "display_name": "an account's name, set by an admin",
    "role": "one of four roles",
    "name": "a care team's name, set by an admin",
    "body": "a clinician's clinical note (professional record, not a disclosure)",
    "kind": "a note kind from a fixed list",
    "reason": "a clinician's or admin's stated reason (break-glass, acknowledgement)",
    "purpose": "a consent purpose from a fixed list",
    "instrument": "an instrument id",
    "timezone": "an IANA zone name",
    "times": "reminder times HH:MM",
    "activities": "activity names from a fixed list",
    "given_name": "demographics entered by staff",
    "family_name": "demographics entered by staff",
    "sex": "demographics from a fixed list",
    "ethnicity": "demographics entered by staff",
    "locale": "a language tag",
    "birth_date": "a date",
    "endpoint": "a push service URL",
    "p256dh": "a browser key",
    "auth": "a browser key",
    "answers": "questionnaire answers (numbers)",
    "completed_at": "a timestamp",
    "mood": "a rating, validated after screening",
    "anxiety": "a rating",
    "energy": "a rating",
    "sleep_hours": "hours",
    "sleep_quality": "a rating",
    "care_team_id": "an identifier",
    "cssrs_risk": "a risk level from a fixed list",
    "preferences": "treatment preferences from a fixed list",
    "previous_good_response": "a treatment name a clinician enters for triage",
    "programme": "a programme id",
    "add": "session keys a clinician adds to a programme",
    "item": "a programme item key",
    "exercise": "an exercise form id",
    "suds": "a number 0-100",
    "intensity_lo": "a number 0-1",
    "intensity_hi": "a number 0-1",
    "scene": "a scene name from a fixed list",
    "action": "a therapist override from a fixed list",
    "gene": "a pharmacogene (clinician-entered result)",
    "diplotype": "star alleles (clinician-entered result)",
    "phenotype": "a metaboliser phenotype (clinician-entered result)",
    "treatment": "a treatment name a clinician records",
    "side_effects": "a clinician's record of side effects (clinician-only route)",
    "response": "a treatment response from a fixed list",
    "started": "a date",
    "ended": "a date",
    "chosen": "the option a clinician chose",
}


def _string_fields(schema: dict[str, Any], spec: dict[str, Any], seen: set[str]) -> set[str]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return set()
        return _string_fields(spec["components"]["schemas"][name], spec, seen | {name})
    found: set[str] = set()
    for key, prop in schema.get("properties", {}).items():
        options = [prop, *prop.get("anyOf", []), *prop.get("oneOf", [])]
        kinds = {o.get("type") for o in options} | {o.get("items", {}).get("type") for o in options}
        if "string" in kinds:
            found.add(key)
        for option in options:
            if "$ref" in option or "properties" in option:
                found |= _string_fields(option, spec, seen)
    return found


def test_every_text_field_is_screened_or_explained(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    unexplained = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if not body:
                continue
            for field in _string_fields(body["schema"], spec, set()):
                key = (method.upper(), path, field)
                if key not in SCREENED and field not in NOT_PATIENT_TEXT:
                    unexplained.append(key)
    assert unexplained == [], unexplained
