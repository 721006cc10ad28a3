"""The backward pass as an ordered sequence of steps, one per output cell (row-major).

Step k sends grad_output[i, j] (k = i * OW + j) into the input cells its window chooses:
in max mode the receivers and share the tie policy names (`pooling_core.ties`), in average
mode every real cell with 1/divisor. The steps are stored as flat arrays (one row per
receiver), so the running dL/dx after any step is one `np.add.at` over a prefix, with no
H x W copy per step.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar, overload

import numpy as np

from .adaptive import AdaptiveSpec
from .adaptive_pool import bin_steps
from .errors import PoolingError
from .geometry import plane_geometry, window_start
from .ieee import quiet_overflow
from .maxscan import _index_dtype, _max_pool
from .pooling import _avg_divisor
from .spec import PoolSpec
from .ties import tie_policy, tied_cells
from .validate import as_input, check_grad_output

Cell = tuple[int, int]
S = TypeVar("S")


class StepSequence(Sequence[S]):
    """A read-only sequence of steps indexed as a list is (negative indices count from the end,
    a slice gives a list); a subclass gives `__len__` and `_step(k)` for 0 <= k < len.
    The one index rule of `ScatterSteps` and `pooling_core.unpool.UnpoolSteps`."""

    def _step(self, k: int) -> S:
        raise NotImplementedError

    @overload
    def __getitem__(self, k: int) -> S: ...
    @overload
    def __getitem__(self, k: slice) -> list[S]: ...
    def __getitem__(self, k: int | slice) -> S | list[S]:
        n = len(self)
        if isinstance(k, slice):
            return [self._step(i) for i in range(*k.indices(n))]
        if not -n <= k < n:
            raise IndexError(f"step {k} out of range (0..{n - 1})")
        return self._step(k % n)


@dataclass(frozen=True)
class ScatterStep:
    """One step of the backward pass.

    Attributes
    ----------
    index : int
        Position k in the sequence (k = i * OW + j).
    out_index : (i, j)
        The output cell whose upstream gradient this step scatters.
    window : tuple of (r, c)
        Real input cells the window covers, in row-major tap order (padding excluded).
    receivers : tuple of ((r, c), amount)
        What this step adds to dL/dx.
    upstream : float
        grad_output[i, j].
    value : float
        The pooled output y[i, j].
    tied : tuple of (r, c)
        Max mode: every real cell of the window equal to its maximum (NaN cells when the
        maximum is NaN). Empty in average mode.
    divisor : int or None
        Average mode: what the window's sum is divided by.
    """

    index: int
    out_index: Cell
    window: tuple[Cell, ...]
    receivers: tuple[tuple[Cell, float], ...]
    upstream: float
    value: float
    tied: tuple[Cell, ...]
    divisor: int | None


class ScatterSteps(StepSequence[ScatterStep]):
    """All steps of the backward pass of a 2-D input; a read-only sequence of `ScatterStep`.

    Array attributes (M = total number of receivers over all steps, K = kh * kw taps)
    ----------------
    input_values : (H, W)     the input x
    output : (OH, OW)         pooled values
    grad_output : (OH, OW)    upstream gradient
    Index arrays are int32 when the plane and its windows fit (int64 otherwise).

    receiver_step : (M,)      step index of each receiver (non-decreasing)
    receiver_flat : (M,)      flat input index r * W + c of each receiver
    receiver_amount : (M,)    amount added
    window_flat : (OH*OW, K)  flat input index of each tap, -1 for padding
    window_origin : (OH*OW, 2)  input (r, c) of each window's first tap (property)
    tied_mask : (OH*OW, K)    max mode: tap is a tied maximum
    receiver_before, receiver_after : (M,)   dL/dx at the receiving cell before / after
    receiver_hits_before : (M,)              earlier receivers at the same cell
    receiver_prev_step : (M,)                step of the latest of those, -1 if none
    win_counts : (H, W) int64                receivers per input cell (property)
    window_rects : (OH*OW, 4)  each window's (r0, c0, r1, c1), inclusive (property)

    With an `AdaptiveSpec` a step is a bin: K = the largest bin's kh * kw, `window_flat` is
    -1 at the taps outside the bin, `divisor` (average mode) holds kh * kw, and `sizes`
    holds the bins per axis (`AdaptiveAxis`: `.starts`, `.ends`, `.lengths`).
    """

    @quiet_overflow
    def __init__(self, x: object, grad_output: object, spec: PoolSpec | AdaptiveSpec) -> None:
        arr = as_input(x)
        if arr.ndim != 2:
            raise PoolingError(
                "steps_need_2d", f"scatter_steps needs a 2-D input (H, W), got shape {arr.shape}",
                name="x", shape=str(arr.shape),
            )
        if isinstance(spec, AdaptiveSpec):
            self._init_bins(arr, grad_output, spec)
            return
        g = plane_geometry(arr.shape, spec)
        oh, ow = g.out_hw
        self.spec = spec
        self.input_shape: tuple[int, int] = (g.H, g.W)
        self.output_shape: tuple[int, int] = (oh, ow)
        self.sizes = g.sizes
        self.dtype = arr.dtype
        self.input_values = arr
        gout = check_grad_output(grad_output, (oh, ow), arr.dtype)
        self.grad_output = gout

        taps = g.taps
        # Indices as int32 when a plane fits (half the memory of the largest arrays here).
        itype = _index_dtype(max(g.H * g.W, oh * ow * len(taps)) + 1)
        rows = np.stack([g.tap_coords(0, th) for th, _ in taps], axis=1).astype(itype)  # (OH, K)
        cols = np.stack([g.tap_coords(1, tw) for _, tw in taps], axis=1).astype(itype)  # (OW, K)
        r = np.broadcast_to(rows[:, None, :], (oh, ow, len(taps))).reshape(oh * ow, -1)
        c = np.broadcast_to(cols[None, :, :], (oh, ow, len(taps))).reshape(oh * ow, -1)
        real = (r >= 0) & (r < g.H) & (c >= 0) & (c < g.W)
        flat = np.where(real, r * itype(g.W) + c, itype(-1))
        del r, c
        self.window_flat = flat
        values = np.where(real, arr.ravel()[np.clip(flat, 0, None)], -np.inf)
        g_flat = gout.ravel()

        if spec.mode == "max":
            policy = tie_policy(spec.ties)
            scan = _max_pool(arr[None], g, last=False)
            m = scan.output.reshape(-1)
            self.output = m.reshape(oh, ow)
            tied = tied_cells(values, m[:, None], real)
            self.tied_mask = tied
            self.divisor = None
            winner = None
            if policy.single:  # the winner of this policy's scan (first: the scan above)
                winner = (_max_pool(arr[None], g, last=True) if policy.scan_last else scan).tap
                winner = winner.reshape(-1)
            recv = policy.receivers(tied, winner)
            amount = np.broadcast_to(policy.share(g_flat, tied)[:, None], recv.shape)
        else:
            divisor = _avg_divisor(g, spec)
            self.divisor = divisor
            self.tied_mask = np.zeros_like(real)
            sums = np.zeros(oh * ow, dtype=arr.dtype)
            for k in range(len(taps)):
                sums += np.where(real[:, k], values[:, k], 0)
            self.output = (sums / divisor.ravel().astype(arr.dtype)).reshape(oh, ow)
            recv = real
            delta = g_flat / divisor.ravel().astype(arr.dtype)
            amount = np.broadcast_to(delta[:, None], recv.shape)

        self._set_receivers(recv, amount, itype)

    def _init_bins(self, arr: np.ndarray, grad_output: object, spec: AdaptiveSpec) -> None:
        """The steps of an adaptive layer: one per bin (`adaptive_pool.bin_steps`)."""
        H, W = arr.shape
        oh, ow = spec.out
        gout = check_grad_output(grad_output, (oh, ow), arr.dtype)
        b = bin_steps(arr, gout, spec)
        itype = _index_dtype(max(H * W, b.window_flat.size) + 1)
        self.spec = spec
        self.input_shape = (H, W)
        self.output_shape = (oh, ow)
        self.sizes = b.axes
        self.dtype = arr.dtype
        self.input_values = arr
        self.grad_output = gout
        self.window_flat = b.window_flat.astype(itype)
        self.output = b.output
        self.tied_mask = b.tied_mask
        self.divisor = b.divisor
        self._set_receivers(b.receivers, b.amount, itype)

    def _set_receivers(self, recv: np.ndarray, amount: np.ndarray, itype: type) -> None:
        """Receivers (S, K) bool and their amounts (S, K) -> the flat receiver arrays."""
        step_of, tap_of = np.nonzero(recv)
        step_of = step_of.astype(itype)
        self.receiver_step = step_of
        self.receiver_flat = self.window_flat[step_of, tap_of]
        self.receiver_amount = np.ascontiguousarray(amount[step_of, tap_of])
        self._ends = np.searchsorted(step_of, np.arange(len(self)), side="right")
        self._running_values()

    @quiet_overflow
    def _running_values(self) -> None:
        """Per receiver: dL/dx at its cell just before and after its addition, how many earlier
        receivers hit the same cell, and the step of the latest of them (-1 if none).

        Loops over "rounds" (the n-th hit of a cell), at most kh * kw of them, never over steps.
        Each cell accumulates in step order in the input dtype, exactly as `accumulated` does.
        """
        flat = self.receiver_flat
        M = flat.size
        order = np.argsort(flat, kind="stable")
        sorted_flat = flat[order]
        new_group = np.ones(M, dtype=bool)
        new_group[1:] = sorted_flat[1:] != sorted_flat[:-1]
        group_start = np.maximum.accumulate(np.where(new_group, np.arange(M), 0))
        rank_sorted = np.arange(M) - group_start
        itype = self.receiver_step.dtype
        rank = np.empty(M, dtype=itype)
        rank[order] = rank_sorted
        del rank_sorted, group_start, sorted_flat
        prev = np.full(M, -1, dtype=itype)
        prev[order[1:]] = np.where(new_group[1:], -1, self.receiver_step[order[:-1]])
        running = np.zeros(self.input_shape[0] * self.input_shape[1], dtype=self.dtype)
        before = np.zeros(M, dtype=self.dtype)
        after = np.zeros(M, dtype=self.dtype)
        # Receivers grouped by round once (a stable sort), not one scan of all M per round:
        # with a 32 x 32 kernel there are up to 1024 rounds over a million receivers.
        by_round = np.argsort(rank, kind="stable")
        bounds = np.searchsorted(rank[by_round], np.arange(int(rank.max(initial=-1)) + 2))
        for j in range(len(bounds) - 1):
            sel = by_round[bounds[j]:bounds[j + 1]]
            cells = flat[sel]
            before[sel] = running[cells]
            running[cells] += self.receiver_amount[sel]
            after[sel] = running[cells]
        self.receiver_before = before
        self.receiver_after = after
        self.receiver_hits_before = rank
        self.receiver_prev_step = prev

    def _axis_rects(self, axis: int) -> tuple[np.ndarray, np.ndarray]:
        """First and last input index (inclusive) of each output row (0) / column (1)."""
        a = self.sizes[axis]
        i = np.arange(self.output_shape[axis], dtype=np.int64)
        if isinstance(self.spec, AdaptiveSpec):
            return np.asarray(a.starts, dtype=np.int64), np.asarray(a.ends, dtype=np.int64) - 1
        start = window_start(i, a.s, a.p)
        return start, start + (a.k - 1) * a.d

    @property
    def window_origin(self) -> np.ndarray:
        """(OH*OW, 2) int64: the input (r, c) of each window's first tap (negative in the
        padding); tap (a, b) of window k reads (r + a * dh, c + b * dw). Adaptive: each bin's
        first cell."""
        return self.window_rects[:, :2]

    @property
    def window_rects(self) -> np.ndarray:
        """(OH*OW, 4) int64: each window's (r0, c0, r1, c1), first and last row and column
        inclusive (in the padding where outside 0..H-1 / 0..W-1). Adaptive: each bin."""
        (r0, r1), (c0, c1) = self._axis_rects(0), self._axis_rects(1)
        ow = self.output_shape[1]
        k = np.arange(len(self))
        i, j = k // ow, k % ow
        return np.stack([r0[i], c0[j], r1[i], c1[j]], axis=1)

    @property
    def win_counts(self) -> np.ndarray:
        """How many windows send gradient to each input cell, int64 (H, W): the receivers
        per cell (equals `pooling_core.win_counts(x, spec)`, without another backward pass)."""
        H, W = self.input_shape
        return np.bincount(self.receiver_flat, minlength=H * W).astype(np.int64).reshape(H, W)

    # ---------------------------------------------------------------- sequence protocol
    def __len__(self) -> int:
        return self.output_shape[0] * self.output_shape[1]

    def _step(self, k: int) -> ScatterStep:
        """Step k, 0 <= k < len (indexing: `StepSequence`)."""
        W = self.input_shape[1]
        ow = self.output_shape[1]

        def cell(f: int) -> Cell:
            return (int(f) // W, int(f) % W)

        start = self._ends[k - 1] if k > 0 else 0
        end = self._ends[k]
        window_f = self.window_flat[k]
        return ScatterStep(
            index=k,
            out_index=(k // ow, k % ow),
            window=tuple(cell(f) for f in window_f if f >= 0),
            receivers=tuple(
                (cell(f), float(a))
                for f, a in zip(
                    self.receiver_flat[start:end], self.receiver_amount[start:end], strict=True
                )
            ),
            upstream=float(self.grad_output.flat[k]),
            value=float(self.output.flat[k]),
            tied=tuple(cell(f) for f in window_f[self.tied_mask[k]]),
            divisor=None if self.divisor is None else int(self.divisor.flat[k]),
        )

    # ---------------------------------------------------------------- accumulation
    def _end(self, k: int) -> int:
        if k < 0:
            return 0
        return int(self._ends[min(k, len(self) - 1)])

    @quiet_overflow
    def accumulated(self, k: int) -> np.ndarray:
        """dL/dx after steps 0..k inclusive, shape (H, W); k = -1 gives zeros.

        Accumulates in step order in the input's dtype, so k = len - 1 equals `pool_backward`.
        """
        end = self._end(k)
        grad = np.zeros(self.input_shape[0] * self.input_shape[1], dtype=self.dtype)
        np.add.at(grad, self.receiver_flat[:end], self.receiver_amount[:end])
        return grad.reshape(self.input_shape)

    @quiet_overflow
    def contributions(self, k: int) -> np.ndarray:
        """How many of steps 0..k sent something to each input cell, int64 (H, W)."""
        end = self._end(k)
        counts = np.bincount(
            self.receiver_flat[:end], minlength=self.input_shape[0] * self.input_shape[1]
        )
        return counts.reshape(self.input_shape)

    def iter_accumulated(self) -> Iterator[np.ndarray]:
        """Yield dL/dx after each step in turn (len(self) arrays of shape (H, W)), incrementally."""
        grad = np.zeros(self.input_shape[0] * self.input_shape[1], dtype=self.dtype)
        start = 0
        for end in self._ends:
            with np.errstate(over="ignore", invalid="ignore"):  # see pooling_core.ieee
                np.add.at(grad, self.receiver_flat[start:end], self.receiver_amount[start:end])
            start = end
            yield grad.reshape(self.input_shape).copy()

    def earlier_steps(self, k: int, cell: Cell) -> list[int]:
        """Indices of steps before k that sent something to input cell (r, c)."""
        end = self._end(k - 1)
        f = cell[0] * self.input_shape[1] + cell[1]
        hits = self.receiver_step[:end][self.receiver_flat[:end] == f]
        return [int(s) for s in np.unique(hits)]


def scatter_steps(x: object, grad_output: object, spec: PoolSpec | AdaptiveSpec) -> ScatterSteps:
    """The backward pass of a 2-D input as `ScatterSteps`, one step per output cell.

    Parameters
    ----------
    x : array_like, shape (H, W)
    grad_output : array_like, shape (OH, OW)
    spec : PoolSpec or AdaptiveSpec

    Returns
    -------
    ScatterSteps
        Indexable by step; `.accumulated(k)` gives the running dL/dx.
    """
    return ScatterSteps(x, grad_output, spec)
