"""Chromium for admin tests, driven by Playwright (the system browser, nothing downloaded)."""

import os
import shutil

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
