"""Accessibility (issue 8, items 7 and 8): axe-core on every page of every role, keyboard-only
flows with a visible focus, and patient pages that fit a 320 px phone.

axe-core (npm, a dev dependency: never served to users) is read from ``node_modules`` and run
through ``page.evaluate``, which Chromium runs outside the page's Content Security Policy, so
the app's CSP stays as strict as it is and the CSP-violation check still applies.
The rules are axe's WCAG 2.0/2.1 A and AA tags (https://www.w3.org/TR/WCAG21/); ``serious``
and ``critical`` findings fail, the rest is printed with them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from mindway.services.demo import DEMO_LOGINS
from tests.e2e.steps import sign_in

pytestmark = pytest.mark.e2e

AXE = Path(__file__).parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
PHONE: ViewportSize = {"width": 320, "height": 640}
# Links not to follow: actions, WebGL scenes (three.js canvas, checked in test_vr.py) and
# live sessions that need a headset on the other end.
SKIP = re.compile(r"^/(logout|vr/preview/)|/live$|/feed$|/stream$")
# Pages a link does not reach in the demo clinic (the demo patient's programme does not link
# an exercise form until a session with one opens).
SEEDS = {"patient": ["/patient/programme/exercises/thought_record"]}
# What the crawl must find, so that a broken link cannot quietly shrink the audit.
EXPECTED = {
    "patient": {
        "/patient",
        "/patient/checkin",
        "/patient/chat",
        "/patient/questionnaires",
        "/patient/questionnaires/phq9",
        "/patient/progress",
        "/patient/notes",
        "/patient/programme",
        "/patient/programme/modules/{x}",
        "/patient/programme/exercises/{x}",
        "/patient/exposure",
    },
    "clinician": {
        "/clinician",
        "/clinician/patients/{id}",
        "/clinician/alerts",
        "/clinician/conversations",
        "/clinician/patients/{id}/conversation",
        "/clinician/patients/{id}/programme",
        "/clinician/patients/{id}/treatment-options",
        "/clinician/exposure",
        "/clinician/patients/{id}/exposure",
    },
    "admin": {"/admin/accounts", "/admin/teams", "/admin/audit", "/admin/alerts"},
    "researcher": {"/research"},
}
# Documented exceptions: (path pattern, axe rule id) -> why. Third-party markup only.
ALLOWED: dict[tuple[str, str], str] = {}
MAX_DEPTH = 3


def _pattern(path: str) -> str:
    """One audit per page template: ids and module names collapse to placeholders."""
    path = UUID.sub("{id}", path)
    return re.sub(r"^(/patient/programme/(?:modules|exercises))/[^/]+$", r"\1/{x}", path)


def run_axe(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations on the page as loaded, each with up to five of its elements."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    return list(
        page.evaluate(
            """async (tags) => {
              const result = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                                      resultTypes: ['violations']});
              return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
                count: v.nodes.length}));
            }""",
            WCAG_TAGS,
        )
    )


# Each role's own pages (plus the shared account pages): the clinician's programme page shows
# the patient's "Suggested next" links, which are the patient's pages, not the clinician's.
OWN = {
    "patient": ("/patient", "/account/"),
    "clinician": ("/clinician", "/account/"),
    "admin": ("/admin", "/account/"),
    "researcher": ("/research", "/account/"),
}


def _links(page: Page, role: str) -> list[str]:
    hrefs = page.eval_on_selector_all(
        "nav.site-nav a[href], main a[href]", "els => els.map(e => e.href)"
    )
    origin = urlsplit(page.url).netloc
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if (
            parts.netloc == origin
            and parts.scheme.startswith("http")
            and parts.path.startswith(OWN[role])
            and not SKIP.search(parts.path)
        ):
            found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def crawl(page: Page, role: str, start: list[str], visit: Callable[[str, str], None]) -> set[str]:
    """Breadth-first over the role's own links, one page per template; returns the templates."""
    seen: set[str] = set()
    frontier = list(start)
    for _ in range(MAX_DEPTH + 1):
        following: list[str] = []
        for url in frontier:
            parts = urlsplit(url)
            # Query strings vary a page (a filter, a page of the log), by name not by value.
            names = sorted({pair.split("=")[0] for pair in parts.query.split("&") if pair})
            key = _pattern(parts.path) + ("?" + "&".join(names) if names else "")
            if key in seen:
                continue
            seen.add(key)
            response = page.goto(url)
            assert response is not None and response.ok, f"{url}: {response and response.status}"
            visit(url, key)
            following.extend(_links(page, role))
        frontier = following
    return {key for key in seen if "?" not in key}


@contextmanager
def _signed_in(chromium: Browser, server: str, role: str) -> Iterator[tuple[Page, list[str]]]:
    context: BrowserContext = chromium.new_context(
        base_url=server, viewport={"width": 1024, "height": 768}
    )
    page = context.new_page()
    csp: list[str] = []
    page.on(
        "console",
        lambda msg: csp.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    try:
        if role != "public":
            sign_in(page, role)
            page.wait_for_url(re.compile(r"/(patient|clinician|admin/accounts|research)$"))
        yield page, csp
    finally:
        context.close()


def _summary(found: dict[str, list[dict[str, Any]]]) -> str:
    lines = []
    for url, violations in found.items():
        for v in violations:
            lines.append(
                f"{url} [{v['impact']}] {v['id']} ({v['count']}x): {v['help']} -> {v['nodes']}"
            )
    return "\n".join(lines)


@pytest.mark.parametrize("role", ["patient", "clinician", "admin", "researcher", "public"])
def test_every_page_has_no_serious_axe_violations(
    chromium: Browser, server: str, role: str
) -> None:
    found: dict[str, list[dict[str, Any]]] = {}

    def audit(url: str, key: str) -> None:
        violations = [
            v for v in run_axe(page) if (_pattern(urlsplit(url).path), v["id"]) not in ALLOWED
        ]
        if violations:
            found[url] = violations

    with _signed_in(chromium, server, role) as (page, csp):
        if role == "public":
            for url in ("/login", "/crisis"):
                page.goto(url)
                audit(url, url)
            # axe really runs: an unlabelled field on the page is a critical finding.
            page.evaluate("document.querySelector('main').append(document.createElement('input'))")
            assert "label" in {v["id"] for v in run_axe(page) if v["impact"] == "critical"}
        else:
            start = [page.url.removeprefix(server), *SEEDS.get(role, [])]
            audited = crawl(page, role, start, audit)
            assert EXPECTED[role] <= audited, sorted(EXPECTED[role] - audited)
        assert csp == [], csp
    blocking = {url: [v for v in vs if v["impact"] in BLOCKING] for url, vs in found.items()}
    assert not any(blocking.values()), (
        f"serious or critical axe violations for {role}:\n{_summary(blocking)}"
        f"\n\nall findings:\n{_summary(found)}"
    )


# ---- Keyboard only -------------------------------------------------------------------------

FOCUS_STYLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
  const shadow = s.boxShadow && s.boxShadow !== 'none';
  return {visible: Boolean(outline || shadow), tag: el.tagName.toLowerCase(),
          name: (el.getAttribute('aria-label') || el.textContent || el.id || '').trim()
                .slice(0, 40), id: el.id, href: el.getAttribute('href')};
}"""


def tab_to(page: Page, wanted: Callable[[dict[str, Any]], bool], limit: int = 40) -> None:
    """Press Tab until ``wanted`` holds for the focused element, checking each stop's focus
    indicator on the way (WCAG 2.4.7 Focus Visible)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUS_STYLE)
        if focused is None:
            continue
        assert focused["visible"], f"no visible focus on {focused} at {page.url}"
        if wanted(focused):
            return
    pytest.fail(f"Tab never reached the element at {page.url}")


def test_patient_signs_in_talks_and_finds_help_with_the_keyboard_only(page: Page) -> None:
    username, password = DEMO_LOGINS["patient"]
    page.goto("/login")
    tab_to(page, lambda f: f["id"] == "username")
    page.keyboard.type(username)
    tab_to(page, lambda f: f["id"] == "password")
    page.keyboard.type(password)
    tab_to(page, lambda f: f["tag"] == "button" and f["name"] == "Sign in")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/patient$"))

    tab_to(page, lambda f: f["name"] == "Talk it through" and f["tag"] == "a")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/patient/chat$"))
    tab_to(page, lambda f: f["id"] == "chat-text")
    page.keyboard.type("I feel a bit low today")
    tab_to(page, lambda f: f["tag"] == "button" and f["name"] == "Send")
    page.keyboard.press("Space")
    log = page.locator("#chat-log")
    expect(log.locator(".from-user").last).to_contain_text("I feel a bit low today")
    # The first reply may wait for the risk screener's models to finish loading.
    expect(log.locator(".from-companion").last).not_to_be_empty(timeout=60_000)

    # Backwards from the end of the page to the header's help link (Shift+Tab).
    page.keyboard.press("End")
    for _ in range(80):
        page.keyboard.press("Shift+Tab")
        focused = page.evaluate(FOCUS_STYLE)
        if focused is None:
            continue
        assert focused["visible"], f"no visible focus on {focused}"
        if focused["href"] == "/crisis" and focused["name"] == "Need help now?":
            break
    else:
        pytest.fail("Shift+Tab never reached the 'Need help now?' link")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/crisis$"))
    expect(page.get_by_role("heading", name="Need help now?", level=1)).to_be_visible()
    tab_to(page, lambda f: (f["href"] or "").startswith("tel:"))


# ---- 320 px --------------------------------------------------------------------------------


def test_every_patient_page_fits_a_320_px_phone(chromium: Browser, server: str) -> None:
    too_wide: dict[str, int] = {}

    with _signed_in(chromium, server, "patient") as (page, csp):
        page.set_viewport_size(PHONE)

        def measure(url: str, key: str) -> None:
            width = int(page.evaluate("document.documentElement.scrollWidth"))
            if width > PHONE["width"]:
                too_wide[url] = width

        audited = crawl(
            page, "patient", [page.url.removeprefix(server), *SEEDS["patient"]], measure
        )
        assert EXPECTED["patient"] <= audited
        for url in ("/crisis",):
            page.goto(url)
            measure(url, url)
        assert csp == [], csp
    assert too_wide == {}, f"pages wider than {PHONE['width']} px: {too_wide}"


# ---- Reduced motion ------------------------------------------------------------------------


def test_reduced_motion_turns_transitions_and_smooth_scrolling_off(page: Page) -> None:
    """WCAG 2.3.3 Animation from Interactions: honour ``prefers-reduced-motion: reduce``."""
    page.goto("/login")
    button = page.get_by_role("button", name="Sign in")
    motion = (
        "el => [getComputedStyle(el).transitionDuration,"
        " getComputedStyle(document.documentElement).scrollBehavior]"
    )
    assert button.evaluate(motion) == ["0.15s", "smooth"]
    page.emulate_media(reduced_motion="reduce")
    assert button.evaluate(motion) == ["0s", "auto"]
