"""The Explorer's Export section: download buttons and code blocks for one configuration.

Thin: the files are made by `ui.exports.tables` and `ui.exports.torch_script`; this module only
draws. Streamlit is imported inside the function, so importing the module needs no app.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import numpy as np

from pooling_core import PoolSpec, output_size
from ui.exports.arrays import file_stem, torch_accepts, torch_padding_missing
from ui.exports.latex_symbolic import symbolic_latex
from ui.exports.standalone import refusal, standalone_html
from ui.exports.tables import arrays_csv, arrays_json, latex_all
from ui.exports.torch_script import pytorch_snippet
from ui.format import index_base
from ui.i18n import current_language, t
from ui.views.symbolic_text import SYMBOLS_MAX_TERMS, symbol_terms

if TYPE_CHECKING:
    from ui.compute import Results


def export_section(
    x: np.ndarray, grad_output: np.ndarray, spec: PoolSpec, results: Results | None = None,
    unpool: tuple[int, int] | None = None,
) -> None:
    """An "Export" expander: download buttons for CSV, JSON, LaTeX (.tex) and a PyTorch
    script (.py), then the LaTeX and the script in code blocks (each with a copy button).

    `x` (H, W), `grad_output` (OH, OW), `spec` and `results` are the ones the page shows
    (`results` None: the arrays are computed by pooling_core).
    Widget keys: export_open (the expander), exp_csv, exp_json, exp_tex, exp_py. Downloading
    does not rerun the app; the contents are built only while the expander is open.
    """
    import streamlit as st

    from ui.compute import compute, content_key
    from ui.exports.gif_view import gif_section
    from ui.views.frameworks_exports import framework_export_buttons

    # Drawn only while open (a lazy expander): the files and code blocks cost the server and
    # the browser work on every rerun otherwise, and are rarely looked at.
    box = st.expander(t("export.header"), icon=":material/download:", key="export_open",
                      on_change="rerun")
    if not box.open:
        return
    results = results if results is not None else compute(x, grad_output, spec)
    stem = file_stem(spec)
    py_name = f"{stem}.py"
    latex = latex_all(x, grad_output, spec, results)
    snippet = pytorch_snippet(x, grad_output, spec, file_name=py_name, unpool=unpool)
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
        c5, c6 = st.columns(2)
        standalone_button(c5, x, grad_output, spec, results, explorer_link(x, grad_output, spec))
        symbolic_button(c6, results, stem)
        gif_section(results.steps, stem, content_key(x, grad_output, spec))
        framework_export_buttons(x, grad_output, spec)  # JAX, ONNX, Keras (issue 17)
        st.markdown(f"**{t('export.latex_header')}**")
        st.caption(t("export.latex_caption"))
        st.code(latex, language="latex", wrap_lines=True)
        st.markdown(f"**{t('export.py_header')}**")
        st.caption(t("export.py_caption"))
        if torch_padding_missing(spec):
            st.info(t("export.py_same", form=spec.padding_kind), icon=":material/info:")
        elif not torch_accepts(spec):
            st.info(t("export.py_refused"), icon=":material/info:")
        st.code(snippet, language="python")


def symbolic_button(box: object, results: Results, stem: str) -> None:
    """Download of the symbolic dL/dx as LaTeX (ui.exports.latex_symbolic) in the session's
    index base; past the work budget, why there is none. Made when the button is clicked."""
    base = index_base()
    if symbol_terms(results.steps) > SYMBOLS_MAX_TERMS:
        box.caption(t("symbolic.export_too_many"))
        return
    box.download_button(  # type: ignore[attr-defined]
        t("symbolic.export"), lambda: symbolic_latex(results.steps, base, standalone=True) or "",
        file_name=f"{stem}_symbols_{base}.tex", mime="application/x-tex", key="exp_sym_tex",
        wrap=True, width="stretch", help=t("symbolic.export_help"), on_click="ignore",
        icon=":material/function:")


def explorer_link(x: np.ndarray, grad_output: np.ndarray, spec: PoolSpec) -> str | None:
    """The Explorer's share link of this view (ui.links.explorerlink.current_query, without the
    classroom hide options: the standalone page shows everything), or None outside an app."""
    import streamlit as st

    from ui.links.explorerlink import current_query

    base = (st.context.url or "").split("?")[0]
    if not base:
        return None
    query = {k: v for k, v in current_query(x, grad_output, spec).items() if k != "hide"}
    return f"{base}?{urlencode(query)}"


def standalone_button(box: object, x: np.ndarray, grad_output: np.ndarray, spec: PoolSpec,
                      results: Results, link: str | None, key: str = "exp_html",
                      start: int | None = None) -> None:
    """Download button of the standalone page (ui.exports.standalone) of this configuration in
    the session's language and projector mode, opening on the session's step; or, for a
    configuration too large for one page, why there is none. `box`: where to draw it (st or
    a column); `start`: the step it opens on (default: the Explorer's). The page is made once
    per configuration, language, mode, link and step, when the button is clicked."""
    import streamlit as st

    from ui.compute import content_key, results_cache
    from ui.views.projector import projector_on

    lang, projector = current_language(), projector_on()
    why = refusal(results.steps, lang)
    if why is not None:
        box.info(why, icon=":material/info:")
        return
    if start is None:
        start = int(st.session_state.get("step", 0) or 0)
    base = index_base()
    cache, key_ = results_cache(), ("standalone", *content_key(x, grad_output, spec), lang,
                                    projector, link, start, base)

    def page() -> str:  # made when the button is clicked (on another thread): not every run
        return cache.get_or_compute(key_, lambda: standalone_html(
            results, lang, app_link=link, projector=projector, start=start, base=base))

    box.download_button(
        t("standalone.button"), page, file_name=f"{file_stem(spec)}_{lang}.html",
        mime="text/html", key=key, wrap=True, width="stretch", help=t("standalone.button_help"),
        on_click="ignore", icon=":material/web:")


def ties_export(x: np.ndarray, k: int, s: int, policy: str) -> None:
    """The Ties page's standalone page button: max pooling of x (H, W) with kernel k, stride
    s, tie policy `policy` and dL/dy all ones (the example its "Open in the Explorer" button
    opens), its link the Explorer's link of that example."""
    import streamlit as st

    from ui.compute import compute
    from ui.i18n import LANG_KEY
    from ui.links.urlstate import EXPLORER_FIELDS, encode_fields, spec_link

    spec = PoolSpec(kernel_size=k, stride=s, ties=policy)
    gy = np.ones([a.size for a in output_size(x.shape, spec)])
    query = encode_fields(EXPLORER_FIELDS, {"x": x.tolist(), **spec_link(asdict(spec))})
    query[LANG_KEY] = current_language()
    base = (st.context.url or "").split("?")[0]
    base = base[: -len("ties")] if base.endswith("/ties") else base
    link = f"{base}?{urlencode(query)}" if base else None
    standalone_button(st, x, gy, spec, compute(x, gy, spec), link, key="ties_html",
                      start=0)
