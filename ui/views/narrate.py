"""One plain sentence per backward step, with the numbers, in the user's language.

Every number comes from `pooling_core.ScatterSteps`; this module only words it.
"""

from __future__ import annotations

import numpy as np

from pooling_core import AdaptiveSpec, ScatterSteps, tie_policy
from ui.format import cell_name, fmt, index_base
from ui.i18n import current_language, t

POLICY_WHO = {
    "first": "policy.first.who",
    "last": "policy.last.who",
    "split": "policy.split.who",
    "all": "policy.all.who",
}

# An adaptive (or global) layer pools bins, not windows: each text here that names a window
# has a bin wording under the same key after "step_bins." (ui/locales/<lang>/step_bins.json).
BIN_WORDED = frozenset({"step.window", "step.goes_acc", "step.goes_acc_many", "step.all_share",
                        "step.overlap", "player.input", "player.windows", "player.legend",
                        "predict.prompt"})


def worded(key: str, spec: object) -> str:
    """The key of `key`'s text for `spec`'s layer: its bin wording (see BIN_WORDED) for an
    adaptive or global layer (an AdaptiveSpec), else `key` itself."""
    return f"step_bins.{key}" if key in BIN_WORDED and isinstance(spec, AdaptiveSpec) else key


def span(values: list[int], base: int = 0) -> str:
    """'1–3' for consecutive indices, '0, 2, 4' otherwise (each shown in index `base`)."""
    values = [v + base for v in values]
    if len(values) == 1:
        return str(values[0])
    if all(b - a == 1 for a, b in zip(values, values[1:], strict=False)):
        return f"{values[0]}–{values[-1]}"
    return ", ".join(str(v) for v in values)


def cells_text(cells: list[tuple[int, int]], base: int | None = None) -> str:
    """'(0,1), (2,3)': cells as written in every sentence (index `base`, default the
    session's: ui.format.index_base)."""
    b = index_base() if base is None else base
    return ", ".join(cell_name(c, b) for c in cells)


def step_sentences(steps: ScatterSteps, limit: int | None = None, *, first: int = 0,
                   lang: str | None = None, base: int | None = None) -> list[str]:
    """The sentence of each step `first`..`limit` - 1 (every step by default), in `lang`
    (default: the session's language), indices in `base` (default: the session's)."""
    b = index_base() if base is None else base
    spec = steps.spec
    policy = tie_policy(spec.ties)  # which sentence: one receiver, a split share, or all
    n = len(steps) if limit is None else min(limit, len(steps))
    first = max(0, min(first, n))
    W = steps.input_shape[1]
    ow = steps.output_shape[1]
    lang = lang or current_language()  # once: per sentence costs more than the wording
    out = []
    ends = [0] * first + np.searchsorted(steps.receiver_step, np.arange(first, n),
                                         side="right").tolist()
    start = int(np.searchsorted(steps.receiver_step, first, side="left"))
    # Plain Python lists (indexing a NumPy array element by element is slow), padded so that
    # they are indexed by the step number k.
    pad = [None] * first
    H = steps.input_shape[0]
    dh, dw = steps.sizes[0].d, steps.sizes[1].d  # adaptive bins: 1
    rects = pad + steps.window_rects[first:n].tolist()  # each window's (or bin's) span
    # Each step's tied cells, grouped once (a step with a 32 x 32 window would otherwise look
    # at all of its 1024 taps in Python).
    tied_step, tied_tap = np.nonzero(steps.tied_mask[first:n])
    tied_flat = steps.window_flat[first:n][tied_step, tied_tap]
    tied_ends = np.searchsorted(tied_step, np.arange(n - first), side="right").tolist()
    tied_flat = tied_flat.tolist()
    grad_output = pad + steps.grad_output.ravel()[first:n].tolist()
    output = pad + steps.output.ravel()[first:n].tolist()
    divisor = None if steps.divisor is None else pad + steps.divisor.ravel()[first:n].tolist()
    rec = _Receivers(steps, start, ends[n - 1] if n > first else start, b)
    for k in range(first, n):
        end = ends[k]
        i, j = divmod(k, ow)
        r0, c0, r1, c1 = rects[k]
        rows = [r for r in range(r0, r1 + 1, dh) if 0 <= r < H]
        cols = [c for c in range(c0, c1 + 1, dw) if 0 <= c < W]
        head = t(worded("step.window", spec), lang, i=i + b, j=j + b, rows=span(rows, b),
                 cols=span(cols, b))
        g = fmt(grad_output[k])
        recv = range(start, end)
        parts = [head]
        if spec.mode == "max":
            value = fmt(output[k])
            lo = tied_ends[k - first - 1] if k > first else 0
            tied = [(f // W, f % W) for f in tied_flat[lo:tied_ends[k - first]]]
            if len(tied) <= 1:
                parts.append(t("step.max_at", lang, value=value,
                               cell=cell_name(tied[0], b) if tied else "—"))
            else:
                parts.append(t("step.tie", lang, value=value, n=len(tied),
                               cells=cells_text(tied, b),
                               policy=spec.ties, who=t(POLICY_WHO[spec.ties], lang)))
            if policy.single or len(tied) <= 1:
                for m in recv:
                    parts.append(rec.receive_one(m, i, j, g, lang))
            elif policy.divides:
                share = fmt(rec.amount[start]) if end > start else "0"
                parts.append(t("step.split_share", lang, i=i + b, j=j + b, g=g, n=len(tied),
                               share=share))
                parts.extend(rec.overlaps(recv, lang))
            else:
                parts.append(t(worded("step.all_share", spec), lang, i=i + b, j=j + b, g=g,
                               n=len(tied)))
                parts.extend(rec.overlaps(recv, lang))
        else:
            div = int(divisor[k])
            real = len(rows) * len(cols)
            parts.append(t("step.avg", lang, value=fmt(output[k]), real=real, divisor=div,
                           count=real))
            delta = fmt(rec.amount[start]) if end > start else "0"
            parts.append(t("step.avg_share", lang, i=i + b, j=j + b, g=g, divisor=div, delta=delta,
                           real=real, count=real))
            if getattr(spec, "divisor_override", None) is not None:
                parts.append(t("step.avg_override", lang, divisor=div, real=real,
                               ratio=f"{real}/{div}", count=real))
            elif div > real:
                parts.append(t("step.avg_lost", lang, lost=div - real, count=div - real))
            parts.extend(rec.overlaps(recv, lang))
        out.append(" ".join(parts))
        start = end
    return out


class _Receivers:
    """The receiver arrays of a ScatterSteps as Python lists, and the sentences about them."""

    def __init__(self, steps: ScatterSteps, lo: int = 0, hi: int | None = None,
                 base: int = 0) -> None:
        """Receivers lo..hi-1 only (a block of steps); they are still indexed by their number
        m in the whole sequence. Indices are written in index `base`."""
        self.b = base
        self.spec = steps.spec
        self.W = steps.input_shape[1]
        self.ow = steps.output_shape[1]
        part = slice(lo, hi)
        pad = [0] * lo  # indices below lo are never read; the padding keeps m absolute
        self.flat = pad + steps.receiver_flat[part].tolist()
        self.amount = pad + steps.receiver_amount[part].tolist()
        self.before = pad + steps.receiver_before[part].tolist()
        self.after = pad + steps.receiver_after[part].tolist()
        self.hits_before = pad + steps.receiver_hits_before[part].tolist()
        self.prev_step = pad + steps.receiver_prev_step[part].tolist()

    def receive_one(self, m: int, i: int, j: int, g: str, lang: str) -> str:
        r, c = (v + self.b for v in divmod(self.flat[m], self.W))
        i, j = i + self.b, j + self.b
        after = fmt(self.after[m])
        hits = self.hits_before[m]
        if hits == 0:
            return t("step.goes_fresh", lang, i=i, j=j, g=g, r=r, c=c, after=after)
        prev = self.prev_step[m]
        key = "step.goes_acc" if hits == 1 else "step.goes_acc_many"
        return t(worded(key, self.spec), lang, i=i, j=j, g=g, r=r, c=c, before=fmt(self.before[m]),
                 pi=prev // self.ow + self.b, pj=prev % self.ow + self.b, n=hits, after=after)

    def overlaps(self, recv: range, lang: str) -> list[str]:
        """For multi-receiver steps: name the cells that already held gradient (overlap)."""
        W, b = self.W, self.b
        held = [m for m in recv if self.hits_before[m] > 0]
        if not held:
            return []
        items = ", ".join(
            f"dL/dx[{self.flat[m] // W + b},{self.flat[m] % W + b}] "
            f"{fmt(self.before[m])} → {fmt(self.after[m])}"
            for m in held[:4]
        )
        if len(held) > 4:
            items += t("grid.more", lang, n=len(held) - 4)
        return [t(worded("step.overlap", self.spec), lang, n=len(held), items=items)]
