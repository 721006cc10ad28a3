"""Marking a prediction of one backward step: which cells receive, how much, and which rule.

    res = mark_prediction(steps, k, cells=[(2, 2)], amounts=[1.0])
    res.correct, res.verdict, res.rule, res.params

A student predicting step k names the input cells (r, c) that they think receive dL/dy[i, j]
of window k, and the amount each receives. Every cell that was predicted or really receives
gets a verdict and the rule that decides it, as codes (a user interface words them):

==========  ============================================================================
verdict     meaning
==========  ============================================================================
right       a receiver, predicted with its amount
amount      a receiver, predicted with another amount (or none)
missed      a receiver that was not predicted
extra       predicted, but it receives nothing from this window
==========  ============================================================================

==========  ============================================================================
rule        the rule a cell's verdict is about
==========  ============================================================================
argmax      max pooling: only the window's maximum receives, and all of dL/dy
avg_n       average pooling: every real cell receives dL/dy / n (n = the divisor in force)
tie_policy  the window's maximum is tied: the tie policy in force picks receivers and share
overlap     the amount is what this window sends, not the running total at the cell
nan         a NaN in the window is its maximum: the NaN receives (never a number)
padding     a padding tap never receives (max: it is -inf; average: it only counts in n)
outside     the cell is not in this window at all
==========  ============================================================================

The tie policy's own rule (who receives, what share) is read from the steps, which read it
from `pooling_core.ties`; nothing here looks at a policy's name. Pure NumPy.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .adaptive import AdaptiveSpec
from .errors import PoolingError
from .marking import is_close
from .steps import ScatterSteps

VERDICTS: tuple[str, ...] = ("right", "amount", "missed", "extra")
RULES: tuple[str, ...] = ("argmax", "avg_n", "tie_policy", "overlap", "nan", "padding", "outside")
MAX_PREDICTED = 4096  # a prediction names at most this many cells (the work budget)


@dataclass(frozen=True, eq=False)
class PredictionMark:
    """The marking of one predicted step.

    Attributes (n = cells predicted or receiving, predicted ones first in the given order,
    then the missed receivers in step order)
    ----------
    step : int
        k, the step predicted (output cell (i, j) = divmod(k, OW)).
    cells : ndarray (n, 2) int64
        (r, c) of each cell; may lie in the padding (outside 0..H-1 / 0..W-1).
    given : ndarray (n,) float64
        The amount predicted; NaN for a missed receiver (or a predicted cell with no amount).
    expected : ndarray (n,) float64
        What the cell receives from this window (0 for a cell that receives nothing).
    before : ndarray (n,) float64
        dL/dx at the cell before this step (NaN outside the input).
    verdict : ndarray (n,) str
        One of VERDICTS.
    rule : ndarray (n,) str
        One of RULES: the rule that decides the cell (for a right cell, the rule it followed).
    params : dict
        The step's numbers for the wording: ``i``, ``j``, ``upstream`` (dL/dy[i, j]),
        ``mode`` ("max" or "avg"), ``share`` (what each receiver gets), ``receivers``
        (how many); max: ``value`` (the maximum), ``tied`` (how many cells tie for it),
        ``nan`` (the maximum is NaN), ``policy``; average: ``divisor``, ``real`` (real cells
        of the window), ``taps`` (its taps, padding included), ``count_include_pad``,
        ``divisor_override``.
    """

    step: int
    cells: np.ndarray
    given: np.ndarray
    expected: np.ndarray
    before: np.ndarray
    verdict: np.ndarray
    rule: np.ndarray
    params: dict[str, Any]

    @property
    def correct(self) -> bool:
        """Every cell right: the receivers and their amounts exactly as predicted."""
        return bool(np.all(self.verdict == "right"))

    @property
    def mistakes(self) -> list[str]:
        """The rules of the wrong cells, each once, in RULES order."""
        wrong = set(self.rule[self.verdict != "right"].tolist())
        return [r for r in RULES if r in wrong]


def window_tap_cells(steps: ScatterSteps, k: int) -> np.ndarray:
    """(K, 2) int64: the (r, c) of every tap of window k, row-major, padding included
    (an adaptive bin: its taps, -1 rows at the taps outside the bin are left out)."""
    r0, c0 = (int(v) for v in steps.window_rects[k, :2])
    if isinstance(steps.spec, AdaptiveSpec):
        W = steps.input_shape[1]
        flat = steps.window_flat[k]
        flat = flat[flat >= 0].astype(np.int64)
        return np.stack([flat // W, flat % W], axis=1)
    (kh, kw), (dh, dw) = steps.spec.k, steps.spec.d
    a, b = np.meshgrid(np.arange(kh), np.arange(kw), indexing="ij")
    return np.stack([r0 + a.ravel() * dh, c0 + b.ravel() * dw], axis=1).astype(np.int64)


def _step_params(steps: ScatterSteps, k: int, n_recv: int, share: float) -> dict[str, Any]:
    ow = steps.output_shape[1]
    spec = steps.spec
    params: dict[str, Any] = {
        "i": k // ow, "j": k % ow, "upstream": float(steps.grad_output.flat[k]),
        "share": share, "receivers": n_recv,
    }
    if steps.divisor is None:
        value = float(steps.output.flat[k])
        params.update(mode="max", value=value, tied=int(steps.tied_mask[k].sum()),
                      nan=bool(np.isnan(value)), policy=getattr(spec, "ties", None))
    else:
        real = int((steps.window_flat[k] >= 0).sum())
        params.update(mode="avg", divisor=int(steps.divisor.flat[k]), real=real,
                      taps=len(window_tap_cells(steps, k)),
                      count_include_pad=bool(getattr(spec, "count_include_pad", False)),
                      divisor_override=getattr(spec, "divisor_override", None))
    return params


def mark_prediction(steps: ScatterSteps, k: int, cells: Sequence[Sequence[int]] | np.ndarray,
                    amounts: Sequence[float] | np.ndarray) -> PredictionMark:
    """Mark a prediction of step `k` of `steps`.

    Parameters
    ----------
    steps : ScatterSteps
    k : int
        The step (0 <= k < len(steps)).
    cells : array_like (n, 2) of int
        The (r, c) predicted to receive; cells in the padding are allowed. A cell named twice
        counts once (its last amount).
    amounts : array_like (n,) of float
        The amount predicted for each cell (NaN: none given).

    Returns
    -------
    PredictionMark

    Raises
    ------
    PoolingError
        ``predict_step`` for a step out of range, ``predict_cells`` for cells that are not
        (n, 2) integers, do not match `amounts`, or are more than MAX_PREDICTED.
    """
    if isinstance(k, bool) or not 0 <= int(k) < len(steps):
        raise PoolingError("predict_step", f"step {k} out of range (0..{len(steps) - 1})",
                           name="step", value=repr(k))
    k = int(k)
    pc = np.asarray(cells, dtype=np.float64).reshape(-1, 2) if len(cells) else np.zeros((0, 2))
    given = np.asarray(amounts, dtype=np.float64).reshape(-1)
    if (len(pc) != len(given) or len(pc) > MAX_PREDICTED or not np.all(np.isfinite(pc))
            or np.any(pc != np.round(pc)) or np.any(np.abs(pc) > 1 << 20)):
        raise PoolingError("predict_cells", "cells must be (n, 2) integers matching amounts",
                           name="cells", value=str(pc.shape))
    pc = pc.astype(np.int64)
    # A cell named twice: keep its last amount (unique over the reversed list).
    _, last = np.unique((pc[::-1, 0] << 21) + pc[::-1, 1], return_index=True)
    keep = np.sort(len(pc) - 1 - last)
    pc, given = pc[keep], given[keep]

    H, W = steps.input_shape
    start = int(np.searchsorted(steps.receiver_step, k, side="left"))
    end = int(np.searchsorted(steps.receiver_step, k, side="right"))
    rf = steps.receiver_flat[start:end].astype(np.int64)
    ramount = steps.receiver_amount[start:end].astype(np.float64)
    rbefore = steps.receiver_before[start:end].astype(np.float64)

    inside = (pc[:, 0] >= 0) & (pc[:, 0] < H) & (pc[:, 1] >= 0) & (pc[:, 1] < W)
    pflat = np.where(inside, pc[:, 0] * W + pc[:, 1], -1)
    missed_recv = ~np.isin(rf, pflat)
    cells_all = np.concatenate([pc, np.stack([rf // W, rf % W], axis=1)[missed_recv]])
    flat_all = np.concatenate([pflat, rf[missed_recv]])
    inside_all = np.concatenate([inside, np.ones(int(missed_recv.sum()), dtype=bool)])
    given_all = np.concatenate([given, np.full(int(missed_recv.sum()), np.nan)])
    picked = np.arange(len(cells_all)) < len(pc)

    # Per cell: is it a receiver (its amount, dL/dx before it) or not (dL/dx before the step).
    order = np.argsort(rf, kind="stable")
    pos = np.minimum(np.searchsorted(rf[order], flat_all), max(len(rf) - 1, 0))
    recv_index = order[pos] if len(rf) else np.zeros(len(flat_all), dtype=np.int64)
    is_recv = (flat_all >= 0) & (rf[recv_index] == flat_all) if len(rf) else flat_all < -1
    expected = np.where(is_recv, ramount[recv_index] if len(rf) else 0.0, 0.0)
    running = steps.accumulated(k - 1).ravel().astype(np.float64)
    before = np.where(inside_all, running[np.clip(flat_all, 0, None)], np.nan)
    if len(rf):
        before = np.where(is_recv, rbefore[recv_index], before)

    taps = window_tap_cells(steps, k)
    tap_key = (taps[:, 0] << 21) + taps[:, 1]
    cell_key = (cells_all[:, 0] << 21) + cells_all[:, 1]
    in_window = np.isin(cell_key, tap_key)
    padding = in_window & ~inside_all
    wf = steps.window_flat[k]
    tied_flat = wf[steps.tied_mask[k]].astype(np.int64)
    tied = inside_all & np.isin(flat_all, tied_flat)

    verdict = np.where(picked & is_recv,
                       np.where(is_close(given_all, expected), "right", "amount"),
                       np.where(picked, "extra", "missed")).astype("<U7")
    share = float(ramount[0]) if len(rf) else 0.0
    params = _step_params(steps, k, len(rf), share)
    overlap = (verdict == "amount") & (before != 0) & is_close(given_all, before + expected)
    if params["mode"] == "max":
        many, nan = params["tied"] >= 2, params["nan"]
        tied_picked = bool(np.any(picked & tied))
        extra_rule = np.where(tied, "tie_policy", "nan" if nan else "argmax")
        missed_rule = ("nan" if nan and not tied_picked else "tie_policy" if many else "argmax")
        kept_rule = "tie_policy" if many else "nan" if nan else "argmax"  # right, amount
        rule = np.where(verdict == "extra", extra_rule,
                        np.where(verdict == "missed", missed_rule, kept_rule))
    else:
        rule = np.full(len(cells_all), "avg_n")
    rule = np.where(overlap, "overlap", rule)
    rule = np.where((verdict == "extra") & ~in_window, "outside", rule)
    rule = np.where((verdict == "extra") & padding, "padding", rule).astype("<U10")
    return PredictionMark(k, cells_all, given_all, expected, before, verdict, rule, params)


def mistakes_by_rule(marks: Iterable[PredictionMark | Sequence[str]]) -> dict[str, int]:
    """How many marked steps went wrong on each rule (a step counts once per rule), in RULES
    order, rules with no mistake left out. Accepts marks or their `mistakes` lists."""
    counts: Counter[str] = Counter()
    for m in marks:
        counts.update(m.mistakes if isinstance(m, PredictionMark) else list(m))
    return {r: counts[r] for r in RULES if counts[r]}
