"""ui.state.keep: a widget's value outlives a run where the widget is not drawn and a visit to
a page that does not draw it; a value set on purpose wins; a refused value falls back."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _page() -> None:
    import streamlit as st

    from ui.state import keep

    if st.session_state.pop("drop", False):  # what Streamlit does to an undrawn widget's key
        del st.session_state["demo_k"]      # at the end of another page's run
    keep({"demo_k": 3, "demo_mode": "max", "demo_level": "easy"},
         valid={"demo_level": lambda v: v in ("easy", "hard")})
    if not st.session_state.get("elsewhere"):  # "another page": the widgets are not drawn
        st.number_input("k", 1, 9, key="demo_k")
        st.radio("mode", ("max", "avg"), key="demo_mode")


def _other_page() -> None:
    import streamlit as st

    st.write("another page: draws none of the kept widgets and does not call keep")


def test_defaults_then_edits_survive_a_run_without_the_widgets() -> None:
    at = AppTest.from_function(_page).run()
    assert at.number_input(key="demo_k").value == 3
    at.number_input(key="demo_k").set_value(5).run()
    at.session_state.elsewhere = True
    at.run()
    at.session_state.elsewhere = False
    at.run()
    assert at.number_input(key="demo_k").value == 5


def test_a_value_set_on_purpose_wins_and_a_refused_one_falls_back() -> None:
    at = AppTest.from_function(_page).run()
    at.radio(key="demo_mode").set_value("avg").run()
    at.session_state.demo_level = "hard"
    at.run()
    at.session_state.demo_k = 7  # e.g. another page's "Open in the Explorer"
    at.session_state.demo_level = "impossible"  # refused: the kept "hard" comes back
    at.run()
    assert at.number_input(key="demo_k").value == 7
    assert at.radio(key="demo_mode").value == "avg"
    assert at.session_state.demo_level == "hard"


def test_the_kept_copy_outlives_a_page_that_drops_the_widget_state() -> None:
    from ui.state import KEPT_KEY

    at = AppTest.from_function(_page).run()
    at.number_input(key="demo_k").set_value(6).run()
    assert at.session_state[KEPT_KEY]["demo_k"] == 6
    at.session_state.drop = True
    at.run()
    assert at.number_input(key="demo_k").value == 6
