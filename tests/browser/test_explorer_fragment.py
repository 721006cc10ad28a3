"""The Explorer's grid and results are a fragment (app_pages/explorer.py `grid_and_results`)
inside another that draws the layer's controls (`layer_and_results`): an edit below the
layer controls reruns only the inner part, a layer edit the two. What the inner one draws in
the sidebar (the output-size rule under the controls, an error next to the control that
caused it, the share link) must still follow every such edit. Expected numbers are worked
out by hand here."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import Page, expect
from pw_helpers import (
    DEFAULT_X,
    edit_cell,
    heatmap_text,
    last_rerun_fragment,
    rerun_by,
    set_number,
)

from ui.i18n import t
from ui.links.gridcodec import decode_grid


def sidebar(page: Page):
    return page.locator("[data-testid=stSidebar]")


def test_resizing_the_grid_updates_the_rule_and_errors_in_the_sidebar(page: Page) -> None:
    # Default: 6 x 6, kernel 3, stride 1 -> (6 - 3) / 1 + 1 = 4 rows.
    expect(sidebar(page).get_by_text(re.compile(r"height: ⌊\(6 "))).to_have_count(1)
    set_number(page, "rows", 5)  # (5 - 3) / 1 + 1 = 3
    expect(sidebar(page).get_by_text(re.compile(r"height: ⌊\(5 .*= 3"))).to_have_count(1)
    expect(sidebar(page).get_by_text(re.compile(r"height: ⌊\(6 "))).to_have_count(0)
    set_number(page, "rows", 2)  # a 3-row kernel no longer fits 2 rows
    expect(page.get_by_text(t("explorer.showing_last_valid", lang="en"))).to_be_visible()
    alert = sidebar(page).locator("[data-testid=stAlert]")
    expect(alert).to_have_count(1)
    # 3 kernel rows, 2 input rows (no padding): under the kernel's fields, above the stride's.
    expect(alert).to_contain_text("it spans 3 cells but the padded input has only 2")
    y = alert.bounding_box()["y"]
    assert page.locator(".st-key-kh").bounding_box()["y"] < y
    assert y < page.locator(".st-key-sh").bounding_box()["y"]
    set_number(page, "rows", 6)
    expect(sidebar(page).locator("[data-testid=stAlert]")).to_have_count(0)
    expect(sidebar(page).get_by_text(re.compile(r"height: ⌊\(6 .*= 4"))).to_have_count(1)


def test_a_layer_control_reruns_only_the_fragment(page: Page) -> None:
    """The layer's controls are drawn by a fragment (into the sidebar) around the grid's: an
    edit of one asks the server to run that fragment, not the page (its title, example row
    and frame are not sent and drawn again), and the charts and the rule follow it. A cell
    edit asks for the inner fragment alone (the layer's controls are not sent again either);
    loading an example reruns the whole page. The same reading tells the three apart."""
    set_number(page, "kh", 2)
    layer_fragment = last_rerun_fragment(page)
    assert layer_fragment not in (None, "")
    # 6 x 6, kernel (2, 3), stride 1: a 5 x 4 output, each cell its window's maximum (a loop).
    y = [[DEFAULT_X[i:i + 2, j:j + 3].max() for j in range(4)] for i in range(5)]
    assert heatmap_text(page, "fig_output") == [[f"{v:g}" for v in row] for row in y]
    expect(sidebar(page).get_by_text(re.compile(r"height: ⌊\(6 .*= 5"))).to_have_count(1)

    rerun_by(page, page.locator(".st-key-mode").get_by_text(t("mode.avg", lang="en"), exact=True))
    assert last_rerun_fragment(page) == layer_fragment
    # Average of each 2 x 3 window: its sum over 6 (first row: 15/6, 17/6, 14/6, 11/6).
    first = heatmap_text(page, "fig_output")[0]
    assert first == ["2.5", "2.833", "2.333", "1.833"], first

    edit_cell(page, 0, 0, "7")  # a window's sum 15 -> 21: its average 21/6
    assert last_rerun_fragment(page) not in (None, "", layer_fragment)
    assert heatmap_text(page, "fig_output")[0][0] == "3.5"

    rerun_by(page, page.locator(".st-key-load_preset button"))
    assert last_rerun_fragment(page) == ""


def test_a_cell_edit_updates_the_share_link(page: Page) -> None:
    rerun_by(page, page.get_by_text(t("classroom.share", lang="en"), exact=True))
    code = sidebar(page).locator(".st-key-share_link").get_by_role(
        "textbox", name=t("share.link", lang="en"), exact=True)
    old = code.input_value()
    before = decode_grid(parse_qs(urlparse(old.strip()).query)["x"][0])
    assert before[0][0] == 1  # the default example's top-left cell
    edit_cell(page, 0, 0, "42")
    # The box is drawn again a moment after the run that wrote it ends (seen once on a fresh
    # clone: read at once, it still held the old link while the page's URL had the new one).
    expect(code).not_to_have_value(old, timeout=10_000)
    after = decode_grid(parse_qs(urlparse(code.input_value().strip()).query)["x"][0])
    assert after[0][0] == 42 and after[1:] == before[1:] and after[0][1:] == before[0][1:]
