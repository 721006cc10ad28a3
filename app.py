"""Pooling Backprop Explorer: the navigation frame and the language. Run with `scripts/start`."""

import base64
import gc
from pathlib import Path

import streamlit as st

from ui.i18n import LANG_KEY, LANGUAGES, normalise_language, t
from ui.links.pagelink import read_app_params, remember_opening_link
from ui.views.projector import PROJECTOR_KEY, apply_projector_style

# The tab's icon, a 288-byte file of the app's own sent inline as a data: URL: the browser
# asks no one for it. A `:material/…:` icon would make every load and rerun ask
# fonts.gstatic.com (a third party; nothing offline); the file's path would make every rerun
# fetch it again from the app (/media/…).
FAVICON = "data:image/png;base64," + base64.b64encode(
    (Path(__file__).resolve().parent / "ui" / "assets" / "favicon.png").read_bytes()).decode()


@st.cache_resource(show_spinner=False)
def _freeze_startup_objects() -> bool:
    """Once per server process: exempt the modules' objects from the garbage collector.

    Streamlit collects garbage after every run (`gc.collect(2)`); with NumPy, pandas, Plotly
    and Streamlit loaded that walked about 120 000 long-lived objects, 30-80 ms of server CPU
    per interaction that held the GIL. Frozen, they are skipped; objects made later (sessions,
    caches, figures) are still collected.
    """
    import pandas  # noqa: F401
    import plotly.graph_objects  # noqa: F401

    import pooling_core  # noqa: F401
    import ui.compute  # noqa: F401
    import ui.exports.view  # noqa: F401
    import ui.views.figures  # noqa: F401
    import ui.widgets.picture  # noqa: F401
    import ui.widgets.session  # noqa: F401

    gc.collect()
    gc.freeze()
    return True


_freeze_startup_objects()
ss = st.session_state
if LANG_KEY not in ss:
    # First run of this session: ?lang= in the URL, else the browser's language, else English.
    ss[LANG_KEY] = (
        normalise_language(st.query_params.get(LANG_KEY))
        or normalise_language(st.context.locale)
        or "en"
    )
read_app_params()  # a link's base=1 counts rows and columns from 1, whichever page it opens

st.set_page_config(page_title=t("app.title"), page_icon=FAVICON, layout="wide")

with st.sidebar:
    # Plain labels: a label is the widget's accessible name, an icon code in it would be read
    # out ("material/translate Language"); the language box shows its icon inside instead.
    st.selectbox(t("app.language"), list(LANGUAGES), key=LANG_KEY, format_func=LANGUAGES.get,
                 icon=":material/translate:")
    # Kept in session state across pages (a widget not drawn in a run would forget it).
    ss[PROJECTOR_KEY] = bool(ss.get(PROJECTOR_KEY, False))
    st.toggle(t("app.projector"), key=PROJECTOR_KEY, help=t("help.projector"))
apply_projector_style()
st.query_params[LANG_KEY] = ss[LANG_KEY]  # keeps the language in links and across pages

pages = [
    st.Page("app_pages/explorer.py", title=t("nav.explorer"), icon=":material/grid_on:",
            default=True),
    st.Page("app_pages/ties.py", title=t("nav.ties"), icon=":material/balance:"),
    st.Page("app_pages/exercise.py", title=t("nav.exercise"), icon=":material/quiz:"),
    st.Page("app_pages/next_layer.py", title=t("nav.next_layer"), icon=":material/account_tree:"),
    st.Page("app_pages/theory.py", title=t("nav.theory"), icon=":material/school:"),
    st.Page("app_pages/frameworks.py", title=t("nav.frameworks"), icon=":material/compare:"),
]
current = st.navigation(pages)
remember_opening_link(current.url_path)  # the link this session was opened with
current.run()
