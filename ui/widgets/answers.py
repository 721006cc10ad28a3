"""The exercise's three answer editors (y, the mask, dL/dx), and the typed answers kept for the
session so that they outlive a visit to another page."""

from __future__ import annotations

import numpy as np
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from pooling_core import ANSWER_PARTS, Exercise
from ui.format import literal
from ui.i18n import shape_words, t
from ui.views.exercise import answer_kind
from ui.widgets.fractions import parse_answer, parse_answers
from ui.widgets.inputs import base_caption, grid_editor

MAX_KEPT = 30  # exercises whose typed answers are kept for this session
TYPED_KEY = "ex_typed"  # session_state: {exercise id: {part: typed rows}}, most recent last


def answer_editors(ex: Exercise, ex_id: str) -> tuple[dict[str, list[list[str]]],
                                                      dict[str, np.ndarray],
                                                      dict[str, DeltaGenerator]]:
    """One keyed grid editor per answer part, each under its header and hint.

    `ex_id` names the exercise (its editors' keys ``ex_<part>_<ex_id>`` and its kept answers).
    Cells that are not numbers are named in an error below their editor.

    Returns
    -------
    typed : {part: rows of text}, each the part's answer shape
    given : {part: float64 array of that shape, NaN where blank or not a number}
    slots : {part: an empty container below the part's editor, for its feedback}
    """
    # Streamlit drops an editor's state when another page runs; the plain key TYPED_KEY keeps
    # the typed texts, and an editor starts from them when the exercise is opened again.
    kept: dict[str, dict[str, list[list[str]]]] = st.session_state.setdefault(TYPED_KEY, {})
    saved = kept.pop(ex_id, {})  # re-inserted below, so the dict keeps recent ones last
    typed: dict[str, list[list[str]]] = {}
    given: dict[str, np.ndarray] = {}
    slots: dict[str, DeltaGenerator] = {}
    kind = answer_kind(ex)  # the hints of a max, average or adaptive layer
    for part in ANSWER_PARTS:
        rows_n, cols_n = ex.answers[part].shape
        st.subheader(t(f"exercise.part.{part}.header"))
        st.caption(t(f"exercise.part.{part}.hint_{kind}"))
        # A keyed editor replays its edits onto the saved text, which already holds them.
        base = saved.get(part) or [[""] * cols_n for _ in range(rows_n)]
        typed[part] = grid_editor(
            f"ex_{part}_{ex_id}", base, base_caption("exercise.editor.caption",
                                                   **shape_words(rows_n, cols_n)),
            accepts=lambda text: parse_answer(text) is not None)
        given[part], errors = parse_answers(typed[part])
        if errors:
            shown = ", ".join(
                f"({e.row},{e.col}) “{literal(e.text)}”" if e.text else f"({e.row},{e.col})"
                for e in errors[:6])
            more = t("exercise.more", n=len(errors) - 6) if len(errors) > 6 else ""
            st.error(t("exercise.not_numbers", part=t(f"exercise.part.{part}.name"),
                       cells=shown) + more, icon=":material/error:")
        slots[part] = st.container()  # filled with the feedback after a check
    kept[ex_id] = typed
    while len(kept) > MAX_KEPT:
        kept.pop(next(iter(kept)))
    return typed, given, slots
