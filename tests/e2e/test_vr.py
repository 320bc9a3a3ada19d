"""Acceptance (issue 7): the exposure scenes load offline (everything from Mindway itself)
and respond to intensity in headless Chromium (WebGL through SwiftShader); a live session in
the browser, with the built-in physiology simulator, goes from baseline into exposure while
the clinician's live view follows it over its own WebSocket."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.steps import emulate_headset, sign_in

pytestmark = pytest.mark.e2e

SCENES = ("heights", "spiders", "public_speaking", "cafe", "traffic")


def _stage_png(page: Page) -> bytes:
    page.wait_for_timeout(250)  # a few frames at the new intensity
    return page.locator("#vr-stage canvas").screenshot()


def test_every_scene_loads_offline_and_responds_to_intensity(
    page: Page, server: str, screenshots: Path | None
) -> None:
    sign_in(page, "patient")
    foreign: list[str] = []
    page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(server) else None)
    for scene in SCENES:
        page.goto(f"/vr/preview/{scene}?intensity=0.1")
        expect(page.locator("#vr-stage")).to_have_attribute("data-ready", "1")
        assert page.evaluate("window.mindwayScene.intensity") == pytest.approx(0.1)
        low = _stage_png(page)
        page.evaluate("window.mindwayScene.setIntensity(0.9)")
        high = _stage_png(page)
        assert low != high, f"{scene}: the scene looks the same at intensity 0.1 and 0.9"
        if screenshots:
            (screenshots / f"vr-{scene}-low.png").write_bytes(low)
            (screenshots / f"vr-{scene}-high.png").write_bytes(high)
    page.goto("/vr/preview/safe_place")
    expect(page.locator("#vr-stage")).to_have_attribute("data-ready", "1")
    assert foreign == []


def test_reduced_motion_is_respected(page: Page) -> None:
    page.emulate_media(reduced_motion="reduce")
    sign_in(page, "patient")
    page.goto("/vr/preview/spiders?intensity=1")
    expect(page.locator("#vr-reduced")).to_be_checked()
    first = _stage_png(page)
    page.wait_for_timeout(400)
    assert _stage_png(page) == first  # under reduced motion nothing swarms


def test_a_live_session_in_the_browser_reaches_exposure(page: Page, server: str) -> None:
    sign_in(page, "patient")
    page.goto("/patient/exposure")
    page.get_by_label("Situation").fill("Looking over a balcony railing")
    page.get_by_label("Expected distress (SUDS 0-100)").fill("50")
    page.get_by_label("Scene", exact=True).select_option("heights")
    page.get_by_role("button", name="Add").click()
    item = page.locator(".vr-item", has_text="Looking over a balcony railing")
    item.get_by_role("button", name="Start exposure").click()
    page.wait_for_url(re.compile(r"/patient/exposure/sessions/[0-9a-f-]+$"))
    scene_url = page.url
    # Faster than real time for the test: twenty samples a second, SUDS from the simulator.
    page.goto(scene_url + "?speed=20&suds=auto")
    stage = page.locator("#vr-stage")
    expect(stage).to_have_attribute("data-state", "baseline")
    # The live channel is the WebSocket, not the HTTP fallback the page uses when it fails.
    expect(stage).to_have_attribute("data-channel", "websocket")
    expect(stage).to_have_attribute("data-state", "exposure", timeout=30_000)
    expect(stage).not_to_have_attribute("data-intensity", "0")
    assert page.evaluate("window.mindwayScene.intensity") > 0
    page.get_by_role("button", name="Stop the session").click()
    expect(page.locator("#vr-status")).to_contain_text("ended")


def test_the_webxr_path_enters_an_emulated_headset(page: Page) -> None:
    """With an emulated Meta Quest 3 (iwer), the scene offers VR and enters it."""
    emulate_headset(page)
    sign_in(page, "patient")
    page.goto("/vr/preview/heights?intensity=0.5")
    button = page.locator("#VRButton")
    expect(button).to_have_text("ENTER VR")
    button.click()
    expect(button).to_have_text("EXIT VR")
    assert page.evaluate("window.mindwayScene.presenting") is True
    page.evaluate("window.mindwayScene.setIntensity(0.9)")  # the scene still follows intensity
    assert page.locator("#vr-stage").get_attribute("data-intensity") == "0.9"
    button.dispatch_event("click")  # the emulator's own view covers the page while presenting
    expect(button).to_have_text("ENTER VR")
    assert page.evaluate("window.mindwayScene.presenting") is False


def test_the_clinician_watches_live_and_pauses(page: Page, chromium: Browser, server: str) -> None:
    """The therapist's live view follows the patient's session and its override wins."""
    sign_in(page, "patient")
    page.goto("/patient/exposure")
    page.get_by_label("Situation").fill("Spider in the bath")
    page.get_by_label("Expected distress (SUDS 0-100)").fill("60")
    page.get_by_label("Scene", exact=True).select_option("spiders")
    page.get_by_role("button", name="Add").click()
    item = page.locator(".vr-item", has_text="Spider in the bath")
    item.get_by_role("button", name="Start exposure").click()
    page.wait_for_url(re.compile(r"/patient/exposure/sessions/[0-9a-f-]+$"))
    session_id = page.url.rsplit("/", 1)[-1]
    page.goto(page.url + "?speed=10&suds=auto")
    stage = page.locator("#vr-stage")
    patient_id = stage.get_attribute("data-patient")
    context = chromium.new_context(base_url=server)
    try:
        therapist = context.new_page()
        sign_in(therapist, "clinician")
        therapist.goto(f"/clinician/patients/{patient_id}/exposure/sessions/{session_id}/live")
        expect(therapist.locator("#vr-live")).to_have_attribute("data-channel", "websocket")
        expect(therapist.locator("#live-state")).to_have_text("exposure", timeout=30_000)
        expect(therapist.locator("#live-reason")).not_to_be_empty()
        therapist.get_by_role("button", name="Pause").click()
        expect(stage).to_have_attribute("data-state", "paused", timeout=10_000)
        expect(page.locator("#vr-status")).to_contain_text("Paused by your therapist")
        therapist.get_by_role("button", name="End").click()
        expect(page.locator("#vr-status")).to_contain_text("ended", timeout=10_000)
    finally:
        context.close()
