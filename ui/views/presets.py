"""Examples from the questions people ask: each opens a page on an example, with the question
above it in one plain line (and, for some, a second line that says what the answer depends on).

The questions are data (ui.widgets.grid QUESTIONS: the page, the PRESETS grid and layer or the
Next layer page's values); this module applies one to a page's session state, from a button
(`question_menu`) or from a classroom link's `q` (`take_question`), and shows its line while
the view is still the one the question opened (`question_line`: an edit makes it go, and the
link then no longer carries `q`).

    slot = take_question("ties")                # below the title, after the page's own link
    ...
    query = question_line("ties", slot, query)  # before publishing the page's link
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from ui.format import ix, literal, subscript
from ui.i18n import t
from ui.links.pagelink import OPENING_LINK_KEY
from ui.widgets.grid import PRESETS, QUESTIONS, Question, preset_text


def _subscripts() -> dict[str, str]:
    """{w0}..{w2} of a question's note: the subscripts of rows 0..2 in the session's index
    base (W₀ⱼ counting from 0, W₁ⱼ from 1), as the Next layer page names them."""
    return {f"w{n}": subscript(ix(n)) for n in range(3)}


PAGE_FILES = {"": "app_pages/explorer.py", "ties": "app_pages/ties.py",
              "next_layer": "app_pages/next_layer.py"}
# Link parameters that do not change the example: a question stays while they change.
FREE_PARAMS = ("q", "lang", "step", "hide")
# The Next layer page's grid editors' keys (ui.widgets.layer_inputs): x, W, b, dL/da, K.
NEXT_EDITORS = ("nl_x_", "nl_W_", "nl_b_", "nl_da_", "nl_K_")


def _state_key(page: str) -> str:
    return f"question:{page}"


def apply_question(q: Question) -> None:
    """Put the question's example into its page's session state (before the page's widgets
    are drawn: from a callback, or at the top of that page's run)."""
    ss = st.session_state
    if q.page == "":  # the Explorer: the example's grid and layer, dL/dy all ones, step 0
        from ui.widgets.inputs import load_preset

        ss.preset = q.preset
        load_preset()
        ss.gy_mode = "ones"
    elif q.page == "ties":
        spec = PRESETS[q.preset].spec
        ss.ties_base = preset_text(q.preset)
        ss.ties_grid_version = int(ss.get("ties_grid_version", 0)) + 1
        ss.ties_k, ss.ties_s, ss.ties_open_policy = spec.k[0], spec.s[0], spec.ties
    else:  # Next layer: its values, the grids its editors start from, the followed cell
        # Edits still held for its editors would be replayed onto the example: they go.
        for key in [k for k in ss if str(k).startswith(NEXT_EDITORS)]:
            del ss[key]
        ss.nl_bound_grids = {}
        ss.update(q.state)
        ss.nl_link_grids = {name: [list(row) for row in rows] for name, rows in q.grids.items()}
        if q.cell is not None:
            ss.nl_link_cell = q.cell
    ss[_state_key(q.page)] = [q.key, None]  # the view's signature is taken on its first run


def take_question(page: str) -> object:
    """Once per session and page: the `q` of the link that opened this page, applied over
    what the rest of the link set (a link that carries `q` was published while the view was
    the question's own). Call it below the page's title, before its widgets: returns the
    st.empty slot where `question_line` puts the question."""
    ss = st.session_state
    slot = st.empty()
    flag = f"question_taken:{page}"
    if ss.get(flag):
        return slot
    ss[flag] = True
    opening = ss.get(OPENING_LINK_KEY)
    if opening is None:  # a page run alone (AppTest): its own query
        query = st.query_params.to_dict()
    else:
        query = dict(opening[1]) if opening[0] == page else {}
    q = QUESTIONS.get(str(query.get("q", "")))
    if q is not None and q.page == page:
        apply_question(q)
    return slot


def open_question(key: str) -> None:
    """Callback of a question's button: its example into its page (the switch follows)."""
    q = QUESTIONS[key]
    st.session_state[f"question_taken:{q.page}"] = True  # a later link read must not undo it
    apply_question(q)


def question_menu() -> None:
    """"Questions people ask": one button per question; a click opens its page on its example."""
    box = st.expander(t("slides.q.header"), icon=":material/help:", key="questions_open",
                      on_change="rerun")
    if not box.open:
        return
    with box:
        st.caption(t("slides.q.intro"))
        for key, q in QUESTIONS.items():
            if st.button(t(f"slides.q.{key}"), key=f"question_{key}", on_click=open_question,
                         args=(key,), icon=":material/arrow_forward:", wrap=True):
                st.switch_page(PAGE_FILES[q.page])


def _signature(query: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in query.items() if k not in FREE_PARAMS}


def question_line(page: str, slot: object, query: Mapping[str, str]) -> dict[str, str]:
    """Show the page's question in `slot` (an st.empty) while the view is the one it opened;
    returns the page's link `query` with `q` added while it shows, unchanged otherwise."""
    ss = st.session_state
    held = ss.get(_state_key(page))
    out = dict(query)
    if not held:
        slot.empty()  # type: ignore[attr-defined]  # a write on every run (a fragment's slot)
        return out
    key, signature = held
    now = _signature(query)
    if signature is None:
        held[1] = signature = now
    if now != signature:  # edited: no longer the question's example
        del ss[_state_key(page)]
        slot.empty()  # type: ignore[attr-defined]
        return out
    q = QUESTIONS[key]
    with slot.container():  # type: ignore[attr-defined]
        # Our own catalogue's text, still shown literally: nothing in it is read as Markdown.
        st.info(literal(t(f"slides.q.{key}"), limit=400), icon=":material/help:")
        if q.note:
            st.caption(literal(t(f"slides.q.{key}.note", **_subscripts()), limit=400))
    out["q"] = key
    return out
