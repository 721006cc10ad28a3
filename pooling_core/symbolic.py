"""dL/dx as symbols: each input cell's gradient as a sum of terms coefficient × dL/dy[i, j].

    sym = symbolic_grad(steps)               # steps = scatter_steps(x, grad_output, spec)
    sym.terms((2, 2))                        # final: [Term((0, 0), Fraction(1, 1), 0), ...]
    sym.terms((2, 2), k=3)                   # running: after steps 0..3
    sym.substitute(grad_output)              # the numbers again: equals pool_backward

Nothing here decides where a gradient goes: the receivers are the steps' own
(`ScatterSteps.receiver_step` / `receiver_flat`, made by the tie policy or the average), and a
term's coefficient is the exact reciprocal of the divisor the numbers were divided by — the
tie policy's (`TiePolicy.divisor` of the step's tied cells: 1, or the number tied under
*split*) or the average's (its real divisor, with count_include_pad / divisor_override;
an adaptive bin's kh · kw). A cell no window routes to has no terms (its gradient is 0).

Shapes: M receivers over all steps (in step order); (H, W) the input, (OH, OW) the output.
Pure Python and NumPy; no user-interface imports.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .steps import ScatterSteps
from .ties import tie_policy

Cell = tuple[int, int]


@dataclass(frozen=True)
class Term:
    """One window's part of an input cell's gradient: `coef` × dL/dy[out_index].

    Attributes
    ----------
    out_index : (i, j)
        The output cell whose upstream gradient this term carries.
    coef : Fraction
        Exact coefficient: 1, 1/n (split among n tied cells) or 1/divisor (average).
    step : int
        The step that adds it (k = i * OW + j).
    """

    out_index: Cell
    coef: Fraction
    step: int


@dataclass(frozen=True, eq=False)
class SymbolicGrad:
    """dL/dx of one configuration as terms (see the module docstring).

    Attributes
    ----------
    input_shape : (H, W)
    output_shape : (OH, OW)
    receiver_step : (M,) int64    step of each term, non-decreasing
    receiver_flat : (M,) int64    flat input index r * W + c of the cell it goes to
    denominator : (M,) int64      the term's coefficient is 1 / denominator
    """

    input_shape: Cell
    output_shape: Cell
    receiver_step: np.ndarray
    receiver_flat: np.ndarray
    denominator: np.ndarray

    def _upto(self, k: int | None) -> int:
        """How many terms steps 0..k add (all of them for k None)."""
        if k is None:
            return int(self.receiver_step.size)
        return int(np.searchsorted(self.receiver_step, k, side="right"))

    def terms(self, cell: Cell, k: int | None = None) -> list[Term]:
        """The terms of input cell (r, c) after steps 0..k (k None: every step), in step
        order; [] where nothing routes (the gradient is 0)."""
        end = self._upto(k)
        flat = int(cell[0]) * self.input_shape[1] + int(cell[1])
        sel = np.flatnonzero(self.receiver_flat[:end] == flat)
        ow = self.output_shape[1]
        return [Term(divmod(s, ow), Fraction(1, d), s)
                for s, d in zip(self.receiver_step[sel].tolist(),
                                self.denominator[sel].tolist(), strict=True)]

    def grid(self, k: int | None = None) -> list[list[list[Term]]]:
        """Every input cell's terms after steps 0..k, as nested lists (H rows of W cells)."""
        H, W = self.input_shape
        ow = self.output_shape[1]
        end = self._upto(k)
        out: list[list[list[Term]]] = [[[] for _ in range(W)] for _ in range(H)]
        for s, f, d in zip(self.receiver_step[:end].tolist(), self.receiver_flat[:end].tolist(),
                           self.denominator[:end].tolist(), strict=True):
            out[f // W][f % W].append(Term(divmod(s, ow), Fraction(1, d), s))
        return out

    def term_counts(self, k: int | None = None) -> np.ndarray:
        """How many terms each input cell has after steps 0..k, int64 (H, W)."""
        H, W = self.input_shape
        end = self._upto(k)
        return np.bincount(self.receiver_flat[:end], minlength=H * W).reshape(H, W)

    def substitute(self, grad_output: object, k: int | None = None) -> np.ndarray:
        """The numbers again: Σ dL/dy[i, j] / denominator over each cell's terms, added in
        step order in dL/dy's float dtype (as `ScatterSteps.accumulated`); (H, W)."""
        g = np.asarray(grad_output)
        g = g.astype(g.dtype if np.issubdtype(g.dtype, np.floating) else np.float64)
        end = self._upto(k)
        H, W = self.input_shape
        out = np.zeros(H * W, dtype=g.dtype)
        step = self.receiver_step[:end]
        with np.errstate(over="ignore", invalid="ignore"):
            amount = g.ravel()[step] / self.denominator[:end].astype(g.dtype)
            np.add.at(out, self.receiver_flat[:end], amount)
        return out.reshape(H, W)

    def substitute_exact(self, grad_output: object, k: int | None = None) -> list[list[Fraction]]:
        """As `substitute`, in exact fractions (finite dL/dy only): H rows of W Fractions."""
        g = [Fraction(float(v)) for v in np.asarray(grad_output, dtype=np.float64).ravel()]
        return [[sum((g[t.step] * t.coef for t in cell), Fraction(0)) for cell in row]
                for row in self.grid(k)]


def symbolic_grad(steps: ScatterSteps) -> SymbolicGrad:
    """The symbolic dL/dx of a backward pass.

    Parameters
    ----------
    steps : ScatterSteps
        `scatter_steps(x, grad_output, spec)` for a `PoolSpec` or an `AdaptiveSpec`; only its
        routing is read (which cells receive, and what each window's dL/dy is divided by), so
        the symbols do not depend on the values of grad_output.

    Returns
    -------
    SymbolicGrad
    """
    step = steps.receiver_step.astype(np.int64)
    if steps.divisor is None:  # max: the tie policy's divisor of each step's tied cells
        per_step = tie_policy(steps.spec.ties).divisor(steps.tied_mask)
    else:  # average: the real divisor (count_include_pad, divisor_override; a bin's kh · kw)
        per_step = np.asarray(steps.divisor, dtype=np.int64).ravel()
    return SymbolicGrad(
        input_shape=tuple(steps.input_shape),  # type: ignore[arg-type]
        output_shape=tuple(steps.output_shape),  # type: ignore[arg-type]
        receiver_step=step,
        receiver_flat=steps.receiver_flat.astype(np.int64),
        denominator=np.asarray(per_step, dtype=np.int64)[step],
    )
