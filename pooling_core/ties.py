"""Tie policies: which cells of a max-pooling window receive dL/dy, and what share of it.

A window's maximum may occur several times (a tie). Its tied cells are the real cells equal
to the maximum; when the maximum is NaN (a window that read a NaN), its NaN cells. Each policy
is one `TiePolicy`, looked up by name with `tie_policy`; every caller (backward, steps, win
counts, explanations, sentences) reads the rule from it, never from the name.

==========  =========================================================  =====================
policy      receivers                                                  share of dL/dy
==========  =========================================================  =====================
``first``   one cell: the winner of PyTorch's scan (strictly greater)  all of it
``last``    one cell: the winner of the scan that keeps equals         all of it
``split``   every tied cell                                            1 / (number tied)
``all``     every tied cell                                            all of it (each)
==========  =========================================================  =====================

The scan (see `pooling_core.maxscan`) visits a window's real cells in row-major order and
takes a value when it is greater than the running maximum (``first``), or greater or equal
(``last``), *or NaN* (both). So with a NaN in the window both report its last NaN cell, as
PyTorch does: the one-receiver policies name the scan's winner, not "the first tied cell".

Shapes: S windows (steps, or all planes' output cells flattened), K taps per window (row-major).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from .errors import PoolingError

TIE_POLICIES: tuple[str, ...] = ("first", "last", "split", "all")


def tied_cells(values: np.ndarray, maximum: np.ndarray, real: np.ndarray) -> np.ndarray:
    """Which taps are tied maxima of their window: real cells equal to the window's maximum,
    or, in a window whose maximum is NaN, its NaN cells. The one home of this rule.

    Parameters
    ----------
    values : ndarray of float, e.g. (S, K), or one tap's (P, OH, OW)
        The value each tap reads (anything at a padding tap: `real` masks it out).
    maximum : ndarray of float, broadcastable to `values`, e.g. (S, 1) or (P, OH, OW)
        The window's maximum.
    real : ndarray of bool, broadcastable to `values`
        The tap reads a real input cell (not padding).

    Returns
    -------
    ndarray of bool, the broadcast shape of the three
    """
    return ((values == maximum) | (np.isnan(values) & np.isnan(maximum))) & real


# ----------------------------------------------------------------------- one function a rule
def _winner_only(tied: np.ndarray, winner: np.ndarray | None) -> np.ndarray:
    """first/last: only the scan's winner receives. (S, K), (S,) -> (S, K) bool."""
    if winner is None:
        raise ValueError("a one-receiver policy needs the scan's winning tap")
    return np.arange(tied.shape[-1]) == np.asarray(winner)[..., None]


def _every_tied(tied: np.ndarray, winner: np.ndarray | None) -> np.ndarray:
    """split/all: every tied cell receives. (S, K), ignored -> (S, K) bool (`tied` itself)."""
    return tied


def _whole(tied: np.ndarray) -> np.ndarray:
    """first/last/all: each receiver gets all of dL/dy. (S, K) -> (S,) int64 ones."""
    return np.ones(tied.shape[:-1], dtype=np.int64)


def _count_tied(tied: np.ndarray) -> np.ndarray:
    """split: dL/dy is divided by the number of tied cells (at least 1). (S, K) -> (S,) int64."""
    return np.maximum(np.count_nonzero(tied, axis=-1), 1).astype(np.int64)


@dataclass(frozen=True)
class TiePolicy:
    """One tie policy: its receivers and its divisor, as small functions.

    Attributes
    ----------
    name : str
        One of `TIE_POLICIES`.
    single : bool
        Exactly one cell of each window receives: the winner of the max scan (first, last).
        Otherwise every tied cell receives (split, all).
    scan_last : bool
        Which scan names the winner when `single`: False keeps the first of equal values
        (``val > max``), True the last (``val >= max``); both take a NaN.
    divides : bool
        dL/dy is divided among the receivers (split): each gets dL/dy / n. Otherwise each
        receiver gets the whole dL/dy.
    receivers : callable (tied (S, K) bool, winner (S,) int) -> (S, K) bool
        Which taps of each window receive, from its tied taps and the scan's winning tap
        (row-major tap number t_h * kw + t_w under this policy's scan; unused unless `single`).
    divisor : callable (tied (S, K) bool) -> (S,) int64
        What each window's dL/dy is divided by before it is handed to each receiver.
    """

    name: str
    single: bool
    scan_last: bool
    divides: bool
    receivers: Callable[[np.ndarray, np.ndarray | None], np.ndarray]
    divisor: Callable[[np.ndarray], np.ndarray]

    def share(self, grad_output: np.ndarray, tied: np.ndarray) -> np.ndarray:
        """What each receiver of each window gets: dL/dy / divisor, in dL/dy's dtype.

        Parameters
        ----------
        grad_output : ndarray of float, shape (S,)
        tied : ndarray of bool, shape (S, K)

        Returns
        -------
        ndarray, shape (S,), dtype of `grad_output`
        """
        if not self.divides:
            return grad_output
        return grad_output / self.divisor(tied).astype(grad_output.dtype)


_POLICIES: Mapping[str, TiePolicy] = MappingProxyType({
    "first": TiePolicy("first", single=True, scan_last=False, divides=False,
                       receivers=_winner_only, divisor=_whole),
    "last": TiePolicy("last", single=True, scan_last=True, divides=False,
                      receivers=_winner_only, divisor=_whole),
    "split": TiePolicy("split", single=False, scan_last=False, divides=True,
                       receivers=_every_tied, divisor=_count_tied),
    "all": TiePolicy("all", single=False, scan_last=False, divides=False,
                     receivers=_every_tied, divisor=_whole),
})


def tie_policy(name: object) -> TiePolicy:
    """The `TiePolicy` called `name`.

    Raises
    ------
    PoolingError
        code ``unknown_ties`` when `name` is not one of `TIE_POLICIES`.
    """
    if not isinstance(name, str) or name not in _POLICIES:
        raise PoolingError(
            "unknown_ties",
            f"ties must be one of {', '.join(TIE_POLICIES)}, got {name!r}",
            name="ties", value=repr(name), allowed=", ".join(TIE_POLICIES),
        )
    return _POLICIES[name]
