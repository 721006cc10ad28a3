"""Pooling Backprop Explorer: the navigation frame. Run with `scripts/start`."""

import streamlit as st

from ui.i18n import t

st.set_page_config(page_title=t("app.title"), page_icon=":material/grid_on:", layout="wide")

pages = [
    st.Page("pages/explorer.py", title=t("nav.explorer"), icon=":material/grid_on:", default=True),
]
st.navigation(pages).run()
