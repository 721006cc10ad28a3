"""A newcomer's visit asks no host but the app's own for anything.

Every request the browser makes (pages, frames, workers: recorded on the context and on the
page), every WebSocket and every console error is recorded through a whole visit: open the
Explorer, change the stride, edit a cell, step the player, visit every page, switch the
language and projector mode, then open a link straight to another page. A classroom behind
a firewall, or with no internet at all, must get the same app; and a request to a third party
tells it who is studying what.

Streamlit turns a `:material/…:` page icon into a favicon URL on fonts.gstatic.com, asked for
on every load and rerun; the app's favicon is a file of its own (ui/assets/favicon.png), sent
inline as a data: URL.
"""

from __future__ import annotations

import base64
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, WebSocket, expect
from pw_helpers import (
    REPO_ROOT,
    assert_no_exception,
    choose,
    edit_cell,
    open_app,
    player,
    rerun_by,
    screenshot,
    set_number,
    wait_idle,
)

from ui.i18n import t

pytestmark = pytest.mark.browser

FAVICON = REPO_ROOT / "ui" / "assets" / "favicon.png"
OWN_SCHEMES_ONLY = {"data", "blob", "about"}  # never leave the browser
NETWORK_ERRORS = ("ERR_NAME_NOT_RESOLVED", "ERR_INTERNET_DISCONNECTED", "ERR_CONNECTION_REFUSED",
                  "ERR_ADDRESS_UNREACHABLE", "ERR_NETWORK_ACCESS_DENIED", "ERR_BLOCKED_BY_CLIENT")
# (nav key, URL path) of every page but the Explorer, in the order a newcomer might try them
PAGES = [("nav.ties", "ties"), ("nav.exercise", "exercise"), ("nav.next_layer", "next_layer"),
         ("nav.theory", "theory")]


class Recorder:
    """What a browser context asked for and complained about."""

    def __init__(self, app_url: str) -> None:
        own = urlsplit(app_url)
        self.own_hosts = {f"{h}:{own.port}" for h in (own.hostname, "127.0.0.1", "localhost")}
        self.urls: list[str] = []  # one per request (a page's request reaches both handlers)
        self._seen: set[int] = set()
        self.console_errors: list[str] = []
        self.failed: list[str] = []

    def request(self, request: Request) -> None:
        if id(request) not in self._seen:  # Playwright hands both handlers the same object
            self._seen.add(id(request))
            self.urls.append(request.url)

    def websocket(self, ws: WebSocket) -> None:
        self.urls.append(ws.url)

    def console(self, msg: ConsoleMessage) -> None:
        if msg.type == "error":
            self.console_errors.append(f"{msg.text} ({msg.location.get('url', '')})")

    def request_failed(self, request: Request) -> None:
        self.failed.append(f"{request.url}: {request.failure}")

    def third_party(self) -> list[str]:
        """Every URL asked for that is neither the app's own host nor inside the browser."""
        out = []
        for url in dict.fromkeys(self.urls):  # each once, in order
            parts = urlsplit(url)
            if parts.scheme in OWN_SCHEMES_ONLY:
                continue
            if parts.scheme in {"http", "https", "ws", "wss"} and parts.netloc in self.own_hosts:
                continue
            out.append(url)
        return out

    def network_errors(self) -> list[str]:
        """Console errors and failed requests that name a network failure."""
        return [e for e in self.console_errors + self.failed
                if any(code in e for code in NETWORK_ERRORS)]


def favicon_href(page: Page) -> str:
    return page.evaluate(
        "() => Array.from(document.querySelectorAll(\"link[rel~='icon']\"), l => l.href)"
        ".join(' ')")


def test_a_newcomers_visit_asks_only_the_apps_own_host(browser: Browser, app_url: str) -> None:
    rec = Recorder(app_url)
    context = browser.new_context(viewport={"width": 1280, "height": 4000}, locale="en-US")
    context.set_default_timeout(30_000)
    context.on("request", rec.request)  # pages, frames, and workers they start
    context.on("requestfailed", rec.request_failed)
    favicons: list[str] = []
    try:
        page = context.new_page()
        page.on("request", rec.request)
        page.on("websocket", rec.websocket)
        page.on("console", rec.console)
        page.on("worker", lambda w: w.on("console", rec.console))

        def look(what: str) -> None:
            assert_no_exception(page)
            favicons.append(f"{what}: {favicon_href(page)}")

        open_app(page, app_url)
        look("opened")
        set_number(page, "sh", 2)  # stride (rows), sidebar
        look("stride")
        edit_cell(page, 0, 0, "4")
        look("cell")
        counter = player(page).locator("#counter")
        before = counter.inner_text()
        for _ in range(2):
            player(page).locator("#next").click()
        expect(counter).not_to_have_text(before)
        # The player reports the step it stopped on 350 ms after the last click (one rerun):
        # let that run finish before leaving the page, as a page link clicked during it can
        # be overtaken by it.
        wait_idle(page, settle_ms=1_000)
        look("player")
        for nav_key, path in PAGES:
            page.locator("[data-testid=stSidebarNav] a", has_text=t(nav_key)).first.click()
            page.wait_for_url(f"**/{path}*")
            wait_idle(page, settle_ms=600)
            look(path)
        choose(page, "lang", "Español")
        look("language")
        rerun_by(page, page.locator(".st-key-projector label").first)
        expect(page.locator(".st-key-projector input[type=checkbox]")).to_be_checked()
        look("projector")
        page.locator("[data-testid=stSidebarNav] a",
                     has_text=t("nav.explorer", lang="es")).first.click()
        page.wait_for_selector(".st-key-player #counter")
        wait_idle(page, settle_ms=600)
        look("explorer again")
        screenshot(page, "no-third-party-explorer")
        page.goto(f"{app_url}/ties?lang=pl")  # a classroom link straight to another page
        page.wait_for_selector("[data-testid=stApp]")
        wait_idle(page, settle_ms=600)
        look("link to ties")
    finally:
        context.close()

    third = rec.third_party()
    errors = rec.network_errors()
    assert not third and not errors, (
        f"{sum(u in third for u in rec.urls)} request(s) to {len(third)} URL(s) on another host "
        f"than the app's, {len(errors)} console error(s) and failed request(s) naming a network "
        "failure:\n" + "\n".join(third + list(dict.fromkeys(errors))))
    own = urlsplit(app_url).netloc
    ours = "data:image/png;base64," + base64.b64encode(FAVICON.read_bytes()).decode()
    for seen in favicons:  # the tab's icon: the app's own file, inline or from the app
        hrefs = seen.split(": ", 1)[1].split()
        assert hrefs, seen
        for href in hrefs:
            assert href == ours or (urlsplit(href).netloc == own
                                    and not href.endswith("/favicon.png")), seen
