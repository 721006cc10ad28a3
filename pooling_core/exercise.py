"""Pen-and-paper exercises: a seeded problem and its exact answers (the checker that says why
a cell is wrong is `pooling_core.marking`).

    from pooling_core import generate, check

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

import numpy as np

from .adaptive import AdaptiveSpec
from .errors import PoolingError
from .geometry import axis_size, output_size
from .pooling import pool_backward, pool_forward, win_counts
from .spec import PoolSpec
from .steps import ScatterSteps, scatter_steps
from .ties import TIE_POLICIES, tied_cells

EXERCISE_LEVELS: tuple[str, ...] = ("nonoverlap", "overlap", "ties", "padding", "average",
                                     "same", "adaptive")
ANSWER_PARTS: tuple[str, ...] = ("y", "mask", "grad_input")
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
        The input, whole numbers, 4 <= H, W <= 6 (the adaptive level: up to 7).
    grad_output : ndarray, shape (OH, OW), float64
        The upstream gradient dL/dy, small whole numbers.
    spec : PoolSpec or AdaptiveSpec
        The pooling layer (``spec.ties`` is the tie policy to apply in max mode); an
        `AdaptiveSpec` for the adaptive level (no kernel: each output cell pools its bin).
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
    spec: PoolSpec | AdaptiveSpec
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
    return sum(int(tied_cells(b, b.max(), True).sum()) > 1 for b in blocks)


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


# (kernel, stride) of the 'same' level: each leaves an odd total padding on some side.
SAME_LAYERS: tuple[tuple[int, int], ...] = ((2, 2), (3, 2), (3, 3))


def _gen_same(rng: np.random.Generator) -> tuple[np.ndarray, PoolSpec]:
    """TensorFlow's 'same' (the extra padding after); max, or average over the real cells."""
    k, s = SAME_LAYERS[int(rng.integers(len(SAME_LAYERS)))]
    H, W = (int(v) for v in rng.choice([4, 5], size=2))
    if rng.random() < 0.5:
        return _distinct(rng, (H, W), -9, 2 * H * W - 9), PoolSpec(k, s, padding="same")
    x = rng.integers(0, 10, size=(H, W)).astype(float)
    return x, PoolSpec(k, s, padding="same", mode="avg", count_include_pad=False)


# ((H, oh), (W, ow)) of the adaptive level: PyTorch's bins overlap along both axes (4 -> 3:
# [0, 1], [1, 2], [2, 3]; 5 -> 3: [0, 1], [1, 3], [3, 4]; 7 -> 3: [0, 2], [2, 4], [4, 6];
# 6 -> 4: [0, 1], [1, 2], [3, 4], [4, 5]; 7 -> 4: [0, 1], [1, 3], [3, 5], [5, 6]), and along
# at least one axis (5 -> 3 or 7 -> 4) they differ in size.
ADAPTIVE_LAYERS: tuple[tuple[tuple[int, int], tuple[int, int]], ...] = (
    ((5, 3), (5, 3)),
    ((5, 3), (4, 3)),
    ((4, 3), (5, 3)),
    ((7, 3), (5, 3)),
    ((5, 3), (7, 3)),
    ((6, 4), (5, 3)),
    ((7, 4), (4, 3)),
)


def _gen_adaptive(rng: np.random.Generator) -> tuple[np.ndarray, AdaptiveSpec]:
    """PyTorch's AdaptiveMaxPool2d (distinct values) or AdaptiveAvgPool2d (0..9): bins of
    different sizes that overlap, so a cell may win (or lie in) several bins."""
    (H, oh), (W, ow) = ADAPTIVE_LAYERS[int(rng.integers(len(ADAPTIVE_LAYERS)))]
    if rng.random() < 0.5:
        return _distinct(rng, (H, W), 0, 2 * H * W), AdaptiveSpec((oh, ow))
    x = rng.integers(0, 10, size=(H, W)).astype(float)
    return x, AdaptiveSpec((oh, ow), mode="avg")


_GENERATORS = {
    "nonoverlap": _gen_nonoverlap,
    "overlap": _gen_overlap,
    "ties": _gen_ties,
    "padding": _gen_padding,
    "average": _gen_average,
    "same": _gen_same,
    "adaptive": _gen_adaptive,
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
        "same": TensorFlow's 'same' padding (output ceil(n/s), the extra padding after), max
        or average over the real cells (count_include_pad False).
        "adaptive": PyTorch's adaptive pooling (an `AdaptiveSpec`, output 3 x 3 to 4 x 3 from
        4 to 7 rows and columns): bins that overlap and differ in size; max with distinct
        values, or average (each bin divides by its own cell count).
    seed : int
        Any whole number >= 0; `numpy.random.default_rng(seed)` draws everything.
    ties : str, optional
        A tie policy ("first", "last", "split", "all") to use instead of the level's own in
        max mode (the "ties" level draws one); x and dL/dy stay those of `seed`, so one grid
        can be practised under every policy. Ignored for average pooling.

    Returns
    -------
    Exercise
        x of shape (H, W) with 4 <= H, W <= 6 (adaptive: <= 7), grad_output of shape
        (OH, OW), the spec and the answers.
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
