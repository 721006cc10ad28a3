"""Checking an exercise: which answer cells are wrong, and why, as codes and numbers.

    res = check(ex, {"y": y, "mask": m, "grad_input": g})   # NaN = blank cell
    res.score, res.parts["y"].wrong, res.explanations

Each explanation is read from the exercise's `ScatterSteps` (and, for a share of dL/dy, from
the tie policy's divisor): a code and the numbers, never a sentence, so a user interface can
word it in any language. Pure NumPy; no user-interface imports.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .adaptive import AdaptiveSpec
from .errors import PoolingError
from .exercise import ANSWER_PARTS, Cell, Exercise
from .pooling import pool_backward
from .ties import TIE_POLICIES, tie_policy

REL_TOL = 1e-2  # |answer - expected| <= REL_TOL * max(1, |expected|): 0.33 passes for 1/3


# --------------------------------------------------------------------------- checking
@dataclass(frozen=True, eq=False)
class PartResult:
    """The check of one answer grid.

    Attributes
    ----------
    part : str
        "y", "mask" or "grad_input".
    expected : ndarray, shape (R, C)
    given : ndarray, shape (R, C), float64
        The student's answer; NaN for a blank cell (all NaN when the part was not given).
    wrong : ndarray, shape (R, C), bool
        Cells that are not right (blank cells included).
    blank : ndarray, shape (R, C), bool
    correct, total : int
        Right cells and all cells of this part.
    """

    part: str
    expected: np.ndarray
    given: np.ndarray
    wrong: np.ndarray
    blank: np.ndarray
    correct: int
    total: int

    @property
    def score(self) -> float:
        """correct / total, in [0, 1]."""
        return self.correct / self.total if self.total else 1.0


@dataclass(frozen=True)
class Explanation:
    """Why one cell's answer is what it is, as a code and numbers (the UI words it).

    Attributes
    ----------
    part : str
        "y", "mask" or "grad_input".
    cell : (i, j) for y, (r, c) for mask and grad_input
    code : str
        y: "y_max" or "y_avg"; mask: "mask_max" or "mask_avg"; grad_input: "grad" or
        "grad_none" (no window sends gradient to the cell).
    params : dict
        Always ``expected`` (float), ``given`` (float, NaN when blank) and ``bin`` (True for
        an adaptive layer: its windows are PyTorch's bins, of different sizes), plus
        y: ``rows``, ``cols`` (input rows and columns the window or bin covers, real ones;
        a bin has len(rows) x len(cols) cells), ``pad_cells`` (taps in the padding; 0 for a
        bin), and ``value`` and ``cells`` (the maximum and where it is) in max mode, or
        ``total``, ``divisor`` and ``real`` (number of real cells) in average mode;
        mask: ``windows`` (list of (i, j) that send gradient to the cell), ``policy`` and, in
        max mode, ``passed_over`` (list of (i, j, r, c): windows where the cell ties for the
        maximum but the policy sends the gradient to (r, c) instead);
        grad_input: ``terms``, a list of dicts with ``i``, ``j`` (the window), ``upstream``
        (dL/dy[i, j]), ``share`` (what it is divided by: 1, the number of tied cells, or the
        average's divisor) and ``amount`` (what reaches the cell), in step order; in max
        mode, where the cell is one of two or more tied maxima of a window, ``tied`` (list of
        (i, j, n): the window and its number of tied cells), ``policy`` and ``as_if`` (the
        other tie policy that gives the student's value, or None): the misunderstanding.
    blank : bool
        The student left the cell blank (or typed no number).
    """

    part: str
    cell: Cell
    code: str
    params: dict[str, Any]
    blank: bool


@dataclass(frozen=True, eq=False)
class CheckResult:
    """The check of a whole exercise.

    Attributes
    ----------
    parts : dict of str to PartResult
        One per part in `ANSWER_PARTS` order.
    explanations : list of Explanation
        One per wrong cell, part by part, row-major within a part.
    correct, total : int
        Right cells and all cells over the three parts.
    """

    parts: dict[str, PartResult]
    explanations: list[Explanation]
    correct: int
    total: int

    @property
    def score(self) -> float:
        """correct / total, in [0, 1]."""
        return self.correct / self.total if self.total else 1.0

    @property
    def solved(self) -> bool:
        """Every cell of every part is right."""
        return self.correct == self.total


def is_close(given: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Elementwise: |given - expected| <= REL_TOL * max(1, |expected|); NaN is never close."""
    g = np.asarray(given, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.abs(g - e) <= REL_TOL * np.maximum(1.0, np.abs(e))


def check(exercise: Exercise, answers: dict[str, np.ndarray | None]) -> CheckResult:
    """Compare a student's answers with the exact ones.

    Parameters
    ----------
    exercise : Exercise
    answers : dict
        "y" of shape (OH, OW), "mask" and "grad_input" of shape (H, W); float arrays with NaN
        for blank cells. A missing part or None counts as all blank.

    Returns
    -------
    CheckResult
        Per part the wrong cells and the score, and one `Explanation` per wrong cell.

    Raises
    ------
    PoolingError
        When an answer has the wrong shape.
    """
    parts: dict[str, PartResult] = {}
    explanations: list[Explanation] = []
    for part, expected in exercise.answers.items():
        given = answers.get(part)
        if given is None:
            g = np.full(expected.shape, np.nan)
        else:
            g = np.asarray(given, dtype=np.float64)
            if g.shape != expected.shape:
                raise PoolingError(
                    "answer_shape",
                    f"the answer for {part} must have shape {expected.shape}, got {g.shape}",
                    name=part, expected=str(expected.shape), value=str(g.shape),
                )
        blank = ~np.isfinite(g)
        wrong = ~is_close(g, expected)
        correct = int((~wrong).sum())
        parts[part] = PartResult(part, expected, g, wrong, blank, correct, int(expected.size))
        for r, c in zip(*np.nonzero(wrong), strict=True):
            cell = (int(r), int(c))
            code, params = explain(exercise, part, cell)
            params["given"] = float(g[cell])
            if part == "grad_input" and exercise.spec.mode == "max":
                params.update(tie_reading(exercise, cell, float(g[cell])))
            explanations.append(Explanation(part, cell, code, params, bool(blank[cell])))
    correct = sum(p.correct for p in parts.values())
    total = sum(p.total for p in parts.values())
    return CheckResult(parts, explanations, correct, total)


# --------------------------------------------------------------------------- explanations
def explain(exercise: Exercise, part: str, cell: Cell) -> tuple[str, dict[str, Any]]:
    """The explanation code and numbers of one answer cell (see `Explanation.params`).

    Parameters
    ----------
    exercise : Exercise
    part : "y", "mask" or "grad_input"
    cell : (i, j) of the output for "y", (r, c) of the input otherwise.
    """
    explainers = {"y": _explain_y, "mask": _explain_mask, "grad_input": _explain_grad}
    if part in explainers:
        code, params = explainers[part](exercise, cell)
        params["bin"] = isinstance(exercise.spec, AdaptiveSpec)
        return code, params
    allowed = ", ".join(ANSWER_PARTS)
    raise PoolingError("unknown_part", f"part must be one of {allowed}, got {part!r}",
                       name="part", value=repr(part), allowed=allowed)


def tie_reading(ex: Exercise, cell: Cell, given: float) -> dict[str, Any]:
    """Max mode, a dL/dx cell (r, c): the windows where it is one of n >= 2 tied maxima
    ({"tied": [(i, j, n), ...]}, empty when none), the policy in force, and which other tie
    policy would give `given` there ("as_if", None when none does or the cell ties nowhere)."""
    steps = ex.steps
    flat = cell[0] * steps.input_shape[1] + cell[1]
    n_tied = steps.tied_mask.sum(axis=1)
    hit = np.flatnonzero(((steps.window_flat == flat) & steps.tied_mask).any(axis=1)
                         & (n_tied >= 2))
    ow = steps.output_shape[1]
    tied = [(int(k) // ow, int(k) % ow, int(n_tied[k])) for k in hit]
    as_if = None
    if tied and np.isfinite(given):
        for name in TIE_POLICIES:
            if name == ex.spec.ties:
                continue
            other = pool_backward(ex.x, ex.grad_output, replace(ex.spec, ties=name))
            if is_close(given, other[cell]):
                as_if = name
                break
    return {"tied": tied, "policy": ex.spec.ties, "as_if": as_if}


def _explain_y(ex: Exercise, cell: Cell) -> tuple[str, dict[str, Any]]:
    steps = ex.steps
    k = cell[0] * steps.output_shape[1] + cell[1]
    step = steps[k]
    rows = sorted({r for r, _ in step.window})
    cols = sorted({c for _, c in step.window})
    spec = ex.spec
    # Taps in the padding (or past it, with ceil_mode); a bin reads only its own cells.
    pad_cells = 0 if isinstance(spec, AdaptiveSpec) else spec.k[0] * spec.k[1] - len(step.window)
    params: dict[str, Any] = {
        "i": cell[0], "j": cell[1], "rows": rows, "cols": cols, "pad_cells": pad_cells,
        "expected": float(ex.output[cell]),
    }
    if spec.mode == "max":
        params.update(value=float(step.value), cells=list(step.tied))
        return "y_max", params
    total = float(sum(ex.x[rc] for rc in step.window))
    params.update(total=total, divisor=int(step.divisor), real=len(step.window),
                  count_include_pad=getattr(spec, "count_include_pad", False))
    return "y_avg", params


def _explain_mask(ex: Exercise, cell: Cell) -> tuple[str, dict[str, Any]]:
    steps = ex.steps
    W = steps.input_shape[1]
    ow = steps.output_shape[1]
    flat = cell[0] * W + cell[1]
    hits = steps.receiver_step[steps.receiver_flat == flat]
    windows = [divmod(int(k), ow) for k in hits]
    params: dict[str, Any] = {"windows": windows, "expected": float(ex.mask[cell])}
    if ex.spec.mode == "avg":
        return "mask_avg", params
    passed_over = []
    tied_here = np.unique(np.nonzero((steps.window_flat == flat) & steps.tied_mask)[0])
    for k in sorted(set(tied_here.tolist()) - set(hits.tolist())):
        i, j = divmod(k, ow)
        step = steps[k]
        for (r, c), _ in step.receivers:
            passed_over.append((i, j, r, c))
    params.update(policy=ex.spec.ties, passed_over=passed_over)
    return "mask_max", params


def _explain_grad(ex: Exercise, cell: Cell) -> tuple[str, dict[str, Any]]:
    steps = ex.steps
    W = steps.input_shape[1]
    ow = steps.output_shape[1]
    flat = cell[0] * W + cell[1]
    sel = np.flatnonzero(steps.receiver_flat == flat)
    windows = steps.receiver_step[sel]
    # What each window's dL/dy is divided by: the average's divisor, or the tie policy's.
    if ex.spec.mode == "avg":
        divisors = steps.divisor.ravel()[windows]
    else:
        divisors = tie_policy(ex.spec.ties).divisor(steps.tied_mask[windows])
    terms = []
    for m, k, share in zip(sel.tolist(), windows.tolist(), divisors.tolist(), strict=True):
        i, j = divmod(k, ow)
        terms.append({"i": i, "j": j, "upstream": float(steps.grad_output.flat[k]),
                      "share": int(share), "amount": float(steps.receiver_amount[m])})
    params: dict[str, Any] = {"terms": terms, "expected": float(ex.grad_input[cell])}
    if not terms:
        params["policy"] = ex.spec.ties
        return "grad_none", params
    return "grad", params
