"""The Exercise page's printable worksheet: how many problems, a button that makes the PDF
(ui.exports.worksheet) of the chosen level, exercise number and tie policy, its download
button, or the translated reason there is none.

The PDF is made when asked for and kept in the session only while the level, number, policy,
count and language are the ones it was made for.
"""

from __future__ import annotations

from ui.exports.offer import Offer, offer_file
from ui.exports.worksheet import MAX_PROBLEMS, WorksheetRefusedError, worksheet_pdf
from ui.i18n import current_language, t

MADE_KEY = "ws_made"  # (what it was made for, bytes or None, message): ui.exports.offer


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
        offer = Offer(t("slides.ws.make"), "ws_make", ":material/picture_as_pdf:",
                      lambda kb: t("slides.ws.made", n=count, kb=kb),
                      t("slides.ws.download"), "ws_download",
                      f"worksheet_{level}_{seed}_{lang}.pdf", "application/pdf")
        offer_file(MADE_KEY, wanted,
                   lambda: worksheet_pdf(level, seed, count, policy, lang,
                                         base_url() or "http://localhost:8501"),
                   WorksheetRefusedError, offer, where=c_make)
