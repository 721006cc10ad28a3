"""The Exercise page's worksheet button: the PDF of the chosen level, number and policy, and
none on a teacher's hidden-answers link (the worksheet carries the answer key)."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def exercise(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app_pages" / "exercise.py"), default_timeout=120)
    at.session_state["lang"] = "en"
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_worksheet_of_the_chosen_exercise() -> None:
    at = exercise({"level": "overlap", "seed": "42", "policy": "last"})
    at.session_state["ws_open"] = True
    at.run()
    at.number_input(key="ws_count").set_value(2).run()
    at.button(key="ws_make").click().run()
    assert not at.exception, [e.value for e in at.exception]
    data = at.session_state["ws_made"][1]
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "exercise number 42" in text and "exercise number 43" in text
    assert "exercise number 44" not in text
    assert "level=overlap&seed=42&policy=last" in text.replace("\n", "")
    assert any("2 problems" in c.value for c in at.caption)


def test_no_worksheet_when_answers_are_hidden() -> None:
    at = exercise({"level": "ties", "seed": "34", "hide": "answers"})
    assert not [e for e in at.expander if "worksheet" in e.label.lower()]
