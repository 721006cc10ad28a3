"""The bad-input catalogue: everything a student, a CSV file, a picture or a link can throw at
the app, each with the message it must give and the proof that the last valid result stays.

One place for the whole list (the README points here). Cases that another file already tests
in depth appear here once, briefly, and name that file:

    tests/pages/test_explorer_apptest.py   the Explorer's flows (AppTest)
    tests/ui/test_ui_units.py           parse_number / parse_grid / parse_csv
    tests/ui/test_urlstate.py           the classroom-link codec (hypothesis, hostile values)
    tests/ui/test_imagegrid.py          pictures as grids (bombs, non-images)
    tests/core/test_core_*.py             pooling_core: every invalid PoolSpec raises PoolingError
    tests/pages/test_fuzz_pages.py         random query strings on every page

The Explorer runs through `app.py` in Streamlit's AppTest with ?lang=en. A grid edit is seeded
through the grid editor's session-state key (AppTest cannot type into an editor). "The last
valid state stays" means `session_state.last_valid` (x, dL/dy, spec key) is unchanged, the page
says it is showing the last valid result, and no exception element is drawn.
"""

from __future__ import annotations

import base64
import io
import math
import struct
import tomllib
import zlib
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from page_helpers import SPEC6, X6, edit_grid, figure, fresh, run
from PIL import Image
from streamlit.testing.v1 import AppTest

from pooling_core import PoolingError, PoolSpec, output_size
from ui.errors import InputError
from ui.format import MAX_CELL_CHARS, literal
from ui.i18n import t
from ui.widgets.grid import MAX_CSV_BYTES, parse_csv, parse_grid, resize
from ui.widgets.imagegrid import MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS, image_to_grid

ROOT = Path(__file__).resolve().parents[2]
LAST_VALID = "Showing the last valid result until the input is fixed."
NOT_NUMBERS = "These cells are not numbers:"
SPECIAL = {"NaN": math.nan, "∞": math.inf, "-∞": -math.inf}

# inf - inf inside a window is NaN (as in PyTorch) and numpy says so. (Module marks take
# precedence over a test's own, so overflow warnings are silenced test by test: the
# *_warnings_as_errors tests below turn them into errors.)
pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
IGNORE_OVERFLOW = pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
OVERFLOW_IS_ERROR = pytest.mark.filterwarnings("error:overflow encountered:RuntimeWarning")


# =================================================================================== helpers


def fill(value: str, n: int = 6) -> dict:
    """Editor edits that put `value` in every cell of an n x n grid."""
    return {r: {str(c): value for c in range(n)} for r in range(n)}


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def snapshot(at: AppTest) -> tuple:
    x, gy, key = at.session_state.last_valid
    return x.copy(), gy.copy(), key


def assert_kept(at: AppTest, before: tuple) -> None:
    """The last valid (x, dL/dy, spec) is unchanged and the page says so."""
    x, gy, key = at.session_state.last_valid
    np.testing.assert_array_equal(x, before[0])
    np.testing.assert_array_equal(gy, before[1])
    assert key == before[2]
    assert LAST_VALID in texts(at.warning)
    assert not at.exception


def shown(at: AppTest, key: str) -> list[list[str]]:
    """The texts a heatmap prints in its cells."""
    return figure(at, key)["data"][0]["text"]


def as_number(text: str) -> float:
    return SPECIAL[text] if text in SPECIAL else float(text)


# ========================================================================== grid cells
def test_blank_cell():
    at = fresh()
    before = snapshot(at)
    edit_grid(at, {2: {"3": None}})
    (err,) = texts(at.error)
    assert err.startswith(NOT_NUMBERS) and "(2,3) is empty" in err
    assert_kept(at, before)


@pytest.mark.parametrize("text", ["abc", "3 4", "1.2.3", "<script>alert(1)</script>", "0x10",
                                  "1e309", "--5", "١٢x"])
def test_text_in_a_cell(text):
    """Words, typos and an overflowing literal (1e309 is not what anyone meant) are refused."""
    at = fresh()
    before = snapshot(at)
    edit_grid(at, {0: {"0": text}})
    (err,) = texts(at.error)
    assert err.startswith(NOT_NUMBERS) and f"(0,0) “{literal(text)}”" in err  # never Markdown
    assert_kept(at, before)


def test_many_bad_cells_are_counted_not_all_listed():
    at = fresh()
    before = snapshot(at)
    edit_grid(at, fill("x"))
    (err,) = texts(at.error)
    assert err.startswith(NOT_NUMBERS) and "and 30 more" in err and len(err) < 400
    assert_kept(at, before)


@pytest.mark.parametrize("text, value", [("inf", math.inf), ("-inf", -math.inf),
                                         ("∞", math.inf), ("nan", math.nan)])
def test_inf_and_nan_are_numbers_not_errors(text, value):
    """±inf and NaN are valid input (PyTorch pools them): no error, the result uses them."""
    at = fresh()
    edit_grid(at, {2: {"2": text}})
    assert not at.error and LAST_VALID not in texts(at.warning)
    x = at.session_state.last_valid[0]
    assert (math.isnan(x[2, 2]) if math.isnan(value) else x[2, 2] == value)
    # Window (0,0) holds the cell: its output is the special value (NaN and +inf win max).
    y00 = as_number(shown(at, "fig_output")[0][0])
    if value == -math.inf:
        assert y00 == 6  # -inf never wins while a real number is in the window
    else:
        assert (math.isnan(y00) if math.isnan(value) else y00 == value)


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_all_inf_grid_in_both_modes(mode):
    """A grid of +inf and -inf (avg: inf - inf = NaN in a window) renders, no crash."""
    at = fresh()
    run(at.radio(key="mode").set_value(mode))
    edit_grid(at, {r: {str(c): ("inf" if (r + c) % 2 else "-inf") for c in range(6)}
                   for r in range(6)})
    assert not at.error
    assert all(s in ("NaN", "∞", "-∞") for row in shown(at, "fig_output") for s in row)


@IGNORE_OVERFLOW
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_1e308_everywhere_renders_a_number_or_inf(mode):
    """1e308 in all 36 cells: in average mode every 3x3 window sum overflows to inf."""
    at = fresh()
    run(at.radio(key="mode").set_value(mode))
    edit_grid(at, fill("1e308"))
    assert not at.error
    np.testing.assert_array_equal(at.session_state.last_valid[0], np.full((6, 6), 1e308))
    y = [as_number(s) for row in shown(at, "fig_output") for s in row]
    assert len(y) == 16
    assert all(v == 1e308 for v in y) if mode == "max" else all(v == math.inf for v in y)
    # dL/dx is finite (the gradient of an average does not depend on x) and the sums agree.
    assert not any(math.isnan(as_number(s)) for row in shown(at, "fig_grad_input") for s in row)
    assert "sum(dL/dy) = **16**, sum(dL/dx) = **16**" in texts(at.markdown)


@pytest.mark.parametrize("mode", [
    "max",
    "avg",
])
@OVERFLOW_IS_ERROR
def test_overflow_1e308_under_warnings_as_errors(mode):
    st.cache_data.clear()  # ui.compute caches by content: an earlier test may hold this result
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    at.radio(key="mode").set_value(mode).run()
    at.session_state[f"grid_editor_{at.session_state.grid_version}"] = {
        "edited_rows": fill("1e308")}
    at.run()
    assert not at.exception, [e.value for e in at.exception]


@IGNORE_OVERFLOW
def test_overflowed_windows_are_not_reported_as_gradient_mismatches():
    at = fresh()
    run(at.radio(key="mode").set_value("avg"))
    edit_grid(at, fill("1e308"))
    wrong = [w for w in texts(at.warning) if w.startswith("Central differences disagree")]
    assert not wrong, wrong


@OVERFLOW_IS_ERROR
def test_overflowing_upstream_gradient_under_warnings_as_errors():
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    at.radio(key="gy_mode").set_value("custom").run()
    at.session_state["gy_editor_4x4"] = {"edited_rows": fill("1e308", 4)}
    at.run()
    assert not at.exception, [e.value for e in at.exception]


# =========================================================================== grid size
def test_grid_with_zero_rows_or_columns():
    """parse_grid of nothing is an empty array (no crash), which pooling_core refuses with a
    message; resize to 0 gives nothing to show, so the app's resize callback never asks for
    it (the rows/cols inputs start at 1 and a 0 becomes 1)."""
    for rows in ([], [[]], [[], []]):
        x, errors = parse_grid(rows)
        assert errors == [] and x.size == 0
        with pytest.raises(PoolingError) as info:
            output_size(x.shape, SPEC6)
        assert str(info.value)
    assert resize([["1", "2"]], 0, 0) == []
    assert resize([["1", "2"]], 2, 0) == [[], []]

    at = fresh()
    before = snapshot(at)
    run(at.number_input(key="rows").set_value(0))
    assert at.session_state.rows == 1 and len(at.session_state.grid_text) == 1
    (side,) = texts(at.sidebar.error)
    assert side.startswith("The window does not fit along the height")
    assert_kept(at, before)


def test_grid_above_the_size_limit():
    """33 x 33 from a CSV or a link is refused; the rows input stops at 32 (a browser cannot
    send 33; AppTest's out-of-range value is reset to the minimum, with no exception)."""
    big = "\n".join(",".join("1" for _ in range(33)) for _ in range(33)).encode()
    with pytest.raises(InputError) as info:
        parse_csv(big)
    assert info.value.code == "csv_too_large"
    assert t("csv.csv_too_large", lang="en", **info.value.params) == (
        "The file holds 33 × 33 values; the largest grid is 32 × 32.")

    at = fresh({"x": "t33x1~" + ",".join("1" * 33)})
    assert texts(at.warning) == [
        "The grid in the link (“x”) is empty or larger than 32 × 32 and was ignored."]
    np.testing.assert_array_equal(at.session_state.last_valid[0], X6)

    at = fresh()
    run(at.number_input(key="rows").set_value(33))
    assert 1 <= at.session_state.rows <= 32


# ========================================================================== parameters
def test_kernel_larger_than_the_padded_input_after_a_resize():
    at = fresh()
    before = snapshot(at)
    run(at.number_input(key="rows").set_value(2))
    (side,) = texts(at.sidebar.error)
    assert side.startswith("The window does not fit along the height: it spans 3 cells but "
                           "the padded input has only 2.")
    assert_kept(at, before)


@pytest.mark.parametrize("key", ["sh", "sw"])
def test_stride_zero(key):
    at = fresh()
    before = snapshot(at)
    run(at.number_input(key=key).set_value(0))
    axis = "height" if key == "sh" else "width"
    assert texts(at.sidebar.error) == [
        f"Stride ({axis}) must be at least 1, got 0: a window has to move forward."]
    assert_kept(at, before)


def test_padding_too_large_for_the_kernel():
    at = fresh()
    run(at.number_input(key="kh").set_value(2))
    before = snapshot(at)
    run(at.number_input(key="ph").set_value(16))  # the input's maximum
    assert texts(at.sidebar.error) == [
        "Padding (height) is 16, but it can be at most half the window span: "
        "((k − 1)·d + 1) // 2 = ((2 − 1)·1 + 1) // 2 = 1."]
    assert_kept(at, before)


def test_dilation_that_makes_a_window_skip_every_real_cell():
    """2x2 grid, kernel 2, dilation 5, padding 3 (allowed: ((2-1)*5+1)//2 = 3). Window 0 reads
    rows -3 and 2: both padding."""
    at = fresh()
    for k, v in (("rows", 2), ("cols", 2), ("kh", 2), ("kw", 2)):
        run(at.number_input(key=k).set_value(v))
    assert not at.sidebar.error
    before = snapshot(at)
    np.testing.assert_array_equal(before[0], [[1, 2], [2, 2]])
    for k, v in (("dh", 5), ("dw", 5), ("ph", 3), ("pw", 3)):
        run(at.number_input(key=k).set_value(v))
        assert len(at.sidebar.error) == 1
        assert_kept(at, before)
    assert texts(at.sidebar.error) == [
        "With this dilation and padding, window 0 along the height reads only padding "
        "(cells [-3, 2] of 2). Reduce the dilation or the padding."]


def test_every_invalid_spec_raises_a_value_error():
    """Brief: see tests/core/test_core_reference.py (hypothesis: random and corrupted specs raise
    PoolingError, a ValueError, exactly when invalid) and tests/core/test_core_api.py."""
    for bad in (dict(kernel_size=0), dict(stride=0), dict(padding=-1), dict(dilation=0),
                dict(mode="median"), dict(ties="random"), dict(divisor_override=0)):
        with pytest.raises(ValueError):
            spec = PoolSpec(**{"kernel_size": 2, **bad})
            output_size((4, 4), spec)


# ============================================================================ links
HOSTILE_LINKS = [
    # (query, the parameter the note names, the note's kind)
    ({"k": "3x"}, "k", "url.url_number"),                                # malformed
    ({"x": "t3x3~1,2"}, "x", "url.url_grid_broken"),                    # cut-off grid
    ({"x": "zz%%$$"}, "x", "url.url_grid_broken"),
    ({"x": "t1x1~" + "9" * 10_240}, "x", "url.url_too_long"),           # 10 kB value
    ({"gy": "custom.t" + "1," * 5_120}, "gy", "url.url_too_long"),
    ({"k": "abc"}, "k", "url.url_number"),                              # wrong type
    ({"ceil": "yes"}, "ceil", "url.url_choice"),
    ({"step": "-1"}, "step", "url.url_number"),
    ({"div": "1.5"}, "div", "url.url_number"),
    ({"s": "²"}, "s", "url.url_number"),
    ({"teacher": "1"}, "teacher", "url.url_unknown"),                   # unknown key: counted
    ({"x" * 10_240: "1"}, "x" * 40, "url.url_unknown"),                 # 10 kB key
    ({"[Sign in again](https://evil.example/a)": "1"}, "", "url.url_unknown"),  # Markdown
    ({"![x](http://127.0.0.1:9/t.png)": "1"}, "", "url.url_unknown"),
    ({"x": "<script>alert(1)</script>"}, "x", "url.url_grid_broken"),  # script tags
    ({"mode": "<script>alert(1)</script>"}, "mode", "url.url_choice"),
    ({"<script>alert(1)</script>": "1"}, "<script>alert(1)</script>", "url.url_unknown"),
    ({"p": "../../etc/passwd"}, "p", "url.url_number"),                 # path-like
    ({"x": "/etc/passwd"}, "x", "url.url_grid_broken"),
    ({"hide": "..\\..\\windows"}, "hide", "url.url_choice"),
]


@pytest.mark.parametrize("query, name, code", HOSTILE_LINKS,
                         ids=[f"{i}-{next(iter(q))[:12]}" for i, (q, _, _) in
                              enumerate(HOSTILE_LINKS)])
def test_hostile_link_is_ignored_with_a_note(query, name, code):
    """Each bad parameter gives one note naming it (an unknown one is counted, not named); the
    page is the default example."""
    at = fresh(query)
    assert texts(at.title) == ["Pooling Backprop Explorer"]
    assert texts(at.warning) == [t(code, lang="en", name=literal(name), n=1)]
    assert not any("](" in w or "<" in w.replace("\\<", "") for w in texts(at.warning))
    assert all(len(w) < 300 for w in texts(at.warning))
    x, gy, spec = at.session_state.last_valid
    np.testing.assert_array_equal(x, X6)
    np.testing.assert_array_equal(gy, np.ones((4, 4)))
    assert spec == SPEC6
    # The URL is rewritten to the view on screen: neither the bad key nor its value survives.
    url = dict(at.query_params)
    assert set(url) <= {"x", "k", "s", "p", "d", "mode", "ties", "lang"}
    assert all(len(v) < 200 and "<" not in v and ".." not in v for v in url.values())


def test_partly_valid_link_keeps_the_good_parameters():
    at = fresh({"k": "2", "s": "2", "ties": "<b>split</b>"})
    notes = [w for w in texts(at.warning) if w.startswith("The link")]
    assert notes == [t("url.url_choice", lang="en", name="ties")]
    spec = at.session_state.last_valid[2]  # the frozen PoolSpec itself
    assert spec == PoolSpec(kernel_size=2, stride=2)


def test_link_whose_parameters_do_not_fit_its_grid():
    """The grid is kept, the parameters are dropped with a note; the defaults then apply."""
    at = fresh({"x": "t4x4~" + ",".join(str(v) for v in range(16)), "k": "5", "s": "2"})
    (note,) = texts(at.warning)
    assert note.startswith("The link's parameters do not fit its grid and were ignored: The "
                           "window does not fit along the height: it spans 5 cells")
    x, _, spec = at.session_state.last_valid
    np.testing.assert_array_equal(x, np.arange(16.0).reshape(4, 4))
    assert spec == SPEC6

    # A 2x2 grid with k=3: the default kernel does not fit either. Nothing valid to show yet:
    # the note, the kernel error in the sidebar, and no exception.
    at = fresh({"x": "t2x2~1,2,3,4", "k": "3"})
    assert len(at.warning) == 1 and texts(at.sidebar.error)[0].startswith(
        "The window does not fit along the height: it spans 3 cells but the padded input "
        "has only 2.")
    assert "last_valid" not in at.session_state


def _z(plain: str) -> str:
    return "z" + base64.urlsafe_b64encode(zlib.compress(plain.encode(), 9)).decode().rstrip("=")


@pytest.mark.parametrize("grid, code", [
    ("t1x1~" + "7" * 100_000, "url.url_too_long"),              # 100 kB cell, plain
    (_z("1x1~" + "7" * 100_000), "url.url_too_long"),           # deflated to 150 bytes
    (_z("2x2~1,2,3," + "0" * 5_000), "url.url_cell_too_long"),  # was read as the number 0
])
def test_link_with_an_overlong_cell_is_refused_and_the_rest_applies(grid, code):
    at = fresh({"x": grid, "k": "2", "s": "2"})
    notes = [w for w in texts(at.warning) if "link" in w]  # not the tie note on 2x2 windows
    assert notes == [t(code, lang="en", name="x", limit=MAX_CELL_CHARS)]
    x, _, spec = at.session_state.last_valid
    np.testing.assert_array_equal(x, X6)  # the default grid ...
    assert spec == PoolSpec(kernel_size=2, stride=2)  # ... the link's k and s
    assert max(len(c) for row in at.session_state.grid_text for c in row) <= MAX_CELL_CHARS


def test_five_hundred_unknown_parameters_give_one_note():
    at = fresh({f"utm_{i}": "1" for i in range(500)})
    assert texts(at.warning) == ["Unknown link parameters ignored: 500."]


@pytest.mark.parametrize("lang", ["<script>", "../../etc", "x" * 10_240, "zz", ""])
def test_unknown_language_falls_back_to_english(lang):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = lang
    run(at)
    assert at.session_state.lang == "en"
    assert at.query_params["lang"] == "en"
    assert texts(at.title) == ["Pooling Backprop Explorer"]


# ============================================================================ CSV files
def csv_error(data: bytes) -> InputError:
    with pytest.raises(InputError) as info:
        parse_csv(data)
    text = t(f"csv.{info.value.code}", lang="en", **info.value.params)
    assert text != f"csv.{info.value.code}" and "{" not in text, text
    return info.value


def test_csv_ragged_rows_name_the_line():
    e = csv_error(b"1,2,3\n4,5\n6,7,8\n")
    assert e.code == "csv_ragged"
    assert t("csv.csv_ragged", lang="en", **e.params) == (
        "Line 2 of the file has 2 values but line 1 has 3: every row needs the same number "
        "of values.")


def test_csv_non_numbers_name_the_line_and_value():
    e = csv_error(b"1,2\n3,four\n")
    assert e.code == "csv_not_number"
    assert t("csv.csv_not_number", lang="en", **e.params) == (
        "Line 2, value 2 of the file is “four”, which is not a number (1 such value).")


def test_csv_header_and_semicolons_are_read_not_refused():
    grid, header = parse_csv(b"a,b\n1,2\n3,4\n")
    assert header and grid.tolist() == [[1, 2], [3, 4]]
    grid, header = parse_csv(b"x;y\n1,5;2\n3;-4,25\n")
    assert header and grid.tolist() == [[1.5, 2], [3, -4.25]]


@pytest.mark.parametrize("data, code", [
    (b"", "csv_empty"),
    (b"\n \n", "csv_empty"),
    (b"only,a,header\n", "csv_empty"),
    (b"\xff\xfe\x00\x01\x02", "csv_not_text"),
    (b"1,2\n1e999,2\n", "csv_not_number"),
])
def test_csv_empty_binary_and_overflow(data, code):
    assert csv_error(data).code == code


class _WatchedBytes(bytes):
    """Bytes that count how often they are decoded."""

    decoded = 0

    def decode(self, *args, **kwargs):  # type: ignore[override]
        type(self).decoded += 1
        return super().decode(*args, **kwargs)


def test_csv_of_50_mb_is_refused_from_its_length(monkeypatch):
    """Refused by its length alone: never decoded, never split, no csv reader made."""
    import ui.widgets.grid

    readers = []
    monkeypatch.setattr(ui.widgets.grid.csv, "reader",
                        lambda *a, **k: readers.append(a) or iter(()))
    _WatchedBytes.decoded = 0
    data = _WatchedBytes(b"1," * (25 * 1024 * 1024))
    e = csv_error(data)
    assert e.code == "csv_too_big" and e.params["limit"] == MAX_CSV_BYTES == 200_000
    assert e.params["size"] == len(data) == 50 * 1024 * 1024
    assert _WatchedBytes.decoded == 0 and readers == []


@pytest.mark.parametrize("data", [
    b"1;" + b"7" * 150_000,                          # over the csv module's field limit
    b'1;"' + b"a" * 150_000 + b'"\n',                # a long quoted field
    b'1;"2\n' + b"3;4\n" * 40_000,                   # an unterminated quote and newlines
])
def test_csv_the_csv_module_cannot_read_is_a_message(data):
    assert len(data) <= MAX_CSV_BYTES
    assert csv_error(data).code == "csv_broken"


def test_csv_field_longer_than_a_cell_is_refused():
    e = csv_error(b"1;2\n3;" + b"4" * 100 + b"\n")
    assert t("csv.csv_field_too_long", lang="en", **e.params) == (
        "Line 2, value 2 of the file is longer than 64 characters, which no number needs.")


def test_server_refuses_large_uploads():
    """Streamlit's upload endpoint answers 413 above server.maxUploadSize (MB), so a 50 MB
    file never reaches the app; keep that limit small."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert 1 <= config["server"]["maxUploadSize"] <= 5
    assert config["server"]["enableXsrfProtection"] is True


def _csv_page() -> None:
    """A page holding only the Explorer's state and its CSV callback (AppTest cannot upload)."""
    import streamlit as st

    from ui.widgets.inputs import csv_loaded
    from ui.widgets.session import init_state

    init_state()
    ss = st.session_state
    if ss.get("fake_upload") is not None:
        ss.csv_upload = ss.pop("fake_upload")
        csv_loaded()
    msg = ss.get("csv_message")
    if msg:
        (st.error if msg[0] == "error" else st.info)(msg[1])


@pytest.mark.parametrize("data, message", [
    (b"1,2\n3\n", "Line 2 of the file has 1 value but line 1 has 2"),
    (b"1;zwei\n", "Line 1, value 2 of the file is “zwei”"),
    (b"7" * 300_000, "This file is too big (300000 bytes)"),
    (b"1;" + b"7" * 150_000, "This file cannot be read as CSV"),  # was a traceback
    (b"1;[x](http://e.example/a)\n", "Line 1, value 2 of the file is “\\[x\\]\\(http\\:"),
])
def test_bad_csv_upload_keeps_the_grid(data, message):
    at = AppTest.from_function(_csv_page, default_timeout=30)
    at.query_params["lang"] = "en"
    run(at)
    grid = [row[:] for row in at.session_state.grid_text]
    at.session_state["fake_upload"] = io.BytesIO(data)
    run(at)
    (err,) = texts(at.error)
    assert err.startswith(message)
    assert at.session_state.grid_text == grid

    at.session_state["fake_upload"] = io.BytesIO(b"1,2\n3,4\n")
    run(at)
    assert not at.error and at.session_state.grid_text == [["1", "2"], ["3", "4"]]


def test_visitors_never_see_a_traceback(monkeypatch):
    """An uncaught error shows Streamlit's generic sentence, never its type, message or
    traceback (the server's file paths); the server log keeps them."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"
    from streamlit import config as st_config

    assert "none" in {o.value for o in st_config.ShowErrorDetailsConfigOptions}
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("STREAMLIT_CLIENT_SHOW_ERROR_DETAILS", raising=False)
    st_config.get_config_options(force_reparse=True)
    assert st_config.get_option("client.showErrorDetails") == "none"
    assert st_config.get_where_defined("client.showErrorDetails") == str(
        ROOT / ".streamlit" / "config.toml")

    at = AppTest.from_function(_failing_page, default_timeout=30).run()
    (exc,) = at.exception
    assert "/srv/app" not in exc.message and "ValueError" not in exc.message
    assert not exc.stack_trace


def _failing_page() -> None:
    raise ValueError("secret detail in /srv/app/ui/widgets/grid.py")


# ============================================================================ pictures
def _png(width: int, height: int, declared: tuple[int, int] | None = None) -> bytes:
    buf = io.BytesIO()
    Image.new("L", (width, height), 128).save(buf, "PNG")
    data = bytearray(buf.getvalue())
    if declared:  # rewrite the IHDR size (and its CRC): a decompression bomb's header
        data[16:24] = struct.pack(">II", *declared)
        data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


@pytest.mark.parametrize("data, code", [
    (b"GIF89a not really", "image_not_image"),
    (b"%PDF-1.7\n" + b"0" * 100, "image_not_image"),
    (b"1,2,3\n4,5,6\n", "image_not_image"),
    (b"", "image_empty"),
    (_png(8, 8, declared=(7000, 7000)), "image_too_big"),   # 49 MP declared
    (_png(8, 8, declared=(40_000, 40_000)), "image_too_big"),  # Pillow's bomb error
    (b"\x89PNG\r\n\x1a\n" + b"\0" * MAX_IMAGE_BYTES, "image_too_big"),  # > 5 MB
])
def test_non_image_and_huge_image(data, code, monkeypatch):
    """More in tests/ui/test_imagegrid.py. The message is translated and names the limits.
    Every one is refused from its length or its header: no pixel is decoded."""
    import ui.widgets.imagegrid

    decoded = []
    real_small_gray = ui.widgets.imagegrid._small_gray
    monkeypatch.setattr(ui.widgets.imagegrid, "_small_gray",
                        lambda *a, **k: decoded.append(a) or real_small_gray(*a, **k))
    with pytest.raises(InputError) as info:
        image_to_grid(data)
    assert decoded == [], "pixels were decoded before the picture was refused"
    assert info.value.code == code
    text = t(f"image.{code}", lang="en", **info.value.params)
    assert text != f"image.{code}" and "{" not in text
    if code == "image_too_big":
        assert text == "This picture is too big: at most 5 MB and 4 megapixels."
        assert MAX_IMAGE_PIXELS == 4_200_000


class _Upload:
    def __init__(self, data: bytes) -> None:
        self.data, self.file_id, self.name = data, f"id-{len(data)}", "pic.png"

    def getvalue(self) -> bytes:
        return self.data


def _image_page() -> None:
    import streamlit as st

    from ui.i18n import t
    from ui.widgets.grid import to_text
    from ui.widgets.inputs import set_grid
    from ui.widgets.picture import IMAGE_KEY, IMAGE_STATE, _image_changed
    from ui.widgets.session import init_state

    init_state()
    ss = st.session_state
    if ss.get("fake_upload") is not None:
        ss[IMAGE_KEY] = ss.pop("fake_upload")
        _image_changed(lambda grid: set_grid(to_text(grid)), 32)
    state = ss.get(IMAGE_STATE) or {}
    if "error" in state:
        code, params = state["error"]
        st.error(t(f"image.{code}", **params))


def test_bad_picture_upload_keeps_the_grid():
    at = AppTest.from_function(_image_page, default_timeout=30)
    at.query_params["lang"] = "en"
    run(at)
    grid = [row[:] for row in at.session_state.grid_text]
    at.session_state["fake_upload"] = _Upload(b"definitely not a picture")
    run(at)
    assert texts(at.error) == [
        "This file is not a picture that can be read. Use PNG, JPEG, GIF, BMP or WebP."]
    assert at.session_state.grid_text == grid


def test_picture_limit_fits_the_server_upload_limit():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * 1024 * 1024 >= MAX_IMAGE_BYTES


def _named_picture_page() -> None:
    """The picture uploader with a file whose name is Markdown (AppTest cannot upload)."""
    import io

    import streamlit as st
    from PIL import Image

    from ui.widgets.picture import IMAGE_KEY, image_input

    buf = io.BytesIO()
    Image.new("L", (4, 4), 128).save(buf, "PNG")

    class Upload:
        file_id = "named"
        name = "[Sign in again](https://evil.example/a)![x](http://127.0.0.1:9/t.png).png"

        def getvalue(self) -> bytes:
            return buf.getvalue()

    real = st.file_uploader
    st.file_uploader = lambda *args, **kwargs: Upload()
    try:
        st.session_state.pop(IMAGE_KEY, None)
        image_input()
    finally:
        st.file_uploader = real


def test_picture_file_name_is_shown_literally():
    at = AppTest.from_function(_named_picture_page, default_timeout=30)
    at.query_params["lang"] = "en"
    run(at)
    (caption,) = texts(at.caption)
    assert "Sign in again" in caption and "4 × 4 pixels" in caption
    assert "](" not in caption and "…" in caption  # escaped, and cut after 40 characters
