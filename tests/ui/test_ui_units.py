"""Pure functions of the UI package (no Streamlit session): number text, grids and CSV files,
and the step sentences. Expected values are worked out by hand in the comments.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pooling_core import PoolSpec, scatter_steps
from ui.errors import InputError
from ui.format import MAX_CELL_CHARS, cell_text, fmt, fmt_array, fmt_full, literal, parse_number
from ui.views.narrate import step_sentences
from ui.widgets.grid import (
    MAX_CSV_BYTES,
    MAX_SIDE,
    PRESETS,
    CellError,
    parse_csv,
    parse_grid,
    preset_text,
    random_grid,
    resize,
    to_text,
)

X6 = np.array(PRESETS["overlap_6x6"].grid, dtype=np.float64)
PLATEAU = np.array(PRESETS["plateau"].grid, dtype=np.float64)


def same(a: float | None, b: float | None) -> bool:
    """Equal, with NaN equal to NaN."""
    if a is None or b is None:
        return a is b
    return (math.isnan(a) and math.isnan(b)) or a == b


# --------------------------------------------------------------------------- ui.format: fmt
@pytest.mark.parametrize(
    ("value", "text"),
    [
        (math.nan, "NaN"),
        (math.inf, "∞"),
        (-math.inf, "-∞"),
        (0.0, "0"),
        (-0.0, "0"),
        (3.0, "3"),
        (-12.0, "-12"),
        (2.5, "2.5"),
        (1 / 3, "0.3333"),
        (-68 / 9, "-7.556"),
        (256 / 9, "28.44"),
        (1e-5, "1e-5"),
        (1.5e-7, "1.5e-7"),
        (123456.7, "1.235e5"),
        (9_999_999.0, "9999999"),
        (1e7, "1e7"),
        (np.float32(0.25), "0.25"),
    ],
)
def test_fmt(value, text):
    assert fmt(value) == text


def test_fmt_digits_and_array():
    assert fmt(math.pi, digits=2) == "3.1"
    assert fmt(math.pi, digits=6) == "3.14159"
    assert fmt_array(np.array([[1.0, math.nan], [-math.inf, 0.5]])) == [["1", "NaN"],
                                                                        ["-∞", "0.5"]]


def test_fmt_full_is_exact():
    assert fmt_full(0.1 + 0.2) == "0.30000000000000004"
    assert float(fmt_full(1 / 9)) == 1 / 9
    assert (fmt_full(math.nan), fmt_full(math.inf), fmt_full(-math.inf)) == ("NaN", "∞", "-∞")


# --------------------------------------------------------------------------- parse_number
@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("3", 3.0),
        (" -0.5 ", -0.5),
        ("1e-3", 0.001),
        ("2,5", 2.5),
        ("-2,5", -2.5),
        ("−4", -4.0),  # a typographic minus sign
        ("nan", math.nan),
        ("NaN", math.nan),
        ("inf", math.inf),
        ("Infinity", math.inf),
        ("+inf", math.inf),
        ("∞", math.inf),
        ("-inf", -math.inf),
        ("-∞", -math.inf),
        ("−∞", -math.inf),
        (7, 7.0),
        (2.25, 2.25),
        (np.int64(4), 4.0),
        (np.float32(0.5), 0.5),
    ],
)
def test_parse_number_accepts(text, value):
    assert same(parse_number(text), value)


@pytest.mark.parametrize(
    "text",
    [None, "", "   ", "abc", "1e999", "-1e999", "1,2,3", "1,5.5", "3 4", "0x10", True, False,
     "∞∞"],
)
def test_parse_number_refuses(text):
    assert parse_number(text) is None


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_cell_text_round_trips_every_float(v):
    back = parse_number(cell_text(v))
    assert back is not None
    assert same(back, v)


@pytest.mark.parametrize(
    ("value", "text"),
    [(math.nan, "nan"), (math.inf, "inf"), (-math.inf, "-inf"), (3.0, "3"), (-2.0, "-2"),
     (0.1, "0.1"), (1e20, "1e+20"), (2.5, "2.5")],
)
def test_cell_text(value, text):
    assert cell_text(value) == text


@given(st.integers(min_value=-9_999_999, max_value=9_999_999))
def test_fmt_round_trips_integers(n):
    assert parse_number(fmt(n)) == n


@given(st.integers(min_value=-9999, max_value=9999).map(lambda n: n / 100)
       | st.sampled_from([math.nan, math.inf, -math.inf]))
def test_fmt_round_trips_short_values(v):
    # Values of at most 4 significant digits (two decimals below 100) survive fmt unchanged.
    assert same(parse_number(fmt(v)), v)


# --------------------------------------------------------------------------- ui.widgets.grid
def test_parse_grid_numbers_and_errors():
    x, errors = parse_grid([["1", "2,5"], ["nan", "-inf"]])
    assert errors == []
    np.testing.assert_array_equal(x, [[1, 2.5], [math.nan, -math.inf]])
    x, errors = parse_grid([["1", "abc"], [None, "  "]])
    assert x is None
    assert errors == [CellError(0, 1, "abc"), CellError(1, 0, ""), CellError(1, 1, "  ")]


def test_to_text_and_preset_text():
    assert to_text(np.array([[1.0, 0.5], [math.nan, -math.inf]])) == [["1", "0.5"],
                                                                      ["nan", "-inf"]]
    text = preset_text("special_values")
    assert text[0] == ["1", "nan", "3", "2"]
    assert text[2] == ["inf", "0", "-inf", "-inf"]
    for name, preset in PRESETS.items():
        x, errors = parse_grid(preset_text(name))
        assert errors == []
        np.testing.assert_array_equal(x, np.array(preset.grid, dtype=np.float64))


def test_resize_crops_and_pads_from_the_top_left():
    grid = [["1", "2", "3"], ["4", "5", "6"]]
    assert resize(grid, 1, 2) == [["1", "2"]]
    assert resize(grid, 3, 4) == [["1", "2", "3", "0"], ["4", "5", "6", "0"],
                                  ["0", "0", "0", "0"]]
    assert resize(grid, 2, 2, fill="x") == [["1", "2"], ["4", "5"]]


def test_random_grid_is_reproducible_and_in_range():
    a = random_grid(5, 7, seed=3, low=0, high=4, integers=True)
    np.testing.assert_array_equal(a, random_grid(5, 7, seed=3, low=0, high=4, integers=True))
    assert a.shape == (5, 7) and a.dtype == np.float64
    assert set(np.unique(a)) <= {0, 1, 2, 3, 4}
    assert not np.array_equal(a, random_grid(5, 7, seed=4, low=0, high=4, integers=True))
    # low and high swapped give the same range; fractional bounds round inwards.
    b = random_grid(20, 20, seed=0, low=2.5, high=0.5, integers=True)
    assert set(np.unique(b)) <= {1, 2}
    c = random_grid(6, 6, seed=1, low=-1, high=1, integers=False)
    assert np.all((c >= -1) & (c <= 1))
    np.testing.assert_array_equal(c, np.round(c, 2))


# ----------------------------------------------------------------------- ui.widgets.grid.parse_csv
def csv_error(data: bytes) -> InputError:
    with pytest.raises(InputError) as info:
        parse_csv(data)
    return info.value


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"1,2,3\n4,5,6\n", [[1, 2, 3], [4, 5, 6]]),
        (b"1;2\r\n3;4\r\n", [[1, 2], [3, 4]]),
        (b"1\t2\n3\t4", [[1, 2], [3, 4]]),
        (b"1 2  3\n4 5 6\n", [[1, 2, 3], [4, 5, 6]]),
        (b"\n1,2\n\n3,4\n\n", [[1, 2], [3, 4]]),  # blank lines are skipped
        (b"\xef\xbb\xbf1,2\n3,4\n", [[1, 2], [3, 4]]),  # UTF-8 byte-order mark
        (b"nan,inf\n-inf,-0.5\n", [[math.nan, math.inf], [-math.inf, -0.5]]),
        (b'"1,5",2\n3,4\n', [[1.5, 2], [3, 4]]),  # a quoted decimal comma
        (b"7\n", [[7]]),
    ],
)
def test_parse_csv_reads_grids(data, expected):
    grid, header = parse_csv(data)
    assert header is False
    np.testing.assert_array_equal(grid, np.array(expected, dtype=np.float64))


def test_parse_csv_semicolons_with_decimal_commas():
    grid, header = parse_csv(b"1,5;2;-0,25\n3;4,75;5\n")
    assert header is False
    np.testing.assert_array_equal(grid, [[1.5, 2, -0.25], [3, 4.75, 5]])


def test_parse_csv_skips_a_header_row():
    grid, header = parse_csv(b"a,b,c\n1,2,3\n4,5,6\n")
    assert header is True
    np.testing.assert_array_equal(grid, [[1, 2, 3], [4, 5, 6]])


def test_parse_csv_ragged_rows():
    e = csv_error(b"1,2,3\n4,5\n6,7,8\n")
    assert e.code == "csv_ragged"
    assert e.params == {"line": 2, "first": 1, "expected": 3, "got": 2}
    # Lines are counted in the file (1-based), header and blank lines included.
    e = csv_error(b"a,b,c\n1,2,3\n\n4,5,6,7\n")
    assert e.code == "csv_ragged"
    assert e.params == {"line": 4, "first": 2, "expected": 3, "got": 4}


def test_parse_csv_non_number():
    e = csv_error(b"1,2\n3,x\n4,y\n")
    assert e.code == "csv_not_number"
    assert e.params == {"line": 2, "pos": 2, "text": "x", "count": 2}
    e = csv_error(b"1,2\n\nthree,4\n")
    assert e.code == "csv_not_number"
    assert (e.params["line"], e.params["pos"], e.params["text"]) == (3, 1, "three")
    e = csv_error(b"1," + b"w" * 40 + b"\n")
    assert e.params["text"] == "w" * 20  # long texts are cut


def test_parse_csv_too_many_rows_or_columns():
    e = csv_error(b"1\n" * (MAX_SIDE + 1))
    assert e.code == "csv_too_large"
    assert e.params == {"rows": 33, "cols": 1, "limit": 32}
    e = csv_error((",".join(["1"] * 33) + "\n").encode())
    assert e.code == "csv_too_large"
    assert e.params == {"rows": 1, "cols": 33, "limit": 32}
    grid, _ = parse_csv((",".join(["1"] * 32) + "\n").encode() * 32)
    assert grid.shape == (32, 32)


@pytest.mark.parametrize("data", [b"", b"\n\n  \n", b"a,b,c\n", b"\xef\xbb\xbf"])
def test_parse_csv_empty(data):
    assert csv_error(data).code == "csv_empty"


@pytest.mark.parametrize("data", [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"1,2\n\xff\xfe,3\n"])
def test_parse_csv_binary(data):
    e = csv_error(data)
    assert e.code == "csv_not_text"
    assert e.params == {}


def test_parse_csv_too_big():
    data = b"1," * (MAX_CSV_BYTES // 2) + b"1\n"
    e = csv_error(data)
    assert e.code == "csv_too_big"
    assert e.params == {"size": len(data), "limit": MAX_CSV_BYTES}


def test_parse_csv_unreadable_by_the_csv_module_is_a_csv_error() -> None:
    """The csv module's own errors (a field over its 131072-character limit) were uncaught:
    the page showed a traceback with the server's paths."""
    assert csv_error(b"1;" + b"7" * 150_000).code == "csv_broken"            # 150 kB of digits
    assert csv_error(b'1;"' + b"a" * 150_000 + b'"\n').code == "csv_broken"  # long quoted
    # An unterminated quote swallows every later line into one field.
    assert csv_error(b'1;"2\n' + b"3;4\n" * 40_000).code == "csv_broken"


def test_parse_csv_caps_each_field() -> None:
    e = csv_error(b"1,2\n3," + b"4" * (MAX_CELL_CHARS + 1) + b"\n")
    assert e.code == "csv_field_too_long"  # was read as the number 4.44e64
    assert e.params == {"line": 2, "pos": 2, "limit": MAX_CELL_CHARS}
    grid, _ = parse_csv(b"1," + b"0" * (MAX_CELL_CHARS - 1) + b"5\n")  # exactly the cap: fine
    assert grid.tolist() == [[1, 5]]
    # A long header is a header, not a value.
    grid, header = parse_csv(b"a," + b"b" * 200 + b"\n1,2\n")
    assert header and grid.tolist() == [[1, 2]]


def test_parse_csv_refuses_a_wide_row_before_parsing_any_number(monkeypatch) -> None:
    import ui.widgets.grid

    def boom(text: object) -> float | None:
        raise AssertionError("a number was parsed")

    monkeypatch.setattr(ui.widgets.grid, "parse_number", boom)
    e = csv_error(b"1;" * 20_000 + b"\n")
    assert e.code == "csv_too_large" and e.params["cols"] == 20_001
    e = csv_error(b"1,2\n" + b"1," * 40 + b"1\n")  # ragged, and too wide: too wide first
    assert e.code == "csv_too_large" and e.params["cols"] == 41


def test_parse_number_refuses_overlong_text() -> None:
    assert parse_number("0" * MAX_CELL_CHARS) == 0.0
    assert parse_number("0" * (MAX_CELL_CHARS + 1)) is None
    assert parse_number("1" + "0" * 100_000) is None


# --------------------------------------------------------------------------- ui.format.literal
MARKDOWN_SPECIAL = set("\\`*_{}[]()#+-.!|<>~$:&")


def unescape(text: str) -> str:
    """CommonMark's reading of backslash escapes; fails on a special character left bare."""
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            assert text[i + 1] in MARKDOWN_SPECIAL, text
            out.append(text[i + 1])
            i += 2
            continue
        assert ch not in MARKDOWN_SPECIAL, f"bare {ch!r} in {text!r}"
        out.append(ch)
        i += 1
    return "".join(out)


@pytest.mark.parametrize(("text", "shown"), [
    ("[Sign in again](https://evil.example/a)", "[Sign in again](https://evil.example/a)"),
    ("![x](http://127.0.0.1:9/t.png)", "![x](http://127.0.0.1:9/t.png)"),
    ("<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>"),
    (":red[big] :material/home:", ":red[big] :material/home:"),
    ("$\\frac{1}{2}$", "$\\frac{1}{2}$"),
    ("**a** _b_ `c` ~~d~~ # e | f &lt;", "**a** _b_ `c` ~~d~~ # e | f &lt;"),
    ("line\n\n# heading\r\n- item\tend", "line # heading - item end"),
    ("a\u202eb\x00c\u2028d", "a b c d"),
    ("x" * 41, "x" * 40 + "…"),
    ("abc", "abc"), ("", ""), (None, ""), (3.5, "3.5"),
])
def test_literal_escapes_shows_and_cuts(text, shown) -> None:
    out = literal(text)
    assert unescape(out) == shown
    assert "](" not in out and "\n" not in out


def test_literal_escapes_exactly_what_starts_markdown() -> None:
    assert literal("[x](y)") == "\\[x\\]\\(y\\)"
    assert literal("1/2, 3'4\"") == "1/2, 3'4\""  # nothing else is touched
    assert literal("a" * 100, limit=5) == "aaaaa…"


@given(st.text(max_size=200))
def test_literal_of_any_text_is_inert_short_and_one_line(text: str) -> None:
    plain = unescape(literal(text))  # fails on any special character left bare
    assert len(plain) <= 41 and not any(ch in plain for ch in "\n\r\x00\u2028")
    one_line = re.sub(r"[\s\x00-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]+", " ", text)
    assert plain == (one_line if len(one_line) <= 40 else one_line[:40] + "…")


# --------------------------------------------------------------------------- ui.views.narrate
def test_step_sentences_overlap_accumulates():
    gy = np.arange(1, 17, dtype=np.float64).reshape(4, 4)  # distinct: dL/dy[i,j] = 4i + j + 1
    s = step_sentences(scatter_steps(X6, gy, PoolSpec(kernel_size=3, stride=1)))
    assert len(s) == 16
    assert s[0] == ("Window (0,0) covers rows 0–2, columns 0–2; its maximum 9 is at (2,2); "
                    "dL/dy[0,0] = 1 goes to dL/dx[2,2], which held 0 → 1.")
    # Window (0,1) shares its maximum 9 at (2,2) with window (0,0): 1 + 2 = 3.
    assert s[1] == ("Window (0,1) covers rows 0–2, columns 1–3; its maximum 9 is at (2,2); "
                    "dL/dy[0,1] = 2 goes to dL/dx[2,2], which already held 1 from window (0,0) "
                    "→ 3.")
    # Window (0,2) also peaks at (2,2): 1 + 2 = 3 from 2 earlier windows, then + 3 = 6.
    assert s[2].endswith("dL/dy[0,2] = 3 goes to dL/dx[2,2], which already held 3 from 2 "
                         "earlier windows (the last was (0,1)) → 6.")
    # Window (0,3) = rows 0-2, cols 3-5: maximum 6 at (2,3), a fresh cell.
    assert s[3] == ("Window (0,3) covers rows 0–2, columns 3–5; its maximum 6 is at (2,3); "
                    "dL/dy[0,3] = 4 goes to dL/dx[2,3], which held 0 → 4.")
    assert step_sentences(scatter_steps(X6, gy, PoolSpec(3, 1)), limit=2) == s[:2]


@pytest.mark.parametrize(
    ("policy", "who", "tail"),
    [
        ("first", "PyTorch, TensorFlow's max_pool, JAX's reduce_window, Caffe",
         "dL/dy[0,0] = 1 goes to dL/dx[0,0], which held 0 → 1."),
        ("last", "the mirror of first (reported for Elixir's Nx)",
         "dL/dy[0,0] = 1 goes to dL/dx[1,1], which held 0 → 1."),
        ("split", "tf.reduce_max, jnp.max, torch.amax",
         "dL/dy[0,0] = 1 is split into 4 equal shares of 0.25, one per tied cell."),
        ("all", "Theano, paddle.max, the course mask x == max(x)",
         "each of the 4 tied cells gets the full dL/dy[0,0] = 1, so this window hands out 4 "
         "times its gradient."),
    ],
)
def test_step_sentence_of_a_tie_names_policy_and_cells(policy, who, tail):
    s = step_sentences(scatter_steps(PLATEAU, np.ones((2, 2)), PoolSpec(2, ties=policy)))
    assert s[0] == (
        "Window (0,0) covers rows 0–1, columns 0–1; its maximum 5 occurs 4 times, at (0,0), "
        f'(0,1), (1,0), (1,1) — a tie; policy "{policy}" ({who}) decides who gets the '
        f"gradient: {tail}")
    # Window (1,0) = [[0, 1], [2, 0]]: no tie, 2 at (3,0).
    assert "its maximum 2 is at (3,0)" in s[2]


def test_step_sentence_split_names_overlapping_cells():
    # All ones, kernel 2, stride 1 on 3x3: window (0,1) ties at (0,1),(0,2),(1,1),(1,2);
    # (0,1) and (1,1) already hold 1/4 from window (0,0).
    s = step_sentences(scatter_steps(np.ones((3, 3)), np.ones((2, 2)),
                                     PoolSpec(2, stride=1, ties="split")))
    assert s[1].endswith("2 of these cells already held gradient from earlier windows "
                         "(overlap): dL/dx[0,1] 0.25 → 0.5, dL/dx[1,1] 0.25 → 0.5.")


def test_step_sentence_avg_names_the_divisor():
    spec = PoolSpec(kernel_size=3, stride=1, padding=1, mode="avg")
    s = step_sentences(scatter_steps(X6, np.ones((6, 6)), spec), limit=1)
    # Window (0,0) reads rows/cols -1..1: real cells (0,0),(0,1),(1,0),(1,1) = 1+2+2+2 = 7;
    # 7 / 9 = 0.7778; each real cell gets 1/9 = 0.1111; 9 - 4 = 5 padding cells counted.
    assert s == [
        "Window (0,0) covers rows 0–1, columns 0–1; its average is 0.7778 (sum of 4 real "
        "cells divided by 9); dL/dy[0,0] = 1 is divided by 9: each of the 4 real cells gets "
        "0.1111. The divisor counts 5 cells that are not in the input, so part of the "
        "gradient is not passed on."
    ]
    no_pad = step_sentences(scatter_steps(X6, np.ones((4, 4)), PoolSpec(3, 1, mode="avg")), 1)
    # Rows 0-2, cols 0-2 sum to 30: 30 / 9 = 3.333; nothing lost.
    assert no_pad == ["Window (0,0) covers rows 0–2, columns 0–2; its average is 3.333 (sum of "
                      "9 real cells divided by 9); dL/dy[0,0] = 1 is divided by 9: each of the "
                      "9 real cells gets 0.1111."]


def test_step_sentence_dilated_window_lists_rows():
    # Kernel 2, dilation 2 on 6x6: window (0,0) reads rows 0, 2 and columns 0, 2.
    s = step_sentences(scatter_steps(X6, np.ones((4, 4)), PoolSpec(2, stride=1, dilation=2)), 1)
    # Cells (0,0)=1, (0,2)=3, (2,0)=0, (2,2)=9 -> 9 at (2,2).
    assert s[0].startswith("Window (0,0) covers rows 0, 2, columns 0, 2; its maximum 9 is at "
                           "(2,2);")


def test_step_sentence_divisor_override_does_not_blame_missing_cells():
    spec = PoolSpec(kernel_size=3, stride=1, mode="avg", divisor_override=18)
    s = step_sentences(scatter_steps(X6, np.ones((4, 4)), spec), limit=1)
    assert "divided by 18" in s[0] and "gets 0.05556" in s[0]
    assert "not in the input" not in s[0]
