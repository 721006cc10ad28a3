"""Two students, one server: each browser context is its own Streamlit session, and nothing one
student does (edit a cell, change the kernel, step the player) reaches the other's page.

Streamlit keeps session state per websocket session in the server process; results are cached
by content only (ui.compute), never by session. This checks it end to end in Chromium.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pw_helpers import (
    assert_no_exception,
    edit_cell,
    grid_cell,
    heatmap_text,
    open_app,
    player,
    set_number,
)

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1280, "height": 4000}  # as conftest.py: Streamlit scrolls inside itself
QUIET_MS = 1_500  # time for a stray update to reach the other page, were there one


def snapshot(page: Page) -> dict[str, object]:
    """What a student sees: the URL, the grid's first row, the output, the player."""
    fr = player(page)
    return {
        "url": page.url,
        "cells": [grid_cell(page, 0, c).input_value() for c in range(6)],
        "output": heatmap_text(page, "fig_output"),
        "grad": heatmap_text(page, "fig_grad_input"),
        "counter": fr.locator("#counter").inner_text(),
        "x_titles": fr.locator("#gx .cell").evaluate_all("els => els.map(e => e.title)"),
    }


@pytest.fixture
def two_students(browser: Browser, app_url: str) -> Iterator[tuple[Page, Page]]:
    contexts: list[BrowserContext] = []
    try:
        pages = []
        for _ in range(2):
            ctx = browser.new_context(viewport=VIEWPORT, locale="en-US")
            ctx.set_default_timeout(30_000)
            contexts.append(ctx)
            page = ctx.new_page()
            open_app(page, f"{app_url}/?lang=en")
            pages.append(page)
        yield pages[0], pages[1]
    finally:
        for ctx in contexts:
            ctx.close()


def test_two_students_never_see_each_others_data(two_students: tuple[Page, Page]) -> None:
    alice, bob = two_students
    start_bob = snapshot(bob)
    start_alice = snapshot(alice)
    assert start_alice == start_bob  # the same default example to begin with

    # Alice edits a cell: her grid, output, player and link change ...
    edit_cell(alice, 0, 0, "20")
    expect(player(alice).locator("#gx .cell").first).to_have_attribute("title", "x[0,0] = 20")
    after_alice = snapshot(alice)
    assert after_alice["url"] != start_alice["url"]
    assert after_alice["output"][0][0] == "20"
    # ... and Bob's page stays exactly as it was.
    bob.wait_for_timeout(QUIET_MS)
    assert snapshot(bob) == start_bob
    assert_no_exception(bob)

    # Bob changes the kernel and stride and steps his player; Alice sees none of it.
    set_number(bob, "kh", 2)
    set_number(bob, "sh", 2)
    fr = player(bob)
    fr.locator("#next").click()
    fr.locator("#next").click()
    expect(fr.locator("#counter")).to_have_text(re.compile(r"^Step 3 / "))
    after_bob = snapshot(bob)
    assert after_bob["url"] != start_bob["url"] and after_bob["cells"] == start_bob["cells"]
    alice.wait_for_timeout(QUIET_MS)
    assert snapshot(alice) == after_alice
    expect(player(alice).locator("#counter")).to_have_text("Step 1 / 16")
    assert_no_exception(alice)

    # Bob's link, opened again (a new session), gives Bob's view back, not Alice's.
    open_app(bob, after_bob["url"])
    again = snapshot(bob)
    assert again["cells"] == start_bob["cells"] and again["output"] == after_bob["output"]
    assert_no_exception(bob)
