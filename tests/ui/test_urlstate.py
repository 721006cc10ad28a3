"""Classroom links: the URL codec round-trips, and hostile query strings never break it."""

from __future__ import annotations

import base64
import math
import tracemalloc
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ui.errors import InputError
from ui.format import MAX_CELL_CHARS
from ui.links.explorerlink import PAIR_KEYS, decode_state, encode_state
from ui.links.urlstate import (
    EXERCISE_FIELDS,
    HIDE_OPTIONS,
    MAX_GRID_BYTES,
    MAX_SIDE,
    NEXT_FIELDS,
    PAIR_RANGES,
    TIES_FIELDS,
    Field,
    decode_fields,
    decode_grid,
    encode_fields,
    encode_grid,
)

VALID_CODES = {"url_unknown", "url_too_long", "url_grid_broken", "url_grid_size", "url_number",
               "url_choice", "url_cell_too_long"}

cell = st.one_of(
    st.integers(-50, 50).map(float),
    st.floats(allow_nan=True, allow_infinity=True, width=64),
)


@st.composite
def grids(draw, max_side: int = 8) -> list[list[float]]:
    r = draw(st.integers(1, max_side))
    c = draw(st.integers(1, max_side))
    return [[draw(cell) for _ in range(c)] for _ in range(r)]


def same_grid(a: list[list[float]], b: list[list[float]]) -> bool:
    return len(a) == len(b) and all(
        len(ra) == len(rb)
        and all((math.isnan(x) and math.isnan(y)) or x == y for x, y in zip(ra, rb, strict=True))
        for ra, rb in zip(a, b, strict=True)
    )


@settings(max_examples=200, deadline=None)
@given(grids())
def test_grid_round_trip(g: list[list[float]]) -> None:
    assert same_grid(decode_grid(encode_grid(g)), g)


def test_sixteen_by_sixteen_link_fits_a_chat_message() -> None:
    g = np.random.default_rng(0).integers(0, 10, (16, 16)).astype(float).tolist()
    text = encode_grid(g)
    assert len(text) < 400, len(text)  # the whole link stays well under 1,000 characters
    assert decode_grid(text) == g


states = st.fixed_dictionaries({
    "grid": grids(),
    "kh": st.integers(1, 5), "kw": st.integers(1, 5),
    # stride 0 is no stride: a link carrying it must be refused (the "s" note), see below
    "sh": st.integers(0, 5), "sw": st.integers(0, 5),
    "ph": st.integers(0, 2), "pw": st.integers(0, 2),
    "dh": st.integers(1, 3), "dw": st.integers(1, 3),
    "ceil_mode": st.booleans(), "mode": st.sampled_from(["max", "avg"]),
    "ties": st.sampled_from(["first", "last", "split", "all"]),
    "count_include_pad": st.booleans(), "divisor_override": st.integers(0, 20),
    "gy_mode": st.sampled_from(["ones", "random", "onehot", "custom"]),
    "gy_seed": st.integers(0, 2**31 - 1), "gy_i": st.integers(0, 31), "gy_j": st.integers(0, 31),
    "gy_grid": grids(4), "step": st.integers(0, 1024),
    "hide": st.lists(st.sampled_from(HIDE_OPTIONS), unique=True).map(tuple),
})


@settings(max_examples=200, deadline=None)
@given(states)
def test_state_round_trip(state: dict) -> None:
    fields, notes = decode_state(encode_state(state))
    if 0 in (state["sh"], state["sw"]):  # only the stride is refused, and named
        assert notes == [("s", "url_number")]
        assert "sh" not in fields and "sw" not in fields
        state = {**state, "sh": None, "sw": None}
        fields = {**fields, "sh": None, "sw": None}
    else:
        assert notes == []
    assert same_grid(fields["grid"], state["grid"])
    for k in ("kh", "kw", "sh", "sw", "ph", "pw", "dh", "dw", "mode"):
        assert fields[k] == state[k], k
    assert fields.get("ceil_mode", False) == state["ceil_mode"]
    if state["mode"] == "max":
        assert fields["ties"] == state["ties"]
    else:
        assert fields["count_include_pad"] == state["count_include_pad"]
        assert fields.get("divisor_override", 0) == state["divisor_override"]
    assert fields.get("step", 0) == state["step"]
    assert set(fields.get("hide", ())) == set(state["hide"])
    mode = state["gy_mode"]
    assert fields.get("gy_mode", "ones") == mode
    if mode == "random":
        assert fields["gy_seed"] == state["gy_seed"]
    if mode == "onehot":
        assert (fields["gy_i"], fields["gy_j"]) == (state["gy_i"], state["gy_j"])
    if mode == "custom":
        assert same_grid(fields["gy_grid"], state["gy_grid"])


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(st.text(max_size=12), st.text(max_size=300), max_size=8))
def test_any_query_decodes_or_is_noted(query: dict[str, str]) -> None:
    fields, notes = decode_state(query)
    assert {code for _, code in notes} <= VALID_CODES
    noted = {name for name, _ in notes}
    for key in query:
        assert key == "lang" or key[:40] in noted or _applied(key, fields)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["x", "k", "s", "p", "d", "ceil", "mode", "ties", "cip", "div", "gy",
                        "step", "hide"]),
       st.text(max_size=200))
def test_known_keys_with_random_values(key: str, value: str) -> None:
    """One known parameter is either applied (only its own fields, no note) or refused
    (no field, exactly one note naming it)."""
    fields, notes = decode_state({key: value})
    if notes:
        assert fields == {}
        assert len(notes) == 1 and notes[0][0] == key and notes[0][1] in VALID_CODES, notes
    else:
        assert fields and set(fields) <= FIELDS_OF[key], (key, fields)
        assert _applied(key, fields)
        _check_ranges(fields)


# The state fields each query parameter may set.
FIELDS_OF = {
    "x": {"grid"}, "k": {"kh", "kw"}, "s": {"sh", "sw"}, "p": {"ph", "pw"}, "d": {"dh", "dw"},
    "ceil": {"ceil_mode"}, "mode": {"mode"}, "ties": {"ties"}, "cip": {"count_include_pad"},
    "div": {"divisor_override"}, "gy": {"gy_mode", "gy_seed", "gy_i", "gy_j", "gy_grid"},
    "step": {"step"}, "hide": {"hide"},
}


def _applied(key: str, fields: dict) -> bool:
    names = {"x": "grid", "k": "kh", "s": "sh", "p": "ph", "d": "dh", "ceil": "ceil_mode",
             "cip": "count_include_pad", "div": "divisor_override", "gy": "gy_mode"}
    return names.get(key, key) in fields


def _check_ranges(fields: dict) -> None:
    for k in ("kh", "kw", "sh", "sw", "dh", "dw"):
        if k in fields:
            assert 1 <= fields[k] <= MAX_SIDE
    for k in ("ph", "pw"):
        if k in fields:
            assert 0 <= fields[k] <= MAX_SIDE // 2
    if "grid" in fields:
        g = fields["grid"]
        assert 1 <= len(g) <= MAX_SIDE and 1 <= len(g[0]) <= MAX_SIDE


@pytest.mark.parametrize("query, code", [
    ({"x": "t3x3~1,2,3"}, "url_grid_broken"),  # cut-off link
    ({"x": "t33x1~" + ",".join("1" * 33)}, "url_grid_size"),
    ({"x": "t0x0~"}, "url_grid_size"),
    ({"x": "zzzzzz"}, "url_grid_broken"),
    ({"x": "q1x1~1"}, "url_grid_broken"),
    ({"x": "t1x1~<script>alert(1)</script>"}, "url_grid_broken"),
    ({"x": "t1x1~" + "9" * 5000}, "url_too_long"),
    ({"k": "0"}, "url_number"),
    ({"k": "-1"}, "url_number"),
    ({"k": "3x3x3"}, "url_number"),
    ({"k": "1e3"}, "url_number"),
    ({"s": "99"}, "url_number"),
    ({"p": "../../etc/passwd"}, "url_number"),
    ({"mode": "median"}, "url_choice"),
    ({"ties": "random"}, "url_choice"),
    ({"ceil": "yes"}, "url_choice"),
    ({"hide": "everything"}, "url_choice"),
    ({"gy": "onehot.1"}, "url_number"),
    ({"gy": "custom.t1x2~1"}, "url_grid_broken"),
    ({"gy": "bogus"}, "url_choice"),
    ({"step": "1" * 10}, "url_number"),
    ({"unknown": "1"}, "url_unknown"),
    ({"k": "3" * 10_000}, "url_too_long"),
])
def test_hostile_values_are_ignored_with_a_note(query: dict[str, str], code: str) -> None:
    fields, notes = decode_state(query)
    assert fields == {}
    assert [c for _, c in notes] == [code]


# A valid link with every pair parameter; each boundary case below replaces one of them.
GOOD_PAIRS = {"k": "3", "s": "2", "p": "1", "d": "2", "mode": "max"}
GOOD_FIELDS = {"kh": 3, "kw": 3, "sh": 2, "sw": 2, "ph": 1, "pw": 1, "dh": 2, "dw": 2,
               "mode": "max"}


@pytest.mark.parametrize("key, value", [
    ("s", "0"),      # stride 0: no window would ever move
    ("s", "0x2"),
    ("s", "2x0"),
    ("d", "0"),      # dilation 0
    ("d", "1x0"),
    ("k", "0x2"),    # a kernel of height 0 ...
    ("k", "2x0"),    # ... or width 0
    ("k", "0"),
    ("p", "17"),     # padding past MAX_SIDE // 2 = 16
    ("p", "0x17"),
    ("k", "33"),     # past MAX_SIDE
    ("s", "33"),
    ("d", "9"),      # past 8
])
def test_pair_boundaries_refuse_only_that_parameter(key: str, value: str) -> None:
    """Out of range: that one parameter is refused with a note naming it; the others apply."""
    fields, notes = decode_state({**GOOD_PAIRS, key: value})
    assert notes == [(key, "url_number")]
    a, b = PAIR_KEYS[key]
    assert a not in fields and b not in fields
    assert fields == {f: v for f, v in GOOD_FIELDS.items() if f not in (a, b)}


@pytest.mark.parametrize("key, value, fields", [
    ("s", "1", {"sh": 1, "sw": 1}),
    ("d", "1x1", {"dh": 1, "dw": 1}),
    ("k", "1x32", {"kh": 1, "kw": 32}),
    ("p", "16x0", {"ph": 16, "pw": 0}),
    ("d", "8", {"dh": 8, "dw": 8}),
])
def test_pair_boundaries_accept_the_ends_of_the_range(key: str, value: str, fields) -> None:
    got, notes = decode_state({key: value})
    assert (got, notes) == (fields, [])
    assert PAIR_RANGES == {"k": (1, 32), "s": (1, 32), "p": (0, 16), "d": (1, 8)}


def test_kernel_kept_and_stride_named_when_the_stride_is_zero() -> None:
    fields, notes = decode_state({"k": "2", "s": "0"})
    assert fields == {"kh": 2, "kw": 2}
    assert notes == [("s", "url_number")]


def z_grid(plain: str) -> str:
    """A grid's text deflated as a link carries it ("z" + base64url)."""
    return "z" + base64.urlsafe_b64encode(zlib.compress(plain.encode(), 9)).decode().rstrip("=")


def test_zip_bomb_is_refused() -> None:
    plain = "32x32~" + ",".join(["1"] * 1024) + "," * 200_000
    packed = z_grid(plain)
    assert len(packed) < 4096
    with pytest.raises(InputError) as info:
        decode_grid(packed)
    assert info.value.code == "url_too_long"


def test_zip_bomb_never_inflates_past_the_budget() -> None:
    """About 3 kB of deflated zeros (the most a link value holds) would inflate to 3 MB; the
    decoder stops at MAX_GRID_BYTES (what 32 x 32 cells of the longest text need)."""
    packed = z_grid("1x1~" + "0" * 3_000_000)
    assert len(packed) < 4096
    tracemalloc.start()
    try:
        with pytest.raises(InputError) as info:
            decode_grid(packed)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert info.value.code == "url_too_long"
    assert MAX_GRID_BYTES < 70_000 and peak < 4 * MAX_GRID_BYTES


@pytest.mark.parametrize("text", [
    "t1x1~" + "0" * (MAX_CELL_CHARS + 1),          # plain
    z_grid("2x1~1," + "0" * 1_000),                 # deflated: 1,000 zeros are 0 ...
    z_grid("1x1~0." + "0" * 60_000 + "1"),          # ... within the byte budget
])
def test_a_cell_longer_than_the_cap_refuses_the_grid(text: str) -> None:
    with pytest.raises(InputError) as info:
        decode_grid(text)
    assert info.value.code == "url_cell_too_long"
    fields, notes = decode_state({"x": text, "k": "2", "s": "2"})
    assert notes == [("x", "url_cell_too_long")]
    assert "grid" not in fields and (fields["kh"], fields["sh"]) == (2, 2)
    assert decode_grid("t1x1~" + "0" * MAX_CELL_CHARS) == [[0.0]]  # at the cap: fine


def test_a_cut_off_deflated_grid_is_broken() -> None:
    packed = z_grid("2x2~1,2,3," + "4" * 40)
    with pytest.raises(InputError) as info:
        decode_grid(packed[:-6])
    assert info.value.code == "url_grid_broken"


# ----------------------------------------------------------------- the other pages' fields
PAGE_FIELDS = {"ties": TIES_FIELDS, "exercise": EXERCISE_FIELDS, "next_layer": NEXT_FIELDS}


def field_values(f: Field) -> st.SearchStrategy:
    if f.kind == "int":
        return st.integers(f.lo, f.hi)
    if f.kind == "choice":
        return st.sampled_from(f.choices)
    if f.kind == "hide":
        return st.lists(st.sampled_from(f.choices), min_size=1, unique=True).map(tuple)
    if f.kind == "flag":  # an optional flag that is off is left out of a link: on only
        return st.just(True)
    return grids(max_side=min(f.hi, 8))


@pytest.mark.parametrize("page", list(PAGE_FIELDS))
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_page_fields_round_trip(page: str, data) -> None:
    fields = PAGE_FIELDS[page]
    chosen = data.draw(st.lists(st.sampled_from(fields), unique_by=lambda f: f.name))
    values = {f.name: data.draw(field_values(f)) for f in chosen}
    query = encode_fields(fields, values)
    decoded, problems = decode_fields(fields, query)
    assert problems == []
    assert set(decoded) == set(values)
    for name, v in values.items():
        if isinstance(v, list):
            assert same_grid(decoded[name], v)
        elif isinstance(v, tuple):
            assert set(decoded[name]) == set(v)
        else:
            assert decoded[name] == v


@pytest.mark.parametrize("page", list(PAGE_FIELDS))
@settings(max_examples=150, deadline=None)
@given(query=st.dictionaries(
    st.one_of(st.sampled_from(["x", "k", "s", "policy", "level", "seed", "hide", "src", "cell",
                               "W", "K", "cp", "from", "lang"]), st.text(max_size=12)),
    st.text(max_size=60), max_size=8))
def test_any_page_query_decodes_or_is_noted(page: str, query: dict[str, str]) -> None:
    fields = PAGE_FIELDS[page]
    decoded, problems = decode_fields(fields, query)
    names = {f.name for f in fields}
    assert set(decoded) <= names
    assert {code for _, code in problems} <= VALID_CODES
    # Every parameter is either used or noted (the language belongs to app.py).
    assert set(decoded) | {n for n, _ in problems} | {"lang"} >= {k[:40] for k in query}
    for f in fields:
        if f.name in decoded and f.kind == "int":
            assert f.lo <= decoded[f.name] <= f.hi
