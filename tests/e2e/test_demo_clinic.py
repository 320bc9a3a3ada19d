"""Signing in to the demo clinic in headless Chromium as a clinician, a patient and an admin."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from mindway.services.demo import DEMO_LOGINS
from tests.e2e.steps import sign_in

pytestmark = pytest.mark.e2e


def test_clinician_sees_caseload_and_opens_a_patient(page: Page, screenshots: Path | None) -> None:
    sign_in(page, "clinician")
    expect(page).to_have_url(re.compile(r"/clinician$"))
    expect(page.get_by_role("heading", name="Caseload", level=1)).to_be_visible()
    patients = page.locator("ul.caseload a")
    expect(patients.first).to_be_visible()
    assert patients.count() >= 1
    if screenshots:
        page.screenshot(path=screenshots / "clinician-caseload.png", full_page=True)
    name = patients.first.inner_text()
    patients.first.click()
    expect(page).to_have_url(re.compile(r"/clinician/patients/[0-9a-f-]{36}$"))
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Record")).to_be_visible()
    expect(page.get_by_role("button", name="Add note")).to_be_visible()


def test_patient_home_on_a_small_phone_leads_to_crisis_help(
    page: Page, screenshots: Path | None
) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, "patient")
    expect(page).to_have_url(re.compile(r"/patient$"))
    expect(page.get_by_role("heading", name=re.compile(r"^Hello, "))).to_be_visible()
    help_link = page.get_by_role("link", name="Need help now?")
    expect(help_link).to_be_visible()
    box = help_link.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 320
    # Nothing on the page is wider than the phone (no sideways scrolling).
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    if screenshots:
        page.screenshot(path=screenshots / "patient-home-320.png", full_page=True)
    help_link.click()
    expect(page).to_have_url(re.compile(r"/crisis$"))
    expect(page.get_by_role("heading", name="Need help now?", level=1)).to_be_visible()
    expect(page.locator('a[href="tel:988"]').first).to_be_visible()


def test_patient_changes_a_consent_choice(page: Page) -> None:
    """With htmx served (``make assets``) the section is swapped in place and keeps the
    keyboard focus; without it the same form posts and the page reloads."""
    sign_in(page, "patient")
    page.wait_for_url(re.compile(r"/patient$"))
    page.wait_for_load_state("load")  # htmx is a deferred script: ask only once it has run
    choice = page.locator("li.choice").filter(has_text="Research with de-identified data")
    before = choice.locator(".status strong").inner_text()
    after = "no" if before == "yes" else "yes"
    enhanced = page.evaluate("typeof window.htmx") == "object"
    choice.get_by_role("button").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your choice is saved.")).to_be_visible()
    expect(choice.locator(".status strong")).to_have_text(after)
    if enhanced:
        expect(page).to_have_url(re.compile(r"/patient$"))
        assert page.evaluate("document.activeElement.id") == "consent-research"
    else:
        expect(page).to_have_url(re.compile(r"/patient\?consent=saved#consent$"))


def test_admin_sees_accounts_and_the_audit_log(page: Page) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, "admin")
    expect(page).to_have_url(re.compile(r"/admin/accounts$"))
    for username, _ in DEMO_LOGINS.values():
        expect(page.get_by_role("rowheader", name=username, exact=True)).to_be_attached()
    # Wide tables scroll inside their own box; the page itself never scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    expect(page).to_have_url(re.compile(r"/admin/audit$"))
    expect(page.get_by_role("heading", name="Audit log", level=1)).to_be_visible()
    expect(page.locator("table.audit code", has_text="auth.login").first).to_be_attached()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_keyboard_user_can_skip_to_the_content(page: Page) -> None:
    page.goto("/login")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
