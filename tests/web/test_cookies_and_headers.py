"""Cookie flags (local and production), security headers, and no caching of pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path

import httpx
import pytest

from mindway.api.middleware import CSP
from mindway.security import crypto, totp
from mindway.services.runtime import Runtime
from tests.clinic import Clinic, build_clinic
from tests.conftest import fast_settings
from tests.web.visitor import Visitor, browser


def set_cookies(reply: httpx.Response) -> dict[str, str]:
    """Each Set-Cookie header by cookie name, as the raw header text (flags included)."""
    found = {}
    for header in reply.headers.get_list("set-cookie"):
        name = next(iter(SimpleCookie(header)))
        found[name] = header
    return found


def flags(header: str) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}


def test_local_cookies_are_httponly_and_samesite_without_secure(visitor: Visitor) -> None:
    form = visitor.get("/login")
    csrf_cookie = set_cookies(form)["mindway_csrf"]
    reply = visitor.sign_in("patient.a")
    session_cookie = set_cookies(reply)["mindway_session"]
    for header in (csrf_cookie, session_cookie):
        assert {"httponly", "samesite", "path"} <= flags(header)
        assert "samesite=lax" in header.lower()
        assert "path=/" in header.lower()
        assert "secure" not in flags(header)  # plain http on 127.0.0.1 would drop it


@pytest.fixture
def production(tmp_path: Path) -> Iterator[tuple[Runtime, Clinic]]:
    """A production runtime with keys given as the environment would give them."""
    settings = fast_settings(
        tmp_path / "prod",
        production=True,
        master_keys=f"k2026:{crypto.encode_key(crypto.new_key())}",
        secret_key=crypto.encode_key(crypto.new_key()),
        vapid_private_key=crypto.new_vapid_private_pem(),
        vapid_subject="mailto:privacy@mindway.example",
    )
    rt = Runtime.open(settings)
    try:
        yield rt, build_clinic(rt)
    finally:
        rt.close()


def test_production_cookies_use_host_prefix_and_secure(
    production: tuple[Runtime, Clinic],
) -> None:
    rt, _ = production
    with browser(rt, base_url="https://mindway.example") as v:
        csrf_cookie = set_cookies(v.get("/login"))["__Host-mindway_csrf"]
        session_cookie = set_cookies(v.sign_in("patient.a"))["__Host-mindway_session"]
        for header in (csrf_cookie, session_cookie):
            assert {"httponly", "samesite", "secure", "path"} <= flags(header)
            assert "path=/" in header.lower()
            assert "domain" not in flags(header)  # __Host- forbids a Domain attribute
        assert v.get("/patient").status_code == 200
        assert "strict-transport-security" in v.get("/patient").headers


def test_production_staff_must_enrol_in_mfa_before_anything_else(
    production: tuple[Runtime, Clinic],
) -> None:
    rt, _ = production
    with browser(rt, base_url="https://mindway.example") as v:
        reply = v.sign_in("clinician.a")
        assert reply.headers["location"] == "/account/mfa"
        assert v.get("/clinician").headers["location"] == "/account/mfa"
        assert "asks you to turn on two-step sign-in" in v.get("/account/mfa").text
        page = v.submit("/account/mfa/start", {}, page="/account/mfa")
        secret = page.text.split('<p class="secret"><code>')[1].split("</code>")[0]
        code = totp.current_code(secret.replace(" ", ""))
        assert v.submit("/account/mfa/confirm", {"code": code}).status_code == 303
        assert v.get("/clinician").status_code == 200


def test_pages_carry_csp_and_no_store(visitor: Visitor) -> None:
    visitor.sign_in("patient.a")
    for path in ("/login", "/crisis", "/patient", "/patient/notes", "/account/mfa"):
        reply = visitor.get(path)
        assert reply.headers["content-security-policy"] == CSP, path
        assert "'unsafe-inline'" not in reply.headers["content-security-policy"]
        assert reply.headers["cache-control"] == "no-store", path
        assert reply.headers["x-frame-options"] == "DENY"


def test_static_assets_may_be_cached(visitor: Visitor) -> None:
    reply = visitor.get("/static/mindway.css")
    assert reply.status_code == 200
    assert "no-store" not in reply.headers.get("cache-control", "")


def test_pages_have_no_inline_script_or_style(rt: Runtime, clinic: Clinic) -> None:
    """CSP would block them; this catches them before a browser does."""
    pages = {
        "": ("/login", "/crisis"),
        "patient.a": ("/crisis", "/patient", "/patient/notes", "/account/mfa"),
        "clinician.a": ("/clinician", f"/clinician/patients/{clinic.patient_a.patient_id}"),
        "admin": ("/admin/accounts", "/admin/teams", "/admin/audit", "/admin/alerts"),
        "researcher": ("/research",),
    }
    for user, paths in pages.items():
        with browser(rt) as v:
            if user:
                v.sign_in(user)
            for path in paths:
                reply = v.get(path)
                assert reply.status_code == 200, path
                assert "style=" not in reply.text, path
                assert "<style" not in reply.text, path
                scripts = reply.text.split("<script")[1:]
                assert all(tag.lstrip().startswith("src=") for tag in scripts), path
                assert not re.search(r"<[^>]+\son[a-z]+=", reply.text), path  # no onclick=...
