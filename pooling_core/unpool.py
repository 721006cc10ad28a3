"""Max unpooling: PyTorch's `max_unpool2d` (the partial inverse of max pooling) and its
backward pass.

Forward: an output of zeros of size (H, W) per plane, and each pooled value y[i, j] written
at the flat index indices[i, j] = r · W + c of its plane (the `indices` of max pooling with
``return_indices``). Written in row-major order of y, so when two values name the same cell
the later one stays (PyTorch's CPU kernel writes them in that order). The default size per
axis is PyTorch's ``(in − 1)·s − 2p + k`` (here ``(in − 1)·s − p_before − p_after + k``;
dilation is not part of it, as max_unpool2d has none); an explicit `output_size` must lie
strictly between default − s and default + s (PyTorch's rule). An index outside the output is
refused (``unpool_index_out_of_range``), as PyTorch refuses it.

Backward (the gather): dL/dy[i, j] = dL/dout[indices[i, j]], also for a value that a later
one overwrote (PyTorch's autograd does the same).

Shapes: y and indices (h, w), (C, h, w) or (N, C, h, w); the output (..., H, W).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .adaptive import MAX_OUTPUT
from .errors import PoolingError
from .spec import PoolSpec
from .steps import StepSequence
from .validate import as_input, check_grad_output, check_indices, is_int

Cell = tuple[int, int]


def _size_pair(output_size: object) -> tuple[int, int]:
    """`output_size` as (H, W): an int, (H, W), or a longer sequence ending in H, W."""
    if is_int(output_size):
        return (int(output_size), int(output_size))  # type: ignore[arg-type]
    if (isinstance(output_size, (tuple, list)) and len(output_size) in (2, 3, 4)
            and all(is_int(v) for v in output_size)):
        return (int(output_size[-2]), int(output_size[-1]))
    raise PoolingError(
        "not_int_pair",
        f"output_size must be a whole number or (H, W), got {output_size!r}",
        name="output_size", value=repr(output_size),
    )


def unpool_output_size(input_hw: tuple[int, int], spec: PoolSpec | None,
                       output_size: object = None) -> tuple[int, int]:
    """The (H, W) of `max_unpool` for pooled planes of size `input_hw` (h, w).

    Parameters
    ----------
    input_hw : (h, w)
        Size of the pooled planes (y).
    spec : PoolSpec or None
        The max pooling layer that produced y; None (e.g. after adaptive pooling) requires
        `output_size`.
    output_size : int or (H, W) or None
        None: the default (in − 1)·s − p_before − p_after + k per axis. Otherwise it must
        satisfy default − s < size < default + s (PyTorch's rule) when there is a default.

    Raises
    ------
    PoolingError
        ``unpool_needs_size`` ('same' padding or no spec without `output_size`),
        ``unpool_size_range`` (outside PyTorch's range or < 1).
    """
    default = None
    if spec is not None and not spec.padding_kind.startswith("same"):
        pads = spec.pads()
        default = tuple((n - 1) * s - pb - pa + k for n, s, (pb, pa), k
                        in zip(input_hw, spec.s, pads, spec.k, strict=True))
    if output_size is None:
        if default is None:
            raise PoolingError(
                "unpool_needs_size",
                "output_size is needed: without a pooling layer of fixed padding the unpooled "
                "size is not determined",
                name="output_size",
            )
        size = default
    else:
        size = _size_pair(output_size)
    for i, axis in enumerate(("height", "width")):
        lo, hi = 1, MAX_OUTPUT
        if default is not None:
            lo, hi = max(1, default[i] - spec.s[i] + 1), default[i] + spec.s[i] - 1  # type: ignore[union-attr]
        if not lo <= size[i] <= hi:
            raise PoolingError(
                "unpool_size_range",
                f"the unpooled size ({axis}) must be between {lo} and {hi}, got {size[i]}",
                name="output_size", axis=axis, value=size[i], minimum=lo, maximum=hi,
            )
    return size  # type: ignore[return-value]


def _last_writes(flat_keys: np.ndarray) -> np.ndarray:
    """Positions in `flat_keys` that are the last occurrence of their key (sorted)."""
    rev = flat_keys[::-1]
    _, first_in_rev = np.unique(rev, return_index=True)
    return np.sort(flat_keys.size - 1 - first_in_rev)


def max_unpool(y: object, indices: object, spec: PoolSpec | None,
               output_size: object = None) -> np.ndarray:
    """PyTorch's `max_unpool2d`: each y written at its index in a plane of zeros.

    Parameters
    ----------
    y : array_like, shape (h, w), (C, h, w) or (N, C, h, w)
        The pooled values.
    indices : array_like of int, the shape of y
        Flat index r · W + c of each value in its unpooled plane.
    spec : PoolSpec or None
        The max pooling layer (for the default size; see `unpool_output_size`).
    output_size : int or (H, W), optional

    Returns
    -------
    ndarray, shape (..., H, W), dtype of y (float)
    """
    vals = as_input(y)
    H, W = unpool_output_size(vals.shape[-2:], spec, output_size)
    idx = check_indices(indices, vals.shape, H * W, "unpool")
    P = int(np.prod(vals.shape[:-2], dtype=np.int64))
    keys = (np.arange(P, dtype=np.int64)[:, None] * (H * W) + idx.reshape(P, -1)).ravel()
    keep = _last_writes(keys)
    out = np.zeros(P * H * W, dtype=vals.dtype)
    out[keys[keep]] = vals.ravel()[keep]
    return out.reshape(vals.shape[:-2] + (H, W))


def max_unpool_backward(grad_output: object, indices: object) -> np.ndarray:
    """dL/dy of max unpooling: dL/dout gathered at each index.

    Parameters
    ----------
    grad_output : array_like, shape (..., H, W)
        dL/dout, the unpooled output's gradient.
    indices : array_like of int, shape (..., h, w)
        The indices given to `max_unpool` (leading axes as grad_output's).

    Returns
    -------
    ndarray, shape (..., h, w), dtype of grad_output (float)
    """
    g = as_input(grad_output)
    raw = np.asarray(indices)
    lead = g.shape[:-2]
    if raw.ndim != g.ndim or raw.shape[:-2] != lead:
        raise PoolingError(
            "unpool_indices_shape",
            f"indices must have grad_output's leading axes {lead} and two more, got "
            f"{raw.shape}", name="indices", expected=str(lead + ("h", "w")), value=str(raw.shape),
        )
    idx = check_indices(raw, raw.shape, g.shape[-1] * g.shape[-2], "unpool")
    P = int(np.prod(lead, dtype=np.int64))
    return np.take_along_axis(g.reshape(P, -1), idx.reshape(P, -1), axis=1).reshape(idx.shape)


@dataclass(frozen=True)
class UnpoolStep:
    """Step k of unpooling a 2-D y: y[source] lands on `target`; its gradient is read there.

    Attributes
    ----------
    index : int                  k = i * w + j
    source : (i, j)              the pooled cell
    target : (r, c)              where it lands in the unpooled plane
    value : float                y[i, j]
    overwrites : int             an earlier step that wrote the same cell (-1: none)
    overwritten_by : int         a later step that writes the same cell (-1: none; the value
                                 then does not survive in the output)
    gradient : float or None     dL/dout[target], what dL/dy[i, j] receives (the gather)
    """

    index: int
    source: Cell
    target: Cell
    value: float
    overwrites: int
    overwritten_by: int
    gradient: float | None


class UnpoolSteps(StepSequence[UnpoolStep]):
    """Max unpooling of a 2-D y as steps in row-major order of y; a sequence of `UnpoolStep`.

    Arrays: `values` (h, w), `indices` (h, w) int64, `output` (H, W), `grad_output` (H, W)
    or None, `grad_input` (h, w) or None (dL/dy, the gather); `targets` (h*w,) flat target
    of each step, `previous` / `next_write` (h*w,) the earlier / later step on the same cell
    (-1 if none). `accumulated(k)` is the output after steps 0..k.
    """

    def __init__(self, y: object, indices: object, spec: PoolSpec | None,
                 output_size: object = None, grad_output: object = None) -> None:
        vals = as_input(y)
        if vals.ndim != 2:
            raise PoolingError(
                "steps_need_2d", f"unpool_steps needs a 2-D y (h, w), got shape {vals.shape}",
                name="x", shape=str(vals.shape),
            )
        self.output_shape = unpool_output_size(vals.shape, spec, output_size)
        H, W = self.output_shape
        self.values = vals
        self.indices = check_indices(indices, vals.shape, H * W, "unpool")
        self.targets = self.indices.ravel()
        self.output = max_unpool(vals, self.indices, spec, self.output_shape)
        n = self.targets.size
        order = np.lexsort((np.arange(n), self.targets))  # by cell, then step
        same = self.targets[order][1:] == self.targets[order][:-1]
        self.previous = np.full(n, -1, dtype=np.int64)
        self.next_write = np.full(n, -1, dtype=np.int64)
        self.previous[order[1:][same]] = order[:-1][same]
        self.next_write[order[:-1][same]] = order[1:][same]
        self.grad_output = None
        self.grad_input = None
        if grad_output is not None:
            self.grad_output = check_grad_output(grad_output, (H, W), vals.dtype)
            self.grad_input = max_unpool_backward(self.grad_output, self.indices)

    def __len__(self) -> int:
        return int(self.targets.size)

    def _step(self, k: int) -> UnpoolStep:
        """Step k, 0 <= k < len (indexing: `pooling_core.steps.StepSequence`)."""
        w, W = self.values.shape[1], self.output_shape[1]
        t = int(self.targets[k])
        return UnpoolStep(
            index=k, source=(k // w, k % w), target=(t // W, t % W),
            value=float(self.values.flat[k]), overwrites=int(self.previous[k]),
            overwritten_by=int(self.next_write[k]),
            gradient=None if self.grad_output is None else float(self.grad_output.flat[t]),
        )

    def accumulated(self, k: int) -> np.ndarray:
        """The unpooled plane after steps 0..k (k = -1: zeros), shape (H, W)."""
        H, W = self.output_shape
        out = np.zeros(H * W, dtype=self.values.dtype)
        m = max(0, min(k + 1, len(self)))
        if m:
            keep = _last_writes(self.targets[:m])
            out[self.targets[:m][keep]] = self.values.ravel()[:m][keep]
        return out.reshape(H, W)


def unpool_steps(y: object, indices: object, spec: PoolSpec | None, output_size: object = None,
                 grad_output: object = None) -> UnpoolSteps:
    """Max unpooling of a 2-D y as `UnpoolSteps` (where each value lands, where its gradient
    is read from); `grad_output` (H, W) is optional."""
    return UnpoolSteps(y, indices, spec, output_size, grad_output)
