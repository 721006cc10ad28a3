"""Pooling Backprop Explorer: the navigation frame and the language. Run with `scripts/start`."""

import streamlit as st

from ui.charts import PROJECTOR_KEY, apply_projector_style
from ui.i18n import LANG_KEY, LANGUAGES, normalise_language, t
from ui.pagelink import remember_opening_link

ss = st.session_state
if LANG_KEY not in ss:
    # First run of this session: ?lang= in the URL, else the browser's language, else English.
    ss[LANG_KEY] = (
        normalise_language(st.query_params.get(LANG_KEY))
        or normalise_language(st.context.locale)
        or "en"
    )

st.set_page_config(page_title=t("app.title"), page_icon=":material/grid_on:", layout="wide")

with st.sidebar:
    st.selectbox(f":material/translate: {t('app.language')}", list(LANGUAGES), key=LANG_KEY,
                 format_func=LANGUAGES.get)
    # Kept in session state across pages (a widget not drawn in a run would forget it).
    ss[PROJECTOR_KEY] = bool(ss.get(PROJECTOR_KEY, False))
    st.toggle(f":material/co_present: {t('app.projector')}", key=PROJECTOR_KEY,
              help=t("help.projector"))
apply_projector_style()
st.query_params[LANG_KEY] = ss[LANG_KEY]  # keeps the language in links and across pages

pages = [
    st.Page("app_pages/explorer.py", title=t("nav.explorer"), icon=":material/grid_on:",
            default=True),
    st.Page("app_pages/ties.py", title=t("nav.ties"), icon=":material/balance:"),
    st.Page("app_pages/exercise.py", title=t("nav.exercise"), icon=":material/quiz:"),
    st.Page("app_pages/next_layer.py", title=t("nav.next_layer"), icon=":material/account_tree:"),
    st.Page("app_pages/theory.py", title=t("nav.theory"), icon=":material/school:"),
]
current = st.navigation(pages)
remember_opening_link(current.url_path)  # the link this session was opened with
current.run()
