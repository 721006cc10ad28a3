"""The Theory page's sections on the layers around pooling: adaptive and global pooling,
'same' / same_lower / per-side padding and max unpooling. Each is a header, a short text and
the buttons that open the Explorer on its examples (drawn by the page's `open_buttons`), and,
where the Exercise has a level for it, a button that opens that level."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from ui.i18n import t

# Section -> the Theory page's example numbers its buttons open.
VARIANT_SECTIONS: dict[str, tuple[int, ...]] = {
    "adaptive": (9, 10, 11),
    "samepad": (12, 13),
    "unpool": (14, 15),
}
# Section -> the Exercise level that practises it (pooling_core.EXERCISE_LEVELS).
VARIANT_LEVELS: dict[str, str] = {"adaptive": "adaptive", "samepad": "same"}
EXERCISE_PAGE = "app_pages/exercise.py"


def open_level(level: str) -> None:
    """Callback: the Exercise on `level`, its first exercise, the level's own tie policy."""
    st.session_state.update(ex_level=level, ex_seed=1, ex_policy="")


def practise_button(level: str) -> None:
    """A button that opens the Exercise on `level` (the switch follows the click)."""
    if st.button(t("theory.practise", level=t(f"exercise.level.{level}")),
                 key=f"theory_practise_{level}", on_click=open_level, args=(level,),
                 icon=":material/edit:"):
        st.switch_page(EXERCISE_PAGE)


def variant_sections(open_buttons: Callable[..., None]) -> None:
    """One section per variant, each followed by its buttons."""
    for name, numbers in VARIANT_SECTIONS.items():
        st.header(t(f"theory.{name}.header"), divider="gray")
        st.markdown(t(f"theory.{name}.body"))
        open_buttons(*numbers)
        if name in VARIANT_LEVELS:
            practise_button(VARIANT_LEVELS[name])
