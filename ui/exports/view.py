"""The Explorer's Export section: download buttons and code blocks for one configuration.

Thin: the files are made by `ui.exports.tables` and `ui.exports.torch_script`; this module only
draws. Streamlit is imported inside the function, so importing the module needs no app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from pooling_core import PoolSpec
from ui.exports.arrays import file_stem, torch_accepts
from ui.exports.tables import arrays_csv, arrays_json, latex_all
from ui.exports.torch_script import pytorch_snippet
from ui.i18n import t

if TYPE_CHECKING:
    from ui.compute import Results


def export_section(
    x: np.ndarray, grad_output: np.ndarray, spec: PoolSpec, results: Results | None = None
) -> None:
    """An "Export" expander: download buttons for CSV, JSON, LaTeX (.tex) and a PyTorch
    script (.py), then the LaTeX and the script in code blocks (each with a copy button).

    `x` (H, W), `grad_output` (OH, OW), `spec` and `results` are the ones the page shows
    (`results` None: the arrays are computed by pooling_core).
    Widget keys: export_open (the expander), exp_csv, exp_json, exp_tex, exp_py. Downloading
    does not rerun the app; the contents are built only while the expander is open.
    """
    import streamlit as st

    # Drawn only while open (a lazy expander): the files and code blocks cost the server and
    # the browser work on every rerun otherwise, and are rarely looked at.
    box = st.expander(t("export.header"), icon=":material/download:", key="export_open",
                      on_change="rerun")
    if not box.open:
        return
    stem = file_stem(spec)
    py_name = f"{stem}.py"
    latex = latex_all(x, grad_output, spec, results)
    snippet = pytorch_snippet(x, grad_output, spec, file_name=py_name)
    with box:
        st.caption(t("export.intro"))
        # Two per row, labels wrapped: four in a row cut "Arrays and parameters (J…".
        c1, c2 = st.columns(2)
        c3, c4 = st.columns(2)
        c1.download_button(
            t("export.csv"), arrays_csv(x, grad_output, spec, results), file_name=f"{stem}.csv",
            mime="text/csv", key="exp_csv",
            wrap=True, width="stretch", help=t("export.csv_help"), on_click="ignore",
            icon=":material/table_view:")
        c2.download_button(
            t("export.json"), arrays_json(x, grad_output, spec, results),
            file_name=f"{stem}.json", mime="application/json", key="exp_json",
            wrap=True, width="stretch",
            help=t("export.json_help"), on_click="ignore", icon=":material/data_object:")
        c3.download_button(
            t("export.tex"), latex_all(x, grad_output, spec, results, standalone=True),
            file_name=f"{stem}.tex", mime="application/x-tex", key="exp_tex",
            wrap=True, width="stretch",
            help=t("export.tex_help"), on_click="ignore", icon=":material/functions:")
        c4.download_button(
            t("export.py"), snippet, file_name=py_name, mime="text/x-python", key="exp_py",
            wrap=True, width="stretch",
            help=t("export.py_help"), on_click="ignore", icon=":material/code:")
        st.markdown(f"**{t('export.latex_header')}**")
        st.caption(t("export.latex_caption"))
        st.code(latex, language="latex", wrap_lines=True)
        st.markdown(f"**{t('export.py_header')}**")
        st.caption(t("export.py_caption"))
        if not torch_accepts(spec):
            st.info(t("export.py_refused"), icon=":material/info:")
        st.code(snippet, language="python")
