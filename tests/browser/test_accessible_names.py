"""What a screen reader hears, and state that must survive a page visit or a language switch.

Names are read from the browser's accessibility tree (Playwright's aria snapshot and role
queries), the way assistive technology gets them: every sidebar field has its own name, no
name carries an icon code, the help buttons are told apart. Also: the language switch
relabels the Example box at once, the Explorer's parameters outlive a visit to Ties, the Ties
grid goes into the Explorer, and the Next layer's open tab is the layer section 3 carries back.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from playwright.sync_api import Page, expect
from pw_helpers import (
    OpenTab,
    assert_no_exception,
    choose,
    grid_cell,
    rerun_by,
    screenshot,
    wait_idle,
)

from ui.i18n import t

FIELDS = [f"param.{name}_{axis}" for name in ("kernel", "stride", "padding", "dilation")
          for axis in "hw"]


def names(snapshot: str, role: str) -> list[str]:
    """The accessible names of every `role` element in an aria snapshot (YAML)."""
    return re.findall(rf'- {role} "([^"]*)"', snapshot)


@pytest.mark.parametrize("lang", ["en", "zh-TW"])
def test_sidebar_fields_have_distinct_names_without_icon_codes(open_tab: OpenTab,
                                                               app_url: str,
                                                               lang: str) -> None:
    page = open_tab(viewport={"width": 1280, "height": 2400})
    page.goto(f"{app_url}/?lang={lang}")
    page.wait_for_selector(".st-key-kh input", timeout=60_000)
    wait_idle(page)
    sidebar = page.locator("[data-testid=stSidebar]")
    tree = sidebar.aria_snapshot()
    assert ":material/" not in tree, tree
    spin = names(tree, "spinbutton")
    assert spin == [t(key, lang=lang) for key in FIELDS], spin  # 8 names, all different
    assert len(set(spin)) == 8
    for key in FIELDS:
        expect(sidebar.get_by_role("spinbutton", name=t(key, lang=lang), exact=True)
               ).to_have_count(1)
    helps = [n for n in names(tree, "button") if n.startswith("Help")]
    assert len(helps) >= 4 and len(set(helps)) == len(helps), helps
    expect(sidebar.get_by_role("combobox", name=t("app.language", lang=lang),
                               exact=True)).to_have_count(1)
    expect(sidebar.get_by_role("switch", name=t("app.projector", lang=lang), exact=True)
           ).to_have_count(1)
    assert_no_exception(page)


def test_language_switch_relabels_the_example_box(page: Page) -> None:
    preset = page.locator(".st-key-preset [role=combobox]")
    expect(preset).to_have_value(t("preset.overlap_6x6", lang="en"))
    choose(page, "lang", "Español")
    expect(page.locator("h1").first).to_have_text(t("explorer.title", lang="es"))
    expect(preset).to_have_value(t("preset.overlap_6x6", lang="es"))  # no reload needed
    assert_no_exception(page)


def nav(page: Page, path: str) -> None:
    page.locator(f"[data-testid=stSidebarNav] a[href$='/{path}']").first.click()
    page.wait_for_url(re.compile(rf"/{path}(\?|$)"))
    wait_idle(page, settle_ms=800)


def test_explorer_parameters_survive_a_visit_to_ties(page: Page, app_url: str) -> None:
    stride_h = page.get_by_role("spinbutton", name="Stride height", exact=True)
    stride_h.fill("2")
    rerun_by(page, stride_h, "Enter")
    # The link is written by the run (replaceState); wait for it rather than race it.
    page.wait_for_url(re.compile(r"[?&]s=2x1(&|$)"), timeout=10_000)
    # dL/dy "Random": like the layer's controls, a widget of the Explorer's fragment, whose
    # run is then the page's last before the visit.
    rerun_by(page, page.locator(".st-key-gy_mode").get_by_text("Random", exact=True))
    nav(page, "ties")
    page.locator("[data-testid=stSidebarNav] a").first.click()  # back to the Explorer
    page.wait_for_selector(".st-key-sh input")
    wait_idle(page, settle_ms=800)
    expect(page.get_by_role("spinbutton", name="Stride height", exact=True)).to_have_value("2")
    expect(page.get_by_role("radio", name="Random", exact=True)).to_be_checked()
    assert "s=2x1" in page.url, page.url
    assert_no_exception(page)


def test_the_ties_grid_goes_into_the_explorer(page: Page) -> None:
    nav(page, "ties")
    for key in ("ties_rows", "ties_cols"):
        box = page.locator(f".st-key-{key} input")
        box.fill("2")
        rerun_by(page, box, "Enter")
    # A ReLU's zeros: [[0, 0], [-1, -2]] (the plateau's corner is all 5s), stride 1.
    for (r, c), text in {(0, 0): "0", (0, 1): "0", (1, 0): "-1", (1, 1): "-2"}.items():
        cell = grid_cell(page, r, c)
        cell.click()
        cell.fill(text)
        rerun_by(page, cell, "Enter")
    stride = page.locator(".st-key-ties_s input")
    stride.fill("1")
    rerun_by(page, stride, "Enter")
    screenshot(page, "ties-relu-zeros")
    page.locator(".st-key-ties_open button").click()
    page.wait_for_selector(".st-key-kh input")
    wait_idle(page, settle_ms=800)
    for (r, c), text in {(0, 0): "0", (0, 1): "0", (1, 0): "-1", (1, 1): "-2"}.items():
        expect(grid_cell(page, r, c)).to_have_value(text)
    expect(page.get_by_role("spinbutton", name="Kernel height", exact=True)).to_have_value("2")
    expect(page.get_by_role("spinbutton", name="Stride width", exact=True)).to_have_value("1")
    assert "x=t2x2~0,0,-1,-2" in unquote(page.url), page.url
    assert_no_exception(page)


def test_next_layer_link_opens_its_tab_and_the_tab_drives_section_3(blank_page: Page,
                                                                    app_url: str) -> None:
    page = blank_page
    open_app_path = f"{app_url}/next_layer?from=conv"
    page.goto(open_app_path)
    page.wait_for_selector(".st-key-nl_tab", timeout=60_000)
    wait_idle(page, settle_ms=800)
    conv, dense = t("next.tab.conv"), t("next.tab.dense")
    expect(page.get_by_role("tab", name=conv)).to_have_attribute("aria-selected", "true")
    source = page.get_by_text(re.compile(r"^dL/dP from the "))
    expect(source).to_contain_text(conv)
    rerun_by(page, page.get_by_role("tab", name=dense))
    expect(source).to_contain_text(dense)
    assert "from=conv" not in page.url, page.url
    assert_no_exception(page)


