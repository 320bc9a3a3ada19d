"""Acceptance (issue 3): a patient takes a PHQ-9 on a phone with item 9 above 0 and sees the
crisis lines first; the clinician sees the risk alert in the inbox and acknowledges it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.steps import sign_in, sign_out

pytestmark = pytest.mark.e2e

PHONE = {"width": 320, "height": 640}
# Items 1-8 "Several days", item 9 "More than half the days", then the difficulty item.
ANSWERS = ["Several days"] * 8 + ["More than half the days", "Somewhat difficult"]
RISK_DETAIL = "PHQ-9 item 9 answered 2"


def _fits_the_phone(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def take_phq9(page: Page, shots: Path | None) -> None:
    """One question per screen; question 2 by keyboard (arrow to choose, Enter for Next)."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Questionnaires").click()
    page.get_by_role("link", name="Mood", exact=True).click()
    for number, answer in enumerate(ANSWERS, start=1):
        expect(page.get_by_text(f"Question {number} of 10")).to_be_visible()
        expect(page.locator("fieldset")).to_have_count(1)
        if number == 2:
            page.get_by_label("Not at all").focus()
            page.keyboard.press("ArrowDown")
            expect(page.get_by_label("Several days")).to_be_checked()
            page.keyboard.press("Enter")
            continue
        page.get_by_label(answer).check()
        if number == 9:
            _fits_the_phone(page)
            if shots:
                page.screenshot(path=shots / "questionnaire-item-320.png", full_page=True)
        page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    page.get_by_role("button", name="Send my answers").click()


def test_risk_answer_reaches_the_clinician_who_acknowledges_it(
    page: Page, screenshots: Path | None
) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, "patient")
    greeting = page.get_by_role("heading", name=re.compile(r"^Hello, ")).inner_text()
    first_name = greeting.removeprefix("Hello, ")
    take_phq9(page, screenshots)

    crisis = page.get_by_role("heading", name="Need help now?", level=1)
    expect(crisis).to_be_visible()
    result = page.get_by_role("heading", name="Your PHQ-9 result")
    crisis_box, result_box = crisis.bounding_box(), result.bounding_box()
    assert crisis_box and result_box and crisis_box["y"] < result_box["y"]  # crisis first
    expect(page.locator("main a[href='tel:988']")).to_be_visible()
    expect(page.get_by_text("We have told your care team")).to_be_visible()
    _fits_the_phone(page)
    if screenshots:
        page.screenshot(path=screenshots / "result-crisis-first-320.png", full_page=True)
    sign_out(page)

    sign_in(page, "clinician")
    menu = page.get_by_role("navigation", name="Main")
    menu.get_by_role("link", name=re.compile(r"^Alerts \d+ open$")).click()
    expect(page).to_have_url(re.compile(r"/clinician/alerts$"))
    theirs = (
        page.locator("li.clinical-alert")
        .filter(has_text=RISK_DETAIL)
        .filter(has=page.get_by_role("link", name=re.compile(first_name)))
    )
    expect(theirs.first).to_be_visible()
    before = theirs.count()
    alert = theirs.last  # the newest: same level, due last
    expect(alert.locator(".tag.level")).to_have_text("Urgent")
    _fits_the_phone(page)
    if screenshots:
        page.screenshot(path=screenshots / "clinician-inbox-320.png", full_page=True)
    alert.get_by_role("button", name=re.compile(r"^Acknowledge")).click()
    expect(page.get_by_text("Alert acknowledged.")).to_be_visible()
    expect(theirs).to_have_count(before - 1)
