"""The Explorer's layer in words and outlines, for every layer the sidebar offers (a kernel
with any padding form, adaptive, global): the output-size rule with the current numbers,
each window's (or bin's) outline and the padding drawn on each side."""

from __future__ import annotations

import numpy as np
from streamlit.delta_generator import DeltaGenerator

from pooling_core import AdaptiveSpec, PoolingError, PoolSpec, ScatterSteps, output_size
from pooling_core.geometry import last_window_end, window_taps
from ui.errors import error_text
from ui.format import ix
from ui.i18n import t
from ui.widgets.params import build_spec

MAX_TAP_OUTLINES = 100  # a dilated window is outlined tap by tap up to this many taps
Rect = tuple[int, int, int, int]


def window_outlines(steps: ScatterSteps, k: int) -> list[Rect]:
    """Outlines (r0, c0, r1, c1) of window (or bin) k: its span, or with dilation each of its
    taps (up to MAX_TAP_OUTLINES)."""
    spec = steps.spec
    rect = tuple(int(v) for v in steps.window_rects[k])
    if (isinstance(spec, AdaptiveSpec) or spec.d == (1, 1)
            or spec.k[0] * spec.k[1] > MAX_TAP_OUTLINES):
        return [rect]  # type: ignore[list-item]
    i, j = divmod(k, steps.output_shape[1])
    return [(r, c, r, c) for r, c in window_taps(spec, i, j, steps.input_shape)]


def other_bins(steps: ScatterSteps) -> tuple[list[Rect], list[float]]:
    """Adaptive: every bin's outline (thin) and how far inside its cells to draw it, neighbours
    (i + j odd / even) at different depths so that overlapping bins show apart; else none."""
    if not isinstance(steps.spec, AdaptiveSpec) or len(steps) > 256:
        return [], []
    ow = steps.output_shape[1]
    rects = [tuple(int(v) for v in r) for r in steps.window_rects]
    insets = [0.06 if sum(divmod(k, ow)) % 2 else 0.2 for k in range(len(rects))]
    return rects, insets  # type: ignore[return-value]


def bin_caption(steps: ScatterSteps, k: int) -> str | None:
    """Adaptive: "Bin (i, j): rows r0–r1, columns c0–c1 (a × b = n cells)."; else None."""
    if not isinstance(steps.spec, AdaptiveSpec):
        return None
    r0, c0, r1, c1 = (int(v) for v in steps.window_rects[k])
    i, j = divmod(k, steps.output_shape[1])
    a, b = r1 - r0 + 1, c1 - c0 + 1
    return t("explorer.bin_size", i=ix(i), j=ix(j), r0=ix(r0), r1=ix(r1), c0=ix(c0),
             c1=ix(c1), a=a, b=b, n=a * b, count=a * b)  # indices in the session's base


def pad_sides(spec: PoolSpec | AdaptiveSpec, input_hw: tuple[int, int]) -> Rect:
    """(top, left, bottom, right) padding cells to draw: the padding on each side, and after
    the input as far as the last window reaches."""
    if isinstance(spec, AdaptiveSpec):
        return (0, 0, 0, 0)
    (top, bottom), (left, right) = spec.pads(input_hw)
    H, W = input_hw
    reach = [last_window_end(a) for a in output_size(input_hw, spec)]
    return (top, left, max(bottom, reach[0] - H), max(right, reach[1] - W))


def rule_text(spec: PoolSpec | AdaptiveSpec, sizes: tuple) -> str:
    """The output-size rule of both axes with the current numbers (and for 'same' the
    padding's split; for adaptive the bins)."""
    if isinstance(spec, AdaptiveSpec):
        key = "explorer.bins_global" if spec.is_global else "explorer.bins"
        return t(key, h=sizes[0].formula, w=sizes[1].formula)
    text = t("explorer.formula", h=sizes[0].formula, w=sizes[1].formula)
    if spec.padding_kind.startswith("same"):
        text += "  \n" + t(f"explorer.pad_{spec.padding_kind}", h=sizes[0].pad_formula,
                           w=sizes[1].pad_formula)
    elif spec.padding_kind == "asymmetric":
        (top, bottom), (left, right) = spec.pads(None)
        text += "  \n" + t("explorer.pad_asymmetric", top=top, bottom=bottom, left=left,
                           right=right)
    dropped = [t(f"explorer.dropped_{ax}") for ax, a in zip("hw", sizes, strict=True)
               if a.dropped_last]
    return text + (" " + " ".join(dropped) if dropped else "")


def read_layer(x: np.ndarray | None, boxes: dict[str, DeltaGenerator], spec_box: DeltaGenerator,
               ) -> tuple[PoolSpec | AdaptiveSpec | None, tuple | None]:
    """The layer's spec and output size for x (H, W), the rule under the controls; or
    (None, None) with the error next to the control that caused it."""
    try:
        spec = build_spec()
        if x is None:
            return None, None
        sizes = output_size(x.shape, spec)
    except PoolingError as e:
        # Next to the control that caused it; a kernel that no longer fits the grid shows there.
        name = e.params.get("name", "kernel_size")
        box = boxes.get(name if isinstance(name, str) else "kernel_size", spec_box)
        box.error(error_text(e), icon=":material/error:")
        return None, None
    spec_box.markdown(rule_text(spec, sizes))
    if (isinstance(spec, PoolSpec) and spec.mode == "max" and spec.padding_kind == "symmetric"
            and any(p > k // 2 for p, k in zip(spec.p, spec.k, strict=True))):
        spec_box.warning(t("explorer.torch_pad_rule"), icon=":material/info:")
    return spec, sizes
