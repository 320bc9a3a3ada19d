"""The researcher's export, and the friendly error pages (never problem JSON or a 500)."""

from __future__ import annotations

import json

import pytest

from mindway.services import consent
from mindway.services.runtime import Runtime
from tests.clinic import Clinic
from tests.web.visitor import Visitor, browser


def test_research_export_downloads_only_consenting_patients(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    consent.record(rt, clinic.patient_a, clinic.patient_a_id, "research", True)
    visitor.sign_in("researcher")
    assert "Download export (JSON)" in visitor.get("/research").text
    reply = visitor.submit("/research/export", {})
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/json")
    assert "attachment" in reply.headers["content-disposition"]
    data = json.loads(reply.text)
    assert data["format"] == "mindway.research-export"
    assert len(data["patients"]) == 1
    assert "Alice" not in reply.text and "Archer" not in reply.text
    assert data["deidentification"]["k"] == 1


def test_research_page_shows_the_k_anonymity_report_and_suppresses_on_request(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    for actor, pid in (
        (clinic.patient_a, clinic.patient_a_id),
        (clinic.patient_b, clinic.patient_b_id),
    ):
        consent.record(rt, actor, pid, "research", True)
    visitor.sign_in("researcher")
    page = visitor.get("/research").text
    assert "k-anonymity" in page and "age_band, sex, ethnicity" in page
    assert "Patients in groups smaller than 5</th>" in page and "2 (100%)" in page
    data = json.loads(visitor.submit("/research/export", {"k": "2"}).text)
    assert data["patients"] == [] and data["deidentification"]["suppressed"] == 2
    assert visitor.submit("/research/export", {"k": "lots"}).status_code == 422


def test_research_pages_refuse_other_roles(rt: Runtime, clinic: Clinic) -> None:
    with browser(rt) as v:
        v.sign_in("clinician.a")
        assert v.get("/research").status_code == 403
        assert v.submit("/research/export", {}, page="/clinician").status_code == 403


def test_unknown_page_is_a_friendly_404_for_browsers_and_json_for_programs(
    visitor: Visitor,
) -> None:
    page = visitor.get("/no/such/page", headers={"accept": "text/html,*/*"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "We could not find that page" in page.text
    api = visitor.get("/api/v1/no-such-thing", headers={"accept": "text/html"})
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")


def test_garbage_form_posts_never_give_a_500(clinic: Clinic, visitor: Visitor) -> None:
    visitor.sign_in("admin")
    token = visitor.csrf()
    bodies = [
        {"csrf": token},  # no fields at all
        {"csrf": token, "role": "patient", "birth_date": "\x00", "username": "é" * 300},
        {"csrf": token, "disabled": "maybe"},
        {"csrf": token, "display_name": "nul\x00byte", "name": "nul\x00", "role": "clinician"},
    ]
    for path in (
        "/admin/accounts",
        f"/admin/accounts/{clinic.clinician_b.account_id}/disabled",
        "/admin/teams",
        f"/admin/teams/{clinic.team_a}/members",
    ):
        for body in bodies:
            reply = visitor.post(path, body)
            assert reply.status_code < 500, (path, body, reply.status_code)
            assert reply.headers["content-type"].startswith("text/html")
    raw = visitor.client.post(
        "/admin/teams",
        content=b"--x\r\nnot really multipart",
        headers={"content-type": "multipart/form-data; boundary=x"},
        follow_redirects=False,
    )
    assert raw.status_code == 422
    assert "could not be read" in raw.text


def test_post_to_a_page_without_a_session_goes_to_sign_in(visitor: Visitor) -> None:
    reply = visitor.post("/patient/consent", {"purpose": "care", "granted": "yes"})
    assert reply.status_code == 303
    assert reply.headers["location"] == "/login"


def test_an_unexpected_failure_is_a_calm_page(
    visitor: Visitor, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError("boom: secret internals")

    visitor.sign_in("clinician.a")
    monkeypatch.setattr("mindway.services.patients.caseload", broken)
    reply = visitor.get("/clinician")
    assert reply.status_code == 500
    assert reply.headers["content-type"].startswith("text/html")
    assert "Sorry, something went wrong" in reply.text
    assert "boom" not in reply.text
