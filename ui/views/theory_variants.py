"""The Theory page's sections on the layers around pooling: adaptive and global pooling,
'same' / same_lower / per-side padding and max unpooling. Each is a header, a short text and
the buttons that open the Explorer on its examples (drawn by the page's `open_buttons`)."""

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


def variant_sections(open_buttons: Callable[..., None]) -> None:
    """One section per variant, each followed by its buttons."""
    for name, numbers in VARIANT_SECTIONS.items():
        st.header(t(f"theory.{name}.header"), divider="gray")
        st.markdown(t(f"theory.{name}.body"))
        open_buttons(*numbers)
