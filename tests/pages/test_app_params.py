"""The index base is the app's, as the language: a link's `base=1` counts rows and columns from 1
on whichever page it opens, and every page's address (and share box) carries it while the
session counts from 1 (ui.links.pagelink.read_app_params / app_params, app.py).

Before, only the Explorer read and wrote `base`: a teacher's `next_layer?base=1` link opened
the Next layer page counting from 0, and the other pages' links dropped it. Expected names are
worked by hand: the Next layer page follows pooled cell 0 by default, the top-left cell, which
is P[0,0] counting from 0 and P[1,1] counting from 1.
"""

from __future__ import annotations

import re

import pytest
from page_helpers import (
    app_frame,  # noqa: F401  (a fixture: app.py runs on every page)
    fresh,
    run,
)
from streamlit.testing.v1 import AppTest

pytestmark = pytest.mark.usefixtures("app_frame")

PAGES = ("explorer", "ties", "exercise", "next_layer", "theory", "frameworks")


def open_link(page: str, **query: str) -> AppTest:
    """A new session opened by a link to `page`, in English."""
    return fresh(query, page)


def cell_names(at: AppTest) -> set[str]:
    """The pooled cells P[r,c] the page's sentences name."""
    text = "\n".join(m.value for m in (*at.markdown, *at.caption))
    return set(re.findall(r"P\[\d+,\d+\]", text))


def notes(at: AppTest) -> list[str]:
    return [w.value for w in at.warning]


@pytest.mark.parametrize("page", PAGES)
def test_a_link_with_base_1_counts_from_1_on_every_page(page: str) -> None:
    at = open_link(page, base="1")
    assert at.session_state["index_base"] == 1
    assert at.query_params["base"] == "1", dict(at.query_params)  # the address keeps it
    assert at.query_params["lang"] == "en"
    assert not [n for n in notes(at) if "base" in n], notes(at)


def test_the_next_layer_page_names_cells_from_the_links_base() -> None:
    assert cell_names(open_link("next_layer", base="1")) == {"P[1,1]"}
    zero = open_link("next_layer")
    assert cell_names(zero) == {"P[0,0]"}
    assert zero.session_state["index_base"] == 0 and "base" not in zero.query_params


@pytest.mark.parametrize("value", ["2", "one", "-1", ""])
def test_an_invalid_base_is_named_and_counts_from_0(value: str) -> None:
    at = open_link("next_layer", base=value)
    assert at.session_state["index_base"] == 0
    assert "base" not in at.query_params
    assert cell_names(at) == {"P[0,0]"}
    assert [n for n in notes(at) if "“base”" in n], notes(at)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_names_what_its_link_carried_that_it_cannot_use(page: str) -> None:
    """`base=2` and a parameter no page knows, on each page's link: one note for each, in the
    user's words (the Theory page, which has no state of its own, said nothing before)."""
    at = open_link(page, base="2", colour="red")
    assert at.session_state["index_base"] == 0
    assert [n for n in notes(at) if "“base”" in n], notes(at)
    assert "Unknown link parameters ignored: 1." in notes(at), notes(at)
    assert not at.exception


def test_the_base_stays_with_the_session_across_pages() -> None:
    at = open_link("ties", base="1")
    at.switch_page("app_pages/next_layer.py")
    run(at)
    assert at.query_params["base"] == "1"
    assert cell_names(at) == {"P[1,1]"}


def test_the_ties_switch_writes_the_base_into_the_address() -> None:
    at = open_link("ties")
    assert "base" not in at.query_params
    run(at.radio(key="ties_w_index_base").set_value(1))
    assert at.query_params["base"] == "1"
    run(at.radio(key="ties_w_index_base").set_value(0))
    assert "base" not in at.query_params
