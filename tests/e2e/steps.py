"""Steps the browser tests share: signing in to the demo clinic and out again, and an
emulated WebXR headset."""

from __future__ import annotations

import subprocess
from pathlib import Path

from playwright.sync_api import Page

from mindway.services.demo import DEMO_LOGINS


def sign_in(page: Page, role: str) -> None:
    username, password = DEMO_LOGINS[role]
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")


ESBUILD = Path(__file__).resolve().parents[2] / "node_modules" / ".bin" / "esbuild"


def emulate_headset(page: Page) -> None:
    """Install an emulated Meta Quest 3 (the ``iwer`` npm package, bundled by esbuild from
    ``iwer_entry.js``; both come with ``npm ci``) before the page's own scripts run."""
    entry = str(Path(__file__).with_name("iwer_entry.js"))
    emulator = subprocess.run(
        [str(ESBUILD), entry, "--bundle", "--format=iife", "--log-level=warning"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    page.add_init_script(script=emulator)
