"""Fixtures for the real-browser tests: a `streamlit run` server and Debian's Chromium.

One server per test session (started on a free port, stopped at the end even when a test or
the start-up fails); one browser profile per session whose caches are kept, and new tabs in it
per test (`open_tab`, `blank_page`, `page`: a new Streamlit session, cookies and storage
cleared after the test); a plain browser for the few tests that need contexts of their own.
Every test in this folder is marked `browser`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from appserver import CHROMIUM_ARGS, start_server, stop_server
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Frame,
    Page,
    Playwright,
    sync_playwright,
)
from pw_helpers import OpenTab, open_app, track_runs

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
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    """A browser for tests that need contexts of their own: separate students, a newcomer's
    empty cache, routing. Everything else opens tabs in `profile` (open_tab)."""
    b = playwright_driver.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
    try:
        yield b
    finally:
        b.close()


@pytest.fixture(scope="session")
def profile(playwright_driver: Playwright,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    """One browser profile per worker, kept between tests like a student's browser between
    lessons: its HTTP and V8 code caches make each page load after the first cost about 40 %
    less of Chromium's CPU (measured: 4.7 -> 2.9 s per Explorer load, the browser tests'
    largest cost). A fresh context per test throws both caches away."""
    ctx = playwright_driver.chromium.launch_persistent_context(
        str(tmp_path_factory.mktemp("chromium-profile")), executable_path=_chromium(),
        args=CHROMIUM_ARGS, viewport=VIEWPORT, locale="en-US")
    try:
        yield ctx
    finally:
        ctx.close()


# What a site may keep in a browser besides the caches (Streamlit keeps its theme and the
# sidebar's sections in localStorage); cookies are cleared for the whole profile.
SITE_STORAGE = "local_storage,indexeddb,service_workers,cache_storage,file_systems,websql"


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else None


@pytest.fixture
def open_tab(profile: BrowserContext) -> Iterator[OpenTab]:
    """Open a new tab in the shared profile: `open_tab(viewport=..., timeout_ms=...)`.

    Each tab is a new Streamlit session (its own websocket). At the end of the test every tab
    it opened is closed and what the sites it visited stored (cookies, localStorage, ...) is
    cleared, so each test starts as a new visitor whose browser kept only its caches.
    """
    tabs: list[Page] = []
    origins: set[str] = set()

    def visited(frame: Frame) -> None:
        if origin := _origin(frame.url):
            origins.add(origin)

    def open_(viewport: dict[str, int] | None = None, timeout_ms: int = 30_000) -> Page:
        tab = profile.new_page()
        tab.on("framenavigated", visited)
        tab.set_viewport_size(viewport or VIEWPORT)
        tab.set_default_timeout(timeout_ms)
        track_runs(tab)  # count reruns from the first document on, as open_app does
        tabs.append(tab)
        return tab

    try:
        yield open_
    finally:
        if origins:  # the storage is the browser's: any open tab can ask it to be cleared
            tab = next((t for t in tabs if not t.is_closed()), None) or profile.new_page()
            tabs.append(tab)
            cdp = profile.new_cdp_session(tab)
            for origin in sorted(origins):
                cdp.send("Storage.clearDataForOrigin",
                         {"origin": origin, "storageTypes": SITE_STORAGE})
        profile.clear_cookies()
        for tab in tabs:
            if not tab.is_closed():
                tab.close()


@pytest.fixture
def blank_page(open_tab: OpenTab) -> Page:
    """A new tab with nothing loaded yet, for a test that opens a link first (opening the
    app's default view before it would cost a whole page load for nothing)."""
    return open_tab()


@pytest.fixture
def page(blank_page: Page, app_url: str) -> Page:
    """A new tab (a new Streamlit session) with the app loaded and idle."""
    open_app(blank_page, app_url)
    return blank_page
