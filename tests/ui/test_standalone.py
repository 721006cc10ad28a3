"""The standalone page (ui/exports/standalone.py) and the page-folder script: the data the page
holds equals pooling_core's numbers and narrate's sentences computed here, apart from the
builder; nothing in it points at any host; user text is escaped; large configurations are
refused; the size goal holds; five languages.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from pooling_core import (
    PoolSpec,
    gradient_sum_check,
    pool_backward,
    pool_forward,
    scatter_steps,
    win_counts,
)
from ui.compute import _results
from ui.exports.pages import example_from_config, example_from_link, write_pages
from ui.exports.standalone import (
    MAX_PAGE_BYTES,
    StandaloneTooLargeError,
    refusal,
    safe_link,
    standalone_html,
)
from ui.format import fmt
from ui.i18n import LANGUAGES, t
from ui.views.narrate import step_sentences

ROOT = Path(__file__).resolve().parents[2]
X6 = np.array([[1, 2, 3, 1, 0, 2], [2, 2, 5, 4, 1, 3], [0, 6, 9, 6, 2, 1],
               [3, 1, 4, 8, 7, 0], [5, 2, 0, 3, 6, 4], [1, 7, 2, 5, 1, 3]], dtype=np.float64)
SPEC6 = PoolSpec(kernel_size=3, stride=1)
PLATEAU = np.array([[5, 5, 1], [5, 2, 0], [1, 1, 1]], dtype=np.float64)


class _Scripts(HTMLParser):
    """Every element's attributes, and the text of each <script> by id."""

    def __init__(self) -> None:
        super().__init__()
        self.attrs: list[tuple[str, dict]] = []
        self.scripts: dict[str, str] = {}
        self._open: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        self.attrs.append((tag, a))
        if tag == "script":
            self._open = a.get("id") or a.get("type", "")
            self.scripts[self._open] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self.scripts[self._open] += data


def parsed(page: str) -> _Scripts:
    p = _Scripts()
    p.feed(page)
    return p


def data_of(page: str) -> tuple[dict, dict]:
    """(the page's grids data, the player's payload) as the browser reads them."""
    p = parsed(page)
    return json.loads(p.scripts["pbe-page"]), json.loads(p.scripts["pbe-player"])


def _gy(shape: tuple[int, int], seed: int = 3) -> np.ndarray:
    return np.round(np.random.default_rng(seed).uniform(-2, 2, size=shape), 1)


CASES = [
    (X6, SPEC6, None),
    (PLATEAU, PoolSpec(kernel_size=2, stride=1, ties="split"), 5),
    (PLATEAU, PoolSpec(kernel_size=2, stride=1, ties="all"), 6),
    (X6, PoolSpec(kernel_size=3, stride=2, padding=1, mode="avg", count_include_pad=True), 7),
    (X6, PoolSpec(kernel_size=2, stride=1, dilation=2, ceil_mode=True), 8),
]


@pytest.mark.parametrize(("x", "spec", "seed"), CASES)
@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_page_holds_pooling_core_numbers_and_sentences(x, spec, seed, lang) -> None:
    fwd = pool_forward(x, spec)
    gy = np.ones(fwd.output.shape) if seed is None else _gy(fwd.output.shape, seed)
    page = standalone_html(_results(x, gy, spec), lang)
    grids, player = data_of(page)
    by_id = {g["id"]: g for g in grids["grids"]}
    assert by_id["g-x"]["text"] == [fmt(v) for v in x.ravel()]
    assert by_id["g-y"]["text"] == [fmt(v) for v in fwd.output.ravel()]
    assert by_id["g-gy"]["text"] == [fmt(v) for v in gy.ravel()]
    counts = win_counts(x, spec) if spec.mode == "max" else fwd.divisor
    assert by_id["g-mask"]["text"] == ["" if v == 0 else fmt(v) for v in counts.ravel()]
    final = pool_backward(x, gy, spec)
    assert by_id["g-gx"]["text"] == [fmt(v) for v in final.ravel()]
    # The player: every step, its sentence and dL/dx after it (a backward pass of the windows
    # up to that step alone: dL/dy is zero after it).
    steps = scatter_steps(x, gy, spec)
    sentences = step_sentences(steps, lang=lang)
    assert len(player["steps"]) == player["total"] == gy.size == len(sentences)
    assert player["lang"] == lang and player["k0"] == 0 and player["base"] == []
    shown = ["0"] * x.size
    for k, st in enumerate(player["steps"]):
        assert st["s"] == sentences[k]
        for cell, text, _colour, _count in st["u"]:
            shown[cell] = text
        upto = np.where(np.arange(gy.size) <= k, gy.ravel(), 0).reshape(gy.shape)
        assert shown == [fmt(v) for v in pool_backward(x, upto, spec).ravel()], k
    # The sums as the Explorer words them.
    sums = gradient_sum_check(x, gy, spec)
    assert t("result.sums", lang, gy=fmt(sums.sum_grad_output),
             gx=fmt(sums.sum_grad_input)).replace("**", "") in re.sub(r"</?strong>", "", page)
    assert f'<html lang="{lang}">' in page
    assert t("standalone.title", lang) in page


def test_sentences_in_the_language_asked_for_not_the_session() -> None:
    steps = scatter_steps(X6, np.ones((4, 4)), SPEC6)
    assert step_sentences(steps, lang="pl")[0] != step_sentences(steps)[0]
    assert step_sentences(steps)[0] == step_sentences(steps, lang="en")[0]


def test_page_asks_no_host_for_anything() -> None:
    link = "https://pool.example.org/?k=3&s=1&lang=en"
    page = standalone_html(_results(X6, np.ones((4, 4)), SPEC6), "en", app_link=link)
    p = parsed(page)
    refs = [(tag, k, v) for tag, a in p.attrs for k, v in a.items()
            if k in ("src", "href", "action", "srcset", "data", "poster")]
    assert refs == [("a", "href", link)]  # the link back, the only address, not fetched
    for text in [page.replace(link.replace("&", "&amp;"), "")]:
        assert not re.search(r"https?:|//[a-z]|@import|url\(|fetch\(|XMLHttpRequest|import\(",
                             text), re.findall(r".{30}(?:https?:|url\(|import\().{30}", text)
    assert "default-src 'none'" in page  # and the browser is told so
    assert "Plotly.newPlot" not in page and "plotly.js v" not in page  # no plotly.js inside


def test_user_text_is_escaped_and_bad_links_dropped() -> None:
    res = _results(X6, np.ones((4, 4)), SPEC6)
    evil = 'https://h.example/?a="><script>alert(1)</script>&b=<img src=x>'
    page = standalone_html(res, "en", app_link=evil)
    assert "<script>alert" not in page and "<img src=x>" not in page
    assert [a["href"] for tag, a in parsed(page).attrs if tag == "a"] == [evil]
    for bad in ("javascript:alert(1)", "data:text/html,<b>x</b>", "//h.example/x", "", None,
                "ftp://h.example/"):
        assert safe_link(bad) is None
        assert "<a " not in standalone_html(res, "en", app_link=bad)
    # Every inline script is one of ours: the data scripts hold JSON, not markup.
    p = parsed(page)
    assert set(p.scripts) == {"pbe-page", "pbe-player", "pbe-player-css", "module"}
    assert "</" not in p.scripts["pbe-page"] + p.scripts["pbe-player"]


def test_non_finite_values_and_special_text() -> None:
    x = np.array([[1, np.nan, 3], [np.inf, -np.inf, 0], [2, 2, 2]])
    spec = PoolSpec(kernel_size=2, stride=1)
    page = standalone_html(_results(x, np.ones((2, 2)), spec), "es")
    grids, player = data_of(page)
    assert grids["grids"][0]["text"] == ["1", "NaN", "3", "∞", "-∞", "0", "2", "2", "2"]
    assert grids["grids"][0]["z"][1] is None and grids["grids"][0]["z"][3] is None
    assert player["x"] == grids["grids"][0]["text"]


def test_large_configuration_refused_in_every_language() -> None:
    x = np.arange(32 * 32, dtype=np.float64).reshape(32, 32)
    spec = PoolSpec(kernel_size=32, stride=1, padding=16, mode="avg", ceil_mode=True)
    res = _results(x, np.ones([a for a in pool_forward(x, spec).output.shape]), spec)
    for lang in LANGUAGES:
        why = refusal(res.steps, lang)
        assert why is not None and "2" in why
        with pytest.raises(StandaloneTooLargeError) as e:
            standalone_html(res, lang)
        assert e.value.message == why
    assert refusal(_results(X6, np.ones((4, 4)), SPEC6).steps, "en") is None


def test_sizes_within_the_goal() -> None:
    small = standalone_html(_results(X6, np.ones((4, 4)), SPEC6), "en")
    assert len(small.encode()) < 60_000
    x16 = np.random.default_rng(0).integers(-9, 10, (16, 16)).astype(np.float64)
    page16 = standalone_html(_results(x16, _gy((14, 14)), SPEC6), "pl")
    assert len(page16.encode()) <= 300_000
    # The largest page allowed stays near the limit (the estimate is the player's).
    x32 = np.random.default_rng(1).integers(0, 10, (32, 32)).astype(np.float64)
    spec = PoolSpec(kernel_size=8, stride=1, mode="avg")
    res = _results(x32, _gy((25, 25)), spec)
    assert refusal(res.steps, "en") is None
    assert len(standalone_html(res, "en").encode()) < 1.25 * MAX_PAGE_BYTES


def test_pages_from_links_and_configurations(tmp_path: Path) -> None:
    ex = example_from_link("https://h.example/?k=2&s=2&mode=avg&gy=random.4&step=2&lang=pl")
    assert ex.spec == PoolSpec(kernel_size=2, stride=2, mode="avg")
    np.testing.assert_array_equal(ex.x, X6)  # the Explorer's default grid
    assert ex.langs == ("pl",) and ex.start == 2 and ex.grad_output.shape == (3, 3)
    cfg = example_from_config({"name": "tie <b>", "x": PLATEAU.tolist(),
                               "spec": {"kernel_size": 2, "stride": 1, "ties": "last"},
                               "gy": [[1, 2], [3, 4]], "langs": ["en", "zh-CN"]})
    written = write_pages([ex, cfg], tmp_path)
    names = sorted(p.name for p, _ in written)
    assert names == ["01_pooling_avg_k2x2_s2x2_pl.html", "tie_b_en.html", "tie_b_zh-CN.html"]
    assert all(isinstance(n, int) and n == p.stat().st_size for p, n in written)
    page = (tmp_path / "tie_b_zh-CN.html").read_text(encoding="utf-8")
    _, player = data_of(page)
    steps = scatter_steps(PLATEAU, np.array([[1.0, 2], [3, 4]]), PoolSpec(2, 1, ties="last"))
    assert [s["s"] for s in player["steps"]] == step_sentences(steps, lang="zh-CN")
    pl = (tmp_path / "01_pooling_avg_k2x2_s2x2_pl.html").read_text(encoding="utf-8")
    assert 'href="https://h.example/?k=2&amp;s=2' in pl
    assert data_of(pl)[0]["ib"] == 0 and cfg.base == 0
    # A link that counts from 1 (base=1) gives a page that counts from 1, as the app would.
    one = example_from_link("https://h.example/?k=2&s=2&base=1&lang=en")
    assert one.base == 1 and example_from_config({"link": one.link}).base == 1
    (path, _), = write_pages([one], tmp_path / "one")
    grids, player = data_of(path.read_text(encoding="utf-8"))
    assert grids["ib"] == player["ib"] == 1
    steps = scatter_steps(X6, np.ones((3, 3)), PoolSpec(2, 2))
    assert player["steps"][0]["s"] == step_sentences(steps, lang="en", base=1)[0]


def test_make_pages_command(tmp_path: Path) -> None:
    spec_file = tmp_path / "examples.json"
    spec_file.write_text(json.dumps([{"name": "one", "x": X6.tolist(),
                                      "spec": {"kernel_size": 3, "stride": 1}}]))
    out = tmp_path / "pages"
    run = subprocess.run(
        [sys.executable, "scripts/make_pages.py", "--out", str(out), "--json", str(spec_file),
         "--lang", "en", "--lang", "es", "https://h.example/?k=2&s=2&lang=zh-TW"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "01_pooling_max_k2x2_s2x2_en.html", "01_pooling_max_k2x2_s2x2_es.html",
        "one_en.html", "one_es.html"]
    assert len(run.stdout.splitlines()) == 4


def test_a_page_counted_from_1_names_its_cells_from_1() -> None:
    """The plateau's tied 5s at (0,0), (0,1), (1,0) fail the finite-difference check: counted
    from 1 the note names them (1,1), (1,2), (2,1); the grids and the player say base 1."""
    from ui.exports.standalone import result_notes

    res = _results(PLATEAU, np.ones((2, 2)), PoolSpec(kernel_size=2, stride=1))
    warn0 = [text for kind, text in result_notes(res, "en") if kind == "warn"]
    warn1 = [text for kind, text in result_notes(res, "en", base=1) if kind == "warn"]
    assert len(warn0) == len(warn1) == 1
    assert "(0,0), (0,1), (1,0)" in warn0[0] and "(1,1), (1,2), (2,1)" in warn1[0]
    grids, player = data_of(standalone_html(res, "en", base=1))
    assert grids["ib"] == 1 and player["ib"] == 1
    assert data_of(standalone_html(res, "en"))[0]["ib"] == 0
