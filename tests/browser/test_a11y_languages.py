"""Every page in every language: fully translated, and no critical or serious axe-core violation.

axe-core runs inside the page (axe-playwright-python); the step player is part of the page.
One screenshot per page and language goes to test-artifacts/ to be looked at. Each language
is opened once, by a link with `?lang=`; the other pages are reached as a student reaches
them, through the sidebar's navigation (no new page load: the language must survive it).
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from pw_helpers import ARTIFACTS, OpenTab, assert_no_exception, fonts_used, wait_idle

from ui.i18n import LANGUAGES, t

# (URL path, the page's title key)
PAGES = [
    ("", "explorer.title"),
    ("ties", "ties.title"),
    ("exercise", "exercise.title"),
    ("next_layer", "next.title"),
    ("theory", "theory.title"),
    ("frameworks", "frameworks.title"),
]
SEVERE = {"critical", "serious"}
# Text our components draw (a chart's title, the grid editor's caption, the player's sentence
# and counter): in a language written in Latin letters, all of it in Latin fonts. A CJK font
# first in the stack drew Polish "ś" from parts, its accent over the next letter
# (tests/ui/test_fonts.py).
OWN_TEXT = [".st-key-fig_input .gtitle", ".pbe-grid .caption", "#sentence", "#counter"]


CHARTS_DRAWN = """() => [...document.querySelectorAll('.pbe-chart')].every(
    c => c.classList.contains('js-plotly-plot') && c.getAttribute('aria-busy') !== 'true')"""


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_every_page_translated_and_accessible(open_tab: OpenTab, app_url: str, lang: str) -> None:
    page = open_tab(viewport={"width": 1280, "height": 2400})
    axe = Axe()
    problems: list[str] = []
    for n, (path, title_key) in enumerate(PAGES):
        if n == 0:
            page.goto(f"{app_url}/{path}?lang={lang}")
            page.wait_for_selector("[data-testid=stApp]")
        else:
            page.locator(f"[data-testid=stSidebarNav] a[href$='/{path}']").first.click()
            page.wait_for_url(f"**/{path}?*")
        wait_idle(page, settle_ms=800)
        assert_no_exception(page)
        title = page.locator("h1").first.inner_text()
        assert title.strip() == t(title_key, lang=lang).strip(), (path, lang, title)
        # The language sticks to the URL (classroom links, page switches).
        assert f"lang={lang}" in page.url, page.url
        # Every chart drawn before the picture (plotly.js may still be loading) and axe.
        page.wait_for_function(CHARTS_DRAWN)
        if n == 0 and not lang.startswith("zh"):
            for selector in OWN_TEXT:
                used = fonts_used(page, selector)
                cjk = [f for f in used if "CJK" in f]
                if cjk or not used:
                    problems.append(f"explorer [{lang}] {selector} drawn with {used}")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"lang-{lang}-{path or 'explorer'}.png"))
        result = axe.run(page)
        for v in result.response["violations"]:
            if v.get("impact") in SEVERE:
                targets = [n.get("target") for n in v.get("nodes", [])][:3]
                problems.append(f"{path or 'explorer'} [{lang}] {v['id']} ({v['impact']}): "
                                f"{v['help']} at {targets}")
    assert not problems, "\n".join(problems)
