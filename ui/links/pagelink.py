"""Classroom links for every page: which link the session was opened with, and the URL kept
equal to the view on screen.

A session is opened with one link (`remember_opening_link`, called by app.py on its first run).
The page it points to reads it once (`take_link`); every later run of a page writes its own
state back to the address bar (`publish`), so copying the URL or the page's share box always
gives a link to the exact view. Decoding and validation live in ui.links.urlstate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import urlencode

import streamlit as st

from ui.errors import InputError
from ui.format import BASE_KEY, MAX_CELL_CHARS, literal
from ui.i18n import LANG_KEY, t
from ui.links.urlstate import BASE_FIELD, Field, decode_fields

OPENING_LINK_KEY = "opening_link"


def remember_opening_link(url_path: str) -> None:
    """On a session's first run: keep the page and the query it was opened with."""
    ss = st.session_state
    if OPENING_LINK_KEY not in ss:
        ss[OPENING_LINK_KEY] = (url_path, st.query_params.to_dict())


def read_app_params() -> None:
    """On a session's first run (app.py, whichever page the link opens): the index base the
    link carries, `base=1` (ui.format.index_base), for every page of the session. An invalid
    value counts from 0; the page's own link notes name it (decode_fields reads APP_FIELDS)."""
    ss = st.session_state
    if BASE_KEY in ss:
        return
    value = st.query_params.get(BASE_FIELD.name)
    try:
        one = value is not None and BASE_FIELD.decode(value) is True
    except InputError:
        one = False
    ss[BASE_KEY] = 1 if one else 0


def app_params() -> dict[str, str]:
    """The app's own parameters of every page's link, for the session: `base=1` when it
    counts from 1, and the language."""
    ss = st.session_state
    q = {BASE_FIELD.name: BASE_FIELD.encode(True)} if ss.get(BASE_KEY) == 1 else {}
    q[LANG_KEY] = ss.get(LANG_KEY, "en")
    return q


def take_link(page: str) -> dict[str, str] | None:
    """The query of the link that opened this session, if it opened `page`.

    Returns it once per session and page; None afterwards. A page that was not the one the
    link pointed to gets {} (its defaults). Run alone (without app.py, as in AppTest of one
    page), the page reads the current query instead.
    """
    ss = st.session_state
    flag = f"link_taken:{page}"
    if ss.get(flag):
        return None
    ss[flag] = True
    opening = ss.get(OPENING_LINK_KEY)
    if opening is None:
        return st.query_params.to_dict()
    path, query = opening
    return dict(query) if path == page else {}


def load_fields(page: str, fields: Sequence[Field]) -> dict[str, object] | None:
    """Decoded link values for `page` the first time it runs (None later). Problems become
    notes in the user's language, kept for `link_notes`."""
    query = take_link(page)
    if query is None:
        return None
    values, problems = decode_fields(fields, query)
    st.session_state[f"link_notes:{page}"] = note_texts(problems)
    return values


def note_texts(problems: Sequence[tuple[str, str]]) -> list[str]:
    """[(parameter, problem code)] of a link -> notes in the user's language.

    Unknown parameters are counted in one note (a link can carry hundreds); every other one
    gets its own note naming the parameter. The name comes from the URL: it is shown
    literally (ui.format.literal), never as Markdown.
    """
    notes = [t(f"url.{code}", name=literal(name), limit=MAX_CELL_CHARS)
             for name, code in problems if code != "url_unknown"]
    unknown = sum(code == "url_unknown" for _, code in problems)
    if unknown:
        notes.append(t("url.url_unknown", n=unknown))
    return notes


def add_note(page: str, text: str) -> None:
    """One more note about the link (e.g. a combination that does not fit)."""
    st.session_state.setdefault(f"link_notes:{page}", []).append(text)


def show_notes(page: str) -> None:
    """The notes about what the opening link carried that could not be used."""
    for note in st.session_state.get(f"link_notes:{page}", []):
        st.warning(note, icon=":material/link_off:")


def publish(query: Mapping[str, str]) -> None:
    """Make the address bar hold `query` and the app's parameters (only when it differs)."""
    q = {**query, **app_params()}
    if st.query_params.to_dict() != q:
        st.query_params.from_dict(q)


def share_box(query: Mapping[str, str], hide_options: Sequence[str] = (),
              note: str = "classroom.share_note") -> None:
    """'Share this exact view': the link (in full, with a copy button), and the classroom
    options that hide parts of the page (each option `o` is a checkbox `share_hide_<o>`)."""
    ss = st.session_state
    for option in hide_options:  # kept while the box is closed (a widget not drawn forgets)
        if f"share_hide_{option}" in ss:
            ss[f"share_hide_{option}"] = ss[f"share_hide_{option}"]
    # Drawn only while open (a lazy expander): nothing to send to the browser otherwise.
    box = st.expander(t("classroom.share"), icon=":material/link:", key="share_open",
                      on_change="rerun")
    if not box.open:
        return
    with box:
        q = {k: v for k, v in query.items() if k != "hide"}
        q.update(app_params())
        for option in hide_options:
            st.checkbox(t(f"classroom.hide_{option}"), key=f"share_hide_{option}")
        hide = [o for o in hide_options if ss.get(f"share_hide_{o}")]
        if hide:
            q["hide"] = ",".join(hide)
        base = (st.context.url or "").split("?")[0]
        link_box(f"{base}?{urlencode(q)}")
        st.caption(t(note))


SHARE_COMPONENT = "pbe_share_link"
# The link in full (wrapped, read-only, selectable) with a copy button always visible at its
# right. st.code showed its copy button only on hover, over the end of the link.
_SHARE_CSS = """
.pbe-share { display: flex; gap: 6px; align-items: flex-start;
             font-family: "Source Sans", "Source Sans 3", "Source Sans Pro", "Noto Sans",
                          "DejaVu Sans", "Noto Sans CJK SC", system-ui, sans-serif; }
textarea { flex: 1 1 auto; min-width: 0; box-sizing: border-box; resize: none; overflow: hidden;
           font: 13px/1.35 "Source Code Pro", "DejaVu Sans Mono", monospace; color: #111;
           background: #f5f6f8; border: 1px solid #c9ced6; border-radius: 6px; padding: 6px;
           word-break: break-all; overflow-wrap: anywhere; }
textarea:focus { outline: 2px solid #0b5fff; outline-offset: 1px; }
button { flex: 0 0 auto; font: inherit; font-size: 14px; color: #fff; background: #0b5fff;
         border: 0; border-radius: 6px; padding: 6px 10px; cursor: pointer; min-height: 32px; }
button:focus-visible { outline: 2px solid #111; outline-offset: 2px; }
.status { font-size: 13px; color: #1b5e20; min-height: 1em; }
"""
_SHARE_JS = """
export default function (component) {
  const { data, parentElement } = component;
  let box = parentElement.__pbeShare;
  if (!box || !box.wrap.isConnected) {
    const wrap = document.createElement("div");
    wrap.className = "pbe-share";
    const area = document.createElement("textarea");
    area.readOnly = true; area.rows = 2; area.spellcheck = false;
    const col = document.createElement("div");
    const button = document.createElement("button");
    button.type = "button";
    const status = document.createElement("div");
    status.className = "status"; status.setAttribute("aria-live", "polite");
    col.append(button, status);
    wrap.append(area, col);
    parentElement.appendChild(wrap);
    const fit = () => {
      area.style.height = "auto";
      area.style.height = area.scrollHeight + 2 + "px";
    };
    new ResizeObserver(fit).observe(area);
    area.addEventListener("focus", () => area.select());
    button.addEventListener("click", async () => {
      let ok = false;
      try { await navigator.clipboard.writeText(area.value); ok = true; } catch (e) {
        area.focus(); area.select();
        try { ok = document.execCommand("copy"); } catch (e2) { ok = false; }
      }
      status.textContent = ok ? box.copied : "";
    });
    box = parentElement.__pbeShare = { wrap, area, button, status, fit, copied: "" };
  }
  if (box.area.value !== data.url) { box.area.value = data.url; box.status.textContent = ""; }
  box.area.setAttribute("aria-label", data.label);
  box.button.textContent = data.copy;
  box.copied = data.copied;
  box.fit();
}
"""


def link_box(url: str) -> None:
    """The link, shown in full, and a visible button that copies it."""
    mount = st.components.v2.component(SHARE_COMPONENT, css=_SHARE_CSS, js=_SHARE_JS)
    mount(data={"url": url, "label": t("share.link"), "copy": t("share.copy"),
                "copied": t("share.copied")}, key="share_link", width="stretch")
