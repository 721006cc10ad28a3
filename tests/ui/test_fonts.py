"""Every text the app draws itself (charts, grid editor, player, share box, standalone page) asks
for the same fonts: Streamlit's web font "Source Sans" first, then Latin fonts, and a CJK font
only after them. A CJK font before the Latin ones drew Polish "ś" as "s" with its accent over
the next letter ("Wejsćie x"): Noto Sans CJK has no such letter, so Chromium built it from
parts. The browser check of the fonts actually used is tests/browser/test_a11y_languages.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ui.links import pagelink
from ui.views.charts import CHART_FONT

ROOT = Path(__file__).resolve().parents[2]
CSS_FILES = ["ui/assets/grid_editor.css", "ui/assets/player.css", "ui/assets/standalone.css"]


def families(stack: str) -> list[str]:
    return [f.strip().strip('"') for f in " ".join(stack.split()).split(",")]


def css_stack(css: str) -> str:
    found = re.findall(r"font-family:\s*([^;]+);", css)
    assert found, "no font-family in the CSS"
    return found[0]


@pytest.mark.parametrize("where", [*CSS_FILES, "share box", "charts"])
def test_one_font_stack_latin_before_cjk(where: str) -> None:
    if where == "charts":
        stack = CHART_FONT
    elif where == "share box":
        stack = css_stack(pagelink._SHARE_CSS)
    else:
        stack = css_stack((ROOT / where).read_text(encoding="utf-8"))
    names = families(stack)
    assert names[0] == "Source Sans", names  # the font Streamlit serves with the page
    assert names.index("DejaVu Sans") < names.index("Noto Sans CJK SC"), names
    assert names[-1] == "sans-serif", names
    # One stack everywhere (charts end with the generic family only: Plotly's SVG text).
    assert [n for n in names if n != "system-ui"] == families(CHART_FONT), (where, names)
