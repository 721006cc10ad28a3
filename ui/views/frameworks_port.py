"""The Frameworks page's "Port a layer" section: a source framework's layer in its own words,
a target framework, and the target's closest exact equivalent (its code), or that none
exists with the cells that will differ on the current input (`pooling_core.frameworks.
port_layer`)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from pooling_core import PoolingError
from pooling_core.frameworks import FRAMEWORKS, PORT_PARAMS, Port, express, port_layer
from ui.compute import content_key, results_cache
from ui.i18n import t
from ui.views import figures
from ui.views.charts import chart
from ui.views.frameworks_text import issue_text, label, reason_text
from ui.views.frameworks_view import outlined, show_code
from ui.views.projector import projector_on
from ui.widgets.frameworks_port import port_controls, seed_params


def _marks(port: Port, array: str, shape: tuple[int, int]) -> np.ndarray:
    """(R, C) bool: the target's cells of `array` ("y" or "dx") that differ from the source's."""
    marked = np.zeros(shape, dtype=bool)
    for cell in port.cells:
        r, c = cell.cell
        if cell.array == array and r < shape[0] and c < shape[1]:
            marked[r, c] = True
    return marked


def _side(fw: str, result: object, port: Port, role: str, compare: bool) -> None:
    """One side of the port (source or target): its y and dL/dx, differing cells outlined."""
    st.markdown(f"#### {t(f'frameworks.port.side_{role}', name=label(fw))}")
    if result is None or result.output is None:  # type: ignore[attr-defined]
        st.info(t("frameworks.no_numbers", name=label(fw)), icon=":material/block:")
        return
    pr = projector_on()
    y, dx = result.output, result.grad_input  # type: ignore[attr-defined]
    y_marks = _marks(port, "y", y.shape) if compare else np.zeros(y.shape, dtype=bool)
    chart(outlined(figures.heatmap(y, t("frameworks.fig.y"),
                                   name="y", projector=pr, width_px=320), y_marks),
          f"fw_port_{role}_y", t("frameworks.alt.y", name=label(fw), oh=y.shape[0],
                                 ow=y.shape[1], n=int(y_marks.sum())))
    if dx is None:
        st.caption(t("frameworks.no_gradient", name=label(fw)))
        return
    dx_marks = _marks(port, "dx", dx.shape) if compare else np.zeros(dx.shape, dtype=bool)
    chart(outlined(figures.heatmap(dx, t("frameworks.fig.dx"),
                                   kind="grad", name="dL/dx", projector=pr, width_px=320),
                   dx_marks),
          f"fw_port_{role}_dx", t("frameworks.alt.dx", name=label(fw), h=dx.shape[0],
                                  w=dx.shape[1], n=int(dx_marks.sum())))


def port_available() -> bool:
    """Whether pooling_core.frameworks can port a layer (its parameters are declared)."""
    return bool(PORT_PARAMS)


def port_section(x: np.ndarray, grad_output: np.ndarray, spec: object) -> None:
    """Source and target framework, the source layer's parameters, and the answer."""
    ss = st.session_state
    st.markdown(t("frameworks.port.intro"))
    c1, c2 = st.columns(2)
    c1.selectbox(t("frameworks.port.from"), FRAMEWORKS, key="fw_from", format_func=label)
    c2.selectbox(t("frameworks.port.to"), FRAMEWORKS, key="fw_to", format_func=label)
    source, target = ss.fw_from, ss.fw_to
    try:
        current = express(source, spec, x.shape)  # type: ignore[arg-type]
    except (PoolingError, NotImplementedError):
        current = None
    seed_params(source, current, spec)
    st.markdown(t("frameworks.port.params", name=label(source)))
    params = port_controls(source)
    key = ("port", *content_key(x, grad_output, None), source, repr(sorted(params.items())),
           target)
    try:  # once per source layer, target and input (the Explorer's content cache)
        port = results_cache().get_or_compute(
            key, lambda: port_layer(source, params, target, x, None))
    except PoolingError as e:
        name = e.params.get("name", "")
        text = (t("frameworks.too_big", maximum=e.params.get("maximum", ""))
                if e.code == "work_budget" else t("frameworks.port.invalid", name=str(name)))
        st.error(text, icon=":material/error:")
        return
    ex = port.target_expression
    if port.exists:
        st.success(t("frameworks.port.exact", name=label(target)), icon=":material/check_circle:")
    elif ex.calls:
        st.warning(t("frameworks.port.none", name=label(target)), icon=":material/warning:")
    else:
        st.error(t("frameworks.port.nothing", name=label(target)), icon=":material/block:")
    if ex.issues:
        st.markdown("\n".join(f"- {issue_text(i)}" for i in ex.issues))
    for call in ex.calls:
        show_code(call)
    if port.source_result is None:
        return
    if not port.cells:
        st.caption(t("frameworks.port.same_cells"))
    else:
        st.markdown(t("frameworks.port.cells", n=len(port.cells)))
        reasons = list(dict.fromkeys(c.reason for c in port.cells))
        st.markdown("\n".join(f"- {reason_text(r)}" for r in reasons))
        st.caption(t("frameworks.compare.legend"))
    a, b = (st.container(), st.container()) if projector_on() else st.columns(2, gap="large")
    with a:
        _side(source, port.source_result, port, "source", compare=False)
    with b:
        _side(target, port.target_result, port, "target", compare=True)

