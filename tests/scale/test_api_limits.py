"""API rate limits: 429 problems with Retry-After per address and per account; a chat message
over its limit still points the person to crisis resources, and one that discloses risk is
never refused (DESIGN.md safety rules)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mindway.api.app import create_app
from mindway.content.loader import crisis_page
from mindway.services.runtime import Runtime
from tests.api.calls import API, assert_problem, sign_in, with_settings
from tests.clinic import Clinic

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])  # limits do not touch the store


@contextmanager
def limited(rt: Runtime, address: str = "10.0.0.1", **limits: Any) -> Iterator[TestClient]:
    """A fresh app (fresh in-memory counters) with the given limits, called from ``address``."""
    with TestClient(create_app(runtime=with_settings(rt, **limits)), client=(address, 5)) as c:
        yield c


def _refused(response: Any) -> dict[str, Any]:
    problem = assert_problem(response, 429)
    assert int(response.headers["Retry-After"]) >= 1
    return problem


def test_an_address_is_limited_before_sign_in(rt: Runtime, clinic: Clinic) -> None:
    with limited(rt, rate_limit_per_address=3) as client:
        body = {"username": "nobody", "password": "wrong password"}
        statuses = [client.post(f"{API}/auth/login", json=body).status_code for _ in range(3)]
        assert 429 not in statuses
        problem = _refused(client.post(f"{API}/auth/login", json=body))
        assert "address" in problem["detail"]
        # Pages, the crisis page above all, are not counted against the API limits.
        assert client.get("/crisis").status_code == 200


def test_each_account_has_its_own_budget(rt: Runtime, clinic: Clinic) -> None:
    with limited(rt, rate_limit_per_account=2) as client:
        clinician, admin = sign_in(client, "clinician.a"), sign_in(client, "admin")
        url = f"{API}/patients/{clinic.patient_a_id}"
        assert [client.get(url, headers=clinician).status_code for _ in range(2)] == [200, 200]
        problem = _refused(client.get(url, headers=clinician))
        assert "account" in problem["detail"]
        assert client.get(f"{API}/accounts", headers=admin).status_code == 200


def test_a_limited_chat_message_still_gives_crisis_resources(rt: Runtime, clinic: Clinic) -> None:
    with limited(rt, rate_limit_chat_per_account=1) as client:
        patient = sign_in(client, "patient.a")
        url = f"{API}/patients/{clinic.patient_a_id}/chat/messages"
        assert client.post(url, json={"text": "hello"}, headers=patient).status_code == 200
        problem = _refused(client.post(url, json={"text": "what a nice day"}, headers=patient))
        expected = [r.model_dump() for r in crisis_page("en-US").resources]
        assert problem["resources"] == expected and expected
        assert problem["crisis_page"] == "/crisis"
        assert "not sent" in problem["detail"]
        # Reading the conversation is not a chat message: only the account budget counts.
        assert client.get(url, headers=patient).status_code == 200
        assert client.get(problem["crisis_page"]).status_code == 200


def test_a_disclosure_of_risk_is_never_refused_by_the_chat_limit(
    rt: Runtime, clinic: Clinic
) -> None:
    """Crisis first (DESIGN.md safety rules): over the chat limit a message is still screened,
    and one that shows risk reaches the crisis protocol and the care team."""
    with limited(rt, rate_limit_chat_per_account=1) as client:
        patient = sign_in(client, "patient.a")
        url = f"{API}/patients/{clinic.patient_a_id}/chat/messages"
        assert client.post(url, json={"text": "hello"}, headers=patient).status_code == 200
        disclosure = client.post(
            url, json={"text": "I am going to kill myself tonight"}, headers=patient
        )
        assert disclosure.status_code == 200
        assert disclosure.json()["escalated"] is True and disclosure.json()["resources"]
        alerts = client.get(f"{API}/clinical-alerts", headers=sign_in(client, "clinician.a"))
        assert [(a["kind"], a["level"]) for a in alerts.json()] == [("risk", "urgent")]
        # Spanish is screened too; anything else over the limit is still refused.
        spanish = client.post(url, json={"text": "me voy a matar esta noche"}, headers=patient)
        assert spanish.json()["escalated"] is True
        _refused(client.post(url, json={"text": "ok thanks"}, headers=patient))


@pytest.mark.parametrize(
    ("limits", "why"),
    [
        ({"rate_limit_per_account": 2}, "account"),
        ({"rate_limit_per_address": 3}, "address"),
    ],
)
def test_every_limit_screens_a_chat_message_first(
    rt: Runtime, clinic: Clinic, limits: dict[str, int], why: str
) -> None:
    """Whichever limit a patient has run out of, a disclosure still reaches the crisis
    protocol and anything else is refused with the crisis resources."""
    with limited(rt, **limits) as client:
        patient = sign_in(client, "patient.a")  # signing in counts against the address
        url = f"{API}/patients/{clinic.patient_a_id}/chat/messages"
        while client.get(url, headers=patient).status_code != 429:
            pass  # use up the budget on reads
        problem = _refused(client.post(url, json={"text": "good morning"}, headers=patient))
        assert why in problem["detail"] and "not sent" in problem["detail"]
        assert problem["resources"] and problem["crisis_page"] == "/crisis"
        risky = {"text": "I am going to kill myself tonight"}
        disclosure = client.post(url, json=risky, headers=patient)
        assert disclosure.status_code == 200 and disclosure.json()["escalated"] is True
        # Other requests stay refused.
        _refused(client.get(url, headers=patient))
