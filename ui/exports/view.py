"""Streamlit widgets for the exports and for loading a picture as the input grid.

Thin: the files are made by `ui.exports.build` and the grid by `ui.widgets.imagegrid`; this
module only draws. Streamlit is imported inside the functions, so importing the module needs
no app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from pooling_core import PoolSpec
from ui.exports.build import (
    arrays_csv,
    arrays_json,
    file_stem,
    latex_all,
    pytorch_snippet,
    torch_accepts,
)
from ui.format import literal
from ui.i18n import t
from ui.widgets.grid import MAX_SIDE
from ui.widgets.imagegrid import LIMITS, MAX_IMAGE_BYTES, UPLOAD_TYPES, ImageError, load_image

if TYPE_CHECKING:
    from ui.compute import Results

IMAGE_KEY = "img_upload"  # the file uploader's widget key
IMAGE_STATE = "img_result"  # session_state: what the current upload became (see image_input)


def export_section(
    x: np.ndarray, grad_output: np.ndarray, spec: PoolSpec, results: Results | None = None
) -> None:
    """An "Export" expander: download buttons for CSV, JSON, LaTeX (.tex) and a PyTorch
    script (.py), then the LaTeX and the script in code blocks (each with a copy button).

    `x` (H, W), `grad_output` (OH, OW), `spec` and `results` are the ones the page shows
    (`results` None: the arrays are computed by pooling_core).
    Widget keys: export_open (the expander), exp_csv, exp_json, exp_tex, exp_py. Downloading
    does not rerun the app; the contents are built only while the expander is open.
    """
    import streamlit as st

    # Drawn only while open (a lazy expander): the files and code blocks cost the server and
    # the browser work on every rerun otherwise, and are rarely looked at.
    box = st.expander(t("export.header"), icon=":material/download:", key="export_open",
                      on_change="rerun")
    if not box.open:
        return
    stem = file_stem(spec)
    py_name = f"{stem}.py"
    latex = latex_all(x, grad_output, spec, results)
    snippet = pytorch_snippet(x, grad_output, spec, file_name=py_name)
    with box:
        st.caption(t("export.intro"))
        # Two per row, labels wrapped: four in a row cut "Arrays and parameters (J…".
        c1, c2 = st.columns(2)
        c3, c4 = st.columns(2)
        c1.download_button(
            t("export.csv"), arrays_csv(x, grad_output, spec, results), file_name=f"{stem}.csv",
            mime="text/csv", key="exp_csv",
            wrap=True, width="stretch", help=t("export.csv_help"), on_click="ignore",
            icon=":material/table_view:")
        c2.download_button(
            t("export.json"), arrays_json(x, grad_output, spec, results),
            file_name=f"{stem}.json", mime="application/json", key="exp_json",
            wrap=True, width="stretch",
            help=t("export.json_help"), on_click="ignore", icon=":material/data_object:")
        c3.download_button(
            t("export.tex"), latex_all(x, grad_output, spec, results, standalone=True),
            file_name=f"{stem}.tex", mime="application/x-tex", key="exp_tex",
            wrap=True, width="stretch",
            help=t("export.tex_help"), on_click="ignore", icon=":material/functions:")
        c4.download_button(
            t("export.py"), snippet, file_name=py_name, mime="text/x-python", key="exp_py",
            wrap=True, width="stretch",
            help=t("export.py_help"), on_click="ignore", icon=":material/code:")
        st.markdown(f"**{t('export.latex_header')}**")
        st.caption(t("export.latex_caption"))
        st.code(latex, language="latex", wrap_lines=True)
        st.markdown(f"**{t('export.py_header')}**")
        st.caption(t("export.py_caption"))
        if not torch_accepts(spec):
            st.info(t("export.py_refused"), icon=":material/info:")
        st.code(snippet, language="python")


def _convert(upload: Any, max_side: int) -> dict[str, Any]:
    """What an uploaded file became: {"file_id", "grid", "name", "width", "height"} or
    {"file_id", "error": (code, params)}."""
    try:
        grid, (width, height) = load_image(upload.getvalue(), max_side=max_side)
    except ImageError as e:
        return {"file_id": upload.file_id, "error": (e.code, dict(e.params))}
    return {"file_id": upload.file_id, "grid": grid, "name": upload.name, "width": width,
            "height": height}


def _image_changed(on_load: Callable[[np.ndarray], None] | None, max_side: int) -> None:
    """on_change of the uploader: convert the new file once, remember it, hand it on."""
    import streamlit as st

    ss = st.session_state
    upload = ss.get(IMAGE_KEY)
    ss[IMAGE_STATE] = None if upload is None else _convert(upload, max_side)
    if on_load is not None and ss[IMAGE_STATE] is not None and "grid" in ss[IMAGE_STATE]:
        on_load(ss[IMAGE_STATE]["grid"])


def image_input(
    on_load: Callable[[np.ndarray], None] | None = None, max_side: int = MAX_SIDE
) -> np.ndarray | None:
    """A file uploader (key "img_upload") for a picture; returns its grid or None.

    The picture is converted once, when it is uploaded (in the uploader's on_change callback,
    i.e. before any widget of the next run is drawn); `on_load(grid)` is called then, so a
    caller can load the grid into the editor exactly like the CSV loader does. On every run
    the function returns the current upload's grid (float64, whole numbers 0-255, longer side
    at most `max_side`), or shows st.error with the translated ImageError and returns None;
    None as well when no file is uploaded.
    """
    import streamlit as st

    ss = st.session_state
    upload = st.file_uploader(
        t("image.label"), type=UPLOAD_TYPES, key=IMAGE_KEY, on_change=_image_changed,
        args=(on_load, max_side), max_upload_size=max(1, MAX_IMAGE_BYTES // (1024 * 1024)),
        help=t("image.help", side=max_side, **LIMITS))
    if upload is None:
        return None
    state = ss.get(IMAGE_STATE)
    if not state or state.get("file_id") != upload.file_id:  # uploaded before a restart
        state = ss[IMAGE_STATE] = _convert(upload, max_side)
    if "error" in state:
        code, params = state["error"]
        st.error(t(f"image.{code}", **params), icon=":material/error:")
        return None
    grid = state["grid"]
    st.caption(t("image.loaded", name=literal(state["name"]), width=state["width"],
                 height=state["height"], rows=grid.shape[0], cols=grid.shape[1]))
    return grid
