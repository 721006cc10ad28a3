"""The Export section's animation for slides: size, speed, format, a button that makes the file
(ui.exports.gif) and its download button, or the translated reason there is none.

The file is made when asked for (not on every rerun) and kept in the session only while the
configuration, language, size, speed and format are the ones it was made for.
"""

from __future__ import annotations

from pooling_core import ScatterSteps
from ui.exports.gif import MS_RANGE, SIZES, GifRefusedError, backward_gif, frames_zip, refusal
from ui.exports.offer import Offer, offer_file
from ui.i18n import current_language, t
from ui.views.projector import projector_on

MADE_KEY = "gif_made"  # (what it was made for, bytes or None, message): ui.exports.offer
FORMATS = ("gif", "zip")


def gif_section(steps: ScatterSteps, stem: str, config: tuple) -> None:
    """Controls and the download button of the animation of `steps` (its file name starts
    with `stem`; `config` identifies the configuration, e.g. ui.compute.content_key)."""
    import streamlit as st

    with st.container(key="gif_box"):  # one element: the page's tests and styles find it
        _gif_controls(steps, stem, config)


def _gif_controls(steps: ScatterSteps, stem: str, config: tuple) -> None:
    import streamlit as st

    ss = st.session_state
    lang = current_language()
    st.markdown(f"**{t('slides.gif.header')}**")
    st.caption(t("slides.gif.help"))
    if ss.get("gif_size") not in SIZES:  # first time: the size of the room the page is in
        ss.gif_size = "projector" if projector_on() else "slide"
    # The size on a row of its own: in a third of a projector's page its choice was cut.
    st.selectbox(t("slides.gif.size"), tuple(SIZES), key="gif_size",
                 format_func=lambda s: t(f"slides.gif.size.{s}"))
    c_ms, c_format = st.columns(2, vertical_alignment="bottom")
    c_ms.number_input(t("slides.gif.ms"), MS_RANGE[0], MS_RANGE[1], value=800, step=100,
                      key="gif_ms")
    c_format.radio(t("slides.gif.format"), FORMATS, key="gif_format", horizontal=True,
                   format_func=lambda f: t(f"slides.gif.format.{f}"))
    size, ms, kind = ss.gif_size, int(ss.gif_ms), ss.gif_format
    wanted = (config, lang, size, ms, kind)
    why = refusal(steps, lang, size)  # the work budget, checked before anything is drawn
    if why is not None:
        st.info(why, icon=":material/info:")
        return
    offer = Offer(t("slides.gif.make"), "gif_make", ":material/movie:",
                  lambda kb: t("slides.gif.made", n=len(steps), kb=kb),
                  t(f"slides.gif.download.{kind}"), "gif_download",
                  f"{stem}_{lang}_{size}.{kind}",
                  "image/gif" if kind == "gif" else "application/zip")
    offer_file(MADE_KEY, wanted, lambda: (backward_gif(steps, lang, size, ms) if kind == "gif"
                                         else frames_zip(steps, lang, size)),
               GifRefusedError, offer)
