"""Admin pages: accounts, care teams, the audit log and alerts; and who may not open them."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlparse

from mindway.services import accounts, alerts, break_glass
from mindway.services.runtime import Runtime
from mindway.web.audit_pages import PAGE_SIZE
from tests.clinic import Clinic
from tests.web.visitor import Visitor, browser, snapshot

NEW_PATIENT = {
    "username": "carol",
    "display_name": "Carol",
    "role": "patient",
    "locale": "en-GB",
    "password": "a long enough password",
    "given_name": "Carol",
    "family_name": "Cole",
    "birth_date": "1979-02-03",
}


def test_admin_pages_refuse_other_roles(rt: Runtime, clinic: Clinic) -> None:
    for user in ("clinician.a", "patient.a", "researcher"):
        with browser(rt) as v:
            v.sign_in(user)
            for path in ("/admin/accounts", "/admin/teams", "/admin/audit", "/admin/alerts"):
                reply = v.get(path)
                assert reply.status_code == 403, (user, path)
                assert "Not allowed" in reply.text


def test_accounts_page_lists_everyone(visitor: Visitor) -> None:
    visitor.sign_in("admin")
    page = visitor.get("/admin/accounts").text
    for username in ("admin", "clinician.a", "clinician.b", "patient.a", "researcher"):
        assert f'<th scope="row">{username}</th>' in page


def test_creating_a_patient_account_registers_them_on_a_team(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    visitor.sign_in("admin")
    reply = visitor.submit("/admin/accounts", {**NEW_PATIENT, "care_team_id": str(clinic.team_a)})
    assert reply.status_code == 303
    assert "Account carol created." in visitor.client.get(reply.headers["location"]).text
    with browser(rt) as carol:
        carol.sign_in("carol", NEW_PATIENT["password"])
        home = carol.get("/patient").text
        assert "Hello, Carol" in home
        assert "Team A" in home


def test_bad_account_input_is_shown_and_nothing_is_created(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    visitor.sign_in("admin")
    token = visitor.csrf()
    cases = [
        ({**NEW_PATIENT, "birth_date": "03/02/1979"}, 422, "Birth date must be a date"),
        ({**NEW_PATIENT, "birth_date": "2999-01-01"}, 422, "Birth date must be a real date"),
        ({**NEW_PATIENT, "password": "short"}, 422, "at least 12 characters"),
        ({**NEW_PATIENT, "role": "superuser"}, 422, "Role must be one of"),
        ({**NEW_PATIENT, "care_team_id": "nope"}, 422, "care team must be an ID"),
        ({**NEW_PATIENT, "username": "Patient.A"}, 409, "That username is taken."),
        ({**NEW_PATIENT, "given_name": ""}, 422, "given and a family name"),
    ]
    before = snapshot(rt)
    for data, status, message in cases:
        reply = visitor.post("/admin/accounts", {**data, "csrf": token})
        assert reply.status_code == status, (data, reply.text[:300])
        assert message in reply.text
        assert 'value="Cole"' in reply.text  # the form keeps what was typed
        assert 'value="a long enough password"' not in reply.text  # but never the password
    after = snapshot(rt)
    assert (after["account"], after["patient"]) == (before["account"], before["patient"])


def test_disabling_an_account_ends_its_sessions(rt: Runtime, clinic: Clinic) -> None:
    with browser(rt) as clinician, browser(rt) as admin:
        clinician.sign_in("clinician.b")
        assert clinician.get("/clinician").status_code == 200
        admin.sign_in("admin")
        path = f"/admin/accounts/{clinic.clinician_b.account_id}/disabled"
        assert admin.submit(path, {"disabled": "yes"}).status_code == 303
        assert clinician.get("/clinician").headers["location"] == "/login"
        assert clinician.sign_in("clinician.b").status_code == 401
        assert admin.submit(path, {"disabled": "no"}).status_code == 303
        assert clinician.sign_in("clinician.b").status_code == 303


def test_admin_cannot_disable_themselves(clinic: Clinic, visitor: Visitor) -> None:
    visitor.sign_in("admin")
    reply = visitor.submit(
        f"/admin/accounts/{clinic.admin.account_id}/disabled", {"disabled": "yes"}
    )
    assert reply.status_code == 422
    assert "You cannot disable your own account." in reply.text


def test_care_teams_and_membership(rt: Runtime, clinic: Clinic, visitor: Visitor) -> None:
    visitor.sign_in("admin")
    assert visitor.submit("/admin/teams", {"name": "Night Team"}).status_code == 303
    duplicate = visitor.submit("/admin/teams", {"name": "Night Team"})
    assert duplicate.status_code == 409
    team = next(t for t in accounts.list_teams(rt, clinic.admin) if t.name == "Night Team")
    members = f"/admin/teams/{team.id}/members"
    who = str(clinic.clinician_a.account_id)
    assert visitor.submit(members, {"account_id": who, "member": "yes"}).status_code == 303
    assert (
        visitor.submit(
            members, {"account_id": str(clinic.patient_b.account_id), "member": "yes"}
        ).status_code
        == 303
    )
    page = visitor.get("/admin/teams").text
    assert "Night Team" in page
    team = next(t for t in accounts.list_teams(rt, clinic.admin) if t.name == "Night Team")
    assert team.clinician_ids == [clinic.clinician_a.account_id]
    assert team.patient_ids == [clinic.patient_b.patient_id]
    assert visitor.submit(members, {"account_id": who, "member": "no"}).status_code == 303
    team = next(t for t in accounts.list_teams(rt, clinic.admin) if t.name == "Night Team")
    assert team.clinician_ids == []
    admin_id = str(clinic.admin.account_id)
    refused = visitor.submit(members, {"account_id": admin_id, "member": "yes"})
    assert refused.status_code == 422
    assert "Only clinicians and patients belong to care teams." in refused.text


def test_audit_log_filters_and_pages(rt: Runtime, clinic: Clinic, visitor: Visitor) -> None:
    for _ in range(3):
        with browser(rt) as v:
            v.sign_in("clinician.a", "wrong password here")
    visitor.sign_in("admin")
    page = visitor.get("/admin/audit?action=auth.login&outcome=failure").text
    assert page.count("<code>auth.login</code>") == 3
    assert "wrong password" in page
    by_user = visitor.get("/admin/audit?actor=clinician.a&action=auth.").text
    assert by_user.count("<code>auth.login</code>") == 3
    # More than a page of events: "Older events" continues where the page ended.
    for _ in range(PAGE_SIZE):
        visitor.get("/admin/alerts")  # one audit event each
    first = visitor.get("/admin/audit").text
    assert first.count("<tr>") == PAGE_SIZE + 1  # header row and a full page
    found = re.search(r'href="([^"]+)" rel="next"', first)
    assert found
    older = html.unescape(found.group(1))
    before = int(parse_qs(urlparse(older).query)["before"][0])
    assert f"<td>{before}</td>" in first
    second = visitor.get(older).text
    assert f"<td>{before}</td>" not in second
    assert f"<td>{before - 1}</td>" in second


def test_bad_audit_filters_are_messages(visitor: Visitor) -> None:
    visitor.sign_in("admin")
    for query, message in (
        ("since=yesterday", "The start date must be a date"),
        ("until=2025-13-01", "The end date must be a date"),
        ("before=-3", "whole number"),
        ("outcome=maybe", "Outcome must be one of"),
    ):
        reply = visitor.get(f"/admin/audit?{query}")
        assert reply.status_code == 422, query
        assert message in reply.text, query


def test_alerts_show_break_glass_reason_and_can_be_acknowledged(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    reason = "Night call: patient at risk, own clinician away."
    break_glass.start(rt, clinic.clinician_a, clinic.patient_b_id, reason)
    visitor.sign_in("admin")
    page = visitor.get("/admin/alerts").text
    alert = alerts.list_alerts(rt, clinic.admin)[0]
    assert f'href="/admin/break-glass/{alert.subject_id}"' in page
    assert reason not in page  # the reason is read on purpose, and that read is audited
    assert reason in visitor.get(f"/admin/break-glass/{alert.subject_id}").text
    assert visitor.submit(f"/admin/alerts/{alert.id}/acknowledge", {}).status_code == 303
    assert alerts.list_alerts(rt, clinic.admin, open_only=True) == []
    assert "No alerts to show." in visitor.get("/admin/alerts").text
    assert "Acknowledged" in visitor.get("/admin/alerts?show=all").text
