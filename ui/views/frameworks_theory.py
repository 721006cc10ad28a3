"""The Theory page's "Frameworks" section: the semantics table (`pooling_core.frameworks.
SEMANTICS`: output size, padding, divisor, tie rule and NaN rule per framework, each row
with its source). The rule is translated from its code; the formula and the source are data,
shown as plain text (escaped: nothing in them is read as Markdown)."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from pooling_core.frameworks import SEMANTICS
from ui.format import literal
from ui.i18n import t
from ui.views.frameworks_text import label

# Long paths and formulas wrap inside their cells, so the table never needs a horizontal
# scroll bar (a scrollable region is one more keyboard stop: axe's scrollable-region-focusable).
# Fixed text: nothing in it comes from data or a visitor.
WRAP_CSS = """<style>
.st-key-fw_semantics :is(td, th), .st-key-fw_semantics :is(td, th) * {
  white-space: normal !important; overflow-wrap: anywhere !important; word-break: break-word; }
.st-key-fw_semantics table { width: 100% !important; min-width: 0 !important; table-layout: fixed; }
</style>"""
PLAIN_MAX = 400  # a formula or a source is shown in full up to this many characters
_GITHUB_FILE = re.compile(r"https://github\.com/([^/\s]+/[^/\s]+)/blob/[^/\s]+/")


def source_text(source: str) -> str:
    """A source as short plain text: a GitHub file URL becomes "owner/repo: path" (no
    address for a Markdown renderer to turn into a link, and short enough to wrap)."""
    return _GITHUB_FILE.sub(r"\1: ", source).replace("https://", "")


def semantics_frame() -> pd.DataFrame:
    """The table: one row per framework and aspect, plain strings only."""
    columns = [t(f"frameworks.theory.col.{c}")
               for c in ("framework", "aspect", "rule", "formula", "source")]
    rows = [(label(r.framework), t(f"frameworks.aspect.{r.aspect}"),
             t(f"frameworks.semantics.{r.aspect}.{r.code}"),
             literal(r.formula, PLAIN_MAX), literal(source_text(r.source), PLAIN_MAX))
            for r in SEMANTICS]
    return pd.DataFrame(rows, columns=columns)


def frameworks_theory_section() -> None:
    """Header, a short text and the table."""
    st.header(t("frameworks.theory.header"), divider="gray")
    st.markdown(t("frameworks.theory.body"))
    with st.container(key="fw_semantics"):
        st.html(WRAP_CSS)
        st.table(semantics_frame(), hide_index=True)
    st.caption(t("frameworks.theory.caption"))
