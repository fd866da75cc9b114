"""Chromium for admin tests, driven by Playwright (the system browser, nothing downloaded)."""

import os
import shutil
import time

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    assert os.path.exists(path), "Chromium is required for the browser tests (bin/test installs it)"
    return path


PASSWORD = "correct horse battery staple"


def admin_login(page, base_url: str, username: str = "rita", password: str = PASSWORD) -> None:
    """Log in to the admin through its login form."""
    page.goto(f"{base_url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")


def grid_action_on_everything(page, base_url: str, action: str, *, username: str = "rita"):
    """Log in to the admin, select every basket of the grid ("Select all") and choose
    ``action``: the page is then the action's confirmation."""
    admin_login(page, base_url, username)
    page.goto(f"{base_url}/admin/baskets/basket/")
    page.check("#action-toggle")
    page.click("div.actions .question a")  # "Select all ... baskets"
    page.select_option("select[name=action]", action)
    page.click("button[name=index]")


def confirm_timed(page) -> tuple[int, float]:
    """Confirm the action; the answer's status and how long it took, seconds."""
    started = time.monotonic()
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click('input[value="Yes, I\'m sure"]')
    return answer.value.status, time.monotonic() - started
