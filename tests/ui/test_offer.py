"""ui.exports.offer: a file made on its button, kept while what it was made for stays, dropped
when that changes, its refusal shown instead of a download."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _script() -> None:
    import streamlit as st

    from ui.exports.offer import Offer, offer_file

    class RefusedError(Exception):
        pass

    def make() -> bytes:
        if st.session_state.get("refuse"):
            raise RefusedError("too big for this room")
        return b"x" * 3000

    offer_file("made", st.session_state.get("wanted", 1), make, RefusedError,
               Offer("Make", "make", ":material/movie:", lambda kb: f"made, {kb} kB",
                     "Download", "download", "file.bin", "application/octet-stream"))


def _downloads(at: AppTest) -> list:
    return list(at.get("download_button"))


def test_made_on_the_button_then_dropped_when_the_configuration_changes() -> None:
    at = AppTest.from_function(_script)
    at.run()
    assert not at.exception and not _downloads(at) and "made" not in at.session_state
    at.button(key="make").click().run()
    assert at.session_state["made"] == (1, b"x" * 3000, "")
    assert [c.value for c in at.caption] == ["made, 2 kB"]  # 3000 // 1024
    assert len(_downloads(at)) == 1
    at.run()  # a rerun for something else keeps it
    assert len(_downloads(at)) == 1
    at.session_state["wanted"] = 2
    at.run()
    assert not _downloads(at) and not at.caption and "made" not in at.session_state
    at.session_state["wanted"] = 1  # back: the old file is gone, not brought back
    at.run()
    assert not _downloads(at)


def test_a_refusal_is_shown_instead_of_a_download() -> None:
    at = AppTest.from_function(_script)
    at.session_state["refuse"] = True
    at.run()
    at.button(key="make").click().run()
    assert not at.exception
    assert [i.value for i in at.info] == ["too big for this room"]
    assert not _downloads(at) and at.session_state["made"] == (1, None, "too big for this room")
