"""Classroom links of the Ties, Exercise and Next-layer pages (AppTest of each page run alone,
where the page reads the query it is opened with).

Each page must (1) open exactly the view a link describes, (2) write that same link back to the
address bar, (3) ignore what is invalid with a visible note and keep its defaults, and (4) turn
its current view into a link that reopens it. Expected values are written out here or computed
with pooling_core's public functions (checked against PyTorch elsewhere).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from page_helpers import chart_values, charts, component_data
from streamlit.testing.v1 import AppTest

from pooling_core import PoolSpec, generate, pool_backward, pool_forward
from ui.i18n import t
from ui.links.urlstate import EXERCISE_FIELDS, NEXT_FIELDS, TIES_FIELDS, decode_fields, encode_grid

ROOT = Path(__file__).resolve().parents[2]


def open_page(name: str, query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app_pages" / f"{name}.py"), default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def published(at: AppTest) -> dict[str, str]:
    """The query the page wrote to the address bar, without the language."""
    q = {k: v[-1] if isinstance(v, list) else v for k, v in at.query_params.items()}
    q.pop("lang", None)
    return q


def warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.warning]


# ----------------------------------------------------------------- Ties
TIE_GRID = [[3.0, 3.0, 1.0], [0.0, 3.0, 2.0], [2.0, 2.0, 2.0]]


def test_ties_link_opens_that_grid_kernel_stride_and_policy() -> None:
    query = {"x": encode_grid(TIE_GRID), "k": "2", "s": "1", "policy": "all"}
    at = open_page("ties", query)
    assert warnings(at) == []
    assert at.number_input(key="ties_k").value == 2
    assert at.number_input(key="ties_s").value == 1
    assert at.selectbox(key="ties_open_policy").value == "all"
    # Hand-worked: kernel 2, stride 1 on the 3x3 grid, dL/dy = 1. Window (0,0) holds three 3s,
    # (0,1) two 3s, (1,0) a single 3, (1,1) a 3 at (1,1) only.
    assert chart_values(at, "ties_fig_all").tolist() == [[1, 2, 0], [0, 4, 0], [0, 0, 0]]
    assert chart_values(at, "ties_fig_first").tolist() == [[1, 1, 0], [0, 2, 0], [0, 0, 0]]
    assert published(at) == query


def test_ties_default_view_has_a_short_link_without_the_grid() -> None:
    at = open_page("ties", {})
    assert published(at) == {"k": "2", "s": "2", "policy": "split"}


def test_ties_link_with_a_kernel_too_large_keeps_the_defaults_and_says_so() -> None:
    at = open_page("ties", {"x": encode_grid(TIE_GRID), "k": "5", "s": "1"})
    assert at.number_input(key="ties_k").value == 2  # the plateau's default
    assert any(w.startswith(t("url.url_combo", reason="")[:30]) for w in warnings(at))
    assert published(at)["x"] == encode_grid(TIE_GRID)  # the grid itself was fine


@pytest.mark.parametrize("query, param", [
    ({"x": "zzz"}, "x"), ({"k": "0"}, "k"), ({"policy": "<script>"}, "policy"),
    ({"s": "9" * 5000}, "s"), ({"bogus": "1"}, None),
])
def test_ties_hostile_link_is_noted_and_ignored(query: dict[str, str], param: str | None) -> None:
    at = open_page("ties", query)
    if param is None:  # an unknown parameter is counted, not named
        assert warnings(at) == [t("url.url_unknown", n=1)]
    else:
        assert len(warnings(at)) == 1 and f"“{param}”" in warnings(at)[0]
    assert published(at) == {"k": "2", "s": "2", "policy": "split"}


# ----------------------------------------------------------------- Exercise
def test_exercise_link_opens_that_exercise_with_the_teachers_policy_and_no_answers() -> None:
    query = {"level": "ties", "seed": "17", "policy": "all", "hide": "answers"}
    at = open_page("exercise", query)
    assert warnings(at) == []
    assert at.selectbox(key="ex_level").value == "ties"
    assert at.number_input(key="ex_seed").value == 17
    assert at.selectbox(key="ex_policy").value == "all"
    ex = generate("ties", 17)
    assert chart_values(at, "ex_fig_x").tolist() == ex.x.tolist()
    sentence = t("exercise.spec.policy", policy="all", rule=t("exercise.rule.all"))
    assert sentence in [m.value for m in at.markdown]
    assert not [b for b in at.button if b.key == "ex_show"]  # the answers cannot be shown
    assert t("exercise.answers_hidden") in [c.value for c in at.caption]
    assert published(at) == query


def test_exercise_policy_changes_the_answers_not_the_grid() -> None:
    own, chosen = generate("ties", 17), generate("ties", 17, "all")
    assert own.x.tolist() == chosen.x.tolist()
    assert own.grad_output.tolist() == chosen.grad_output.tolist()
    spec = PoolSpec(kernel_size=2, stride=2, ties="all")
    assert chosen.grad_input.tolist() == pool_backward(own.x, own.grad_output, spec).tolist()


def test_exercise_bad_link_values_are_noted() -> None:
    at = open_page("exercise", {"level": "expert", "seed": "-3", "hide": "controls"})
    assert len(warnings(at)) == 3
    assert at.selectbox(key="ex_level").value == "nonoverlap"
    assert published(at) == {"level": "nonoverlap", "seed": "1"}


# ----------------------------------------------------------------- Next layer
W_EDITED = [[0.5, -1.0, 0.0, 2.0], [1.0, 1.0, -0.5, 0.25]]


def test_next_layer_link_opens_the_exact_view_and_republishes_it() -> None:
    query = {
        "src": "nonoverlap_4x4", "k": "2", "s": "2", "mode": "max", "cell": "3",
        "m": "2", "act": "tanh", "ws": "4", "W": encode_grid(W_EDITED),
        "ck": "3", "cp": "2", "cs": "1", "dy": "random", "dys": "9", "from": "conv",
    }
    at = open_page("next_layer", query)
    assert warnings(at) == []
    assert at.selectbox(key="nl_cell_2x2").value == 3
    assert at.selectbox(key="nl_act").value == "tanh"
    assert at.number_input(key="nl_pad_3").value == 2
    assert at.session_state["nl_from"] == "conv"
    assert at.session_state["nl_tab"] == t("next.tab.conv")  # the link opens the conv tab
    # The dense tab's term heatmap holds delta_i * f'(z_i) * W_ij: column j of the edited W
    # scaled, so its zeros sit exactly where W_EDITED has them.
    terms = chart_values(at, "nl_fig_terms")
    assert terms.shape == (2, 4) and (terms[0, 2] == 0)
    assert published(at) == query


def test_next_layer_link_random_source_and_edited_input() -> None:
    x = np.arange(30, dtype=np.float64).reshape(5, 6) % 7
    query = {"src": "random", "rows": "5", "cols": "6", "rs": "3", "x": encode_grid(x.tolist()),
             "k": "2", "s": "2", "mode": "avg"}
    at = open_page("next_layer", query)
    assert warnings(at) == []
    expected = pool_forward(x, PoolSpec(kernel_size=2, stride=2, mode="avg")).output
    assert chart_values(at, "nl_fig_P").tolist() == expected.tolist()
    assert {k: published(at)[k] for k in query} == query


def test_next_layer_link_with_grids_of_the_wrong_shape_is_noted() -> None:
    query = {"W": encode_grid([[1.0, 2.0]]), "cell": "40", "cp": "2"}  # default ck=2: cp <= 1
    at = open_page("next_layer", query)
    assert len(warnings(at)) == 3
    assert at.selectbox(key="nl_cell_2x2").value == 0
    assert "W" not in published(at)


# ----------------------------------------------------------------- every page's link decodes
@pytest.mark.parametrize("name, fields", [("ties", TIES_FIELDS), ("exercise", EXERCISE_FIELDS),
                                          ("next_layer", NEXT_FIELDS)])
def test_published_links_decode_cleanly_and_reopen_the_same_view(name, fields) -> None:
    first = open_page(name, {})
    link = published(first)
    values, problems = decode_fields(fields, link)
    assert problems == [] and set(values) == set(link)
    again = open_page(name, link)
    assert warnings(again) == [] and published(again) == link
    for key in charts(first):
        assert chart_values(again, key).tolist() == chart_values(first, key).tolist()


def test_share_box_shows_the_published_link_with_the_hide_option() -> None:
    at = AppTest.from_file(str(ROOT / "app_pages" / "exercise.py"), default_timeout=60)
    at.query_params["level"], at.query_params["seed"] = "overlap", "5"
    at.run()
    assert not component_data(at, "pbe_share_link")  # the box is closed: nothing drawn
    at.session_state["share_open"] = True
    at.run()
    at.checkbox(key="share_hide_answers").check().run()
    assert not at.exception
    [box] = component_data(at, "pbe_share_link")  # the link in full and a visible copy button
    link = box["url"]
    assert link.endswith("?level=overlap&seed=5&lang=en&hide=answers"), link
    assert (box["label"], box["copy"]) == (t("share.link"), t("share.copy"))
    assert at.caption[-1].value == t("classroom.share_note.exercise")
    # The option is remembered while the box is closed again.
    at.session_state["share_open"] = False
    at.run()
    at.session_state["share_open"] = True
    at.run()
    assert at.checkbox(key="share_hide_answers").value is True


# ----------------------------------------------------------------- link and cell text is inert
# What a hostile link or cell could make Streamlit's Markdown draw: a link, an image (a request
# to HOST from every student's browser), HTML, a colour directive, LaTeX.
HOSTILE_TEXTS = ["[Sign in again](https://evil.example/a)", "![x](http://127.0.0.1:9/t.png)",
                 "<img src=x onerror=alert(1)>", ":red[big]", "$\\frac{1}{2}$"]
LIVE_MARKUP = ("](", "<img", ":red[", "$\\frac", "frac{1}")
MARKDOWN_ELEMENTS = ("markdown", "caption", "warning", "error", "info", "success", "toast",
                     "title", "header", "subheader")
PAGES = ("explorer", "ties", "exercise", "next_layer")


def unescaped(body: str, token: str) -> bool:
    """Whether `token` occurs in `body` with its first character not backslash-escaped."""
    i = body.find(token)
    while i >= 0:
        slashes = len(body[:i]) - len(body[:i].rstrip("\\"))
        if slashes % 2 == 0:
            return True
        i = body.find(token, i + 1)
    return False


def live_markup(at: AppTest) -> list[str]:
    """The bodies of the page's Markdown-rendered elements that would draw hostile markup."""
    bodies = [e.value for kind in MARKDOWN_ELEMENTS for e in at.get(kind)]
    return [b for b in bodies if any(unescaped(b, token) for token in LIVE_MARKUP)]


def test_unescaped_reads_backslashes() -> None:
    assert unescaped("a [x](y)", "](") and unescaped("\\\\](", "](")
    assert not unescaped("\\[x\\]\\(y\\)", "](") and not unescaped("\\<img", "<img")


@pytest.mark.parametrize("page", PAGES)
def test_hostile_parameter_names_are_counted_never_drawn(page: str) -> None:
    """`/?[Sign in again](https://evil.example/a)=1` drew a real link in the warning."""
    at = open_page(page, {name: "1" for name in HOSTILE_TEXTS})
    assert live_markup(at) == []
    assert warnings(at) == [t("url.url_unknown", n=len(HOSTILE_TEXTS))]


@pytest.mark.parametrize("page", PAGES)
def test_five_hundred_unknown_parameters_give_one_note(page: str) -> None:
    at = open_page(page, {f"p{i}": "1" for i in range(500)})
    assert warnings(at) == [t("url.url_unknown", n=500)]
    assert warnings(at) == ["Unknown link parameters ignored: 500."]


def editor_keys(at: AppTest) -> list[str]:
    return [c.proto.id.split("-", 2)[-1] for c in at.get("bidi_component")
            if c.proto.component_name == "pbe_grid_editor"]


@pytest.mark.parametrize("page", PAGES)
def test_hostile_cell_text_is_shown_literally(page: str) -> None:
    """A cell's text echoed in a "not a number" message is escaped and cut, never Markdown."""
    at = open_page(page, {})
    key = editor_keys(at)[0]
    texts = HOSTILE_TEXTS[:3] + [":red[big] " + HOSTILE_TEXTS[4] + "\n\n# Heading"]
    at.session_state[key] = {"edited_rows": {0: {"0": texts[0], "1": texts[1]},
                                             1: {"0": texts[2], "1": texts[3]}}}
    at.run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert errors and live_markup(at) == []
    assert "Sign in again" in errors[0] and "onerror" in errors[0]  # shown, not dropped
    assert "\n" not in errors[0]
