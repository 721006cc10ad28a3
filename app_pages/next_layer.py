"""Next layer: where the upstream gradient dL/dP comes from when a dense or conv layer follows."""

from __future__ import annotations

import numpy as np
import streamlit as st

from pooling_core import (
    PoolingError,
    PoolSpec,
    chain_to_input,
    conv_backward,
    conv_forward,
    dense_backward,
    pool_backward,
    pool_forward,
)
from ui.format import index_base
from ui.i18n import t
from ui.links import pagelink
from ui.links.urlstate import NEXT_FIELDS, encode_fields
from ui.views.layer_chain import show_back, show_conv, show_dense, show_error, show_pool
from ui.views.presets import question_line, take_question
from ui.views.projector import projector_on
from ui.widgets.layer_inputs import (
    cell_choice,
    conv_inputs,
    dense_inputs,
    keep_inputs,
    layer_tabs,
    pool_inputs,
)


def dense_section(P: np.ndarray, cell: tuple[int, int], link: dict[str, object],
                  projector: bool) -> np.ndarray | None:
    """The dense tab: its inputs, its backward, its views. dL/dP (OH, OW), or None."""
    ow = P.shape[1]  # j counts from the session's base, as the cells do: (r − 1)·OW + c from 1
    j_rule = t("next_base.j_rule" if index_base() else "next.dense.j_rule", ow=ow)
    st.markdown(t("next.dense.explain", n=P.size, oh=P.shape[0], ow=ow, j_rule=j_rule))
    dense = dense_inputs(P.size)
    if dense is None:
        return None
    link.update(dense.link)
    try:
        res = dense_backward(P, dense.W, dense.bias, dense.activation, dense.grad_a)
    except PoolingError as e:
        show_error(e)
        return None
    show_dense(res, dense.W, cell, projector)
    return res.grad_P


def conv_section(P: np.ndarray, cell: tuple[int, int], link: dict[str, object],
                 projector: bool) -> np.ndarray | None:
    """The convolution tab: its inputs, its backward, its views. dL/dP (OH, OW), or None."""
    st.markdown(t("next.conv.explain"))
    conv = conv_inputs()
    if conv is None:
        return None
    link.update(conv.link)
    try:
        Y = conv_forward(P, conv.K, conv.pad)
        res = conv_backward(P, conv.K, conv.pad, conv.grad_Y(Y.shape))
    except PoolingError as e:
        show_error(e)
        return None
    show_conv(res, P, conv.K, conv.pad, cell, projector)
    return res.grad_P


def page() -> None:
    """1. the pooling layer, 2. the layer after it (dense or conv), 3. back through the pool."""
    ss = st.session_state
    keep_inputs()
    projector = projector_on()
    st.title(t("next.title"))
    question = take_question("next_layer")
    st.markdown(t("next.intro"))
    pagelink.show_notes("next_layer")

    st.subheader(t("next.pool.header"))
    pool = pool_inputs()
    if pool is None:
        return
    try:
        spec = PoolSpec(kernel_size=pool.kernel, stride=pool.stride, mode=pool.mode)
        P = pool_forward(pool.x, spec).output
    except PoolingError as e:
        show_error(e)
        return
    cell = cell_choice(P.shape)
    link = {**pool.link, "cell": cell[0] * P.shape[1] + cell[1]}
    show_pool(pool.x, P, spec, cell, projector)

    st.subheader(t("next.layer.header"))
    st.caption(t("next.layer.explain"))
    # Both tabs are computed on every run: the other tab's edits and link values stay.
    tab_dense, tab_conv = layer_tabs()
    with tab_dense:
        grads = {"dense": dense_section(P, cell, link, projector)}
    with tab_conv:
        grads["conv"] = conv_section(P, cell, link, projector)

    st.subheader(t("next.back.header"))
    layer = t(f"next.tab.{ss.nl_from}")
    st.markdown(t("next.back.source", layer=layer))
    grad_P = grads[ss.nl_from]
    if grad_P is None:
        st.info(t("next.back.unavailable"), icon=":material/info:")
        return
    try:
        grad_x = chain_to_input(pool.x, spec, grad_P)
        one_hot = np.zeros(P.shape)
        one_hot[cell] = 1.0
        receivers = pool_backward(pool.x, one_hot, spec) != 0
    except PoolingError as e:
        show_error(e)
        return
    show_back(grad_P, grad_x, receivers, spec, cell, layer, projector)

    link["from"] = ss.nl_from
    query = question_line("next_layer", question, encode_fields(NEXT_FIELDS, link))
    pagelink.publish(query)
    with st.sidebar:
        pagelink.share_box(query, note="classroom.share_note.next")


page()
