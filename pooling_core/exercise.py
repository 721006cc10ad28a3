"""Pen-and-paper exercises: a seeded problem, its exact answers, and a checker that says why.

    from pooling_core.exercise import generate, check

    ex = generate("ties", seed=7)          # ex.x, ex.grad_output, ex.spec
    ex.output, ex.mask, ex.grad_input      # the answers, computed by pooling_core
    res = check(ex, {"y": y, "mask": m, "grad_input": g})   # NaN = blank cell
    res.score, res.parts["y"].wrong, res.explanations

An exercise asks for three grids: the pooled output y (OH, OW), the mask (H, W) -- how many
windows send gradient to each input cell under the tie policy (average mode: how many windows
cover the cell) -- and dL/dx (H, W). Every answer comes from `pool_forward`, `win_counts`,
`pool_backward` and `scatter_steps`; explanations are codes and numbers, never sentences, so
a user interface can word them in any language.

Pure NumPy; no user-interface imports.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .errors import PoolingError
from .geometry import axis_size, output_size
from .pooling import pool_backward, pool_forward, win_counts
from .spec import PoolSpec
from .steps import ScatterSteps, scatter_steps
from .ties import TIE_POLICIES, tie_policy

EXERCISE_LEVELS: tuple[str, ...] = ("nonoverlap", "overlap", "ties", "padding", "average")
ANSWER_PARTS: tuple[str, ...] = ("y", "mask", "grad_input")
REL_TOL = 1e-2  # |answer - expected| <= REL_TOL * max(1, |expected|): 0.33 passes for 1/3
SIDES = (4, 5, 6)
UPSTREAM = np.array([-2, -1, 1, 2, 3])  # dL/dy values: small non-zero integers

Cell = tuple[int, int]


@dataclass(frozen=True, eq=False)
class Exercise:
    """One exercise and its answers.

    Attributes
    ----------
    level : str
        One of `EXERCISE_LEVELS`.
    seed : int
        The seed it was generated from; `generate(level, seed)` gives it again.
    x : ndarray, shape (H, W), float64
        The input, whole numbers, 4 <= H, W <= 6.
    grad_output : ndarray, shape (OH, OW), float64
        The upstream gradient dL/dy, small whole numbers.
    spec : PoolSpec
        The pooling layer (``spec.ties`` is the tie policy to apply in max mode).
    output : ndarray, shape (OH, OW)
        Answer: y = pool_forward(x, spec).output.
    mask : ndarray, shape (H, W), int64
        Answer: win_counts(x, spec), how many windows send gradient to each input cell.
    grad_input : ndarray, shape (H, W)
        Answer: pool_backward(x, grad_output, spec).
    steps : ScatterSteps
        The backward pass step by step (what the explanations are read from).
    """

    level: str
    seed: int
    x: np.ndarray
    grad_output: np.ndarray
    spec: PoolSpec
    output: np.ndarray
    mask: np.ndarray
    grad_input: np.ndarray
    steps: ScatterSteps = field(repr=False)

    @property
    def answers(self) -> dict[str, np.ndarray]:
        """The three answers by part name ("y", "mask", "grad_input")."""
        return {"y": self.output, "mask": self.mask, "grad_input": self.grad_input}

    @property
    def tied_windows(self) -> list[Cell]:
        """Output cells (i, j) whose window's maximum occurs more than once (max mode)."""
        ow = self.steps.output_shape[1]
        counts = self.steps.tied_mask.sum(axis=1)
        return [divmod(int(k), ow) for k in np.flatnonzero(counts > 1)]


# --------------------------------------------------------------------------- generation
def _distinct(rng: np.random.Generator, shape: tuple[int, int], low: int, high: int) -> np.ndarray:
    """Distinct whole numbers from low..high - 1 in a random arrangement, float64 (H, W)."""
    n = shape[0] * shape[1]
    return rng.choice(np.arange(low, high), size=n, replace=False).reshape(shape).astype(float)


def _upstream(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """dL/dy: all ones a quarter of the time, else small non-zero whole numbers."""
    if rng.random() < 0.25:
        return np.ones(shape)
    return rng.choice(UPSTREAM, size=shape).astype(float)


def _sides_where_ceil_counts(k: int, s: int, p: int) -> list[int]:
    """Input lengths in `SIDES` for which ceil_mode keeps one more window than floor."""
    return [n for n in SIDES
            if axis_size(n, k, s, p, 1, True).size > axis_size(n, k, s, p, 1, False).size]


def _gen_nonoverlap(rng: np.random.Generator) -> tuple[np.ndarray, PoolSpec]:
    H, W = (int(v) for v in rng.choice([4, 6], size=2))
    return _distinct(rng, (H, W), 0, 2 * H * W), PoolSpec(kernel_size=2, stride=2)


def _gen_overlap(rng: np.random.Generator) -> tuple[np.ndarray, PoolSpec]:
    k = int(rng.choice([2, 3]))
    H, W = (int(v) for v in rng.choice([4, 5], size=2))
    x = _distinct(rng, (H, W), 0, 2 * H * W)
    spec = PoolSpec(kernel_size=k, stride=1)
    if win_counts(x, spec).max() < 2:
        # Make the gradients add up somewhere: the largest value moves to (1, 1), which lies in
        # windows (0, 0), (0, 1), (1, 0) and (1, 1) and wins all of them.
        r, c = np.unravel_index(int(np.argmax(x)), x.shape)
        x[r, c], x[1, 1] = x[1, 1], x[r, c]
    return x, spec


def _gen_ties(rng: np.random.Generator) -> tuple[np.ndarray, PoolSpec]:
    H, W = (int(v) for v in rng.choice([4, 6], size=2))
    policy = str(rng.choice(TIE_POLICIES))
    x = rng.integers(0, 5, size=(H, W)).astype(float)
    spec = PoolSpec(kernel_size=2, stride=2, ties=policy)  # type: ignore[arg-type]
    # At least two windows with a tied maximum: copy a window's maximum into another of its cells
    # (windows do not overlap, so each copy changes only its own window).
    windows = [(i, j) for i in range(H // 2) for j in range(W // 2)]
    for n in rng.permutation(len(windows)):
        if _count_tied_blocks(x) >= 2:
            break
        r0, c0 = 2 * windows[n][0], 2 * windows[n][1]
        cells = [(r0 + a, c0 + b) for a in (0, 1) for b in (0, 1)]
        values = [x[rc] for rc in cells]
        top = int(np.argmax(values))
        if values.count(values[top]) == 1:
            other = int(rng.choice([t for t in range(4) if t != top]))
            x[cells[other]] = values[top]
    return x, spec


def _count_tied_blocks(x: np.ndarray) -> int:
    """How many 2 x 2 blocks (kernel 2, stride 2 windows) of x have a tied maximum."""
    H, W = x.shape
    blocks = (x[r : r + 2, c : c + 2] for r in range(0, H - 1, 2) for c in range(0, W - 1, 2))
    return sum(int((b == b.max()).sum()) > 1 for b in blocks)


# (kernel, stride, padding, ceil_mode) of the padding level; each shows padding or ceil_mode.
PADDING_LAYERS: tuple[tuple[int, int, int, bool], ...] = (
    (2, 2, 1, False),
    (3, 2, 1, False),
    (2, 2, 0, True),
    (3, 2, 1, True),
    (3, 3, 0, True),
)
# (kernel, stride, padding) of the average level; count_include_pad is drawn when padding > 0.
AVERAGE_LAYERS: tuple[tuple[int, int, int], ...] = ((2, 2, 0), (2, 2, 1), (3, 1, 0), (3, 2, 1))


def _gen_padding(rng: np.random.Generator) -> tuple[np.ndarray, PoolSpec]:
    k, s, p, ceil = PADDING_LAYERS[int(rng.integers(len(PADDING_LAYERS)))]
    sides = _sides_where_ceil_counts(k, s, p) if ceil else list(SIDES)
    H, W = (int(v) for v in rng.choice(sides, size=2))
    # Negative values too: a window of negative numbers still ignores its -inf padding.
    x = _distinct(rng, (H, W), -9, 2 * H * W - 9)
    return x, PoolSpec(kernel_size=k, stride=s, padding=p, ceil_mode=ceil)


def _gen_average(rng: np.random.Generator) -> tuple[np.ndarray, PoolSpec]:
    k, s, p = AVERAGE_LAYERS[int(rng.integers(len(AVERAGE_LAYERS)))]
    sides = [4, 6] if (k, s, p) == (2, 2, 0) else [4, 5]
    H, W = (int(v) for v in rng.choice(sides, size=2))
    include_pad = bool(rng.integers(2)) if p > 0 else True
    x = rng.integers(0, 10, size=(H, W)).astype(float)
    spec = PoolSpec(kernel_size=k, stride=s, padding=p, mode="avg",
                    count_include_pad=include_pad)
    return x, spec


_GENERATORS = {
    "nonoverlap": _gen_nonoverlap,
    "overlap": _gen_overlap,
    "ties": _gen_ties,
    "padding": _gen_padding,
    "average": _gen_average,
}


def generate(level: str, seed: int, ties: str | None = None) -> Exercise:
    """A reproducible exercise of one level.

    Parameters
    ----------
    level : str
        "nonoverlap": max pooling, kernel 2, stride 2, distinct values.
        "overlap": max pooling, kernel 2 or 3, stride 1 (windows overlap), distinct values,
        at least one cell winning several windows.
        "ties": max pooling, kernel 2, stride 2, values 0..4 with at least two tied windows,
        and a tie policy drawn from first/last/split/all.
        "padding": max pooling with padding 1 and/or ceil_mode (which then keeps a window),
        distinct values, some negative.
        "average": average pooling, maybe padding with count_include_pad True or False.
    seed : int
        Any whole number >= 0; `numpy.random.default_rng(seed)` draws everything.
    ties : str, optional
        A tie policy ("first", "last", "split", "all") to use instead of the level's own in
        max mode (the "ties" level draws one); x and dL/dy stay those of `seed`, so one grid
        can be practised under every policy. Ignored for average pooling.

    Returns
    -------
    Exercise
        x of shape (H, W) with 4 <= H, W <= 6, grad_output of shape (OH, OW), the spec and
        the answers.
    """
    if level not in _GENERATORS:
        raise PoolingError(
            "unknown_level", f"level must be one of {', '.join(EXERCISE_LEVELS)}, got {level!r}",
            name="level", value=repr(level), allowed=", ".join(EXERCISE_LEVELS),
        )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise PoolingError(
            "seed_invalid", f"seed must be a whole number >= 0, got {seed!r}",
            name="seed", value=repr(seed), minimum=0,
        )
    rng = np.random.default_rng(int(seed))
    x, spec = _GENERATORS[level](rng)
    if ties is not None and spec.mode == "max":
        spec = replace(spec, ties=ties)
    sizes = output_size(x.shape, spec)
    grad_output = _upstream(rng, (sizes[0].size, sizes[1].size))
    return Exercise(
        level=level,
        seed=int(seed),
        x=x,
        grad_output=grad_output,
        spec=spec,
        output=pool_forward(x, spec).output,
        mask=win_counts(x, spec),
        grad_input=pool_backward(x, grad_output, spec),
        steps=scatter_steps(x, grad_output, spec),
    )


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
        Always ``expected`` (float) and ``given`` (float, NaN when blank), plus
        y: ``rows``, ``cols`` (input rows and columns the window covers, real ones),
        ``pad_cells`` (taps in the padding), and ``value`` and ``cells`` (the maximum and
        where it is) in max mode, or ``total``, ``divisor`` and ``real`` (number of real cells)
        in average mode;
        mask: ``windows`` (list of (i, j) that send gradient to the cell), ``policy`` and, in
        max mode, ``passed_over`` (list of (i, j, r, c): windows where the cell ties for the
        maximum but the policy sends the gradient to (r, c) instead);
        grad_input: ``terms``, a list of dicts with ``i``, ``j`` (the window), ``upstream``
        (dL/dy[i, j]), ``share`` (what it is divided by: 1, the number of tied cells, or the
        average's divisor) and ``amount`` (what reaches the cell), in step order.
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
    if part == "y":
        return _explain_y(exercise, cell)
    if part == "mask":
        return _explain_mask(exercise, cell)
    if part == "grad_input":
        return _explain_grad(exercise, cell)
    allowed = ", ".join(ANSWER_PARTS)
    raise PoolingError("unknown_part", f"part must be one of {allowed}, got {part!r}",
                       name="part", value=repr(part), allowed=allowed)


def _explain_y(ex: Exercise, cell: Cell) -> tuple[str, dict[str, Any]]:
    steps = ex.steps
    k = cell[0] * steps.output_shape[1] + cell[1]
    step = steps[k]
    rows = sorted({r for r, _ in step.window})
    cols = sorted({c for _, c in step.window})
    kh, kw = ex.spec.k
    pad_cells = kh * kw - len(step.window)  # taps in the padding (or past it, with ceil_mode)
    params: dict[str, Any] = {
        "i": cell[0], "j": cell[1], "rows": rows, "cols": cols, "pad_cells": pad_cells,
        "expected": float(ex.output[cell]),
    }
    if ex.spec.mode == "max":
        params.update(value=float(step.value), cells=list(step.tied))
        return "y_max", params
    total = float(sum(ex.x[rc] for rc in step.window))
    params.update(total=total, divisor=int(step.divisor), real=len(step.window),
                  count_include_pad=ex.spec.count_include_pad)
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
