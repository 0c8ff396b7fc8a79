"""Debian's Chromium for the browser tests, started the one way every test starts it.

`make test` installs the browser (`make browser`); a missing one fails the tests that need it
rather than skipping them: an untested site is not a pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
# Root needs --no-sandbox; the networking switches keep the browser off every host but ours.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
MISSING = (
    f"{CHROMIUM} is missing: install Debian's chromium (`make browser` does) "
    "to run the browser tests"
)


@contextmanager
def launched() -> Iterator[Browser]:
    assert CHROMIUM.exists(), MISSING
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
