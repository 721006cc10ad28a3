"""A file made when a button asks for it and offered for download, as the Export section's
animation (`ui.exports.gif_view`) and the Exercise page's worksheet (`ui.exports.worksheet_view`)
do it.

The file is kept in ``st.session_state[key]`` as ``(wanted, data, message)``: what it was made
for (any comparable value: the configuration, language and options), its bytes (None when it
was refused) and the translated reason it was refused. It is dropped as soon as `wanted`
changes, so a download never offers a file of another configuration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Offer:
    """What the user sees of one file: its make button (label, key, icon), the caption once it
    is made (`made(kb)`: its size in kB, at least 1) and its download button (label, key,
    file name, MIME type)."""

    make_label: str
    make_key: str
    make_icon: str
    made: Callable[[int], str]
    download_label: str
    download_key: str
    file_name: str
    mime: str


def offer_file(key: str, wanted: Any, make: Callable[[], bytes],
               refused: type[Exception] | tuple[type[Exception], ...], offer: Offer, *,
               where: Any = None) -> None:
    """The make button (in `where`, a column or container; None: where the caller is), then
    the kept file's size and download button, or its refusal (``str`` of the `refused`
    exception `make` raised) as an info box. Nothing below the button while no file has been
    made for `wanted`."""
    import streamlit as st

    ss = st.session_state
    place = st if where is None else where
    if place.button(offer.make_label, key=offer.make_key, icon=offer.make_icon):
        try:
            ss[key] = (wanted, make(), "")
        except refused as e:
            ss[key] = (wanted, None, str(e))
    made = ss.get(key)
    if not made or made[0] != wanted:
        ss.pop(key, None)  # another configuration: the old file goes
        return
    _, data, message = made
    if data is None:
        st.info(message, icon=":material/info:")
        return
    st.caption(offer.made(max(1, len(data) // 1024)))
    st.download_button(offer.download_label, data, file_name=offer.file_name, mime=offer.mime,
                       key=offer.download_key, on_click="ignore", icon=":material/download:")
