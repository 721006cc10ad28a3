"""Projector mode: one switch in the app's sidebar restyles every page and survives page switches.

AppTest runs the real app.py (navigation and all five pages).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from page_helpers import charts
from streamlit.testing.v1 import AppTest

from ui.views.figures import heatmap
from ui.views.projector import PROJECTOR_CSS, PROJECTOR_KEY

ROOT = Path(__file__).resolve().parents[2]
PAGES = [f"app_pages/{name}.py" for name in ("explorer", "ties", "exercise", "next_layer")]


def _figures(at: AppTest) -> list[dict]:
    return list(charts(at).values())


def _style_blocks(at: AppTest) -> list[str]:
    return [h.proto.body.strip() for h in at.get("html")]


def _open(page: str, projector: bool) -> AppTest:
    """The app, with the switch flipped (by the user) when `projector`, then moved to `page`."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    if projector:
        at.toggle(key=PROJECTOR_KEY).set_value(True).run()
    if page != PAGES[0]:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    # The switch keeps its value on every page, and the style follows it.
    assert at.toggle(key=PROJECTOR_KEY).value is projector
    assert (PROJECTOR_CSS.strip() in _style_blocks(at)) is projector
    return at


@pytest.mark.parametrize("page", PAGES)
def test_projector_mode_restyles_every_page(page: str) -> None:
    plain, big = _open(page, False), _open(page, True)
    plain_figs, big_figs = _figures(plain), _figures(big)
    assert plain_figs and len(plain_figs) == len(big_figs)
    for a, b in zip(plain_figs, big_figs, strict=True):
        ta, tb = a["data"][0]["textfont"], b["data"][0]["textfont"]
        assert "weight" not in ta and tb["weight"] == "bold"
        assert tb["size"] >= ta["size"]
        assert b["layout"]["font"]["size"] > a["layout"]["font"]["size"]


def test_projector_heatmap_is_larger_and_outlines_thicker() -> None:
    # 8x8 on a 1280-px screen: cells 64 px normally, 84 px in projector mode (width 520 allows
    # 65 px per column, so the normal size is the 64-px cap and the projector one is 65).
    grid = [[float(r * 8 + c) for c in range(8)] for r in range(8)]
    a = heatmap(grid, "x", rects=[(0, 0, 1, 1)], marked=[[r == c for c in range(8)]
                                                          for r in range(8)])
    b = heatmap(grid, "x", rects=[(0, 0, 1, 1)], projector=True,
                marked=[[r == c for c in range(8)] for r in range(8)])
    assert a["layout"]["width"] == 64 * 8 + 50
    assert b["layout"]["width"] == 65 * 8 + 50
    assert a["data"][0]["textfont"]["size"] == 20 and b["data"][0]["textfont"]["size"] == 23
    window_a = a["layout"]["shapes"][0]["line"]["width"]
    window_b = b["layout"]["shapes"][0]["line"]["width"]
    assert (window_a, window_b) == (4, 6)


def test_app_freezes_the_modules_objects_for_the_garbage_collector() -> None:
    """app.py moves the long-lived objects of the loaded modules out of the collector's way
    (Streamlit runs gc.collect(2) after every run), once per process."""
    import gc

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception
    frozen = gc.get_freeze_count()
    assert frozen > 50_000  # NumPy, pandas, Plotly and Streamlit: about 120 000 objects
    at.run()
    assert gc.get_freeze_count() <= frozen  # not again (freed objects leave the count)
