"""Acceptance (issue 5): a patient enrols in a programme, completes a session, does a thought
record (with a suggested thinking trap), and sees a personal insight from their check-ins.

The demo clinic has no check-in history, so this module seeds its own store: ``mindway
demo``, then four weeks of the demo patient's check-ins (``services.demo_therapy``), then
``mindway serve``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import MINDWAY, _server_env, csp_checked_page, serving
from tests.e2e.steps import sign_in

pytestmark = pytest.mark.e2e

SEED_THERAPY = (
    "from mindway.config import get_settings\n"
    "from mindway.services.runtime import Runtime\n"
    "from mindway.services.demo_therapy import seed_therapy_demo\n"
    "rt = Runtime.open(get_settings())\n"
    "print(seed_therapy_demo(rt, seed=1))\n"
    "rt.close()\n"
)


@pytest.fixture(scope="module")
def therapy_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("e2e-therapy")
    env = _server_env(data_dir)
    for command in (
        [str(MINDWAY), "demo", "--patients", "3", "--seed", "1"],
        [sys.executable, "-c", SEED_THERAPY],
    ):
        done = subprocess.run(command, env=env, capture_output=True, timeout=180, check=False)
        assert done.returncode == 0, done.stderr.decode()
    with serving(data_dir, env) as url:
        yield url


@pytest.fixture
def page(chromium: Browser, therapy_server: str) -> Iterator[Page]:
    with csp_checked_page(chromium, therapy_server) as page:
        yield page


def test_enrol_complete_a_session_do_a_thought_record_and_see_an_insight(
    page: Page, screenshots: Path | None
) -> None:
    sign_in(page, "patient")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My programme").click()
    expect(page.get_by_role("heading", name="Choose a programme")).to_be_visible()
    page.get_by_role("button", name="Start Depression: CBT foundations").click()
    expect(page.get_by_role("status")).to_contain_text("You have started the programme")

    session = page.locator("#session-1")
    marks = session.get_by_role("button", name=re.compile(r"^Mark done"))
    for _ in range(marks.count()):
        session.get_by_role("button", name=re.compile(r"^Mark done")).first.click()
        page.wait_for_load_state()
    expect(page.get_by_role("status")).to_contain_text("you completed session 1")
    session_2 = page.locator("#session-2")  # open now that session 1 is complete
    expect(session_2).to_contain_text("Doing more of what matters")
    expect(session_2.get_by_role("button", name=re.compile(r"^Mark done")).first).to_be_visible()

    page.goto("/patient/programme/exercises/thought_record")
    page.get_by_label("What was the situation?").fill("My friend did not answer my message")
    # Saved as you go (the first screening in a fresh server loads its model: allow time).
    expect(page.locator("#draft-status")).to_have_text("Draft saved.", timeout=90_000)
    page.get_by_label("What went through your mind?").fill(
        "She is angry with me, I always ruin everything"
    )
    page.get_by_label("What did you feel?").fill("sad")
    page.get_by_label("How strong was the feeling? (0-100)").fill("80")
    page.get_by_role("button", name="Suggest a thinking trap").click()
    expect(page.locator("#trap-suggestion")).to_contain_text("Maybe:")
    page.get_by_label("What supports the thought?").fill("She usually answers fast")
    page.get_by_label("What does not support it?").fill("She told me she is busy this week")
    page.get_by_label("A more balanced thought").fill("She is probably busy, not angry")
    page.get_by_label("How strong is the feeling now? (0-100)").fill("40")
    page.get_by_role("button", name="Finish").click()
    expect(page.get_by_role("status")).to_contain_text("Your exercise is saved")

    insights = page.locator("#insights")
    expect(insights).to_contain_text("On days you walked, your mood averaged")
    expect(insights.locator("svg.chart")).to_be_visible()
    if screenshots:
        page.screenshot(path=screenshots / "therapy-programme.png", full_page=True)
    page.set_viewport_size({"width": 320, "height": 640})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320  # fits a small phone
