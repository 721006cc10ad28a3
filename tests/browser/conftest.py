"""Fixtures for the real-browser tests: a `streamlit run` server and Debian's Chromium.

One server per test session (started on a free port, stopped at the end even when a test or
the start-up fails); one browser per session; a fresh browser context (cookies, storage,
Streamlit session) per test. Every test in this folder is marked `browser`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from appserver import CHROMIUM_ARGS, start_server, stop_server
from playwright.sync_api import Browser, Page, sync_playwright
from pw_helpers import open_app, track_runs

HERE = Path(__file__).resolve().parent
VIEWPORT = {"width": 1280, "height": 4000}  # Streamlit scrolls inside its own container


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a `streamlit run app.py` started for this test session."""
    log_path = tmp_path_factory.mktemp("streamlit") / "server.log"
    try:
        proc, url, _ = start_server(log_path)
    except RuntimeError as e:
        pytest.fail(str(e))
    try:
        yield url
    finally:
        stop_server(proc)


def _chromium() -> str:
    path = shutil.which("chromium") or ("/usr/bin/chromium"
                                        if os.access("/usr/bin/chromium", os.X_OK) else None)
    if path is None:
        pytest.fail("No Chromium binary: the browser tests need Debian's `chromium` package "
                    "(apt-get install chromium; scripts/test installs it). Playwright's own "
                    "browser downloads are not used.", pytrace=False)
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = _chromium()
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def blank_page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context with nothing loaded yet, for a test that opens a link first
    (opening the app's default view before it would cost a whole page load for nothing)."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    context.set_default_timeout(30_000)
    try:
        p = context.new_page()
        track_runs(p)  # count reruns from the first document on, as open_app does
        yield p
    finally:
        context.close()


@pytest.fixture
def page(blank_page: Page, app_url: str) -> Page:
    """A fresh browser context (a new Streamlit session) with the app loaded and idle."""
    open_app(blank_page, app_url)
    return blank_page
