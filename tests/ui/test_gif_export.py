"""The Explorer's Export area makes the animation on demand and offers it for download."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def test_export_area_makes_the_gif_of_the_default_example() -> None:
    at = AppTest.from_file(str(ROOT / "app_pages" / "explorer.py"), default_timeout=120)
    at.session_state["lang"] = "en"
    at.run()
    at.session_state["export_open"] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.get("download_button") or all(
        b.proto.id.rsplit("-", 1)[-1] != "gif_download" for b in at.get("download_button"))
    at.button(key="gif_make").click().run()
    assert not at.exception, [e.value for e in at.exception]
    data = at.session_state["gif_made"][1]
    im = Image.open(io.BytesIO(data))
    assert im.n_frames == 16  # the 6x6 default, kernel 3, stride 1: 4 x 4 windows
    assert any("16 frames" in c.value for c in at.caption)
