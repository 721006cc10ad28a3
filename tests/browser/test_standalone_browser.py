"""The standalone page (issue 21) in headless Chromium: opened from file:// with every request
that is not file:// or data: aborted and recorded (none may be made), stepped through with the
keyboard, each step's sentence, counter and dL/dx compared with narrate's sentences and
pooling_core's backward pass computed here (apart from the HTML builder); axe clean in five
languages; screenshots at phone, tablet and laptop sizes in test-artifacts/. Then the Explorer's
and the Ties page's buttons download such a page from the running app.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Locator, Page, Route, expect
from pw_helpers import (
    ARTIFACTS,
    DEFAULT_SPEC,
    DEFAULT_X,
    rerun_by,
    wait_idle,
)

from pooling_core import PoolSpec, pool_backward, pool_forward, scatter_steps, win_counts
from ui.compute import _results
from ui.exports.standalone import standalone_html
from ui.format import fmt
from ui.i18n import LANGUAGES, t
from ui.views.narrate import step_sentences
from ui.widgets.grid import PRESETS

pytestmark = pytest.mark.browser
SEVERE = {"critical", "serious"}
PLATEAU = np.array([[5, 5, 1, 2], [5, 5, 3, 3], [0, 1, 4, 4], [2, 0, 4, 4]], dtype=np.float64)
SIZES = [(390, 844), (1024, 768), (1366, 768)]


class Offline:
    """A browser context whose pages may load file:// and data: only; others are recorded."""

    def __init__(self, browser: Browser, width: int = 1280, height: int = 900) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.context.set_default_timeout(20_000)
        self.requests: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _route(self, route: Route) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.requests.append(url)
            route.abort()

    def open(self, path: Path) -> Page:
        self.page.goto(path.as_uri())
        expect(self.player().locator("#counter")).to_have_text(re.compile(r"\d+ / \d+"))
        return self.page

    def player(self) -> Locator:
        return self.page.locator("#pbe-player-host")


@pytest.fixture
def offline(browser: Browser) -> Iterator[Offline]:
    o = Offline(browser)
    try:
        yield o
    finally:
        o.context.close()


def write_page(tmp: Path, x: np.ndarray, gy: np.ndarray, spec: PoolSpec, lang: str,
               link: str | None = None) -> Path:
    path = tmp / f"page_{lang}.html"
    path.write_text(standalone_html(_results(x, gy, spec), lang, app_link=link),
                    encoding="utf-8")
    return path


def texts(page: Page, selector: str) -> list[str]:
    return page.locator(selector).evaluate_all("els => els.map(e => e.textContent)")


def check_static_grids(page: Page, x: np.ndarray, gy: np.ndarray, spec: PoolSpec) -> None:
    fwd = pool_forward(x, spec)
    assert texts(page, "#g-x .cell") == [fmt(v) for v in x.ravel()]
    assert texts(page, "#g-y .cell") == [fmt(v) for v in fwd.output.ravel()]
    counts = win_counts(x, spec) if spec.mode == "max" else fwd.divisor
    assert texts(page, "#g-mask .cell") == ["" if v == 0 else fmt(v) for v in counts.ravel()]
    assert texts(page, "#g-gy .cell") == [fmt(v) for v in gy.ravel()]
    assert texts(page, "#g-gx .cell") == [fmt(v) for v in pool_backward(x, gy, spec).ravel()]


def step_through(o: Offline, x: np.ndarray, gy: np.ndarray, spec: PoolSpec, lang: str) -> None:
    """Focus the player with Tab, then → through every step: each step's sentence, counter and
    dL/dx so far as computed here; End, Home and ← as well."""
    page, pl = o.page, o.player()
    sentences = step_sentences(scatter_steps(x, gy, spec), lang=lang)
    n = len(sentences)
    root = pl.locator("section.pbe")
    for _ in range(40):  # Tab from the top of the page until the player has the focus
        page.keyboard.press("Tab")
        if root.evaluate("r => r.getRootNode().activeElement === r"):
            break
    else:
        pytest.fail("Tab never reached the player")

    def check(k: int) -> None:
        label = t("player.step", lang)
        expect(pl.locator("#counter")).to_have_text(f"{label} {k + 1} / {n}")
        assert pl.locator("#sentence").text_content() == sentences[k]
        upto = np.where(np.arange(gy.size) <= k, gy.ravel(), 0).reshape(gy.shape)
        shown = [s.split("×")[0] for s in texts(page, "#pbe-player-host #gx2 .cell")]
        assert shown == [fmt(v) for v in pool_backward(x, upto, spec).ravel()], k

    check(0)
    for k in range(1, n):
        page.keyboard.press("ArrowRight")
        check(k)
    page.keyboard.press("ArrowRight")  # past the last step: stays
    check(n - 1)
    page.keyboard.press("Home")
    check(0)
    page.keyboard.press("End")
    check(n - 1)
    page.keyboard.press("ArrowLeft")
    check(n - 2)


def axe_problems(page: Page) -> list[str]:
    result = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} at "
            f"{[n.get('target') for n in v.get('nodes', [])][:3]}"
            for v in result.response["violations"] if v.get("impact") in SEVERE]


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_offline_page_plays_every_step_as_computed(offline: Offline, tmp_path: Path,
                                                   lang: str) -> None:
    gy = np.ones((4, 4))
    link = f"https://pool.example.org/?k=3&s=1&lang={lang}"
    path = write_page(tmp_path, DEFAULT_X, gy, DEFAULT_SPEC, lang, link)
    page = offline.open(path)
    assert page.locator("html").get_attribute("lang") == lang
    expect(page.locator("h1")).to_have_text(t("standalone.title", lang))
    expect(page.get_by_role("link", name=t("standalone.open_app", lang))).to_have_attribute(
        "href", link)
    check_static_grids(page, DEFAULT_X, gy, DEFAULT_SPEC)
    step_through(offline, DEFAULT_X, gy, DEFAULT_SPEC, lang)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"standalone-{lang}.png"), full_page=True)
    assert not axe_problems(page)
    assert offline.requests == [] and offline.errors == []
    assert path.stat().st_size < 60_000


@pytest.mark.parametrize(("x", "spec", "seed"), [
    (PLATEAU, PoolSpec(kernel_size=2, stride=1, ties="split"), 4),
    (PLATEAU, PoolSpec(kernel_size=3, stride=1, padding=1, mode="avg"), 5),
])
def test_ties_and_average_steps(offline: Offline, tmp_path: Path, x, spec, seed) -> None:
    shape = pool_forward(x, spec).output.shape
    gy = np.round(np.random.default_rng(seed).uniform(-2, 2, size=shape), 1)
    page = offline.open(write_page(tmp_path, x, gy, spec, "en"))
    check_static_grids(page, x, gy, spec)
    step_through(offline, x, gy, spec, "en")
    assert offline.requests == [] and offline.errors == []


def pitch(page: Page) -> float:
    """A static grid's cell pitch (px): from one cell to the next."""
    a, b = (page.locator("#g-x .cell").nth(i).bounding_box() for i in (0, 1))
    return b["x"] - a["x"]


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_sizes_follow_the_window_and_projector(browser: Browser, tmp_path: Path,
                                               width: int, height: int) -> None:
    x = np.random.default_rng(0).integers(-9, 10, (16, 16)).astype(np.float64)
    gy = np.round(np.random.default_rng(1).uniform(-2, 2, (14, 14)), 1)
    path = write_page(tmp_path, x, gy, DEFAULT_SPEC, "en")
    assert path.stat().st_size <= 300_000
    o = Offline(browser, width, height)
    try:
        page = o.open(path)
        # Nothing wider than the window: the grids and the player follow its width.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        small = pitch(page)
        page.screenshot(path=str(ARTIFACTS / f"standalone-16x16-{width}x{height}.png"))
        page.locator("#pbe-player-host").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"standalone-16x16-player-{width}x{height}.png"))
        page.get_by_label(t("app.projector", "en")).check()
        expect(o.player().locator("section.pbe")).to_have_class(re.compile(r"\bprojector\b"))
        assert pitch(page) >= small  # larger cells, up to what the width allows
        assert page.locator("#g-x .cell").first.evaluate("e => getComputedStyle(e).fontWeight") \
            == "700"
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(ARTIFACTS / f"standalone-16x16-projector-{width}x{height}.png"))
        assert not axe_problems(page)
        assert o.requests == [] and o.errors == []
    finally:
        o.context.close()


def _download(page: Page, key: str, tmp: Path) -> str:
    button = page.locator(f".st-key-{key} button").first
    with page.expect_download() as info:
        button.click()
    path = tmp / info.value.suggested_filename
    info.value.save_as(path)
    return path.read_text(encoding="utf-8")


def _player_data(html: str) -> dict:
    start = html.index('<script type="application/json" id="pbe-player">')
    body = html[html.index(">", start) + 1: html.index("</script>", start)]
    return json.loads(body)


def test_explorer_and_ties_buttons_download_the_page(page: Page, app_url: str,
                                                     tmp_path: Path) -> None:
    rerun_by(page, page.get_by_text(t("export.header"), exact=True))
    html = _download(page, "exp_html", tmp_path)
    steps = scatter_steps(DEFAULT_X, np.ones((4, 4)), DEFAULT_SPEC)
    assert [s["s"] for s in _player_data(html)["steps"]] == step_sentences(steps, lang="en")
    assert re.search(rf'href="{re.escape(app_url)}/?\?x=[^"]*&amp;k=3&amp;s=1&amp;', html)
    # The same file, offline: the first step as the app's player shows it.
    saved = tmp_path / "explorer.html"
    saved.write_text(html, encoding="utf-8")
    o = Offline(page.context.browser)
    try:
        o.open(saved)
        assert o.player().locator("#sentence").text_content() == step_sentences(steps)[0]
        assert o.requests == []
    finally:
        o.context.close()

    page.goto(f"{app_url}/ties?lang=es")
    page.wait_for_selector(".st-key-ties_html button", timeout=60_000)
    wait_idle(page)
    html = _download(page, "ties_html", tmp_path)
    # The Ties page's default: the plateau preset, its kernel, stride and policy, dL/dy ones.
    plateau = PRESETS["plateau"]
    x = np.array(plateau.grid, dtype=np.float64)
    spec = PoolSpec(kernel_size=plateau.spec.k, stride=plateau.spec.s, ties=plateau.spec.ties)
    steps = scatter_steps(x, np.ones(pool_forward(x, spec).output.shape), spec)
    data = _player_data(html)
    assert [s["s"] for s in data["steps"]] == step_sentences(steps, lang="es")
    assert data["lang"] == "es" and '<html lang="es">' in html
    assert re.search(rf'href="{re.escape(app_url)}/\?x=[^"]*&amp;ties={spec.ties}', html)


def test_a_page_counted_from_1_labels_names_and_words_cells_from_1(offline: Offline,
                                                                   tmp_path: Path) -> None:
    """Made in a session that counts from 1: the static grids' labels, the cells' names and
    the player's sentences count from 1, as the app's grids did."""
    path = tmp_path / "page_base1.html"
    gy = np.ones((4, 4))
    path.write_text(standalone_html(_results(DEFAULT_X, gy, DEFAULT_SPEC), "en", base=1),
                    encoding="utf-8")
    page = offline.open(path)
    assert texts(page, "#g-x .hdr") == [str(k) for k in range(1, 7)] * 2
    assert page.locator("#g-x .cell").first.get_attribute("title") == "x[1,1] = 1"
    assert page.locator("#g-y .cell").last.get_attribute("title") == "y[4,4] = 8"
    pl = offline.player()
    sentences = step_sentences(scatter_steps(DEFAULT_X, gy, DEFAULT_SPEC), lang="en", base=1)
    assert pl.locator("#sentence").text_content() == sentences[0]
    assert "(3,3)" in sentences[0]  # the maximum 9 of window 1, counted from 1
    assert texts(page, "#pbe-player-host #gx .hdr")[:6] == [str(k) for k in range(1, 7)]
    assert not offline.requests and not offline.errors
