"""Port a layer: a source framework's layer (its own parameters) to the target's closest
exact equivalent, or "none exists" and the cells that will differ on an input.

The source layer is read in its framework's words (`PORT_PARAMS`), turned into the app's
`PoolSpec` with the same windows (checked: `express.same_windows`), and the target writes
that spec (`express`). The port exists when the target's layer reads the source's windows
with the source's divisors; tie and NaN rules still differ per framework and show in the
cells (`differences` with the source as base).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

import numpy as np

from ..errors import PoolingError
from ..spec import PoolSpec
from .compare import compare_results
from .engine import check_framework, check_input, fit_grad_output, layer_geometry, run_layer
from .express import express, same_windows
from .layer import Expression, FrameworkResult, Port
from .writers import WRITERS

PORT_PARAMS: Mapping[str, Mapping[str, object]] = MappingProxyType({
    "pytorch": {"mode": ("max", "avg"), "kernel_size": "pair", "stride": "pair",
                "padding": "pair0", "dilation": "pair", "ceil_mode": "bool",
                "count_include_pad": "bool", "divisor_override": "int"},
    "tensorflow": {"mode": ("max", "avg"), "pool_size": "pair", "strides": "pair",
                   "padding": ("valid", "same")},
    "jax": {"mode": ("max", "avg"), "window_shape": "pair", "strides": "pair",
            "padding": ("VALID", "SAME", "pads"), "window_dilation": "pair",
            "count_include_pad": "bool"},
    "onnx": {"mode": ("max", "avg"), "kernel_shape": "pair", "strides": "pair",
             "auto_pad": ("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"),
             "pads": "pads4", "dilations": "pair", "ceil_mode": "bool",
             "count_include_pad": "bool"},
    "caffe": {"pool": ("MAX", "AVE"), "kernel_size": "pair", "stride": "pair",
              "pad": "pair0"},
})
"""Per framework: its layer parameters, name -> allowed values (a tuple of choices; "pair":
(h, w) ints >= 1; "pair0": ints >= 0; "pads": ((top, bottom), (left, right)) for JAX's
explicit padding (given instead of "VALID"/"SAME"); "pads4": ONNX's [top, left, bottom,
right] (with auto_pad NOTSET); "bool"; "int": >= 1 or None). Missing parameters take the
framework's defaults (stride = kernel, no padding, dilation 1, floor, PyTorch's
count_include_pad=True, Flax's True, ONNX's 0)."""


def _get(params: Mapping[str, object], name: str, default: object = None) -> object:
    return params[name] if name in params and params[name] is not None else default


def _need(params: Mapping[str, object], name: str) -> object:
    if name not in params:
        raise PoolingError("port_param", f"the layer needs {name}", name=name, value="")
    return params[name]


def _pytorch_spec(p: Mapping[str, object]) -> PoolSpec:
    k = _need(p, "kernel_size")
    return PoolSpec(kernel_size=k, stride=_get(p, "stride", k), padding=_get(p, "padding", 0),
                    dilation=_get(p, "dilation", 1), ceil_mode=_get(p, "ceil_mode", False),
                    mode=_get(p, "mode", "max"),
                    count_include_pad=_get(p, "count_include_pad", True),
                    divisor_override=_get(p, "divisor_override"))  # type: ignore[arg-type]


def _tf_spec(p: Mapping[str, object]) -> PoolSpec:
    k = _need(p, "pool_size")
    return PoolSpec(kernel_size=k, stride=_get(p, "strides", k),
                    padding=str(_get(p, "padding", "valid")).lower(), mode=_get(p, "mode", "max"),
                    count_include_pad=False)  # type: ignore[arg-type]


def _jax_spec(p: Mapping[str, object]) -> PoolSpec:
    k = _need(p, "window_shape")
    pad = _get(p, "padding", "VALID")
    pad = pad.lower() if isinstance(pad, str) else pad
    return PoolSpec(kernel_size=k, stride=_get(p, "strides", 1), padding=pad,
                    dilation=_get(p, "window_dilation", 1), mode=_get(p, "mode", "max"),
                    count_include_pad=_get(p, "count_include_pad", True))  # type: ignore[arg-type]


def _onnx_spec(p: Mapping[str, object]) -> PoolSpec:
    k = _need(p, "kernel_shape")
    auto = str(_get(p, "auto_pad", "NOTSET")).upper()
    pad: object = {"SAME_UPPER": "same", "SAME_LOWER": "same_lower", "VALID": "valid"}.get(auto)
    if pad is None:
        t, left, b, r = _get(p, "pads", [0, 0, 0, 0])  # type: ignore[misc]
        pad = ((int(t), int(b)), (int(left), int(r)))
    return PoolSpec(kernel_size=k, stride=_get(p, "strides", 1), padding=pad,
                    dilation=_get(p, "dilations", 1), ceil_mode=bool(_get(p, "ceil_mode", 0)),
                    mode=_get(p, "mode", "max"),
                    count_include_pad=bool(_get(p, "count_include_pad", 0)))  # type: ignore[arg-type]


def _caffe_spec(p: Mapping[str, object]) -> PoolSpec:
    k = _need(p, "kernel_size")
    mode = {"MAX": "max", "AVE": "avg"}[str(_get(p, "pool", "MAX")).upper()]
    return PoolSpec(kernel_size=k, stride=_get(p, "stride", 1), padding=_get(p, "pad", 0),
                    ceil_mode=True, mode=mode, count_include_pad=True)  # type: ignore[arg-type]


_SPECS: Mapping[str, Callable[[Mapping[str, object]], PoolSpec]] = MappingProxyType({
    "pytorch": _pytorch_spec, "tensorflow": _tf_spec, "jax": _jax_spec, "onnx": _onnx_spec,
    "caffe": _caffe_spec})


def source_spec(source: str, params: Mapping[str, object]) -> PoolSpec:
    """The app's PoolSpec of a source layer given in its framework's words."""
    try:
        return _SPECS[check_framework(source)](params)
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, PoolingError):
            raise
        raise PoolingError("port_param", f"invalid layer parameters: {exc}", name="params",
                           value=repr(dict(params))) from exc


def port_layer(source: str, params: Mapping[str, object], target: str,
               x: object | None = None, grad_output: object | None = None,
               input_hw: tuple[int, int] | None = None) -> Port:
    """The target's closest equivalent of the source layer `params` (`PORT_PARAMS[source]`).

    Parameters
    ----------
    source, target : str    frameworks of `FRAMEWORKS`
    params : mapping        the source layer's parameters, in its own words
    x : array_like (H, W) or None   an input: the cells that will differ are computed on it
    grad_output : array_like or None   dL/dy on the source's output (None: ones)
    input_hw : (H, W) or None   the input size when no `x` is given ('same' padding and
                            Caffe's rounding depend on it); one of the two is needed

    Raises
    ------
    PoolingError  ``unknown_framework``, ``port_param`` (a missing or invalid parameter),
    ``port_needs_input``, or the PoolSpec's own code for an impossible layer.
    """
    check_framework(target)
    spec = source_spec(source, params)
    xs = None if x is None else check_input(x)
    hw = xs.shape if xs is not None else input_hw
    if hw is None:
        raise PoolingError("port_needs_input", "give x or input_hw", name="input_hw", value="")
    if (len(hw) != 2 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                and v >= 1 for v in hw)):
        raise PoolingError("input_shape", f"input_hw must be (H, W) >= 1, got {hw!r}",
                           name="input_hw", value=repr(hw))
    hw = (int(hw[0]), int(hw[1]))
    src_layer = express(source, spec, hw).layer  # the source's own writing of `params`
    if src_layer is None:
        raise PoolingError("port_param", f"{source} cannot run this layer on {hw}",
                           name="params", value=repr(dict(params)))
    target_ex = express(target, spec, hw)
    exists = target_ex.layer is not None and target_ex.exact and same_windows(
        src_layer, target_ex.layer, hw)
    if xs is None:
        return Port(source, target, src_layer, target_ex, exists)
    out_hw = layer_geometry(src_layer, hw).out_hw
    gy = fit_grad_output(np.ones(out_hw) if grad_output is None else grad_output, out_hw)
    run = run_layer(src_layer, xs, gy)
    calls, alts = WRITERS[source](src_layer)
    src_ex = Expression(source, True, True, (), calls, alts, src_layer)
    src_res = FrameworkResult(source, src_ex, run.y, gy, run.dx, run.notes)
    tgt = compare_results(xs, gy, spec, _target_result(target, target_ex, xs, gy), src_res)
    return Port(source, target, src_layer, target_ex, exists, src_res, tgt.result, tgt.cells)


def _target_result(target: str, ex: Expression, xs: np.ndarray, gy: np.ndarray
                   ) -> FrameworkResult:
    if ex.layer is None:
        return FrameworkResult(target, ex, None, None, None)
    out_hw = layer_geometry(ex.layer, xs.shape).out_hw
    g = fit_grad_output(gy, out_hw)
    run = run_layer(ex.layer, xs, g)
    return FrameworkResult(target, ex, run.y, g, run.dx, run.notes)
