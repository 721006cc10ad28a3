"""Widgets that collect the user's input and return plain values or a `PoolSpec`.

Nothing here computes a result. State lives in `st.session_state` (one per browser session);
callbacks change it before the widgets are drawn, so presets and resizes never fight a widget.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from pooling_core import PoolingError, PoolSpec
from ui.errors import InputError
from ui.format import MAX_CELL_CHARS, literal
from ui.i18n import t
from ui.views.projector import projector_on
from ui.widgets.grid import (  # noqa: F401  (parse_grid is used by pages)
    DEFAULT_PRESET,
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
from ui.widgets.grideditor import grid_editor as _grid_editor
from ui.widgets.grideditor import is_number

PARAM_DEFAULTS: dict[str, object] = {
    "mode": "max", "kh": 3, "kw": 3, "sh": 1, "sw": 1, "ph": 0, "pw": 0, "dh": 1, "dw": 1,
    "ceil_mode": False, "ties": "first", "count_include_pad": True, "divisor_override": 0,
}
TIES = ("first", "last", "split", "all")


PERSISTENT_KEYS = tuple(PARAM_DEFAULTS) + ("gy_mode", "gy_seed", "gy_i", "gy_j", "gy_grid",
                                           "step")
KEPT_KEY = "explorer_kept"  # {key: value} of PERSISTENT_KEYS, as the Explorer last ran


def init_state() -> None:
    """Defaults for a new session (the 6x6 overlap example), and keep widget values alive.

    Streamlit forgets a widget's value when the widget is not drawn in a run (the tie policy in
    average mode, dL/dy while the input is invalid, every parameter while another page runs);
    writing each value back on every run, and a copy of it under KEPT_KEY, keeps it.
    """
    ss = st.session_state
    # While another page runs, Streamlit drops these widgets' values (their widgets are not
    # drawn there); the copy under KEPT_KEY is plain session state and outlives the visit.
    # A value another page set on purpose (Theory's and Ties' "Open in the Explorer") wins.
    kept = ss.setdefault(KEPT_KEY, {})
    for k, v in kept.items():
        if k not in ss:
            ss[k] = v
    for k, v in PARAM_DEFAULTS.items():
        ss.setdefault(k, v)
    for k in (*PERSISTENT_KEYS, "preset"):
        if k in ss:
            ss[k] = ss[k]
            kept[k] = ss[k]
    if "grid_text" not in ss:
        ss.grid_text = preset_text(DEFAULT_PRESET)
        ss.grid_version = 0
    ss.setdefault("preset", DEFAULT_PRESET)
    ss.setdefault("rows", len(ss.grid_text))
    ss.setdefault("cols", len(ss.grid_text[0]))


def _set_grid(rows: list[list[str]]) -> None:
    ss = st.session_state
    ss.grid_text = rows
    ss.grid_version = ss.get("grid_version", 0) + 1
    ss.rows, ss.cols = len(rows), len(rows[0])


def load_preset() -> None:
    """Callback: put the chosen preset's grid and parameters in place."""
    ss = st.session_state
    p = PRESETS[ss.preset]
    _set_grid(preset_text(p.key))
    params = dict(p.params)
    for name, (a, b) in (("kernel", ("kh", "kw")), ("stride", ("sh", "sw")),
                         ("padding", ("ph", "pw")), ("dilation", ("dh", "dw"))):
        if name in params:
            ss[a], ss[b] = params.pop(name)
    for k, v in params.items():
        ss[k] = v
    ss.step = 0


def open_in_explorer(rows: list[list[str]], **params: object) -> None:
    """Another page's view into the Explorer's state (a callback before a page switch): the grid
    `rows` (text) and `params` (keys of PARAM_DEFAULTS), every other parameter at its default,
    dL/dy all ones, the first step."""
    ss = st.session_state
    _set_grid([list(row) for row in rows])
    for k, v in {**PARAM_DEFAULTS, **params}.items():
        ss[k] = v
    ss.gy_mode = "ones"
    ss.step = 0


def _resize() -> None:
    ss = st.session_state
    rows = int(ss.rows or 1)
    cols = int(ss.cols or 1)
    _set_grid(resize(ss.grid_text, rows, cols))


def _random_fill() -> None:
    ss = st.session_state
    grid = random_grid(int(ss.rand_rows), int(ss.rand_cols), int(ss.rand_seed),
                       float(ss.rand_low), float(ss.rand_high), bool(ss.rand_int))
    _set_grid(to_text(grid))


def _csv_loaded() -> None:
    ss = st.session_state
    ss.csv_message = None
    upload = ss.get("csv_upload")
    if upload is None:
        return
    try:
        grid, header = parse_csv(upload.getvalue())
    except InputError as e:  # the file's own text in the message is shown literally
        params = {k: literal(v) if isinstance(v, str) else v for k, v in e.params.items()}
        ss.csv_message = ("error", t(f"csv.{e.code}", **params))
        return
    _set_grid(to_text(grid))
    ss.csv_message = ("info", t("csv.loaded_header" if header else "csv.loaded",
                                rows=grid.shape[0], cols=grid.shape[1]))


def _pair(name: str, a: str, b: str, lo: int, hi: int, help_key: str):
    """Height and width of one parameter side by side, each labelled in full ("Kernel height"):
    a label is the field's accessible name, and "height" alone would not say which of the
    eight it is. The help sits on the height field, where it is named "Help for Kernel height"
    (on a bare heading every help button was named "Help")."""
    c1, c2 = st.columns(2, vertical_alignment="bottom")
    c1.number_input(t(f"param.{name}_h"), min_value=lo, max_value=hi, step=1, key=a,
                    help=t(help_key))
    c2.number_input(t(f"param.{name}_w"), min_value=lo, max_value=hi, step=1, key=b)
    return st.container()


def parameter_controls() -> dict[str, DeltaGenerator]:
    """The pooling parameters (sidebar). Values land in session_state.

    Returns a container right under each control group, keyed by the core's parameter name
    (kernel_size, stride, padding, dilation, divisor_override), so an error can be shown
    next to the control that caused it.
    """
    st.radio(t("param.mode"), ("max", "avg"), key="mode", horizontal=True,
             format_func=lambda m: t(f"mode.{m}"))
    boxes = {
        "kernel_size": _pair("kernel", "kh", "kw", 0, MAX_SIDE, "help.kernel"),
        "stride": _pair("stride", "sh", "sw", 0, MAX_SIDE, "help.stride"),
        "padding": _pair("padding", "ph", "pw", 0, MAX_SIDE // 2, "help.padding"),
        "dilation": _pair("dilation", "dh", "dw", 0, 8, "help.dilation"),
    }
    st.checkbox(t("param.ceil_mode"), key="ceil_mode", help=t("help.ceil_mode"))
    if st.session_state.mode == "max":
        st.selectbox(t("param.ties"), TIES, key="ties",
                     format_func=lambda p: t(f"policy.{p}.short"),
                     help=t("help.ties"))
    else:
        st.checkbox(t("param.count_include_pad"), key="count_include_pad",
                    help=t("help.count_include_pad"))
        st.number_input(t("param.divisor_override"), min_value=0, max_value=10_000, step=1,
                        key="divisor_override", help=t("help.divisor_override"))
        boxes["divisor_override"] = st.container()
    return boxes


def build_spec() -> PoolSpec:
    """The PoolSpec of the current controls; raises PoolingError when they do not fit."""
    ss = st.session_state
    return _spec_from({k: ss[k] for k in PARAM_DEFAULTS})


_AXIS_KEYS = {"height": "param.h", "width": "param.w"}
_NAME_KEYS = {"kernel_size": "param.kernel", "stride": "param.stride", "padding": "param.padding",
              "dilation": "param.dilation"}


def error_text(e: PoolingError) -> str:
    """A core error in the user's language (English text of the core as the fallback).

    The core names axes and parameters in English ("height", "kernel_size"); they are
    translated here before they are put into the message.
    """
    params = dict(e.params)
    if params.get("axis") in _AXIS_KEYS:
        params["axis"] = t(_AXIS_KEYS[params["axis"]])
    if params.get("name") in _NAME_KEYS:
        params["name"] = t(_NAME_KEYS[params["name"]])
    text = t(f"error.{e.code}", **params)
    return str(e) if text == f"error.{e.code}" else text


def grid_editor(key: str, rows: list[list[str]], label: str,
                accepts: Callable[[str], bool] = is_number) -> list[list[str]]:
    """A keyed, fixed-size text grid editor (ui.widgets.grideditor); returns the H x W text shown.

    Cells whose text `accepts` refuses are marked in the grid; the caller says why.
    """
    return _grid_editor(key, rows, label, projector=projector_on(), accepts=accepts)


def cell_error_text(e: CellError, blank_key: str = "grid.blank") -> str:
    """One cell that is not a number, e.g. `(0,1) “abc”`: what was typed is shown literally
    (ui.format.literal), a blank or an overlong cell is described instead."""
    if e.too_long:
        return f"({e.row},{e.col}) {t('grid.too_long', limit=MAX_CELL_CHARS)}"
    if not e.text:
        return f"({e.row},{e.col}) {t(blank_key)}"
    return f"({e.row},{e.col}) “{literal(e.text)}”"


def cell_errors_text(errors: list[CellError]) -> str:
    shown = ", ".join(cell_error_text(e) for e in errors[:6])
    more = t("grid.more", n=len(errors) - 6) if len(errors) > 6 else ""
    return t("grid.not_numbers", cells=shown + more)


def input_controls() -> tuple[np.ndarray | None, list[CellError]]:
    """Preset, size, random fill, CSV upload and the grid editor. Returns (x or None, errors)."""
    ss = st.session_state
    # The example row spans the page, above the grid: in a column beside the grid the chosen
    # example's name was cut ("6×6, kernel 3,") at 1024 px in projector mode, and a select box
    # cannot wrap its text. The box keeps room for the longest example name (22rem: 352 px,
    # 462 px in projector mode) or the whole row; the button wraps below it when both do not
    # fit (a phone, projector mode at 1024 px).
    st.html("<style>.st-key-preset_row > .st-key-preset { min-width: min(100%, 22rem); }"
            "</style>")
    with st.container(horizontal=True, vertical_alignment="bottom", key="preset_row"):
        st.selectbox(t("input.preset"), list(PRESETS), key="preset",
                     format_func=lambda k: t(f"preset.{k}"))
        st.button(t("input.load"), key="load_preset", on_click=load_preset,
                  icon=":material/upload:", wrap=True)
    c1, c2 = st.columns([3, 2], gap="large")
    with c2:
        note = st.empty()  # the example's note, while the grid is the example (below)
        r1, r2 = st.columns(2)
        r1.number_input(t("input.rows"), 1, MAX_SIDE, step=1, key="rows", on_change=_resize)
        r2.number_input(t("input.cols"), 1, MAX_SIDE, step=1, key="cols", on_change=_resize)
        with st.expander(t("input.random"), icon=":material/casino:"):
            a, b = st.columns(2)
            a.number_input(t("input.rows"), 1, MAX_SIDE, value=8, key="rand_rows")
            b.number_input(t("input.cols"), 1, MAX_SIDE, value=8, key="rand_cols")
            a.number_input(t("input.low"), value=0.0, key="rand_low")
            b.number_input(t("input.high"), value=4.0, key="rand_high")
            a.number_input(t("input.seed"), 0, 2**31 - 1, value=0, key="rand_seed")
            b.checkbox(t("input.integers"), value=True, key="rand_int",
                       help=t("help.integers"))
            st.button(t("input.fill"), key="rand_fill", on_click=_random_fill)
        with st.expander(t("input.csv"), icon=":material/table_view:"):
            st.file_uploader(t("input.csv_label"), type=["csv", "txt", "tsv"],
                             key="csv_upload", on_change=_csv_loaded, help=t("help.csv"))
            msg = ss.get("csv_message")
            if msg:
                (st.error if msg[0] == "error" else st.info)(msg[1])
        with st.expander(t("image.label"), icon=":material/image:"):
            from ui.widgets.picture import image_input

            image_input(on_load=lambda grid: _set_grid(to_text(grid)))
    with c1:
        rows = grid_editor(f"grid_editor_{ss.grid_version}", ss.grid_text, t("input.caption"))
    # The editor's own state replays the edits onto this text, which then already holds them;
    # kept here, they outlive the editor when the student visits another page.
    ss.grid_text = rows
    if rows == preset_text(ss.preset):  # an edited grid is no longer the example it describes
        note.caption(t(f"preset.{ss.preset}.note"))
    x, errors = parse_grid(rows)
    if errors:
        c1.error(cell_errors_text(errors), icon=":material/error:")
    return x, errors


GY_MODES = ("ones", "random", "onehot", "custom")


def upstream_controls(out_hw: tuple[int, int]) -> tuple[np.ndarray | None, str | None]:
    """Choose dL/dy of shape `out_hw`. Returns (array or None, error text or None)."""
    ss = st.session_state
    oh, ow = out_hw
    ss.setdefault("gy_mode", "ones")
    st.radio(t("gy.mode"), GY_MODES, key="gy_mode", horizontal=True,
             format_func=lambda m: t(f"gy.{m}"))
    mode = ss.gy_mode
    if mode == "ones":
        return np.ones(out_hw), None
    if mode == "random":
        ss.setdefault("gy_seed", 1)
        st.number_input(t("input.seed"), 0, 2**31 - 1, key="gy_seed")
        return random_upstream(out_hw, int(ss.gy_seed)), None
    if mode == "onehot":
        a, b = st.columns(2)
        ss.setdefault("gy_i", 0)
        ss.setdefault("gy_j", 0)
        a.number_input(t("gy.i"), 0, MAX_SIDE, key="gy_i")
        b.number_input(t("gy.j"), 0, MAX_SIDE, key="gy_j")
        i, j = int(ss.gy_i), int(ss.gy_j)
        if i >= oh or j >= ow:
            return None, t("gy.onehot_out", i=i, j=j, oh=oh, ow=ow)
        g = np.zeros(out_hw)
        g[i, j] = 1.0
        return g, None
    key = f"gy_editor_{oh}x{ow}"
    start = ss.get("gy_grid")
    if start is not None and np.shape(start) == (oh, ow):
        base = to_text(np.array(start, dtype=np.float64))
    else:
        base = [["1"] * ow for _ in range(oh)]
    rows = grid_editor(key, base, t("gy.caption", oh=oh, ow=ow))
    g, errors = parse_grid(rows)
    if errors:
        return None, cell_errors_text(errors)
    ss.gy_grid = g.tolist()
    return g, None


# ----------------------------------------------------------------- classroom links
URL_STATE_KEYS = PERSISTENT_KEYS + ("hide",)


def apply_url_state() -> list[str]:
    """On a session's first run: load the state a link carries. Returns notes to show.

    Each parameter is validated alone (ui.links.urlstate); then grid and parameters together: a
    combination that cannot be pooled is dropped with a note, and the defaults stay.
    """
    from ui.links.pagelink import note_texts, take_link
    from ui.links.urlstate import decode_state

    ss = st.session_state
    query = take_link("")  # the Explorer is the default page: its path is ""
    if query is None:
        return ss.get("url_notes", [])
    fields, problems = decode_state(query)
    notes = note_texts(problems)
    grid = fields.pop("grid", None)
    params = {k: v for k, v in fields.items() if k in PARAM_DEFAULTS}
    others = {k: v for k, v in fields.items() if k not in PARAM_DEFAULTS}
    if grid is not None:
        _set_grid(to_text(np.array(grid, dtype=np.float64)))
    trial = {**{k: ss[k] for k in PARAM_DEFAULTS}, **params}
    try:
        spec = _spec_from(trial)
        from pooling_core import output_size

        output_size((len(ss.grid_text), len(ss.grid_text[0])), spec)
    except PoolingError as e:
        notes.append(t("url.url_combo", reason=error_text(e)))
        params = {}
    for k, v in {**params, **others}.items():
        ss[k] = v
    ss.url_notes = notes
    return notes


def spec_from_key(key: tuple) -> PoolSpec:
    """The PoolSpec behind a cache key (ui.compute.spec_key)."""
    return PoolSpec(**dict(key))


def _spec_from(values: dict) -> PoolSpec:
    div = int(values.get("divisor_override") or 0)
    return PoolSpec(
        kernel_size=(int(values["kh"]), int(values["kw"])),
        stride=(int(values["sh"]), int(values["sw"])),
        padding=(int(values["ph"]), int(values["pw"])),
        dilation=(int(values["dh"]), int(values["dw"])),
        ceil_mode=bool(values["ceil_mode"]),
        mode=values["mode"],
        ties=values["ties"],
        count_include_pad=bool(values["count_include_pad"]),
        divisor_override=div if div > 0 else None,
    )


def current_query(x: np.ndarray, gy: np.ndarray, spec: PoolSpec) -> dict[str, str]:
    """The query parameters of the view on screen: the last valid x, dL/dy and spec (never
    the half-typed widget values), the step, hide options and the language."""
    from ui.i18n import LANG_KEY
    from ui.links.urlstate import encode_state

    ss = st.session_state
    state: dict[str, object] = {
        "grid": x.tolist(),
        "kh": spec.k[0], "kw": spec.k[1], "sh": spec.s[0], "sw": spec.s[1],
        "ph": spec.p[0], "pw": spec.p[1], "dh": spec.d[0], "dw": spec.d[1],
        "ceil_mode": spec.ceil_mode, "mode": spec.mode, "ties": spec.ties,
        "count_include_pad": spec.count_include_pad,
        "divisor_override": spec.divisor_override or 0,
        "step": ss.get("step", 0), "hide": ss.get("hide"),
    }
    state.update(_gy_state(gy))
    q = encode_state(state)
    q[LANG_KEY] = ss.get(LANG_KEY, "en")
    return q


def _gy_state(gy: np.ndarray) -> dict[str, object]:
    """Describe dL/dy compactly: ones, one-hot, the seeded random one, or the grid itself."""
    ss = st.session_state
    if np.array_equal(gy, np.ones_like(gy)):
        return {"gy_mode": "ones"}
    hot = np.argwhere(gy != 0)
    if len(hot) == 1 and gy[tuple(hot[0])] == 1:
        return {"gy_mode": "onehot", "gy_i": int(hot[0][0]), "gy_j": int(hot[0][1])}
    if ss.get("gy_mode") == "random" and np.array_equal(gy, random_upstream(gy.shape,
                                                                           ss.get("gy_seed", 1))):
        return {"gy_mode": "random", "gy_seed": int(ss.get("gy_seed", 1))}
    return {"gy_mode": "custom", "gy_grid": gy.tolist()}


def random_upstream(shape: tuple[int, int], seed: int) -> np.ndarray:
    """The seeded random dL/dy: values in [-1, 1] with one decimal."""
    rng = np.random.default_rng(int(seed))
    return np.round(rng.uniform(-1, 1, size=shape), 1)


def share_controls(query: dict[str, str]) -> None:
    """'Share this exact view' for the Explorer, with both classroom hide options."""
    from ui.links.pagelink import share_box

    share_box(query, ("controls", "answers"))
