"""Acceptance (issue 4): a patient discloses risk during a thought record in the chat; the
reply shows the crisis resources first, the exercise stops, and the clinician's alert appears.
The chat streams replies as server-sent events (chat.js)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.steps import sign_in, sign_out

pytestmark = pytest.mark.e2e

PHONE = {"width": 320, "height": 640}
DISCLOSURE = "I can't do this anymore. I'm going to kill myself tonight."
ALERT_DETAIL = "A chat message (during the thought record)"


def send(page: Page, text: str) -> None:
    page.get_by_label("Your message").fill(text)
    page.get_by_role("button", name="Send").click()


def test_disclosure_in_a_thought_record_stops_it_and_alerts_the_team(
    page: Page, screenshots: Path | None
) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, "patient")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Talk it through").click()
    expect(page.get_by_text("a computer program, not a person")).to_be_visible()
    log = page.locator("#chat-log")

    send(page, "I want to do a thought record")
    # The first reply may wait for the risk screener's models to finish loading.
    first = log.locator(".from-companion").last
    expect(first).to_contain_text("What was the situation?", timeout=90_000)
    send(page, "An argument with my sister at dinner")
    expect(log.locator(".from-companion").last).to_contain_text("What went through your mind?")

    send(page, DISCLOSURE)
    page.wait_for_url(re.compile(r"/patient/chat\?help=now"), timeout=30_000)
    crisis = page.get_by_role("heading", name="Need help now?", level=1)
    expect(crisis).to_be_visible()
    chat_heading = page.get_by_role("heading", name="Talk it through")
    crisis_box, chat_box = crisis.bounding_box(), chat_heading.bounding_box()
    assert crisis_box and chat_box and crisis_box["y"] < chat_box["y"]  # crisis first
    expect(page.locator("main a[href='tel:988']").first).to_be_visible()
    last = log.locator(".from-companion").last
    expect(last).to_contain_text("care team")
    expect(last).not_to_contain_text("What did you feel")  # the exercise stopped
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    if screenshots:
        page.screenshot(path=screenshots / "chat-crisis-320.png", full_page=True)

    send(page, "no")
    expect(log.locator(".from-companion").last).to_contain_text("resume")
    sign_out(page)

    sign_in(page, "clinician")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile(r"^Alerts")
    ).click()
    alert = page.locator("li.clinical-alert").filter(has_text=ALERT_DETAIL)
    expect(alert.first).to_be_visible()
    expect(alert.first).to_contain_text("Urgent")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Conversations").click()
    expect(page.get_by_role("heading", name="Flagged by the risk screener")).to_be_visible()
    expect(page.locator("li.card").filter(has_text="High").first).to_be_visible()
