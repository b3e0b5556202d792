"""Fixtures of the browser suites: one headless Chromium per module, the live server, a tab."""

from __future__ import annotations

import os

import pytest

from tests.browser import CHROMIUM, CHROMIUM_ARGS, Tab
from tests.support import IMMEDIATE


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread while the browser is open;
    # Django's ORM refuses to run beside one unless told it is safe (it is: nothing here is
    # async, the loop only drives the browser).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            instance = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield instance
            instance.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def app(browser, live_server, settings, media_root):
    """The live server with jobs run at once and private media."""
    settings.TASKS = IMMEDIATE
    return live_server


@pytest.fixture
def tab(browser, app):
    opened = Tab(browser, app.url)
    yield opened
    opened.close()
    assert opened.errors == [], opened.errors  # no CSP violation, no script error
