"""The picture uploader: a picture file becomes the input grid (grayscale, downsampled).

Thin: the grid is made by `ui.widgets.imagegrid`; this module only draws the uploader and
remembers what the current upload became. Streamlit is imported inside the functions, so
importing the module needs no app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ui.errors import InputError
from ui.format import literal
from ui.i18n import t
from ui.widgets.grid import MAX_SIDE
from ui.widgets.imagegrid import LIMITS, MAX_IMAGE_BYTES, UPLOAD_TYPES, load_image

IMAGE_KEY = "img_upload"  # the file uploader's widget key
IMAGE_STATE = "img_result"  # session_state: what the current upload became (see image_input)


def _convert(upload: Any, max_side: int) -> dict[str, Any]:
    """What an uploaded file became: {"file_id", "grid", "name", "width", "height"} or
    {"file_id", "error": (code, params)}."""
    try:
        grid, (width, height) = load_image(upload.getvalue(), max_side=max_side)
    except InputError as e:
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
    at most `max_side`), or shows st.error with the translated InputError and returns None;
    None as well when no file is uploaded.
    """
    import streamlit as st

    ss = st.session_state
    upload = st.file_uploader(
        t("image.label"), type=UPLOAD_TYPES, key=IMAGE_KEY, on_change=_image_changed,
        args=(on_load, max_side), max_upload_size=max(1, MAX_IMAGE_BYTES // (1024 * 1024)),
        help=t("image.help", side=max_side, count=max_side, **LIMITS))
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
