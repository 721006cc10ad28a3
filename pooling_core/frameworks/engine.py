"""y and dL/dx of a `FrameworkLayer` under its framework's rules (`rules.RULES`), in NumPy.

Vectorised: the windows are gathered as one (S, K) array (S = OH'·OW' windows, K taps in
row-major order); no Python loop over windows or taps (a framework's scan over a window's
taps is computed in closed form: a window may have 65 536 taps). Each max rule is one
small function of (values, real) -> (y, receiving tap or -1), looked up in `_MAX_RULES`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from ..adaptive import AdaptiveSpec
from ..errors import PoolingError
from ..geometry import axis_size
from ..padding import resolve
from ..pooling import pool_backward, pool_forward
from ..spec import PoolSpec
from .layer import FRAMEWORKS, FrameworkLayer, FrameworkResult, Issue, Pads
from .rules import RULES, FrameworkRules

FLT_LOWEST = -float(np.finfo(np.float32).max)  # Caffe's -FLT_MAX, whatever its Dtype
MAX_WINDOW_TAPS = 1 << 21
"""Work budget: windows × taps gathered at once (the app's worst case, 32 × 32 with kernel
32 and padding 16, is 1089 × 1024 ≈ 1.1 M); more raises PoolingError ``work_budget``. A
difference set keeps four runs of (S, K) arrays: 4 M taps peaked at ~320 MB, 2 M at half."""


def check_framework(name: object) -> str:
    """`name` if it is one of `FRAMEWORKS`; else PoolingError ``unknown_framework``."""
    if not isinstance(name, str) or name not in FRAMEWORKS:
        raise PoolingError("unknown_framework",
                           f"framework must be one of {', '.join(FRAMEWORKS)}, got {name!r}",
                           name="framework", value=repr(name), allowed=", ".join(FRAMEWORKS))
    return name


def check_input(x: object) -> np.ndarray:
    """x as a float64 (H, W) array with H, W >= 1; else PoolingError ``input_shape``."""
    try:
        xs = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:  # ragged rows, text
        raise PoolingError("input_shape", f"x must be (H, W) numbers: {exc}", name="x",
                           value=type(x).__name__) from exc
    if xs.ndim != 2 or xs.size == 0:
        raise PoolingError("input_shape", f"x must be (H, W), got shape {xs.shape}",
                           name="x", value=str(xs.shape))
    return xs


# --------------------------------------------------------------------------- geometry
@dataclass(frozen=True)
class LayerGeometry:
    """Where a layer's windows lie on an (H, W) input, and their average divisors.

    out_hw : (OH', OW');  pads : the pool's own ((top, bottom), (left, right)) on the
    pre-padded input;  taps : per axis (O, k) int64 tap indices in x's coordinates
    (negative or >= n outside x);  divisor : (OH', OW') int64 (average) or None.
    """

    out_hw: tuple[int, int]
    pads: Pads
    taps: tuple[np.ndarray, np.ndarray]
    divisor: np.ndarray | None


def _axis_count(layer: FrameworkLayer, n: int, k: int, s: int, d: int, pb: int, pa: int,
                any_pad: bool, rounding: str) -> int:
    ceil = layer.ceil_mode or rounding == "caffe"
    a = axis_size(n, k, s, pb, d, ceil, pa)
    if rounding == "caffe" and not any_pad:
        return a.rounded + 1  # Caffe checks the last window's start only when padding is set
    return a.size


def layer_geometry(layer: FrameworkLayer, input_hw: tuple[int, int],
                   rounding: str | None = None) -> LayerGeometry:
    """The windows of `layer` on an (H, W) input (see `LayerGeometry`); `rounding` replaces
    its framework's output-size rounding (`FrameworkRules.rounding`).

    Raises PoolingError ``output_empty`` when no window fits.
    """
    (pt, pbm), (pl, pr) = layer.pre_pad
    n_eff = (input_hw[0] + pt + pbm, input_hw[1] + pl + pr)
    pads = resolve(layer.padding, n_eff, layer.kernel, layer.stride, layer.dilation)
    any_pad = any(v for side in pads for v in side)
    rounding = rounding or RULES[check_framework(layer.framework)].rounding
    taps, per_axis = [], []
    for ax, (n, k, s, d, (pb, pa), pre) in enumerate(zip(
            n_eff, layer.kernel, layer.stride, layer.dilation, pads, (pt, pl), strict=True)):
        o = _axis_count(layer, n, k, s, d, pb, pa, any_pad, rounding)
        if o < 1:
            raise PoolingError("output_empty", "the output would be empty", axis=ax, size=o)
        start = np.arange(o, dtype=np.int64) * s - pb
        t = start[:, None] + np.arange(k, dtype=np.int64) * d  # in the pre-padded input
        taps.append(t - pre)
        if layer.mode == "avg":
            if layer.count_include_pad:
                end = np.minimum(start + (k - 1) * d + 1, n + pa)
                per_axis.append(end - start)
            else:
                per_axis.append(((t >= 0) & (t < n)).sum(axis=1))
    divisor = None
    if layer.mode == "avg":
        if layer.divisor_override is not None:
            divisor = np.full((len(taps[0]), len(taps[1])), layer.divisor_override, np.int64)
        else:
            divisor = (per_axis[0][:, None] * per_axis[1][None, :]).astype(np.int64)
    return LayerGeometry((len(taps[0]), len(taps[1])), pads, (taps[0], taps[1]), divisor)


def _gather(x_eff: np.ndarray, taps: tuple[np.ndarray, np.ndarray], pre: Pads
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values (S, K), real (S, K) bool, flat index into x_eff (S, K)) of every window's taps,
    row-major; taps outside the pre-padded input are not real (value -inf, index 0)."""
    th = taps[0] + pre[0][0]
    tw = taps[1] + pre[1][0]
    Hn, Wn = x_eff.shape
    rh = (th >= 0) & (th < Hn)
    rw = (tw >= 0) & (tw < Wn)
    ch, cw = np.clip(th, 0, Hn - 1), np.clip(tw, 0, Wn - 1)
    # (OH, kh) x (OW, kw) -> (OH, OW, kh, kw) -> (S, K)
    flat = ch[:, None, :, None] * Wn + cw[None, :, None, :]
    real = rh[:, None, :, None] & rw[None, :, None, :]
    S = flat.shape[0] * flat.shape[1]
    flat = flat.reshape(S, -1)
    real = real.reshape(S, -1)
    values = np.where(real, x_eff.reshape(-1)[flat], -np.inf)
    return values, real, flat


# --------------------------------------------------------------------------- max rules
def _first_real(real: np.ndarray) -> np.ndarray:
    return np.argmax(real, axis=1)


def _max_pytorch(v: np.ndarray, real: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`val > maxval || isnan(val)` from -inf, index = first real cell: the first maximum,
    or the last NaN (the scan's result, computed without the scan)."""
    nan = np.isnan(v) & real
    vals = np.where(real & ~nan, v, -np.inf)
    y = vals.max(axis=1)
    first_max = np.argmax(real & (vals == y[:, None]), axis=1)
    last_nan = v.shape[1] - 1 - np.argmax(nan[:, ::-1], axis=1)
    has_nan = nan.any(axis=1)
    return np.where(has_nan, np.nan, y), np.where(has_nan, last_nan, first_max)


def _first_of(mask: np.ndarray, vals: np.ndarray, m: np.ndarray) -> np.ndarray:
    """(S,) the first tap (row-major) where `mask` holds and `vals` equals the row's `m`."""
    return np.argmax(mask & (vals == m[:, None]), axis=1)


def _max_first_taken(v: np.ndarray, real: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first real cell, then `out < in` (TF's argmax helper, ONNX Runtime with Indices):
    a NaN is kept only when it is the window's first cell. The scan's result without the
    scan: a first NaN stays; else the first maximum of the real non-NaN cells (the first
    real cell is one of them, so an all -inf window keeps it)."""
    rows = np.arange(v.shape[0])
    first = _first_real(real)
    nan_first = np.isnan(v[rows, first])
    ok = real & ~np.isnan(v)
    vals = np.where(ok, v, -np.inf)
    m = vals.max(axis=1)
    idx = np.where(nan_first, first, _first_of(ok, vals, m))
    return np.where(nan_first, np.nan, m), idx


def _max_greater(v: np.ndarray, real: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Caffe: `bottom > top` from -FLT_MAX, mask -1: NaN and -inf never taken. The scan's
    result without the scan: the first maximum of the real non-NaN cells when it exceeds
    -FLT_MAX; else -FLT_MAX and no receiver."""
    ok = real & ~np.isnan(v)
    vals = np.where(ok, v, -np.inf)
    m = vals.max(axis=1)
    taken = m > FLT_LOWEST
    return np.where(taken, m, FLT_LOWEST), np.where(taken, _first_of(ok, vals, m), -1)


def _max_jax(v: np.ndarray, real: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """y: lax.max from -inf (NaN propagates; padding is -inf). Gradient: select_and_scatter_add
    with `ge` over every tap, padding included: keep the selected tap while it is >= the
    next; a padding tap selected sends the gradient nowhere.

    The scan's result without the scan: `cur >= nxt` is false whenever either is NaN, so the
    scan moves onto a NaN and then off it to the next tap; after the last NaN (at p) it is
    the first maximum of taps p+1.. (none after it: p itself)."""
    y = np.where(np.isnan(v).any(axis=1), np.nan, np.max(np.where(real, v, -np.inf), axis=1))
    vv = np.where(real, v, -np.inf)
    K = v.shape[1]
    nan = np.isnan(vv)
    last_nan = np.where(nan.any(axis=1), K - 1 - np.argmax(nan[:, ::-1], axis=1), -1)
    after = np.arange(K)[None, :] > last_nan[:, None]
    seg = np.where(after, vv, -np.inf)
    m = seg.max(axis=1)
    sel = np.where(last_nan == K - 1, K - 1, _first_of(after, seg, m))
    sel = np.where(real[np.arange(v.shape[0]), sel], sel, -1)
    return y, sel


def _max_tf_forward(v: np.ndarray, real: np.ndarray) -> np.ndarray:
    """TF's forward: cwiseMax from the lowest finite number: NaN ignored."""
    lowest = np.finfo(np.float64).min
    vals = np.where(real & ~np.isnan(v), v, lowest)
    return np.maximum(np.max(vals, axis=1), lowest)


_MAX_RULES: Mapping[str, Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]] = (
    MappingProxyType({"pytorch": _max_pytorch, "first_taken": _max_first_taken,
                      "greater": _max_greater, "jax_ge": _max_jax}))


def _split_receivers(v: np.ndarray, real: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Global reductions (tf.reduce_max / GlobalMaxPooling2D, jnp.max): (S, K) share of each
    tap, indicators (x == y) / their count: a tie is split, a window whose y is NaN has no
    equal cell and every cell gets 0 / 0 = NaN (checked with TensorFlow 2.21 and JAX 0.10)."""
    equal = (v == y[:, None]) & real
    with np.errstate(invalid="ignore", divide="ignore"):
        return equal / equal.sum(axis=1, keepdims=True)


_FORWARD: Mapping[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = MappingProxyType({
    "nan_wins": lambda v, r: _max_pytorch(v, r)[0],
    "nan_propagates": lambda v, r: _max_jax(v, r)[0],
    "nan_ignored": _max_tf_forward,
    "first_taken": lambda v, r: _max_first_taken(v, r)[0],
    "greater": lambda v, r: _max_greater(v, r)[0],
})


# --------------------------------------------------------------------------- compute
@dataclass(frozen=True)
class LayerRun:
    """One run of a layer: y (OH', OW'), dL/dx (H, W) or None, notes; for a max pool also
    every window's tap values (S, K), real mask, flat index into the pre-padded input, and the
    receiving tap (S,) (-1: none)."""

    y: np.ndarray
    dx: np.ndarray | None
    notes: tuple[Issue, ...]
    values: np.ndarray | None = None
    real: np.ndarray | None = None
    receiver: np.ndarray | None = None
    flat: np.ndarray | None = None


def _adaptive_run(layer: FrameworkLayer, xs: np.ndarray, gy: np.ndarray | None) -> LayerRun:
    spec = AdaptiveSpec(output_size=layer.output_size, mode=layer.mode)  # type: ignore[arg-type]
    y = pool_forward(xs, spec).output
    g = np.ones(y.shape) if gy is None else gy
    return LayerRun(y, pool_backward(xs, g, spec), ())


def run_layer(layer: FrameworkLayer, x: object, grad_output: object | None = None,
              rules: FrameworkRules | None = None) -> LayerRun:
    """`framework_compute` with its internals (see `LayerRun`); `rules` replaces the layer's
    framework's rules (the difference finder mixes two frameworks' rules)."""
    rules = rules or RULES[check_framework(layer.framework)]
    xs = check_input(x)
    gin = None if grad_output is None else np.asarray(grad_output, dtype=np.float64)
    if layer.output_size is not None:
        return _adaptive_run(layer, xs, gin)
    H, W = xs.shape
    pre = layer.pre_pad
    x_eff = np.pad(xs, pre, constant_values=layer.pre_pad_value)
    g = layer_geometry(layer, (H, W), rules.rounding)
    taps = g.out_hw[0] * g.out_hw[1] * layer.kernel[0] * layer.kernel[1]
    if taps > MAX_WINDOW_TAPS:
        raise PoolingError("work_budget", f"{taps} window taps; at most {MAX_WINDOW_TAPS}",
                           name="x", value=str(xs.shape), maximum=MAX_WINDOW_TAPS)
    gy = np.ones(g.out_hw) if gin is None else gin
    if gy.shape != g.out_hw:
        raise PoolingError("grad_output_shape", f"grad_output must be {g.out_hw}, got {gy.shape}",
                           name="grad_output", value=str(gy.shape), expected=str(g.out_hw))
    v, real, flat = _gather(x_eff, g.taps, pre)
    S = v.shape[0]
    notes: list[Issue] = []
    dx_eff = np.zeros(x_eff.size)
    gflat = gy.reshape(-1)
    idx = None

    def crop(d: np.ndarray) -> np.ndarray:
        d = d.reshape(x_eff.shape)[pre[0][0]:pre[0][0] + H, pre[1][0]:pre[1][0] + W]
        return np.ascontiguousarray(d)

    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        if layer.mode == "avg":
            # row-major, one tap after another, as the kernels sum (cumsum: sequential)
            total = np.cumsum(np.where(real, v, 0.0), axis=1)[:, -1]
            div = g.divisor.reshape(-1).astype(np.float64)  # type: ignore[union-attr]
            y = total / div
            share = np.broadcast_to((gflat / div)[:, None], real.shape)
            dx_eff = np.bincount(flat[real], weights=share[real], minlength=x_eff.size)
            return LayerRun(y.reshape(g.out_hw), crop(dx_eff), ())
        if layer.op == "reduce":
            y = _FORWARD["nan_propagates"](v, real)
            w = _split_receivers(v, real, y) * gflat[:, None]
            np.add.at(dx_eff, flat[real], w[real])
            return LayerRun(y.reshape(g.out_hw), crop(dx_eff), (), v, real, None)
        y = _FORWARD[rules.forward](v, real)
        if rules.gradient == "jax_ge" and layer.dilation != (1, 1):
            notes.append(Issue("no_max_gradient_dilation", {"dilation": layer.dilation}))
            return LayerRun(y.reshape(g.out_hw), None, tuple(notes), v, real, None, flat)
        _, idx = _MAX_RULES[rules.gradient](v, real)
        ok = idx >= 0
        if not ok.all():
            notes.append(Issue("empty_window", {"count": int((~ok).sum())}))
        dx_eff = np.bincount(flat[np.arange(S)[ok], idx[ok]], weights=gflat[ok],
                             minlength=x_eff.size)
    return LayerRun(y.reshape(g.out_hw), crop(dx_eff), tuple(notes), v, real, idx, flat)


def framework_compute(layer: FrameworkLayer, x: object, grad_output: object | None = None
                      ) -> tuple[np.ndarray, np.ndarray | None, tuple[Issue, ...]]:
    """Run `layer` under its framework's rules.

    Parameters
    ----------
    layer : FrameworkLayer
    x : array_like (H, W)
    grad_output : array_like (OH', OW') or None (ones)   dL/dy in the layer's output shape

    Returns
    -------
    (y (OH', OW') float64, dL/dx (H, W) float64 or None, notes: tuple of Issue)
        dL/dx is None where the framework has no gradient (JAX: a dilated max).
    """
    r = run_layer(layer, x, grad_output)
    return r.y, r.dx, r.notes


def fit_grad_output(grad_output: object, out_hw: tuple[int, int], fill: float = 1.0
                    ) -> np.ndarray:
    """The app's dL/dy (OH, OW) on a framework's output shape `out_hw`: the common cells
    kept (top-left aligned), cells beyond it `fill`."""
    gy = np.asarray(grad_output, dtype=np.float64)
    out = np.full(out_hw, float(fill))
    h, w = min(gy.shape[0], out_hw[0]), min(gy.shape[1], out_hw[1])
    out[:h, :w] = gy[:h, :w]
    return out


def framework_result(framework: str, x: object, grad_output: object,
                     spec: PoolSpec | AdaptiveSpec, fill: float = 1.0) -> FrameworkResult:
    """`framework`'s y and dL/dx for the app's layer `spec` on `x` (H, W).

    `grad_output` is the app's dL/dy (OH, OW) (its output shape under `spec`); cells the
    framework's output has beyond it get `fill`, cells it lacks are dropped.
    """
    from .express import express  # express builds on this module's geometry

    xs = check_input(x)
    ex = express(framework, spec, xs.shape)
    if ex.layer is None:
        return FrameworkResult(framework, ex, None, None, None)
    out_hw = (ex.layer.output_size if ex.layer.output_size is not None
              else layer_geometry(ex.layer, xs.shape).out_hw)
    gy = fit_grad_output(grad_output, out_hw, fill)
    y, dx, notes = framework_compute(ex.layer, xs, gy)
    return FrameworkResult(framework, ex, y, gy, dx, notes)
