"""Every cell where a framework's y or dL/dx differs from PyTorch's, with one reason each.

The reason is found by turning PyTorch's run into the framework's in steps, each run by the
engine on the same input:

    R0  PyTorch's layer, PyTorch's rules                     (PyTorch's numbers)
    R1  PyTorch's layer, the framework's output-size rounding   -> "output_size"
    R2  the framework's layer, that rounding                 -> "divisor" when only the
        divisors changed, "same_padding" when a 'same' placement changed the windows,
        else "not_expressible"
    R3  the framework's layer and rules                      (the framework's numbers)
        -> per window: "nan_rule" (it holds a NaN), "lowest_start" (only -inf), else
        "tie_rule"; "no_gradient" when the framework has no dL/dx

A differing cell gets the reason of the LAST step that changed its value (the step that
gave it the framework's number).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from ..adaptive import AdaptiveSpec
from ..spec import PoolSpec
from .engine import (
    LayerRun,
    check_framework,
    check_input,
    fit_grad_output,
    framework_result,
    layer_geometry,
    run_layer,
)
from .express import app_layer, equal_bins
from .layer import FRAMEWORKS, CellDiff, Differences, FrameworkLayer, FrameworkResult
from .rules import RULES

_NO = ""


def framework_results(x: object, grad_output: object, spec: PoolSpec | AdaptiveSpec,
                      fill: float = 1.0) -> dict[str, FrameworkResult]:
    """`framework_result` for every framework of `FRAMEWORKS`, in that order."""
    return {fw: framework_result(fw, x, grad_output, spec, fill) for fw in FRAMEWORKS}


def _on(a: np.ndarray | None, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(values, present) of `a` on a larger `shape` (absent cells: NaN, False)."""
    out = np.full(shape, np.nan)
    present = np.zeros(shape, dtype=bool)
    if a is not None:
        out[:a.shape[0], :a.shape[1]] = a
        present[:a.shape[0], :a.shape[1]] = True
    return out, present


AVG_RTOL = 1e-9
"""Averages are sums taken in different orders: equal within this fraction of the largest
finite value (two frameworks' 1/3 + 1/6 and 1/2 are the same number)."""


def _differ(a: np.ndarray | None, b: np.ndarray | None, shape: tuple[int, int],
            rtol: float = 0.0) -> np.ndarray:
    """Cells of `shape` where a and b differ (NaN equals NaN; present on one side only;
    finite values within `rtol` of the largest finite magnitude are equal)."""
    va, pa = _on(a, shape)
    vb, pb = _on(b, shape)
    fin = np.isfinite(va) & np.isfinite(vb)
    scale = max(1.0, float(np.abs(np.concatenate([va[fin], vb[fin]])).max(initial=0.0)))
    with np.errstate(invalid="ignore"):
        same = (va == vb) | (np.isnan(va) & np.isnan(vb)) | (
            fin & (np.abs(va - vb) <= rtol * scale))
    return (pa != pb) | (pa & pb & ~same)


def _window_reason(run: LayerRun, reduce: bool = False) -> np.ndarray:
    """Per window (S,): the rule that decides it: nan_rule, lowest_start or tie_rule (a
    reduction's window of -inf is a tie it splits)."""
    v, real = run.values, run.real
    nan = (np.isnan(v) & real).any(axis=1)  # type: ignore[operator]
    only_inf = ((v == -np.inf) | ~real).all(axis=1) & (not reduce)  # type: ignore[operator]
    return np.where(nan, "nan_rule", np.where(only_inf, "lowest_start", "tie_rule"))


def _rule_dx_reason(r2: LayerRun, r3: LayerRun, layer: FrameworkLayer,
                    hw: tuple[int, int]) -> np.ndarray:
    """(H, W) reason of the rules step for dL/dx cells: the reason of the first window
    (row-major) whose receiver changed and that sends to the cell in either run."""
    H, W = hw
    out = np.full(hw, "tie_rule", dtype=object)
    if layer.op == "reduce" and r3.values is not None:  # one window: its reason everywhere
        out[:] = _window_reason(r3, reduce=True)[0]
        return out
    if r2.receiver is None or r3.receiver is None:
        return out
    (t, _), (left, r) = layer.pre_pad
    Wp = W + left + r
    S = r2.receiver.shape[0]
    changed = np.flatnonzero(r2.receiver != r3.receiver)
    first = np.full(H * W, S)
    for recv in (r2.receiver, r3.receiver):
        w = changed[recv[changed] >= 0]
        f = r2.flat[w, recv[w]]  # type: ignore[index]
        rr, cc = f // Wp - t, f % Wp - left
        ok = (rr >= 0) & (rr < H) & (cc >= 0) & (cc < W)
        np.minimum.at(first, (rr * W + cc)[ok], w[ok])
    reason = _window_reason(r3)
    hit = first < S
    flat = out.reshape(-1)
    flat[hit] = reason[first[hit]]
    return out


def _layer_reason(pl: FrameworkLayer, fl: FrameworkLayer, rounding: str, spec: PoolSpec,
                  hw: tuple[int, int]) -> str:
    gp, gf = layer_geometry(pl, hw, rounding), layer_geometry(fl, hw, rounding)
    same = gp.out_hw == gf.out_hw and all(
        np.array_equal(a, b) for a, b in zip(gp.taps, gf.taps, strict=True))
    if same:
        return "divisor"
    if spec.padding_kind.startswith("same") or (
            isinstance(fl.padding, str) and fl.padding.startswith("same")):
        return "same_padding"
    return "not_expressible"


def _all(reason: str, mask: np.ndarray) -> np.ndarray:
    return np.where(mask, reason, _NO).astype(object)


def differences(x: object, grad_output: object, spec: PoolSpec | AdaptiveSpec,
                framework: str, fill: float = 1.0, base: str = "pytorch",
                results: Mapping[str, FrameworkResult] | None = None) -> Differences:
    """Cells of y and dL/dx where `framework` differs from PyTorch (or `base`) on this input.

    A cell differs when the numbers are not equal (NaN equals NaN; a cell present on one side
    only differs; averages equal within `AVG_RTOL`). Its reason (`DIFF_REASONS`) is found
    step by step (module docstring). `Differences.pytorch` holds the `base` side.
    `results` (e.g. `framework_results(...)` of the same x, dL/dy, spec and fill) saves
    computing the two sides again.
    """
    fw = check_framework(framework)
    xs = check_input(x)
    have = results or {}
    pt = have.get(base) or framework_result(check_framework(base), xs, grad_output, spec, fill)
    fr = have.get(fw) or framework_result(fw, xs, grad_output, spec, fill)
    return compare_results(xs, grad_output, spec, fr, pt, fill)


def compare_results(xs: np.ndarray, grad_output: object, spec: PoolSpec | AdaptiveSpec,
                    fr: FrameworkResult, pt: FrameworkResult, fill: float = 1.0
                    ) -> Differences:
    """`differences` of two results already computed (`pt`: the base side)."""
    fw = fr.framework
    hw = (xs.shape[0], xs.shape[1])
    y_shape = tuple(max(a.shape[i] for a in (pt.output, fr.output) if a is not None)
                    for i in range(2))
    tol = AVG_RTOL if spec.mode == "avg" else 0.0
    y_diff = _differ(fr.output, pt.output, y_shape, tol)
    dx_diff = _differ(fr.grad_input, pt.grad_input, hw, tol)
    if fr.output is None:
        y_why, dx_why = _all("not_expressible", y_diff), _all("not_expressible", dx_diff)
    else:
        y_why, dx_why = _reasons(xs, grad_output, spec, fw, pt, fr, y_shape, fill)
        y_why, dx_why = np.where(y_diff, y_why, _NO), np.where(dx_diff, dx_why, _NO)
        if fr.grad_input is None or pt.grad_input is None:
            dx_why = _all("no_gradient", dx_diff)
    cells: list[CellDiff] = []
    for name, why, mine, theirs in (("y", y_why, fr.output, pt.output),
                                    ("dx", dx_why, fr.grad_input, pt.grad_input)):
        for i, j in zip(*np.nonzero(why != _NO), strict=True):
            cells.append(CellDiff(name, (int(i), int(j)), _value(mine, i, j),
                                  _value(theirs, i, j), str(why[i, j])))
    shape = fr.output.shape if fr.output is not None else (0, 0)
    return Differences(fw, fr, pt, tuple(cells), y_why[:shape[0], :shape[1]].astype(str),
                       dx_why.astype(str))


def _value(a: np.ndarray | None, i: int, j: int) -> float | None:
    if a is None or i >= a.shape[0] or j >= a.shape[1]:
        return None
    return float(a[i, j])


def _reasons(xs: np.ndarray, grad_output: object, spec: PoolSpec | AdaptiveSpec, fw: str,
             pt: FrameworkResult, fr: FrameworkResult, y_shape: tuple[int, int], fill: float
             ) -> tuple[np.ndarray, np.ndarray]:
    """(y reasons on `y_shape`, dL/dx reasons (H, W)) for every cell, by the steps R0..R3."""
    hw = (xs.shape[0], xs.shape[1])
    pl, fl = pt.expression.layer, fr.expression.layer
    if pl is not None and pl.output_size is not None and isinstance(spec, AdaptiveSpec):
        equal = equal_bins(spec, hw)  # PyTorch's adaptive layer as the pool it equals
        pl = None if equal is None else replace(app_layer(equal, hw), framework=pt.framework)
    if pl is None or fl is None or pl.output_size is not None:
        return (np.full(y_shape, "not_expressible", dtype=object),
                np.full(hw, "not_expressible", dtype=object))
    P, F = RULES[pt.framework], RULES[fw]
    mixed = replace(P, rounding=F.rounding)

    def run(layer: FrameworkLayer, rules) -> LayerRun:  # noqa: ANN001
        out_hw = layer_geometry(layer, hw, rules.rounding).out_hw
        return run_layer(layer, xs, fit_grad_output(grad_output, out_hw, fill), rules)

    r0 = LayerRun(pt.output, pt.grad_input, ())  # type: ignore[arg-type]
    r1, r2 = run(pl, mixed), run(replace(fl, op="pool"), mixed)
    r3 = LayerRun(fr.output, fr.grad_input, fr.notes)  # type: ignore[arg-type]
    if fr.output is not None and fl.mode == "max":
        r3 = run(fl, F)
    final_shape = y_shape
    y_shape = tuple(max(r.y.shape[i] for r in (r0, r1, r2, r3) if r.y is not None)
                    for i in range(2))  # type: ignore[assignment]
    steps = (("output_size", r0, r1),
             (_layer_reason(pl, fl, F.rounding, spec, hw), r1, r2))  # type: ignore[arg-type]
    y_why = np.full(y_shape, "tie_rule", dtype=object)
    dx_why = _rule_dx_reason(r2, r3, fl, hw) if fl.mode == "max" else np.full(
        hw, "tie_rule", dtype=object)
    if fl.mode == "max" and r3.values is not None:
        win = _window_reason(r3, fl.op == "reduce").reshape(r3.y.shape)
        y_why[:win.shape[0], :win.shape[1]] = win
    tol = AVG_RTOL if fl.mode == "avg" else 0.0
    rules_y = _differ(r2.y, r3.y, y_shape, tol)
    rules_dx = _differ(r2.dx, r3.dx, hw, tol)
    # The last step that changed a cell names it: rules first, then earlier steps where
    # the rules did not change it.
    for reason, a, b in reversed(steps):
        cy = _differ(a.y, b.y, y_shape, tol) & ~rules_y
        cd = _differ(a.dx, b.dx, hw, tol) & ~rules_dx
        y_why[cy] = reason
        dx_why[cd] = reason
        rules_y |= cy
        rules_dx |= cd
    return y_why[:final_shape[0], :final_shape[1]], dx_why
