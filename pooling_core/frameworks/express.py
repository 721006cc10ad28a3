"""How each framework writes the app's layer: its calls with this layer's numbers, whether
they compute it natively or exactly, why not (`Issue`), and the `FrameworkLayer` they run.

Each framework is one small function returning the issues that keep its native layer from
writing the app's layer and its candidate layers in order of preference (native form first,
then exact composites such as explicit padding + VALID pooling), and the nearest one to use
when none is exact. A candidate is exact when its windows (output size, every tap), and for
an average its divisors, equal the app's layer's (`same_windows`); tie and NaN rules are the
framework's own and are not part of a layer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

import numpy as np

from ..adaptive import AdaptiveSpec
from ..errors import PoolingError
from ..geometry import axis_size, output_size
from ..padding import same_pads
from ..spec import PoolSpec
from .engine import check_framework, layer_geometry
from .layer import Expression, FrameworkLayer, Issue, Pads
from .writers import WRITERS

NEG_INF = float("-inf")
GLOBAL_REDUCE = ("tensorflow", "jax")
"""Frameworks whose global pooling is a reduction (Keras GlobalMaxPooling2D = tf.reduce_max,
jnp.max / jnp.mean): its max gradient splits a tie."""


@dataclass(frozen=True)
class _Ctx:
    """The app's layer on this input: spec, (H, W), resolved pads, its own FrameworkLayer."""

    spec: PoolSpec
    hw: tuple[int, int]
    pads: Pads
    app: FrameworkLayer

    def layer(self, fw: str, **kw: object) -> FrameworkLayer:
        base = replace(self.app, framework=fw, divisor_override=None)
        return replace(base, **kw)  # type: ignore[arg-type]


def app_layer(spec: PoolSpec, input_hw: tuple[int, int]) -> FrameworkLayer:
    """The app's layer (PyTorch's rules, any padding form) as a FrameworkLayer."""
    pads = spec.pads(input_hw)
    return FrameworkLayer("pytorch", spec.mode, spec.k, spec.s, spec.d, pads, spec.ceil_mode,
                          spec.count_include_pad, spec.divisor_override)


def same_windows(a: FrameworkLayer, b: FrameworkLayer, input_hw: tuple[int, int]) -> bool:
    """Whether two layers read the same windows of an (H, W) input with the same meaning:
    output size, every tap (in x's coordinates), the divisors (average), and for a max no tap
    on a zero pre-padding (a zero could win)."""
    try:
        ga, gb = layer_geometry(a, input_hw), layer_geometry(b, input_hw)
    except PoolingError:
        return False
    if ga.out_hw != gb.out_hw or a.mode != b.mode:
        return False
    if not all(np.array_equal(p, q) for p, q in zip(ga.taps, gb.taps, strict=True)):
        return False
    if a.mode == "avg":
        return bool(np.array_equal(ga.divisor, gb.divisor))
    for lay, g in ((a, ga), (b, gb)):
        if lay.pre_pad_value == 0.0 and any(
                ((t < 0) & (t >= -pre[0]) | (t >= n) & (t < n + pre[1])).any()
                for t, n, pre in zip(g.taps, input_hw, lay.pre_pad, strict=True)):
            return False
    return True


def _runs(layer: FrameworkLayer, hw: tuple[int, int]) -> bool:
    """The layer has windows on this input (its framework would not refuse the size)."""
    try:
        layer_geometry(layer, hw)
    except PoolingError:
        return False
    return True


def _extra_after(c: _Ctx) -> Pads:
    """Pads after the input that a floor-rounding layer needs to reach the app's last
    window: ((top, bottom'), (left, right')), bottom' = max(0, reach - H)."""
    sizes = output_size(c.hw, c.spec)
    out = []
    for a, (pb, _) in zip(sizes, c.pads, strict=True):
        reach = (a.size - 1) * a.s - pb + (a.k - 1) * a.d + 1
        out.append((pb, max(0, reach - a.n)))
    return (out[0], out[1])


def _zero(p: Pads) -> bool:
    return not any(v for side in p for v in side)


def _pad_value(c: _Ctx) -> float:
    return NEG_INF if c.spec.mode == "max" else 0.0


def _ceil_issue(c: _Ctx, code: str) -> list[Issue]:
    """`code` for each axis where floor and ceil rounding give different sizes."""
    out = []
    for axis, n, k, st, d, (pb, pa) in zip(("height", "width"), c.hw, c.spec.k, c.spec.s,
                                           c.spec.d, c.pads, strict=True):
        floor, ceil = (axis_size(n, k, st, pb, d, m, pa).size for m in (False, True))
        if floor != ceil:
            out.append(Issue(code, {"axis": axis, "floor": floor, "ceil": ceil}))
    return out


def _pad_issues(c: _Ctx, forms: tuple[str, ...]) -> list[Issue]:
    """Why the framework's padding forms cannot write the app's resolved pads (or [])."""
    (t, b), (left, r) = c.pads
    same = tuple(same_pads(n, k, s, d) for n, k, s, d in zip(
        c.hw, c.spec.k, c.spec.s, c.spec.d, strict=True))
    lower = tuple(same_pads(n, k, s, d, lower=True) for n, k, s, d in zip(
        c.hw, c.spec.k, c.spec.s, c.spec.d, strict=True))
    ok = {"symmetric": t == b and left == r, "asymmetric": True, "valid": _zero(c.pads),
          "same": c.pads == same, "same_lower": c.pads == lower}
    if any(ok[f] for f in forms):
        return []
    kind = c.spec.padding_kind
    code = {"same": "no_same_padding",
            "same_lower": "no_same_lower" if "same" in forms else "no_same_padding",
            "asymmetric": "no_asymmetric_padding" if "symmetric" in forms
            else "no_explicit_padding",
            "symmetric": "no_explicit_padding", "valid": "no_explicit_padding"}[kind]
    return [Issue(code, {"padding": str(c.spec.padding), "pads": str(c.pads)})]


Cands = tuple[list[Issue], list[FrameworkLayer], FrameworkLayer | None]


# --------------------------------------------------------------------------- frameworks
def _pytorch(c: _Ctx) -> Cands:
    issues = _pad_issues(c, ("symmetric",))
    sym = c.pads[0][0] == c.pads[0][1] and c.pads[1][0] == c.pads[1][1]
    for axis, k, (p, _) in zip(("height", "width"), c.spec.k, c.pads, strict=True):
        if sym and p > k // 2:
            issues.append(Issue("padding_over_half_kernel",
                                {"axis": axis, "value": p, "kernel": k}))
    native = replace(c.app, framework="pytorch")
    cands = [native] if not issues else []
    pre = _extra_after(c)
    cands.append(c.layer("pytorch", padding=((0, 0), (0, 0)), ceil_mode=False, pre_pad=pre,
                         pre_pad_value=_pad_value(c),
                         divisor_override=c.spec.divisor_override))
    return issues, cands, cands[-1]


def _tensorflow(c: _Ctx) -> Cands:
    issues = _pad_issues(c, ("same", "valid"))
    if c.spec.d != (1, 1):
        issues.append(Issue("no_dilation", {"dilation": c.spec.d}))
    if c.spec.ceil_mode:
        issues += _ceil_issue(c, "no_ceil_mode")
    if c.spec.mode == "avg":
        if c.spec.divisor_override is not None:
            issues.append(Issue("no_divisor_override", {"divisor": c.spec.divisor_override}))
        elif c.spec.count_include_pad and not _zero(c.pads):
            issues.append(Issue("no_count_include_pad", {}))
    base = dict(dilation=(1, 1), ceil_mode=False, count_include_pad=False)
    same = tuple(same_pads(n, k, s, 1) for n, k, s in zip(c.hw, c.spec.k, c.spec.s, strict=True))
    cands = [c.layer("tensorflow", padding="valid", **base),
             c.layer("tensorflow", padding="same", **base)]
    pre = _extra_after(c)
    cands.append(c.layer("tensorflow", padding="valid", pre_pad=pre,
                         pre_pad_value=_pad_value(c), **base))
    nearest = cands[-1]
    if c.spec.padding_kind in ("same", "same_lower") or pre == same:
        nearest = cands[1]
    return issues, cands, nearest


def _jax(c: _Ctx) -> Cands:
    issues = _pad_issues(c, ("asymmetric", "symmetric", "same", "valid"))
    if c.spec.ceil_mode:
        issues += _ceil_issue(c, "no_ceil_mode")
    if c.spec.mode == "max" and c.spec.d != (1, 1):
        issues.append(Issue("no_max_gradient_dilation", {"dilation": c.spec.d}))
    kw = dict(ceil_mode=False)
    cands = [c.layer("jax", padding=c.pads, **kw), c.layer("jax", padding="same", **kw),
             c.layer("jax", padding=_extra_after(c), **kw)]
    if c.spec.padding_kind == "same":
        cands.insert(0, cands.pop(1))
    if c.spec.mode == "avg" and c.spec.divisor_override is not None:
        cands.append(c.layer("jax", padding=_extra_after(c),
                             divisor_override=c.spec.divisor_override, **kw))
    return issues, cands, cands[-1]


def _onnx(c: _Ctx) -> Cands:
    issues: list[Issue] = []
    if c.spec.mode == "avg" and c.spec.divisor_override is not None:
        issues.append(Issue("no_divisor_override", {"divisor": c.spec.divisor_override}))
    for axis, k, (pb, pa) in zip(("height", "width"), c.spec.k, c.pads, strict=True):
        if max(pb, pa) >= k:
            issues.append(Issue("pad_not_below_kernel", {"axis": axis, "value": max(pb, pa),
                                                         "kernel": k}))
    kind = c.spec.padding_kind
    if kind.startswith("same"):
        for axis, n, k, s, d in zip(("height", "width"), c.hw, c.spec.k, c.spec.s, c.spec.d,
                                    strict=True):
            total = (-(-n // s) - 1) * s + (k - 1) * d + 1 - n
            if total < 0:
                issues.append(Issue("negative_same_padding", {"axis": axis, "total": total}))
    cands = []
    if not issues and kind.startswith("same") and c.spec.d == (1, 1):
        cands.append(c.layer("onnx", padding=kind))
    refused = any(i.code == "pad_not_below_kernel" for i in issues)
    if not refused:
        cands.append(c.layer("onnx", padding=c.pads))
    cands.append(c.layer("onnx", padding=((0, 0), (0, 0)), ceil_mode=False,
                         pre_pad=_extra_after(c), pre_pad_value=_pad_value(c)))
    return issues, cands, cands[-1 if refused else -2]


def _caffe(c: _Ctx) -> Cands:
    issues = _pad_issues(c, ("symmetric",))
    if c.spec.d != (1, 1):
        issues.append(Issue("no_dilation", {"dilation": c.spec.d}))
    if not c.spec.ceil_mode:
        issues += _ceil_issue(c, "always_ceil")
    if c.spec.mode == "avg":
        if c.spec.divisor_override is not None:
            issues.append(Issue("no_divisor_override", {"divisor": c.spec.divisor_override}))
        elif not c.spec.count_include_pad and not _zero(c.pads):
            issues.append(Issue("no_count_exclude_pad", {}))
    before = ((c.pads[0][0],) * 2, (c.pads[1][0],) * 2)
    layer = c.layer("caffe", padding=before, dilation=(1, 1), ceil_mode=True,
                    count_include_pad=True)
    return issues, [layer], layer


_FRAMEWORK_CANDS: Mapping[str, Callable[[_Ctx], Cands]] = MappingProxyType({
    "pytorch": _pytorch, "tensorflow": _tensorflow, "jax": _jax, "onnx": _onnx,
    "caffe": _caffe})


def equal_bins(spec: AdaptiveSpec, hw: tuple[int, int]) -> PoolSpec | None:
    """The pool (kernel = stride = (H / oh, W / ow)) an adaptive layer with equal bins is;
    None when some axis does not divide."""
    o = spec.output_size if isinstance(spec.output_size, tuple) else (spec.output_size,) * 2
    if all(n % oo == 0 for n, oo in zip(hw, o, strict=True)):
        k = (hw[0] // o[0], hw[1] // o[1])
        return PoolSpec(kernel_size=k, stride=k, mode=spec.mode)
    return None


def express(framework: str, spec: PoolSpec | AdaptiveSpec, input_hw: tuple[int, int]
            ) -> Expression:
    """How `framework` writes `spec` on an (H, W) input.

    Parameters
    ----------
    framework : str         one of `FRAMEWORKS`
    spec : PoolSpec or AdaptiveSpec   the app's layer (PyTorch's rules; `spec.ties` is not part
                            of a framework's layer: each framework has its own tie rule)
    input_hw : (H, W)       needed for 'same' padding and Caffe's rounding

    Returns
    -------
    Expression
        native/exact flags, issues (codes of `ISSUE_CODES`), the calls (exact composite or
        nearest layer) and the `FrameworkLayer` they run. An adaptive layer whose bins are
        all equal (H % oh == 0 and W % ow == 0, global pooling included) is written as the
        pool with kernel = stride = (H / oh, W / ow); other adaptive layers only by PyTorch.

    Raises
    ------
    PoolingError  ``unknown_framework`` for a name not in `FRAMEWORKS`.
    """
    fw = check_framework(framework)
    hw = (int(input_hw[0]), int(input_hw[1]))
    write = WRITERS[fw]
    if isinstance(spec, AdaptiveSpec):
        equal = equal_bins(spec, hw)
        if fw == "pytorch":
            o = spec.output_size if isinstance(spec.output_size, tuple) else (spec.output_size,) * 2
            lay = FrameworkLayer("pytorch", spec.mode, (1, 1), (1, 1), output_size=o)
            calls, alts = write(lay)
            return Expression(fw, True, True, (), calls, alts, lay)
        if equal is None:
            issue = Issue("no_adaptive", {"output_size": str(spec.output_size)})
            return Expression(fw, False, False, (issue,), (), (), None)
        if fw in GLOBAL_REDUCE and equal.k == hw:
            lay = FrameworkLayer(fw, spec.mode, hw, hw, op="reduce")
            calls, alts = write(lay)
            return Expression(fw, True, True, (), calls, alts, lay)
        spec = equal
    c = _Ctx(spec, hw, spec.pads(hw), app_layer(spec, hw))
    issues, cands, nearest = _FRAMEWORK_CANDS[fw](c)
    exact = next((lay for lay in cands if same_windows(c.app, lay, hw)), None)
    chosen = exact if exact is not None else nearest
    if chosen is not None and not _runs(chosen, hw):
        chosen = next((lay for lay in cands if _runs(lay, hw)), None)
    if chosen is None:
        return Expression(fw, False, False, tuple(issues), (), (), None)
    native = not issues and exact is not None and _zero(chosen.pre_pad)
    if chosen.mode == "max" and chosen.pre_pad_value == 0.0 and not _zero(chosen.pre_pad):
        issues.append(Issue("zero_padding_can_win", {}))
    calls, alts = write(chosen)
    return Expression(fw, native, exact is not None, tuple(issues), calls, alts, chosen)
