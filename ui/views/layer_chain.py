"""The Next layer page's views of the chain x -> pool -> next layer -> L: the pooled output P,
the dense layer's table and written sum, the convolution's figures and sum, and dL/dP carried
back through the pool to dL/dx. Every number comes from pooling_core; this module draws."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from pooling_core import ConvBackward, DenseBackward, PoolingError, PoolSpec
from ui.errors import error_text
from ui.format import fmt, index_base
from ui.i18n import shape_words, t
from ui.views import figures
from ui.views.charts import chart


def show_error(e: PoolingError) -> None:
    """A core error in the user's language (this page's texts first, then the shared ones)."""
    text = t(f"next.error.{e.code}", **e.params)
    if text == f"next.error.{e.code}":
        text = error_text(e)
    st.error(text, icon=":material/error:")


def num(v: float) -> str:
    """A number inside a written sum: negatives in parentheses."""
    s = fmt(v)
    return f"({s})" if v < 0 else s


def cell_mask(shape: tuple[int, int], cells: list[tuple[int, int]]) -> np.ndarray:
    """A bool array of `shape`, True at `cells` ((row, col) pairs)."""
    mask = np.zeros(shape, dtype=bool)
    for r, c in cells:
        mask[r, c] = True
    return mask


def three_slots(projector: bool) -> list:
    """Three figures side by side; in projector mode two and one below (in a third of the
    page at 1024 px, a padded P's numbers came out about 10 px)."""
    if not projector:
        return st.columns(3, gap="medium")
    return [*st.columns(2, gap="medium"), st.columns(2, gap="medium")[0]]


# ----------------------------------------------------------------- 1. the pooling layer
def show_pool(x: np.ndarray, P: np.ndarray, spec: PoolSpec, cell: tuple[int, int],
              projector: bool) -> None:
    """x (H, W) beside P (OH, OW) with the followed cell (r, c) outlined, and a warning when
    P holds NaN or an infinity."""
    (OH, OW), b = P.shape, index_base()
    r, c = cell[0] + b, cell[1] + b  # as named in the sentences (the session's index base)
    c1, c2 = st.columns(2, gap="large")
    with c1:
        chart(figures.heatmap(x, t("next.fig.x"), name="x", projector=projector),
              "nl_fig_x", t("next.alt.x", **shape_words(*x.shape)))
    with c2:
        chart(figures.heatmap(P, t("next.fig.P"), name="P", marked=cell_mask(P.shape, [cell]),
                              projector=projector),
              "nl_fig_P", t("next.alt.P", oh=OH, ow=OW, r=r, c=c))
    st.caption(t("next.pool.figs", mode=t(f"next.mode.{spec.mode}"), r=r, c=c))
    if not np.isfinite(P).all():
        st.warning(t("next.pool.non_finite"), icon=":material/warning:")


# ----------------------------------------------------------------- 2a. dense layer
def show_dense(res: DenseBackward, W: np.ndarray, cell: tuple[int, int],
               projector: bool) -> None:
    """The dense layer's forward and backward per neuron (z, a, f'(z), δ = dL/da, dL/dz),
    the written sum for dL/dP at the followed cell (r, c) (neuron j = r * OW + c of the
    flattened P), and the heatmaps of every term (m, n) and of dL/dP (OH, OW)."""
    (OH, OW), b = res.grad_P.shape, index_base()
    j0 = cell[0] * OW + cell[1]  # the column of the terms; r, c, j, i as named, in base b
    r, c, j = cell[0] + b, cell[1] + b, j0 + b
    m = W.shape[0]
    st.markdown(f"**{t('next.dense.forward_header')}**")
    st.table(pd.DataFrame(
        {
            t("next.dense.col_z"): [fmt(v) for v in res.z],
            t("next.dense.col_a"): [fmt(v) for v in res.a],
            t("next.dense.col_fprime"): [fmt(v) for v in res.fprime],
            t("next.dense.col_delta"): [fmt(v) for v in res.delta],
            t("next.dense.col_grad_z"): [fmt(v) for v in res.grad_z],
        },
        index=pd.Index([str(i + b) for i in range(m)], name="i"),
    ))
    off = [str(i + b) for i in np.flatnonzero(res.fprime == 0)]
    if off:
        st.caption(t("next.dense.off", neurons=", ".join(off), count=len(off)))

    products = " + ".join(
        t("next.dense.term_product", d=num(res.delta[i]), f=num(res.fprime[i]), w=num(W[i, j0]))
        for i in range(m))
    terms = " + ".join(num(v) for v in res.terms[:, j0])
    st.markdown(t("next.dense.sum", r=r, c=c, j=j, products=products, terms=terms,
                  total=fmt(res.grad_P[cell])))
    column = np.zeros(res.terms.shape, dtype=bool)
    column[:, j0] = True
    h1, h2 = st.columns(2, gap="large")
    with h1:
        chart(figures.heatmap(res.terms, t("next.fig.terms"), kind="grad",
                              name=t("next.dense.terms_name"), marked=column,
                              projector=projector),
              "nl_fig_terms", t("next.alt.terms", j=j, **shape_words(m, W.shape[1])))
    with h2:
        chart(figures.heatmap(res.grad_P, t("next.fig.grad_P"), kind="grad", name="dL/dP",
                              marked=cell_mask((OH, OW), [cell]), projector=projector),
              "nl_fig_dense_grad", t("next.alt.grad_P", oh=OH, ow=OW))
    st.caption(t("next.dense.figs", r=r, c=c, j=j))
    st.info(t("next.dense.different"), icon=":material/lightbulb:")


# ----------------------------------------------------------------- 2b. convolution
def show_conv(res: ConvBackward, P: np.ndarray, K: np.ndarray, pad: int,
              cell: tuple[int, int], projector: bool) -> None:
    """The convolution of P (OH, OW), padded by `pad`, with K (k, k): P, K and Y with what
    touches the followed cell (r, c) outlined; the written sum for dL/dP[r, c]; dL/dY, its
    fully padded form with the flipped kernel's window, the flipped K; and dL/dP."""
    (OH, OW), (YH, YW), k, b = P.shape, res.Y.shape, K.shape[0], index_base()
    chosen = cell_mask((OH, OW), [cell])
    terms = res.cell_terms(*cell)
    r, c = cell[0] + b, cell[1] + b  # as named in the sentences (the session's index base)
    touching = cell_mask(res.Y.shape, [(tm.u, tm.v) for tm in terms])
    st.markdown(t("next.conv.shapes", oh=OH, ow=OW, p=pad, k=k, yh=YH, yw=YW))
    h1, h2, h3 = three_slots(projector)
    with h1:
        chart(figures.heatmap(P, t("next.fig.pad_P"), name="P", marked=chosen,
                              pad=(pad, pad, pad, pad), projector=projector),
              "nl_fig_conv_P", t("next.alt.conv_P", p=pad, r=r, c=c, count=pad))
    with h2:
        chart(figures.heatmap(K, t("next.fig.K"), name="K",
                              marked=cell_mask(K.shape, [(tm.kr, tm.kc) for tm in terms]),
                              projector=projector),
              "nl_fig_conv_K", t("next.alt.K", k=k))
    with h3:
        chart(figures.heatmap(res.Y, t("next.fig.Y"), name="Y", marked=touching,
                              projector=projector),
              "nl_fig_conv_Y", t("next.alt.Y", yh=YH, yw=YW))
    st.caption(t("next.conv.figs", p=pad, r=r, c=c, count=pad))

    names = " + ".join(t("next.conv.term_name", u=tm.u + b, v=tm.v + b, kr=tm.kr + b,
                         kc=tm.kc + b) for tm in terms)
    products = " + ".join(t("next.conv.term_product", d=num(tm.delta), w=num(tm.weight))
                          for tm in terms)
    values = " + ".join(num(tm.product) for tm in terms)
    st.markdown(t("next.conv.touching", r=r, c=c, count=len(terms)))
    # K's index r − u + p is 0-based; in 1-based it is r − u + p + 1 (the constant is p + b).
    st.markdown(t("next.conv.sum", r=r, c=c, p=pad + b, names=names, products=products,
                  values=values, total=fmt(res.grad_P[cell])))

    h1, h2, h3 = three_slots(projector)
    with h1:
        chart(figures.heatmap(res.delta, t("next.fig.dY"), kind="grad", name="dL/dY",
                              marked=touching, projector=projector),
              "nl_fig_conv_dY", t("next.alt.dY", yh=YH, yw=YW))
    with h2:
        kh, kw = K.shape
        inner = (kh - 1, kw - 1, kh - 1 + YH - 1, kw - 1 + YW - 1)
        chart(figures.heatmap(res.delta_full, t("next.fig.full"),
                              kind="grad", name="dL/dY", rects=[res.window_in_full(*cell)],
                              thin_rects=[inner], projector=projector),
              "nl_fig_conv_full", t("next.alt.full", r=r, c=c))
    with h3:
        chart(figures.heatmap(res.K_flipped, t("next.fig.flip"), name="K_flip",
                              projector=projector),
              "nl_fig_conv_flip", t("next.alt.flip", k=k))
    st.markdown(t("next.conv.full_explain", p=pad, km1=k - 1, r=r, c=c, count=pad))
    chart(figures.heatmap(res.grad_P, t("next.fig.grad_P"), kind="grad", name="dL/dP",
                          marked=chosen, projector=projector),
          "nl_fig_conv_grad", t("next.alt.grad_P", oh=OH, ow=OW))


# ----------------------------------------------------------------- 3. back through the pool
def show_back(grad_P: np.ndarray, grad_x: np.ndarray, receivers: np.ndarray, spec: PoolSpec,
              cell: tuple[int, int], layer: str, projector: bool) -> None:
    """dL/dP (OH, OW) from `layer` (its translated name) beside dL/dx (H, W), with the input
    cells that receive from the followed output cell (r, c) outlined (`receivers`, bool)."""
    (OH, OW), (H, W), b = grad_P.shape, grad_x.shape, index_base()
    r, c = cell[0] + b, cell[1] + b  # as named in the sentences (the session's index base)
    st.markdown(t(f"next.back.sentence_{spec.mode}", r=r, c=c, g=fmt(grad_P[cell]),
                  k=spec.k[0], kk=spec.k[0] * spec.k[1], count=spec.k[0] * spec.k[1]))
    b1, b2 = st.columns(2, gap="large")
    with b1:
        chart(figures.heatmap(grad_P, t("next.fig.grad_P"), kind="grad", name="dL/dP",
                              marked=cell_mask((OH, OW), [cell]), projector=projector),
              "nl_fig_back_gP", t("next.alt.grad_P", oh=OH, ow=OW))
    with b2:
        chart(figures.heatmap(grad_x, t("next.fig.grad_x"), kind="grad", name="dL/dx",
                              marked=receivers, projector=projector),
              "nl_fig_back_gx", t("next.alt.grad_x", h=H, w=W, r=r, c=c))
    st.caption(t("next.back.figs", layer=layer, r=r, c=c))
    st.caption(t("next.back.caption"))
