"""The grid editor (ui/widgets/grideditor.py): its state, what it is given, and edits that last.

The browser side (typing, Enter, Escape, arrows, paste) is in tests/browser/test_grid_editor.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from page_helpers import X6, grid_editor_data
from streamlit.testing.v1 import AppTest

from ui.format import MAX_CELL_CHARS
from ui.widgets.grid import SEPARATOR_LINES, SEPARATORS
from ui.widgets.grideditor import apply_edits, edits_of

ROOT = Path(__file__).resolve().parents[2]


def explorer(lang: str = "en") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception
    return at


def edit(at: AppTest, edited_rows: dict) -> AppTest:
    at.session_state[f"grid_editor_{at.session_state.grid_version}"] = {
        "edited_rows": edited_rows}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


# --------------------------------------------------------------------------- state
def test_edits_of_reads_ints_and_json_strings() -> None:
    # The browser sends JSON (string keys); AppTest and Python callers may use ints.
    state = {"edited_rows": {"0": {"1": "5"}, 2: {0: None, "3": 7}}}
    assert edits_of(state) == {0: {1: "5"}, 2: {0: "", 3: "7"}}


@pytest.mark.parametrize("state", [None, {}, {"edited_rows": None}, {"edited_rows": [1, 2]},
                                   {"edited_rows": {"x": {"0": "1"}, "1": "not a dict"}},
                                   "text"])
def test_edits_of_takes_anything_else_as_no_edits(state: object) -> None:
    assert edits_of(state) == {}


def test_apply_edits_puts_typed_cells_on_top_and_ignores_cells_outside() -> None:
    rows = [["1", "2"], ["3", "4"]]
    out = apply_edits(rows, {0: {1: "9"}, 1: {5: "x"}, 7: {0: "y"}, -1: {0: "z"}})
    assert out == [["1", "9"], ["3", "4"]]
    assert rows == [["1", "2"], ["3", "4"]]  # the starting rows are not changed


# --------------------------------------------------------------------------- on the Explorer
def test_explorer_gives_the_editor_its_rows_and_no_bad_cells() -> None:
    at = explorer()
    data = grid_editor_data(at, "grid_editor_0")
    assert data["rows"] == [[str(int(v)) for v in row] for row in X6]
    assert data["edits"] == {} and data["bad"] == []
    assert data["cell"] == "Row {r}, column {c}"
    assert data["label"].startswith("Row 0 is at the top")
    assert data["projector"] is False


def test_a_cell_that_is_not_a_number_is_marked_and_named() -> None:
    at = edit(explorer(), {1: {"1": "abc"}, 4: {"0": "2,5"}, 5: {"5": ""}})
    data = grid_editor_data(at, "grid_editor_0")
    # "2,5" is a number (decimal comma); "abc" and a blank cell are not.
    assert data["bad"] == [[1, 1], [5, 5]]
    assert data["edits"] == {"1": {"1": "abc"}, "4": {"0": "2,5"}, "5": {"5": ""}}
    assert [e.value for e in at.error][0].startswith(
        "These cells are not numbers: (1,1) “abc”, (5,5) is empty")


def test_edits_outlive_a_visit_to_another_page() -> None:
    at = edit(explorer(), {0: {"0": "20"}})
    x = at.session_state.last_valid[0]
    assert x[0, 0] == 20
    at.switch_page("app_pages/theory.py").run()
    at.switch_page("app_pages/explorer.py").run()
    assert not at.exception
    data = grid_editor_data(at, f"grid_editor_{at.session_state.grid_version}")
    assert data["rows"][0][0] == "20"
    expected = X6.copy()
    expected[0, 0] = 20
    np.testing.assert_array_equal(at.session_state.last_valid[0], expected)


@pytest.mark.parametrize("lang,cell", [("pl", "Wiersz {r}, kolumna {c}"),
                                       ("es", "Fila {r}, columna {c}"),
                                       ("zh-CN", "第 {r} 行，第 {c} 列")])
def test_cell_names_are_translated(lang: str, cell: str) -> None:
    assert grid_editor_data(explorer(lang), "grid_editor_0")["cell"] == cell


def test_the_editor_is_given_parse_csvs_separator_rule() -> None:
    """The paste split (grid_editor.js pasteRows) takes its rule from ui.widgets.grid; the browser
    side is compared with parse_csv in tests/browser/test_js_rules.py and test_grid_editor.py."""
    data = grid_editor_data(explorer(), "grid_editor_0")
    assert data["paste"] == {"separators": list(SEPARATORS), "lines": SEPARATOR_LINES}
    assert SEPARATORS[0] == "\t"  # a spreadsheet's tab first: "1,5<tab>2" keeps its comma
    js = (ROOT / "ui" / "assets" / "grid_editor.js").read_text()
    assert '";"' not in js and "/;/" not in js  # no separator of its own


def test_projector_mode_reaches_the_editor() -> None:
    at = explorer()
    at.session_state["projector"] = True
    at.run()
    assert grid_editor_data(at, "grid_editor_0")["projector"] is True


# --------------------------------------------------------------------------- exercise answers
def test_exercise_editor_accepts_fractions_and_marks_the_rest() -> None:
    at = AppTest.from_file(str(ROOT / "app_pages" / "exercise.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    key = next(k for k in at.session_state if str(k).startswith("ex_y_"))
    at.session_state[key] = {"edited_rows": {0: {"0": "1/2", "1": "1//2"}}}
    at.run()
    assert not at.exception
    data = grid_editor_data(at, key)
    assert [0, 0] not in data["bad"] and [0, 1] in data["bad"]


# --------------------------------------------------------------------------- the cell cap
BIG = "7" * 100_000  # a 100 kB cell (8 MB ones were stored and sent back doubled)


def test_edits_of_cuts_an_overlong_cell_and_marks_it() -> None:
    cut = edits_of({"edited_rows": {"0": {"0": BIG, "1": "x" * MAX_CELL_CHARS}}})[0]
    assert cut[0] == "7" * MAX_CELL_CHARS + "…"  # not a number any more: marked, explained
    assert cut[1] == "x" * MAX_CELL_CHARS          # at the cap: kept whole


def test_an_overlong_cell_from_the_component_is_cut_with_a_message() -> None:
    at = explorer()
    before = at.session_state.last_valid[0].copy()
    at = edit(at, {0: {"0": BIG}, 9: {"0": BIG}, 1: {"99": BIG}})  # two outside the 6x6 grid
    data = grid_editor_data(at, "grid_editor_0")
    assert data["edits"] == {"0": {"0": "7" * MAX_CELL_CHARS + "…"}}  # nothing else echoed
    assert data["bad"] == [[0, 0]]
    assert len(json.dumps(data)) < 2_000
    assert max(len(c) for row in at.session_state.grid_text for c in row) <= MAX_CELL_CHARS + 1
    (err,) = [e.value for e in at.error]
    assert err.startswith(
        f"These cells are not numbers: (0,0) is longer than {MAX_CELL_CHARS} characters.")
    np.testing.assert_array_equal(at.session_state.last_valid[0], before)


def test_the_browser_caps_typed_and_pasted_cells() -> None:
    """What the browser side is told and does (driven for real in tests/browser)."""
    assert grid_editor_data(explorer(), "grid_editor_0")["maxlen"] == MAX_CELL_CHARS
    js = (ROOT / "ui" / "assets" / "grid_editor.js").read_text()
    assert "input.maxLength = maxLen;" in js  # typing (and a one-value paste) stop there
    assert "value.slice(0, maxLen)" in js  # a pasted block is cut cell by cell
    assert "maxLen = data.maxlen" in js


def test_the_editor_is_given_the_index_base() -> None:
    # 0-based by default; in a 1-based session the editor numbers rows and columns from 1
    # (grid_editor.js adds `base` to the headers and names) while its cells stay keyed 0-based.
    assert grid_editor_data(explorer(), "grid_editor_0")["base"] == 0
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    at.session_state["index_base"] = 1
    at.run()
    assert not at.exception
    data = grid_editor_data(at, "grid_editor_0")
    assert data["base"] == 1
    assert data["label"].startswith("Row 1 is at the top; a cell is named (row, column).")
    at = edit(at, {"0": {"0": "x"}})  # the top-left cell, typed: still row 0, column 0
    data = grid_editor_data(at, "grid_editor_0")
    assert data["edits"] == {"0": {"0": "x"}} and data["bad"] == [[0, 0]]


def test_the_ties_grid_caption_names_the_top_row_in_the_base() -> None:
    for base, top in ((0, "Wiersz 0 jest na górze"), (1, "Wiersz 1 jest na górze")):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.query_params["lang"] = "pl"
        at.switch_page("app_pages/ties.py")
        at.session_state["index_base"] = base
        at.run()
        assert not at.exception
        data = [d for c in at.get("bidi_component")
                if c.proto.component_name == "pbe_grid_editor"
                for d in [json.loads(c.proto.json)]]
        assert data[0]["base"] == base
        assert data[0]["label"].startswith(top), data[0]["label"]
