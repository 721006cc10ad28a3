"""AppTest of the Frameworks page (issue 17): each framework's y and dL/dx on hand-worked cases
where the frameworks differ, the cells marked as differing, the reasons in words, the code
blocks, the port section, the Explorer's panel, links (round trip, bad values) and the
Theory page's semantics table.

Every expected number below is worked out by hand in the comments (never computed by the
code under test); the figures' outlines are read from the charts' shapes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from page_helpers import chart_values, charts, figure
from streamlit.testing.v1 import AppTest

from ui.i18n import t
from ui.links.urlstate import FRAMEWORKS_FIELDS, decode_fields, encode_grid
from ui.views.frameworks_port import port_available
from ui.views.frameworks_view import DIFF_LINE

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "app_pages" / "frameworks.py"

# 4x4, kernel 3, stride 2, max, no padding. PyTorch: floor((4 - 3) / 2) + 1 = 1 window, rows and
# columns 0-2: max 9 at (1,1). Caffe always rounds up: ceil((4 - 3) / 2) + 1 = 2 windows per
# axis (no padding, so none is dropped); the second ones are clipped to rows/columns 2-3:
#   (0,0) rows 0-2, cols 0-2: 9 at (1,1)      (0,1) rows 0-2, cols 2-3: {2,0,5,1,8,7} -> 8 at (2,2)
#   (1,0) rows 2-3, cols 0-2: {2,6,8,3,0,1} -> 8 at (2,2)   (1,1) rows 2-3, cols 2-3: 8 at (2,2)
# dL/dy: the app's is 1x1 of ones, Caffe's extra cells get 1: (1,1) receives 1, (2,2) three.
X4 = [[1, 3, 2, 0], [4, 9, 5, 1], [2, 6, 8, 7], [3, 0, 1, 4]]
CAFFE_Y = [[9, 8], [8, 8]]
CAFFE_DX = [[0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 3, 0], [0, 0, 0, 0]]
TORCH_DX4 = [[0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]

# 5x5, kernel 2, stride 2. 'same' (TF/Keras/JAX, ONNX SAME_UPPER): ceil(5 / 2) = 3 outputs, total
# padding (3 - 1) * 2 + 2 - 5 = 1, all of it after: the extra row at the bottom and the extra
# column on the right. Windows rows/cols {0-1, 2-3, 4}:
#   y = [[6, 8, 5], [7, 9, 6], [8, 7, 1]]
# ONNX SAME_LOWER puts it before: windows {0, 1-2, 3-4}:
#   y = [[1, 4, 3], [6, 8, 9], [8, 5, 7]]   — equal to 'same' only at (2,0) (8 both).
X5 = [[1, 4, 2, 0, 3], [6, 2, 8, 1, 5], [3, 7, 0, 9, 2], [4, 1, 5, 2, 6], [8, 3, 2, 7, 1]]
SAME_UPPER_Y = [[6, 8, 5], [7, 9, 6], [8, 7, 1]]
SAME_LOWER_Y = [[1, 4, 3], [6, 8, 9], [8, 5, 7]]

# 2x2 average, kernel 2, stride 2, padding 1, count_include_pad=False: output
# floor((2 + 2 - 2) / 2) + 1 = 2 per axis; each window holds one real cell, so PyTorch divides
# by 1: y = x, and each cell gets its window's dL/dy: dL/dx = 1. Caffe always counts the padding:
# each window is 2x2 = 4 cells, y = x / 4 = [[1, 2], [3, 4]], dL/dx = 1/4 everywhere.
X2 = [[4, 8], [12, 16]]


def open_page(query: dict[str, str], lang: str = "en") -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=90)
    at.query_params["lang"] = lang
    at.session_state["lang"] = lang  # app.py's job when the whole app runs
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def marked_cells(at: AppTest, key: str) -> set[tuple[int, int]]:
    """The cells a chart frames with the 'differs from PyTorch' line (centre of each shape)."""
    out = set()
    for s in figure(at, key)["layout"].get("shapes", []):
        line = s.get("line", {})
        if line.get("dash") == DIFF_LINE["dash"] and line.get("color") == DIFF_LINE["color"]:
            out.add((round((s["y0"] + s["y1"]) / 2), round((s["x0"] + s["x1"]) / 2)))
    return out


def page_text(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption]
                     + [w.value for w in at.warning] + [i.value for i in at.info]
                     + [s.value for s in at.success])


def published(at: AppTest) -> dict[str, str]:
    q = {k: v[-1] if isinstance(v, list) else v for k, v in at.query_params.items()}
    q.pop("lang", None)
    return q


# ----------------------------------------------------------------- hand-worked differences
def test_caffe_rounds_the_output_size_up() -> None:
    at = open_page({"x": encode_grid(X4), "k": "3", "s": "2"})
    assert chart_values(at, "fw_y_pytorch").tolist() == [[9]]
    assert chart_values(at, "fw_dx_pytorch").tolist() == TORCH_DX4
    assert chart_values(at, "fw_y_caffe").tolist() == CAFFE_Y
    assert chart_values(at, "fw_dx_caffe").tolist() == CAFFE_DX
    # Caffe's three extra windows and the cell they send gradient to differ from PyTorch.
    assert marked_cells(at, "fw_y_caffe") == {(0, 1), (1, 0), (1, 1)}
    assert marked_cells(at, "fw_dx_caffe") == {(2, 2)}
    assert marked_cells(at, "fw_y_pytorch") == set()
    text = page_text(at)
    assert t("frameworks.reason.output_size") in text
    assert t("frameworks.reason_line", n=4, reason=t("frameworks.reason.output_size")) in text
    # TensorFlow, JAX and ONNX floor like PyTorch here: no outline.
    for fw in ("tensorflow", "jax", "onnx"):
        assert chart_values(at, f"fw_y_{fw}").tolist() == [[9]]
        assert marked_cells(at, f"fw_y_{fw}") == set()
    # Caffe's definition names its numbers (prototxt); PyTorch's call too.
    codes = "\n".join(c.value for c in at.code)
    assert "kernel_size: 3" in codes and "stride: 2" in codes
    assert "MaxPool2d" in codes or "max_pool2d" in codes


def test_tf_same_puts_the_extra_column_on_the_right() -> None:
    at = open_page({"x": encode_grid(X5), "k": "2", "s": "2", "pad": "same"})
    for fw in ("pytorch", "tensorflow", "jax", "onnx"):
        assert chart_values(at, f"fw_y_{fw}").tolist() == SAME_UPPER_Y, fw
        assert marked_cells(at, f"fw_y_{fw}") == set(), fw
    # PyTorch pooling has no 'same': its code pads by hand first.
    assert t("frameworks.issue.no_same_padding", padding="same") in page_text(at)


def test_same_lower_is_written_exactly_with_explicit_padding_where_there_is_none() -> None:
    # TF/Keras has no 'same' with the extra cell before: it pads by hand (one row on top, one
    # column on the left), then pools 'valid' -- the same numbers as ONNX SAME_LOWER.
    at = open_page({"x": encode_grid(X5), "k": "2", "s": "2", "pad": "same_lower"})
    for fw in ("pytorch", "tensorflow", "jax", "onnx", "caffe"):
        assert chart_values(at, f"fw_y_{fw}").tolist() == SAME_LOWER_Y, fw
        assert marked_cells(at, f"fw_y_{fw}") == set(), fw
    text = page_text(at)
    assert t("frameworks.issue.no_same_lower") in text
    assert t("frameworks.verdict.exact") in text


def test_caffe_counts_the_padding_in_the_average() -> None:
    at = open_page({"x": encode_grid(X2), "k": "2", "s": "2", "p": "1", "mode": "avg",
                    "cip": "0"})
    assert chart_values(at, "fw_y_pytorch").tolist() == X2
    assert chart_values(at, "fw_dx_pytorch").tolist() == [[1, 1], [1, 1]]
    assert chart_values(at, "fw_y_caffe").tolist() == [[1, 2], [3, 4]]
    assert chart_values(at, "fw_dx_caffe").tolist() == [[0.25, 0.25], [0.25, 0.25]]
    all4 = {(0, 0), (0, 1), (1, 0), (1, 1)}
    assert marked_cells(at, "fw_y_caffe") == all4
    assert marked_cells(at, "fw_dx_caffe") == all4
    # TensorFlow's pooling has no explicit padding: padded by hand with zeros, they count.
    assert chart_values(at, "fw_y_tensorflow").tolist() == [[1, 2], [3, 4]]
    assert marked_cells(at, "fw_y_tensorflow") == all4
    for fw in ("jax", "onnx"):  # count_include_pad=False exists there
        assert chart_values(at, f"fw_y_{fw}").tolist() == X2
        assert marked_cells(at, f"fw_y_{fw}") == set()
    assert t("frameworks.issue.no_count_exclude_pad") in page_text(at)


def test_default_view_draws_every_framework_and_every_section() -> None:
    at = open_page({})
    keys = set(charts(at))
    assert {f"fw_{a}_{fw}" for a in ("y", "dx")
            for fw in ("pytorch", "tensorflow", "jax", "onnx", "caffe")} <= keys
    assert "fw_input" in keys
    headers = [h.value for h in at.subheader]
    for key in ("frameworks.compare.header", "frameworks.code.header", "frameworks.export.header"):
        assert t(key) in headers
    assert (t("frameworks.port.header") in headers) is port_available()
    assert len(at.code) >= 5  # one definition per framework at least


@pytest.mark.parametrize("lang", ["es", "pl", "zh-CN", "zh-TW"])
def test_page_in_every_language(lang: str) -> None:
    at = open_page({"x": encode_grid(X4), "k": "3", "s": "2"}, lang=lang)
    assert at.title[0].value == t("frameworks.title", lang=lang)
    assert t("frameworks.reason.output_size", lang=lang) in page_text(at)


# ----------------------------------------------------------------- links
def test_link_round_trip() -> None:
    query = {"x": encode_grid(X5), "k": "2", "s": "2", "pad": "same_lower", "from": "onnx",
             "to": "tensorflow"}
    at = open_page(query)
    assert at.session_state["link_notes:frameworks"] == []
    q = published(at)
    values, problems = decode_fields(FRAMEWORKS_FIELDS, q)
    assert problems == []
    assert values["x"] == X5 and values["pad"] == "same_lower"
    assert values["k"] == (2, 2) and values["s"] == (2, 2)
    assert values["from"] == "onnx" and values["to"] == "tensorflow"
    assert at.session_state["fw_from"] == "onnx"
    assert at.session_state["fw_to"] == "tensorflow"
    # The published link reopens the same view.
    again = open_page(q)
    assert published(again) == q
    assert chart_values(again, "fw_y_onnx").tolist() == SAME_LOWER_Y


@pytest.mark.parametrize(("key", "value", "code"), [
    ("from", "keras3", "url_choice"),
    ("to", "<b>x</b>", "url_choice"),
    ("k", "99", "url_number"),
    ("x", "t2x2~1,2,3", "url_grid_broken"),
    ("x", "zzzz", "url_grid_broken"),
    ("gy", "random.-1", "url_number"),
])
def test_bad_link_values_give_a_note_and_a_valid_state(key: str, value: str, code: str) -> None:
    at = open_page({key: value})
    notes = [w.value for w in at.warning]
    assert any(n == t(f"url.{code}", name=key, limit=64) for n in notes), notes
    # Defaults stay: the Explorer's 6x6 example, kernel 3, stride 1, every framework drawn.
    assert chart_values(at, "fw_y_pytorch").shape == (4, 4)
    assert at.session_state["fw_from"] == "tensorflow"
    assert at.session_state["fw_to"] == "pytorch"


def test_a_layer_that_does_not_fit_the_grid_is_dropped_with_a_note() -> None:
    at = open_page({"x": encode_grid(X4), "k": "9"})
    notes = [w.value for w in at.warning]
    assert any(n.startswith(t("url.url_combo", reason="").rstrip()) for n in notes), notes
    # The grid is the link's, the layer the default (kernel 3, stride 1): 2x2 outputs.
    assert chart_values(at, "fw_input").tolist() == X4
    assert chart_values(at, "fw_y_pytorch").tolist() == [[9, 9], [9, 9]]


def test_unknown_parameters_are_counted_in_one_note() -> None:
    at = open_page({"foo": "1", "bar": "2"})
    assert t("url.url_unknown", n=2) in [w.value for w in at.warning]


# ----------------------------------------------------------------- Theory and Explorer
def test_theory_shows_the_semantics_table_with_sources() -> None:
    at = AppTest.from_file(str(ROOT / "app_pages" / "theory.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert t("frameworks.theory.header") in [h.value for h in at.header]
    table = at.table[-1].value
    source_col = t("frameworks.theory.col.source")
    sources = " ".join(str(v) for v in table[source_col])
    # Every framework's rules cite their source (read from the table, escaped text).
    for needle in ("MaxPoolKernel.cpp", "maxpooling_op.cc", "windowed_reductions.py",
                   "pool_functors.h", "pooling_layer.cpp"):
        assert needle in sources.replace("\\", ""), needle
    assert len(table) == 25  # 5 frameworks x 5 aspects


# ----------------------------------------------------------------- projector, hostile links
def test_projector_mode_on_the_frameworks_page() -> None:
    """Through app.py: the projector switch, then the Frameworks page: bold numbers, bigger
    type, the dashed frames thicker, and one framework per row (no columns for the charts)."""
    from ui.views.projector import PROJECTOR_KEY

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params["lang"] = "en"
    at.run()
    at.toggle(key=PROJECTOR_KEY).set_value(True).run()
    at.switch_page("app_pages/frameworks.py").run()
    assert not at.exception, [e.value for e in at.exception]
    figs = charts(at)
    assert {"fw_y_pytorch", "fw_y_caffe"} <= set(figs)
    for fig in figs.values():
        assert fig["data"][0]["textfont"]["weight"] == "bold"
        assert fig["layout"]["font"]["size"] == 16


@pytest.mark.parametrize("query", [
    {"x": "t1x1~<script>alert(1)</script>"},
    {"k": "3x", "s": "0", "p": "-1", "d": "9"},
    {"pad": "[link](http://example.com)", "mode": "**bold**"},
    {"from": "", "to": "caffe", "x": "t2x2~1,2,3,4", "k": "2"},
    {"layer": "adaptive", "o": "3", "x": "t7x7~" + ",".join(["1"] * 49)},
    {"layer": "global", "mode": "avg"},
    {"x": "t1x1~nan", "k": "1"},
    {"ps": "0,1,0,1", "k": "2", "s": "2", "x": encode_grid(X5), "mode": "avg"},
    # the heaviest layer a link allows: 1089 windows of up to 1024 cells, in five frameworks
    {"x": encode_grid([[float((r * 7 + c * 3) % 5) for c in range(32)] for r in range(32)]),
     "k": "32", "s": "1", "p": "16", "ceil": "1"},
])
def test_hostile_or_odd_links_never_break_the_page(query: dict[str, str]) -> None:
    at = open_page(query)
    assert "fw_y_pytorch" in charts(at)
    for w in at.warning:
        assert "<script>" not in w.value and "](http" not in w.value


def test_explorer_panel_one_line_per_framework() -> None:
    at = AppTest.from_file(str(ROOT / "app_pages" / "explorer.py"), default_timeout=90)
    at.query_params["lang"] = "en"
    at.query_params["x"] = encode_grid(X4)
    at.query_params["k"] = "3"
    at.query_params["s"] = "2"
    at.run()
    assert not at.exception
    closed = "\n".join(m.value for m in at.markdown)
    assert "**Caffe**" not in closed  # drawn only while open
    at.session_state["fw_panel_open"] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    lines = next(m.value for m in at.markdown if "**Caffe**" in m.value).split("\n")
    assert len(lines) == 5
    by_name = {line.split("**")[1]: line for line in lines}
    assert "the reference" in by_name["PyTorch"]
    for name in ("TensorFlow / Keras", "JAX / Flax", "ONNX (ONNX Runtime)"):
        assert by_name[name].endswith(t("frameworks.panel.same")), by_name[name]
    # Caffe: 3 extra outputs and the cell they feed (hand-worked above), output-size rounding.
    assert "4 cells differ: the output size is rounded differently" in by_name["Caffe"]
    assert t("frameworks.panel.nearest") in by_name["Caffe"]
    assert t("frameworks.panel.open") in [b.label for b in at.button]


def test_script_buttons_for_every_framework() -> None:
    at = open_page({"x": encode_grid(X4), "k": "3", "s": "2"})
    labels = [d.proto.label for d in at.get("download_button")]
    for key in ("export.py", "frameworks.export.jax", "frameworks.export.onnx",
                "frameworks.export.keras"):
        assert t(key) in labels, (key, labels)


# ----------------------------------------------------------------- port a layer
def test_port_tf_same_to_pytorch_is_exact_with_explicit_padding() -> None:
    # The source layer starts as TF writes the current layer: pool_size 2, strides 2, 'same'.
    at = open_page({"x": encode_grid(X5), "k": "2", "s": "2", "pad": "same",
                    "from": "tensorflow", "to": "pytorch"})
    assert at.selectbox(key="fw_p_tensorflow_padding").value == "same"
    assert at.number_input(key="fw_p_tensorflow_pool_size_h").value == 2
    assert t("frameworks.port.exact", name="PyTorch") in [s.value for s in at.success]
    assert chart_values(at, "fw_port_source_y").tolist() == SAME_UPPER_Y
    assert chart_values(at, "fw_port_target_y").tolist() == SAME_UPPER_Y
    assert marked_cells(at, "fw_port_target_y") == set()
    assert any("F.pad" in c.value for c in at.code)


def test_port_onnx_average_without_padding_count_to_caffe_has_no_equivalent() -> None:
    # ONNX AveragePool, pads 1 on every side, count_include_pad=0 (the X2 case above): the
    # real cell alone, y = x; Caffe always counts the padding: y = x / 4, dL/dx = 1/4.
    at = open_page({"x": encode_grid(X2), "k": "2", "s": "2", "p": "1", "mode": "avg",
                    "cip": "0", "from": "onnx", "to": "caffe"})
    assert at.checkbox(key="fw_p_onnx_count_include_pad").value is False
    assert [at.number_input(key=f"fw_p_onnx_pads_{s}").value
            for s in ("top", "left", "bottom", "right")] == [1, 1, 1, 1]
    assert t("frameworks.port.none", name="Caffe") in [w.value for w in at.warning]
    assert chart_values(at, "fw_port_source_y").tolist() == X2
    assert chart_values(at, "fw_port_target_y").tolist() == [[1, 2], [3, 4]]
    assert chart_values(at, "fw_port_target_dx").tolist() == [[0.25, 0.25], [0.25, 0.25]]
    all4 = {(0, 0), (0, 1), (1, 0), (1, 1)}
    assert marked_cells(at, "fw_port_target_y") == all4
    assert marked_cells(at, "fw_port_target_dx") == all4
    assert t("frameworks.port.cells", n=8) in [m.value for m in at.markdown]
    # Switching the source layer's count_include_pad on makes Caffe's equivalent exact.
    at.checkbox(key="fw_p_onnx_count_include_pad").check().run()
    assert t("frameworks.port.exact", name="Caffe") in [s.value for s in at.success]
    assert chart_values(at, "fw_port_source_y").tolist() == [[1, 2], [3, 4]]
    assert marked_cells(at, "fw_port_target_y") == set()


def test_port_bad_parameters_give_a_message() -> None:
    at = open_page({"x": encode_grid(X4), "from": "caffe", "to": "onnx"})
    at.number_input(key="fw_p_caffe_kernel_size_h").set_value(2).run()
    at.number_input(key="fw_p_caffe_pad_h").set_value(3).run()  # pad > kernel / 2
    assert not at.exception
    assert any(e.value.startswith(t("frameworks.port.invalid", name="")[:20]) for e in at.error)



def test_every_code_of_the_core_has_a_sentence_in_every_language() -> None:
    """The semantics table's rules, the issues and the reasons are translated from the core's
    codes: a code the core adds without a sentence would show as its key."""
    from pooling_core.frameworks import DIFF_REASONS, ISSUE_CODES, SEMANTICS
    from ui.i18n import LANGUAGES, catalogue

    keys = ({f"frameworks.semantics.{r.aspect}.{r.code}" for r in SEMANTICS}
            | {f"frameworks.aspect.{r.aspect}" for r in SEMANTICS}
            | {f"frameworks.issue.{c}" for c in ISSUE_CODES}
            | {f"frameworks.reason.{c}" for c in DIFF_REASONS})
    for lang in LANGUAGES:
        missing = sorted(k for k in keys if k not in catalogue(lang))
        assert missing == [], (lang, missing)
