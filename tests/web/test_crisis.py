"""The crisis page: open to all, in the person's locale, with tap-to-call links."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from mindway.security.policy import Role
from mindway.services import accounts
from mindway.services.runtime import Runtime
from mindway.web.crisis import negotiate
from tests.clinic import PASSWORD, Clinic
from tests.web.visitor import Visitor, browser


def test_us_english_lists_988_by_call_and_text_and_911(visitor: Visitor) -> None:
    reply = visitor.get("/crisis", headers={"accept-language": "en-US,en;q=0.9"})
    assert reply.status_code == 200  # no sign-in needed
    page = reply.text
    assert "988 Suicide &amp; Crisis Lifeline" in page
    assert 'href="tel:988"' in page
    assert 'href="sms:988"' in page
    assert 'href="tel:911"' in page
    assert "Samaritans" not in page


def test_british_english_lists_samaritans_nhs_111_and_999(visitor: Visitor) -> None:
    page = visitor.get("/crisis", headers={"accept-language": "en-GB"}).text
    assert "Samaritans" in page
    assert 'href="tel:116123"' in page
    assert "116 123" in page
    assert 'href="tel:111"' in page
    assert 'href="tel:999"' in page
    assert "988" not in page


def test_without_a_language_the_page_is_us_english(visitor: Visitor) -> None:
    page = visitor.get("/crisis", headers={"accept-language": ""}).text
    assert 'href="tel:988"' in page


def test_signed_in_account_locale_wins_over_the_browser(rt: Runtime, clinic: Clinic) -> None:
    accounts.create_account(
        rt,
        clinic.admin,
        username="patient.uk",
        display_name="Pat",
        role=Role.PATIENT,
        password=PASSWORD,
        locale="en-GB",
        registration=accounts.Registration("Pat", "Jones", date(1990, 1, 2)),
    )
    with browser(rt) as v:
        v.sign_in("patient.uk")
        page = v.get("/crisis", headers={"accept-language": "en-US"}).text
        assert 'href="tel:116123"' in page


def test_crisis_page_works_when_the_database_does_not(
    rt: Runtime, clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A person in crisis must still get the numbers if the store is down: the page falls back
    from the account's locale (en-US here) to the browser's (en-GB)."""

    def database_down(*_args: object) -> None:
        raise OperationalError("SELECT 1", None, ConnectionError("database is down"))

    with browser(rt) as v:
        v.sign_in("patient.a")
        monkeypatch.setattr("mindway.services.auth.authenticate", database_down)
        page = v.get("/crisis", headers={"accept-language": "en-GB"})
        assert page.status_code == 200
        assert 'href="tel:116123"' in page.text


@pytest.mark.parametrize(
    ("header", "locale"),
    [
        ("en-GB,en;q=0.8", "en-GB"),
        ("en-gb", "en-GB"),
        ("fr-FR, en-GB;q=0.5, en-US;q=0.4", "en-GB"),
        ("es-ES", "es-ES"),
        ("es-MX", "es-US"),
        ("en", "en-US"),
        ("de-DE", "en-US"),
        ("en-GB;q=0, en-US;q=0.2", "en-US"),
        ("*;q=0.5, en-GB;q=x", "en-US"),
        ("", "en-US"),
    ],
)
def test_accept_language_negotiation(header: str, locale: str) -> None:
    assert negotiate(header) == locale


def test_crisis_page_is_reachable_without_cookies(rt: Runtime) -> None:
    from mindway.api.app import create_app

    with TestClient(create_app(runtime=rt)) as client:
        reply = client.get("/crisis", follow_redirects=False)
    assert reply.status_code == 200
    assert "Need help now?" in reply.text
