"""The Exercise page's printable worksheet: how many problems, a button that makes the PDF
(ui.exports.worksheet) of the chosen level, exercise number and tie policy, its download
button, or the translated reason there is none.

The PDF is made when asked for and kept in the session only while the level, number, policy,
count and language are the ones it was made for.
"""

from __future__ import annotations

from ui.exports.worksheet import MAX_PROBLEMS, WorksheetRefusedError, worksheet_pdf
from ui.i18n import current_language, t

MADE_KEY = "ws_made"  # (what it was made for, bytes or None, message)


def base_url() -> str:
    """The app's address (the page's URL without its path's last part and query)."""
    import streamlit as st

    url = (st.context.url or "").split("?")[0].rstrip("/")
    return url[: -len("/exercise")] if url.endswith("/exercise") else url


def worksheet_section(level: str, seed: int, policy: str | None) -> None:
    """A closed expander with the worksheet's count, make and download buttons."""
    import streamlit as st

    ss = st.session_state
    box = st.expander(t("slides.ws.header"), icon=":material/print:", key="ws_open",
                      on_change="rerun")
    if not box.open:
        return
    lang = current_language()
    with box:
        st.caption(t("slides.ws.help"))
        c_count, c_make = st.columns(2, vertical_alignment="bottom")
        c_count.number_input(t("slides.ws.count"), 1, MAX_PROBLEMS, value=5, step=1,
                             key="ws_count")
        count = int(ss.ws_count)
        wanted = (level, seed, policy, count, lang)
        if c_make.button(t("slides.ws.make"), key="ws_make", icon=":material/picture_as_pdf:"):
            try:
                ss[MADE_KEY] = (wanted, worksheet_pdf(level, seed, count, policy, lang,
                                                      base_url() or "http://localhost:8501"),
                                "")
            except WorksheetRefusedError as e:
                ss[MADE_KEY] = (wanted, None, e.message)
        made = ss.get(MADE_KEY)
        if not made or made[0] != wanted:
            ss.pop(MADE_KEY, None)  # another worksheet: the old file goes
            return
        _, data, message = made
        if data is None:
            st.info(message, icon=":material/info:")
            return
        st.caption(t("slides.ws.made", n=count, kb=max(1, len(data) // 1024)))
        st.download_button(t("slides.ws.download"), data,
                           file_name=f"worksheet_{level}_{seed}_{lang}.pdf",
                           mime="application/pdf", key="ws_download", on_click="ignore",
                           icon=":material/download:")
