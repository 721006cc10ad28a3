"""Fuzz: every page, opened through app.py with a random query string, draws no exception.

Keys come from the classroom-link set (ui.links.urlstate.KNOWN), hypothesis' own text and names
that are Markdown (a link, an image, HTML, LaTeX: never drawn as such,
tests/pages/test_page_links.py);
values are random Unicode, long strings, and near-valid values (so that the codec's deeper
branches run: grids, pairs, dL/dy forms). About 60 examples in all, well under 90 s.

pooling_core under hypothesis (random valid specs and arrays against tests/loop_reference.py,
random and corrupted invalid specs always raising PoolingError, a ValueError) is already
tests/core/test_core_reference.py: test_max_pool_matches_loop_reference,
test_avg_pool_matches_loop_reference, test_random_specs_raise_exactly_when_invalid,
test_corrupted_specs_raise_exactly_when_invalid. It is not repeated here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from page_helpers import app_frame  # noqa: F401  (a fixture: app.py runs on every page)
from streamlit.testing.v1 import AppTest
from test_page_links import HOSTILE_TEXTS, live_markup

from ui.links.urlstate import KNOWN

ROOT = Path(__file__).resolve().parents[2]
PAGES = tuple(f"app_pages/{name}.py"
              for name in ("explorer", "ties", "exercise", "next_layer", "theory", "frameworks"))

pytestmark = [
    pytest.mark.usefixtures("app_frame"),
    pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning"),
    pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning"),
]

NEAR_VALID = st.sampled_from([
    "0", "1", "3", "33", "-1", "2x2", "3x1", "1x99", "16", "max", "avg", "first", "split",
    "all", "controls", "answers", "controls,answers", "ones", "random.7", "onehot.1.1",
    "onehot.99.0", "custom.t1x1~5", "t2x2~1,2,3,4", "t2x2~nan,inf,-inf,1e308", "t1x1~",
    "z", "zeJzLSS", "en", "es", "pl", "zh-CN", "zh-TW", "zh", "%00", "../..", "<script>",
])
VALUES = st.one_of(
    NEAR_VALID,
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.integers(1_000, 12_000).map(lambda n: "9" * n),  # oversized
    st.builds(lambda a, n: a * n, st.text(min_size=1, max_size=3), st.integers(100, 3_000)),
)
KEYS = st.one_of(st.sampled_from(KNOWN), st.text(min_size=1, max_size=30),
                 st.sampled_from(HOSTILE_TEXTS))
QUERIES = st.dictionaries(KEYS, VALUES, max_size=8)


def exceptions(at: AppTest) -> list[str]:
    return [e.value for e in at.exception]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(page=st.sampled_from(PAGES), query=QUERIES)
def test_every_page_survives_a_random_query_string(page: str, query: dict[str, str]) -> None:
    """The Explorer opens with the query itself (a classroom link's first run, ?lang=
    included). Another page is reached as AppTest requires, after one run: an English session
    on the Explorer, then the random query and a switch to the page (app.py runs again and
    reads the query; the language stays the session's)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if page == PAGES[0]:
        for k, v in query.items():
            at.query_params[k] = v
        at.run()
    else:
        at.query_params["lang"] = "en"
        at.run()
        assert not exceptions(at), exceptions(at)
        for k, v in query.items():
            at.query_params[k] = v
        at.switch_page(page).run()
    shown = {k[:40]: v[:80] for k, v in query.items()}
    assert not exceptions(at), (page, shown, exceptions(at))
    assert len(at.title) == 1, (page, shown, "no title drawn")
    assert len(at.sidebar.selectbox) >= 1, (page, "app.py's language selector is missing")
    # Nothing from the query is drawn as Markdown (a link, an image, HTML, LaTeX).
    assert live_markup(at) == [], (page, shown, live_markup(at))
    # A rerun (the Explorer has rewritten the URL by now) is fine as well. Only in English:
    # AppTest formats a selectbox's value outside the session, i.e. in English, and then
    # cannot find it among the options drawn in another language (a test-harness limit).
    if at.session_state["lang"] == "en":
        at.run()
        assert not exceptions(at), (page, shown, "rerun", exceptions(at))
