"""A straightforward loop reference of 2-D max and average pooling, forward and backward.

This is the loop taught in courses: visit the output cells one at a time in row-major order,
look at the input cells under the window, and

* forward: take their maximum (max pooling) or their sum divided by the window's divisor
  (average pooling);
* backward: send the upstream gradient of that output cell to the cell(s) that produced it,
  adding into dL/dx.

It is written from the definitions, independently of `pooling_core`, and is meant to be
obviously correct rather than fast. Everything follows PyTorch's CPU semantics:

* Output size per axis: ``floor((n + 2p - d(k - 1) - 1) / s) + 1`` (``ceil`` with ceil_mode);
  with ceil_mode the last window is dropped when it would start in the right padding, i.e.
  when ``(out - 1) * s >= n + p``.
* Max pooling pads with -inf, so padding never wins: only the real cells of a window compete.
  The window's maximum is NaN if it holds a NaN. Its *tied* cells are the real cells equal to
  the maximum (the NaN cells if the maximum is NaN). Tie policies for the gradient:

  - "first": PyTorch. The first tied cell in row-major window order wins, except that when
    the window holds NaN PyTorch keeps the *last* NaN it scans. This cell is also the index
    PyTorch returns.
  - "last": the last tied cell wins (the last NaN for a NaN window).
  - "split": each of the k tied cells gets upstream / k.
  - "all": each tied cell gets the full upstream value.

* Average pooling sums the real cells of the window (padding is zero). The divisor is
  ``divisor_override`` if given, else the number of window cells inside the *padded* input
  (count_include_pad=True; ceil_mode's overhang past the padded border is not counted), else
  the number of real cells (count_include_pad=False).

Arithmetic happens in the input's float dtype (float32 stays float32, float64 stays float64,
anything else becomes float64), and gradients are accumulated in row-major output order
starting from zero, exactly as PyTorch's CPU kernels do, so results match bit for bit.

Layouts: (H, W), (C, H, W) or (N, C, H, W); pooling runs over the last two axes.

Issue 16's layers, written out the same way: padding given per side, 'same', 'same_lower'
or 'valid' (`ref_pads`, from the TensorFlow/ONNX definitions), adaptive pooling
(`ref_bins`, `adaptive_plane_steps`, `loop_adaptive_pool`: PyTorch's bins and its kernel's
sum / kh / kw) and max unpooling (`loop_max_unpool`, `loop_max_unpool_backward`).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

TIE_POLICIES = ("first", "last", "split", "all")
MODES = ("max", "avg")

Cell = tuple[int, int]


# --------------------------------------------------------------------------- parameters
def pair(value: int | tuple[int, int] | list[int]) -> tuple[int, int]:
    """An int or an (h, w) pair as an (h, w) tuple."""
    if isinstance(value, (tuple, list)):
        return (int(value[0]), int(value[1]))
    return (int(value), int(value))


def ref_output_size(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool,
                    p_after: int | None = None) -> int:
    """PyTorch's output length along one axis (may be <= 0 for an impossible configuration).

    `p` is the padding before the input, `p_after` after it (None: the same as `p`)."""
    p_after = p if p_after is None else p_after
    numerator = n + p + p_after - d * (k - 1) - 1
    quotient = Fraction(numerator, s)  # exact rational, no float rounding
    rounded = math.ceil(quotient) if ceil_mode else math.floor(quotient)
    out = rounded + 1
    if ceil_mode and out > 0 and (out - 1) * s >= n + p:
        out -= 1  # the last window would start in the right padding
    return out


def padding_form(padding):
    """A padding as written to PoolSpec, in a hashable normal form: (ph, pw) for an int or a
    pair, ((top, bottom), (left, right)) for per-side padding, or a lowercase name."""
    if isinstance(padding, str):
        return padding.lower()
    if isinstance(padding, (tuple, list)) and isinstance(padding[0], (tuple, list)):
        return tuple(tuple(int(v) for v in side) for side in padding)
    return pair(padding)


def ref_pads(input_hw: tuple[int, int], spec) -> tuple[tuple[int, int], tuple[int, int]]:
    """(before, after) padding per axis, written out from the frameworks' definitions:

    * an int p or a pair: p on both sides (PyTorch);
    * ((top, bottom), (left, right)): as given;
    * "valid": none;
    * "same" (TensorFlow ``SAME``, ONNX ``SAME_UPPER``): the output is ceil(n / s); the
      padding needed for it, total = max((out - 1) * s + (k - 1) * d + 1 - n, 0), is split
      with the smaller half before and the extra cell after;
    * "same_lower" (ONNX ``SAME_LOWER``): the same total, the extra cell before.
    """
    form = padding_form(spec.padding)
    if form == "valid":
        return ((0, 0), (0, 0))
    if isinstance(form, str):
        pads = []
        for n, k, s, d in zip(input_hw, spec.kernel_size, spec.stride, spec.dilation,
                              strict=True):
            out = math.ceil(Fraction(n, s))
            total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
            small, big = total // 2, total - total // 2
            pads.append((big, small) if form == "same_lower" else (small, big))
        return tuple(pads)  # type: ignore[return-value]
    if isinstance(form[0], tuple):
        return form  # type: ignore[return-value]
    return ((form[0], form[0]), (form[1], form[1]))


def axis_taps(i: int, k: int, s: int, p: int, d: int) -> list[int]:
    """Input positions (real or padding) read by the taps of window i along one axis."""
    return [i * s - p + t * d for t in range(k)]


@dataclass(frozen=True)
class LoopSpec:
    """The pooling parameters, normalised to (h, w) pairs (no validation beyond that)."""

    kernel_size: tuple[int, int]
    stride: tuple[int, int]
    padding: object  # `padding_form`: (ph, pw), ((top, bottom), (left, right)) or a name
    dilation: tuple[int, int]
    ceil_mode: bool
    mode: str
    ties: str
    count_include_pad: bool
    divisor_override: int | None


def loop_spec(
    kernel_size=2,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode=False,
    mode="max",
    ties="first",
    count_include_pad=True,
    divisor_override=None,
) -> LoopSpec:
    """Build a `LoopSpec` from PyTorch-style arguments (stride=None means the kernel size)."""
    k = pair(kernel_size)
    return LoopSpec(
        kernel_size=k,
        stride=k if stride is None else pair(stride),
        padding=padding_form(padding),
        dilation=pair(dilation),
        ceil_mode=bool(ceil_mode),
        mode=mode,
        ties=ties,
        count_include_pad=bool(count_include_pad),
        divisor_override=divisor_override,
    )


def ref_out_hw(input_hw: tuple[int, int], spec: LoopSpec) -> tuple[int, int]:
    """Output (OH, OW) of pooling an (H, W) plane."""
    return tuple(  # type: ignore[return-value]
        ref_output_size(n, k, s, pb, d, spec.ceil_mode, pa)
        for n, k, s, (pb, pa), d in zip(
            input_hw, spec.kernel_size, spec.stride, ref_pads(input_hw, spec), spec.dilation,
            strict=True,
        )
    )


def spec_problem(input_hw: tuple[int, int], **params) -> str | None:
    """Why these parameters are invalid for an (H, W) input, or None when they are valid.

    The rules: kernel, stride, dilation >= 1; 0 <= padding <= ((k - 1) * d + 1) // 2;
    known mode and tie policy; average mode only with dilation 1; divisor_override None or
    >= 1; a non-empty input; a non-empty output; every window holds at least one real cell.
    """
    raw_k = params.get("kernel_size", 2)
    raw_s = params.get("stride")
    k = pair(raw_k)
    s = k if raw_s is None else pair(raw_s)
    form = padding_form(params.get("padding", 0))
    d = pair(params.get("dilation", 1))
    mode = params.get("mode", "max")
    ties = params.get("ties", "first")
    override = params.get("divisor_override")
    if min(k) < 1:
        return "kernel_size"
    if min(s) < 1:
        return "stride"
    if min(d) < 1:
        return "dilation"
    if mode not in MODES:
        return "mode"
    if ties not in TIE_POLICIES:
        return "ties"
    if mode == "avg" and d != (1, 1):
        return "dilation"
    if isinstance(form, str) and form not in ("same", "same_lower", "valid"):
        return "padding"
    if not isinstance(form, str) and isinstance(form[0], tuple):  # per side: <= (k - 1) * d
        for (before, after), kk, dd in zip(form, k, d, strict=True):
            if min(before, after) < 0 or max(before, after) > (kk - 1) * dd:
                return "padding"
    elif not isinstance(form, str):  # PyTorch's rule
        if min(form) < 0:
            return "padding"
        for kk, pp, dd in zip(k, form, d, strict=True):
            if pp > ((kk - 1) * dd + 1) // 2:
                return "padding"
    if override is not None and override < 1:
        return "divisor_override"
    if min(input_hw) < 1:
        return "x"
    ceil_mode = bool(params.get("ceil_mode", False))
    pads = ref_pads(input_hw, loop_spec(kernel_size=k, stride=s, padding=form, dilation=d))
    for n, kk, ss, (pb, pa), dd in zip(input_hw, k, s, pads, d, strict=True):
        out = ref_output_size(n, kk, ss, pb, dd, ceil_mode, pa)
        if out < 1:
            return "output_empty"
        for i in range(out):
            if not any(0 <= t < n for t in axis_taps(i, kk, ss, pb, dd)):
                return "window_no_real_cell"
    return None


@functools.cache
def valid_axes(
    n: int, ceil_mode: bool, k_max: int, s_max: int, d_max: int
) -> tuple[tuple[int, int, int, int], ...]:
    """Every (k, s, p, d) with 1 <= k <= k_max, 1 <= s <= s_max, 1 <= d <= d_max and
    0 <= p <= ((k - 1) * d + 1) // 2 that is valid along an axis of length n: a non-empty
    output, every window holding a real cell (the per-axis rules of `spec_problem`).

    Test strategies draw from this list, so that every drawn configuration can be pooled.
    """
    out = []
    for k in range(1, k_max + 1):
        for d in range(1, d_max + 1):
            for p in range((((k - 1) * d + 1) // 2) + 1):
                for s in range(1, s_max + 1):
                    size = ref_output_size(n, k, s, p, d, ceil_mode)
                    if size >= 1 and all(
                        any(0 <= t < n for t in axis_taps(i, k, s, p, d)) for i in range(size)
                    ):
                        out.append((k, s, p, d))
    return tuple(out)


# --------------------------------------------------------------------------- one window
def as_float_input(x) -> np.ndarray:
    """float32 and float64 stay; everything else becomes float64."""
    arr = np.asarray(x)
    if arr.dtype in (np.float32, np.float64):
        return arr
    return arr.astype(np.float64)


def window_cells(
    i: int, j: int, input_hw: tuple[int, int], spec: LoopSpec
) -> list[Cell]:
    """Real input cells under window (i, j), in row-major tap order (padding left out)."""
    H, W = input_hw
    (kh, kw), (sh, sw), (dh, dw) = spec.kernel_size, spec.stride, spec.dilation
    (ph, _), (pw, _) = ref_pads(input_hw, spec)
    cells = []
    for r in axis_taps(i, kh, sh, ph, dh):
        for c in axis_taps(j, kw, sw, pw, dw):
            if 0 <= r < H and 0 <= c < W:
                cells.append((r, c))
    return cells


def avg_divisor(i: int, j: int, input_hw: tuple[int, int], spec: LoopSpec) -> int:
    """What average pooling divides window (i, j)'s sum by (PyTorch's rule)."""
    if spec.divisor_override is not None:
        return int(spec.divisor_override)
    H, W = input_hw
    (kh, kw), (sh, sw) = spec.kernel_size, spec.stride
    (ph, ph_after), (pw, pw_after) = ref_pads(input_hw, spec)
    if spec.count_include_pad:
        # Cells of the window inside the padded input [-p_before, n + p_after) (the window
        # always starts at or after -p_before, so only the far overhang is cut off).
        rows = [r for r in axis_taps(i, kh, sh, ph, 1) if -ph <= r < H + ph_after]
        cols = [c for c in axis_taps(j, kw, sw, pw, 1) if -pw <= c < W + pw_after]
        return len(rows) * len(cols)
    return len(window_cells(i, j, input_hw, spec))


def max_window(plane: np.ndarray, cells: list[Cell]) -> tuple[float, list[Cell]]:
    """The maximum of the real cells and the list of tied cells (row-major).

    A window holding NaN has maximum NaN, and its tied cells are its NaN cells.
    """
    values = [plane[r, c] for r, c in cells]
    nan_cells = [cell for cell, v in zip(cells, values, strict=True) if np.isnan(v)]
    if nan_cells:
        return plane[nan_cells[0]], nan_cells
    best = values[0]
    for v in values[1:]:
        if v > best:
            best = v
    return best, [cell for cell, v in zip(cells, values, strict=True) if v == best]


def pytorch_winner(tied: list[Cell], is_nan: bool) -> Cell:
    """PyTorch's index: the first tied cell, but the last NaN for a NaN window."""
    return tied[-1] if is_nan else tied[0]


@dataclass(frozen=True)
class LoopStep:
    """One output cell of one plane: its value and what its backward step sends where."""

    out_index: Cell
    value: float
    index: int | None  # max: PyTorch's flat index r * W + c; avg: None
    window: tuple[Cell, ...]
    receivers: tuple[tuple[Cell, float], ...]
    tied: tuple[Cell, ...]
    divisor: int | None


def plane_steps(plane: np.ndarray, gout: np.ndarray | None, spec: LoopSpec) -> list[LoopStep]:
    """All output cells of one (H, W) plane, row-major, with their backward receivers.

    `gout` (OH, OW) is the upstream gradient, or None for a forward-only pass (receivers then
    carry the amount 0). inf - inf = NaN and float32 overflow are expected, not warned about.
    """
    with np.errstate(invalid="ignore", over="ignore"):
        return _plane_steps(plane, gout, spec)


def _plane_steps(plane: np.ndarray, gout: np.ndarray | None, spec: LoopSpec) -> list[LoopStep]:
    dt = plane.dtype.type
    H, W = plane.shape
    OH, OW = ref_out_hw((H, W), spec)
    steps = []
    for i in range(OH):
        for j in range(OW):
            cells = window_cells(i, j, (H, W), spec)
            g = dt(0) if gout is None else dt(gout[i, j])
            if spec.mode == "max":
                value, tied = max_window(plane, cells)
                is_nan = bool(np.isnan(value))
                winner = pytorch_winner(tied, is_nan)
                if spec.ties == "first":
                    receivers = [(winner, g)]
                elif spec.ties == "last":
                    receivers = [(tied[-1], g)]
                elif spec.ties == "split":
                    share = g / dt(len(tied))
                    receivers = [(cell, share) for cell in tied]
                elif spec.ties == "all":
                    receivers = [(cell, g) for cell in tied]
                else:
                    raise ValueError(f"unknown tie policy {spec.ties!r}")
                steps.append(
                    LoopStep((i, j), value, winner[0] * W + winner[1], tuple(cells),
                             tuple(receivers), tuple(tied), None)
                )
            elif spec.mode == "avg":
                total = dt(0)
                for r, c in cells:
                    total = total + plane[r, c]
                divisor = avg_divisor(i, j, (H, W), spec)
                value = total / dt(divisor)
                delta = g / dt(divisor)
                steps.append(
                    LoopStep((i, j), value, None, tuple(cells),
                             tuple((cell, delta) for cell in cells), (), divisor)
                )
            else:
                raise ValueError(f"unknown mode {spec.mode!r}")
    return steps


def accumulate(
    steps: list[LoopStep], input_hw: tuple[int, int], dtype, upto: int | None = None
) -> np.ndarray:
    """dL/dx after steps 0..upto (all when None), added one by one in step order."""
    grad = np.zeros(input_hw, dtype=dtype)
    dt = np.dtype(dtype).type
    chosen = steps if upto is None else steps[: upto + 1]
    with np.errstate(invalid="ignore", over="ignore"):
        for step in chosen:
            for (r, c), amount in step.receivers:
                grad[r, c] = grad[r, c] + dt(amount)
    return grad


# --------------------------------------------------------------------------- public functions
def loop_pool(
    x, grad_output=None, **params
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """One pass over the output cells: (output, indices, grad_input).

    indices is None in avg mode; grad_input is None when grad_output is None. Keyword
    arguments are PyTorch's/PoolSpec's: kernel_size, stride, padding, dilation, ceil_mode,
    mode, ties, count_include_pad, divisor_override.
    """
    spec = loop_spec(**params)
    arr = as_float_input(x)
    H, W = arr.shape[-2:]
    OH, OW = ref_out_hw((H, W), spec)
    lead = arr.shape[:-2]
    out = np.zeros(lead + (OH, OW), dtype=arr.dtype)
    idx = np.zeros(lead + (OH, OW), dtype=np.int64) if spec.mode == "max" else None
    gout = None if grad_output is None else np.asarray(grad_output).astype(arr.dtype)
    grad = None if gout is None else np.zeros(arr.shape, dtype=arr.dtype)
    for lead_index in np.ndindex(*lead):
        steps = plane_steps(arr[lead_index], None if gout is None else gout[lead_index], spec)
        for step in steps:
            out[lead_index + step.out_index] = step.value
            if idx is not None:
                idx[lead_index + step.out_index] = step.index
        if grad is not None:
            grad[lead_index] = accumulate(steps, (H, W), arr.dtype)
    return out, idx, grad


def loop_pool_forward(x, **params) -> tuple[np.ndarray, np.ndarray | None]:
    """(output, indices) of pooling x over its last two axes; indices is None in avg mode."""
    out, idx, _ = loop_pool(x, None, **params)
    return out, idx


def loop_pool_backward(x, grad_output, **params) -> np.ndarray:
    """dL/dx of L = sum(grad_output * pool(x)), in x's (float) dtype.

    Keyword arguments as `loop_pool_forward`, plus `ties` for max pooling.
    """
    _, _, grad = loop_pool(x, grad_output, **params)
    return grad  # type: ignore[return-value]


def loop_scatter_steps(x, grad_output, **params) -> list[LoopStep]:
    """The backward steps of a 2-D input, one per output cell in row-major order."""
    spec = loop_spec(**params)
    arr = as_float_input(x)
    gout = np.asarray(grad_output).astype(arr.dtype)
    return plane_steps(arr, gout, spec)


def loop_accumulated(x, grad_output, k: int, **params) -> np.ndarray:
    """dL/dx of a 2-D input after the first k + 1 backward steps."""
    arr = as_float_input(x)
    steps = loop_scatter_steps(arr, grad_output, **params)
    return accumulate(steps, arr.shape, arr.dtype, upto=k)


def loop_max_pool_forward_backward(
    x, grad_output, kernel, stride=None, padding=0, dilation=1, ceil_mode=False, ties="first"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Max pooling the course way: (output, indices, grad_input), one output cell at a time.

    `x` is (H, W), (C, H, W) or (N, C, H, W); `grad_output` has the output's shape.
    One pass: each output cell's window is scanned once for the forward value and index and
    for the cells its upstream gradient goes to.
    """
    out, idx, grad = loop_pool(
        x, grad_output, kernel_size=kernel, stride=stride, padding=padding, dilation=dilation,
        ceil_mode=ceil_mode, mode="max", ties=ties,
    )
    return out, idx, grad  # type: ignore[return-value]


def loop_avg_pool_forward_backward(
    x, grad_output, kernel, stride=None, padding=0, ceil_mode=False,
    count_include_pad=True, divisor_override=None,
) -> tuple[np.ndarray, np.ndarray]:
    """Average pooling the course way: (output, grad_input), one output cell at a time."""
    out, _, grad = loop_pool(
        x, grad_output, kernel_size=kernel, stride=stride, padding=padding, ceil_mode=ceil_mode,
        mode="avg", count_include_pad=count_include_pad, divisor_override=divisor_override,
    )
    return out, grad  # type: ignore[return-value]


# --------------------------------------------------------------------------- adaptive pooling
def ref_bins(n: int, o: int) -> list[tuple[int, int]]:
    """PyTorch's adaptive bins along an axis of length n with o outputs: bin i covers input
    cells floor(i * n / o) .. ceil((i + 1) * n / o) - 1 (exact rationals, no float)."""
    return [(math.floor(Fraction(i * n, o)), math.ceil(Fraction((i + 1) * n, o)))
            for i in range(o)]


def _max_receivers(tied: list[Cell], winner: Cell, ties: str, g, dt) -> list[tuple[Cell, object]]:
    """Who receives a max window's upstream value g, and how much, under each tie policy."""
    if ties == "first":
        return [(winner, g)]
    if ties == "last":
        return [(tied[-1], g)]
    if ties == "split":
        return [(cell, g / dt(len(tied))) for cell in tied]
    if ties == "all":
        return [(cell, g) for cell in tied]
    raise ValueError(f"unknown tie policy {ties!r}")


def adaptive_plane_steps(plane: np.ndarray, gout: np.ndarray | None, output_size,
                         mode: str = "max", ties: str = "first") -> list[LoopStep]:
    """All bins of one (H, W) plane, row-major, with their backward receivers.

    max: PyTorch's scan (first maximum in row-major order, the last NaN); avg: the bin's sum
    (row-major, from 0) / kh / kw, as PyTorch's kernel divides; every cell of the bin gets
    g / kh / kw.
    """
    with np.errstate(invalid="ignore", over="ignore"):
        dt = plane.dtype.type
        H, W = plane.shape
        oh, ow = pair(output_size)
        steps = []
        for i, (r0, r1) in enumerate(ref_bins(H, oh)):
            for j, (c0, c1) in enumerate(ref_bins(W, ow)):
                cells = [(r, c) for r in range(r0, r1) for c in range(c0, c1)]
                g = dt(0) if gout is None else dt(gout[i, j])
                if mode == "max":
                    value, tied = max_window(plane, cells)
                    winner = pytorch_winner(tied, bool(np.isnan(value)))
                    receivers = _max_receivers(tied, winner, ties, g, dt)
                    steps.append(LoopStep((i, j), value, winner[0] * W + winner[1],
                                          tuple(cells), tuple(receivers), tuple(tied), None))
                else:
                    total = dt(0)
                    for r, c in cells:
                        total = total + plane[r, c]
                    kh, kw = dt(r1 - r0), dt(c1 - c0)
                    delta = g / kh / kw
                    steps.append(LoopStep((i, j), total / kh / kw, None, tuple(cells),
                                          tuple((cell, delta) for cell in cells), (),
                                          (r1 - r0) * (c1 - c0)))
        return steps


def loop_adaptive_pool(x, grad_output=None, output_size=1, mode="max", ties="first"):
    """Adaptive pooling the course way: (output, indices or None, grad_input or None)."""
    arr = as_float_input(x)
    H, W = arr.shape[-2:]
    oh, ow = pair(output_size)
    lead = arr.shape[:-2]
    out = np.zeros(lead + (oh, ow), dtype=arr.dtype)
    idx = np.zeros(lead + (oh, ow), dtype=np.int64) if mode == "max" else None
    gout = None if grad_output is None else np.asarray(grad_output).astype(arr.dtype)
    grad = None if gout is None else np.zeros(arr.shape, dtype=arr.dtype)
    for li in np.ndindex(*lead):
        steps = adaptive_plane_steps(arr[li], None if gout is None else gout[li],
                                     (oh, ow), mode, ties)
        for step in steps:
            out[li + step.out_index] = step.value
            if idx is not None:
                idx[li + step.out_index] = step.index
        if grad is not None:
            grad[li] = accumulate(steps, (H, W), arr.dtype)
    return out, idx, grad


# --------------------------------------------------------------------------- max unpooling
def ref_unpool_size(in_hw, kernel_size, stride=None, padding=0) -> tuple[int, int]:
    """PyTorch's default max_unpool2d size per axis: (in - 1) * s - 2p + k (per side padding
    ((top, bottom), (left, right)): (in - 1) * s - before - after + k)."""
    k = pair(kernel_size)
    s = k if stride is None else pair(stride)
    form = padding_form(padding)
    pads = form if isinstance(form[0], tuple) else ((form[0],) * 2, (form[1],) * 2)
    return tuple((n - 1) * ss - pb - pa + kk  # type: ignore[return-value]
                 for n, ss, (pb, pa), kk in zip(in_hw, s, pads, k, strict=True))


def loop_max_unpool(y, indices, output_hw) -> np.ndarray:
    """Each y[i, j] (row-major) written at flat index r * W + c of a plane of zeros; a later
    value naming the same cell replaces an earlier one."""
    vals = as_float_input(y)
    idx = np.asarray(indices)
    H, W = output_hw
    out = np.zeros(vals.shape[:-2] + (H, W), dtype=vals.dtype)
    for li in np.ndindex(*vals.shape[:-2]):
        for i in range(vals.shape[-2]):
            for j in range(vals.shape[-1]):
                f = int(idx[li + (i, j)])
                out[li + (f // W, f % W)] = vals[li + (i, j)]
    return out


def loop_max_unpool_backward(grad_output, indices) -> np.ndarray:
    """dL/dy[i, j] = dL/dout at the cell y[i, j] was written to."""
    g = as_float_input(grad_output)
    idx = np.asarray(indices)
    W = g.shape[-1]
    out = np.zeros(idx.shape, dtype=g.dtype)
    for li in np.ndindex(*idx.shape[:-2]):
        for i in range(idx.shape[-2]):
            for j in range(idx.shape[-1]):
                f = int(idx[li + (i, j)])
                out[li + (i, j)] = g[li + (f // W, f % W)]
    return out
