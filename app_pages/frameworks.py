"""Frameworks: the Explorer's layer as PyTorch, TensorFlow/Keras, JAX/Flax, ONNX and Caffe write
it, what each computes on its input, where they differ from PyTorch and why; porting a layer."""

from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from pooling_core import PoolingError
from ui.exports.arrays import file_stem
from ui.exports.torch_script import pytorch_snippet
from ui.i18n import t
from ui.links import pagelink
from ui.views import figures
from ui.views.charts import chart
from ui.views.frameworks_exports import framework_export_buttons
from ui.views.frameworks_port import port_available, port_section
from ui.views.frameworks_view import code_section, compare_section, lens
from ui.views.layer_view import read_layer
from ui.views.projector import projector_on
from ui.widgets.frameworks_state import (
    PAGE,
    apply_link,
    current_view,
    init_port_state,
    page_query,
)
from ui.widgets.grid import parse_grid
from ui.widgets.params import parameter_controls
from ui.widgets.session import init_state

EXPLORER = "app_pages/explorer.py"


def page() -> None:
    """The Explorer's layer and input -> every framework's numbers and code -> port -> files."""
    ss = st.session_state
    init_state()  # the Explorer's layer, input and dL/dy: this page shows the same view
    init_port_state()
    apply_link()
    st.title(t("frameworks.title"))
    st.markdown(t("frameworks.intro"))
    pagelink.show_notes(PAGE)

    with st.sidebar:
        st.header(t("param.header"))
        boxes: dict[str, DeltaGenerator] = parameter_controls()
        spec_box = st.container()
    x, _ = parse_grid(ss.grid_text)
    spec, sizes = read_layer(x, boxes, spec_box)
    view = current_view(x, spec, sizes)
    st.subheader(t("frameworks.layer.header"))
    if x is None or spec is None:
        st.warning(t("frameworks.layer.invalid"), icon=":material/history:")
    if view is None:
        return
    x, gy, spec = view
    c1, c2 = (st.container(), st.container()) if projector_on() else st.columns(2, gap="large")
    with c1:
        chart(figures.heatmap(x, t("frameworks.layer.input"), name="x", projector=projector_on()),
              "fw_input", t("frameworks.alt.input", h=x.shape[0], w=x.shape[1]))
    with c2:
        st.markdown(t("frameworks.layer.note"))
        if st.button(t("frameworks.layer.open_explorer"), key="fw_open_explorer",
                     icon=":material/open_in_new:"):
            st.switch_page(EXPLORER)

    try:
        all_diffs = lens(x, gy, spec)
    except PoolingError as e:  # pooling_core.frameworks' work budget
        st.error(t("frameworks.too_big", maximum=e.params.get("maximum", "")),
                 icon=":material/error:")
        return
    st.subheader(t("frameworks.compare.header"))
    compare_section(all_diffs, x.shape[1])
    st.subheader(t("frameworks.code.header"))
    code_section(all_diffs, spec, x.shape)

    if port_available():  # pooling_core.frameworks.port_layer
        st.subheader(t("frameworks.port.header"))
        port_section(x, gy, spec)

    st.subheader(t("frameworks.export.header"))
    st.caption(t("frameworks.export.intro"))
    py_name = f"{file_stem(spec)}.py"
    st.download_button(t("export.py"), lambda: pytorch_snippet(x, gy, spec, file_name=py_name),
                       file_name=py_name, mime="text/x-python", key="fw_exp_py",
                       on_click="ignore", icon=":material/code:", help=t("export.py_help"))
    framework_export_buttons(x, gy, spec, key_prefix="fw_exp")

    query = page_query(x, gy, spec)
    pagelink.publish(query)
    with st.sidebar:
        st.divider()
        pagelink.share_box(query, note="frameworks.share_note")


page()
