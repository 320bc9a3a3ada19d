"""Steps the browser tests share: signing in to the demo clinic and out again."""

from __future__ import annotations

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
