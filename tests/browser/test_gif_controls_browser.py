"""The Export area's animation controls can be read at a phone, a projector (projector mode on)
and a laptop size: the size select shows its whole choice (not "Projector (…"), the speed and
the format beside or below it. Element and viewport screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from pw_helpers import (
    ARTIFACTS,
    OpenTab,
    assert_no_exception,
    choose,
    open_app,
    rerun_by,
    screenshot,
    wait_idle,
)

SIZES = {"phone": (390, 844, False), "projector": (1024, 768, True), "laptop": (1366, 768, False)}
# The two sizes as each language names them (ui/locales/<lang>/slides.json), the longest last.
CHOICES = {"en": ("Projector (1024 × 768)", "Slide (1280 × 720)"),
           "es": ("Proyector (1024 × 768)", "Diapositiva (1280 × 720)")}

# Whether a control's text is cut: wider than the box it is drawn in (an input's value, or a
# label's text, which Streamlit ends with an ellipsis when it does not fit).
CUT_JS = """el => el.scrollWidth > el.clientWidth + 1"""


def projector_on(page: Page) -> None:
    toggle = page.locator("[data-testid=stExpandSidebarButton]")
    if toggle.count():  # a collapsed sidebar: open it to reach the switch
        toggle.first.click()
    rerun_by(page, page.locator(".st-key-projector label").first)


def cut_texts(page: Page) -> list[str]:
    """The texts of the animation's controls that do not fit their boxes."""
    box = page.locator(".st-key-gif_box")
    cut = []
    select = box.locator(".st-key-gif_size [role=combobox]")
    if select.evaluate(CUT_JS):
        cut.append(f"size select: {select.input_value()!r}")
    for el in box.locator("label, label p, [data-testid=stWidgetLabel] p").all():
        if el.is_visible() and el.evaluate(CUT_JS):
            cut.append(f"label: {el.inner_text()!r}")
    return cut


@pytest.mark.parametrize(("size", "lang"), [("phone", "en"), ("projector", "en"),
                                            ("laptop", "en"), ("projector", "es")])
def test_gif_size_choice_is_readable(open_tab: OpenTab, app_url: str, size: str, lang: str) -> None:
    width, height, projector = SIZES[size]
    page = open_tab(viewport={"width": width, "height": height}, timeout_ms=60_000)
    open_app(page, f"{app_url}/?lang={lang}")
    if projector:
        projector_on(page)
    page.locator(".st-key-export_open summary").first.click()
    wait_idle(page, settle_ms=1500)
    assert_no_exception(page)
    gif_box = page.locator(".st-key-gif_box")
    gif_box.scroll_into_view_if_needed()
    select = gif_box.locator(".st-key-gif_size [role=combobox]")
    first = CHOICES[lang][0] if projector else CHOICES[lang][1]  # the room's size first
    expect(select).to_have_value(first)
    ARTIFACTS.mkdir(exist_ok=True)
    gif_box.screenshot(path=str(ARTIFACTS / f"gif-controls-{size}-{lang}.png"))
    screenshot(page, f"gif-controls-{size}-{lang}-viewport")
    assert not cut_texts(page), cut_texts(page)
    for choice in CHOICES[lang]:  # each choice shown whole once chosen
        choose(page, "gif_size", choice)
        assert not cut_texts(page), (choice, cut_texts(page))
