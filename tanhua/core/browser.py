"""Driving Debian's Chromium with Playwright in browser tests (marker `browser`).

Playwright's own browser downloads need the internet; the intranet and CI have Debian's
`chromium` package instead, so tests launch that binary. Without it the tests skip with a
reason, except in CI (env CI set), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("TANHUA_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 860}


def require_chromium() -> None:
    """Skip (or, in CI, fail) when Debian's Chromium is not installed."""
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return
    reason = f"{CHROMIUM} not found: install Debian's chromium package (apt-get install chromium)"
    if os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}:
        pytest.fail(f"CI must run the browser tests: {reason}", pytrace=False)
    pytest.skip(reason)


def launch(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)


class Shots:
    """Numbered screenshots of one test's steps under test-artifacts/screenshots/."""

    def __init__(self, directory: Path, test_name: str):
        self.directory = directory
        self.prefix = re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)
        self.count = 0
        directory.mkdir(parents=True, exist_ok=True)
        for old in directory.glob(f"{self.prefix}-*.png"):
            old.unlink()

    def __call__(self, page, step: str) -> Path:
        self.count += 1
        path = self.directory / f"{self.prefix}-{self.count:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path
