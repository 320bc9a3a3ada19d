"""A real Mindway server on a seeded demo store, and headless Chromium to drive it.

The server is the installed ``mindway`` command, started the way an operator starts it, so
these tests cover the packaging, the CLI, start-up migrations and static files as well.
Chromium is Debian's (``playwright install`` cannot download browsers on these machines).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.servers import MINDWAY, serving
from tests.servers import server_env as _server_env

__all__ = ["MINDWAY", "_server_env", "serving"]  # the e2e tests import these from here

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # WebGL without a GPU (the VR scenes): SwiftShader through ANGLE.
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
]


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``mindway demo`` into an empty data folder, then ``mindway serve`` on a free port."""
    data_dir = tmp_path_factory.mktemp("e2e-data")
    env = _server_env(data_dir)
    seeded = subprocess.run(
        [str(MINDWAY), "demo", "--patients", "8", "--seed", "1"],
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert seeded.returncode == 0, seeded.stderr.decode()
    with serving(data_dir, env) as url:
        yield url


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def csp_checked_page(chromium: Browser, base_url: str) -> Iterator[Page]:
    """A fresh browser context (no cookies) on ``base_url``, failing on any CSP violation."""
    context = chromium.new_context(base_url=base_url, viewport={"width": 1024, "height": 768})
    page = context.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    try:
        yield page
    finally:
        context.close()
    assert violations == [], violations


@pytest.fixture
def page(chromium: Browser, server: str) -> Iterator[Page]:
    with csp_checked_page(chromium, server) as page:
        yield page


@pytest.fixture
def screenshots() -> Path | None:
    """Where to save screenshots for a person to look at (``MINDWAY_E2E_SCREENSHOTS``)."""
    folder = os.environ.get("MINDWAY_E2E_SCREENSHOTS")
    if not folder:
        return None
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path
