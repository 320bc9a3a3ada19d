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
from tests.clinic import Clinic, add_account
from tests.web.visitor import Visitor, browser


@pytest.mark.parametrize(
    ("language", "shown", "not_shown"),
    [
        (
            "en-US,en;q=0.9",
            [
                "988 Suicide &amp; Crisis Lifeline",
                'href="tel:988"',
                'href="sms:988"',
                'href="tel:911"',
            ],
            ["Samaritans"],
        ),
        (
            "en-GB",
            ["Samaritans", 'href="tel:116123"', "116 123", 'href="tel:111"', 'href="tel:999"'],
            ["988"],
        ),
        ("", ['href="tel:988"'], []),  # without a language the page is US English
    ],
    ids=["us-english-988-and-911", "british-english-samaritans-111-999", "no-language"],
)
def test_crisis_lines_follow_the_browser_language(
    visitor: Visitor, language: str, shown: list[str], not_shown: list[str]
) -> None:
    reply = visitor.get("/crisis", headers={"accept-language": language})
    assert reply.status_code == 200  # no sign-in needed
    for text in shown:
        assert text in reply.text
    for text in not_shown:
        assert text not in reply.text


def test_signed_in_account_locale_wins_over_the_browser(rt: Runtime, clinic: Clinic) -> None:
    uk = accounts.Registration("Pat", "Jones", date(1990, 1, 2))
    add_account(rt, clinic.admin, "patient.uk", Role.PATIENT, uk, locale="en-GB")
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
