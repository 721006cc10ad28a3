"""One plain sentence per backward step, with the numbers, in the user's language.

Every number comes from `pooling_core.ScatterSteps`; this module only words it.
"""

from __future__ import annotations

import numpy as np

from pooling_core import ScatterSteps

from .format import fmt
from .i18n import t

POLICY_WHO = {
    "first": "policy.first.who",
    "last": "policy.last.who",
    "split": "policy.split.who",
    "all": "policy.all.who",
}


def _span(values: list[int]) -> str:
    """'1–3' for consecutive indices, '0, 2, 4' otherwise."""
    if len(values) == 1:
        return str(values[0])
    if all(b - a == 1 for a, b in zip(values, values[1:], strict=False)):
        return f"{values[0]}–{values[-1]}"
    return ", ".join(str(v) for v in values)


def _cell(rc: tuple[int, int]) -> str:
    return f"({rc[0]},{rc[1]})"


def _cells(cells: list[tuple[int, int]]) -> str:
    return ", ".join(_cell(c) for c in cells)


def step_sentences(steps: ScatterSteps, limit: int | None = None) -> list[str]:
    """The sentence of each step (the first `limit` steps when given)."""
    spec = steps.spec
    n = len(steps) if limit is None else min(limit, len(steps))
    W = steps.input_shape[1]
    ow = steps.output_shape[1]
    out = []
    ends = np.searchsorted(steps.receiver_step, np.arange(n), side="right")
    start = 0
    for k in range(n):
        end = int(ends[k])
        i, j = divmod(k, ow)
        window = [int(f) for f in steps.window_flat[k] if f >= 0]
        rows = sorted({f // W for f in window})
        cols = sorted({f % W for f in window})
        head = t("step.window", i=i, j=j, rows=_span(rows), cols=_span(cols))
        g = fmt(steps.grad_output.flat[k])
        recv = range(start, end)
        parts = [head]
        if spec.mode == "max":
            value = fmt(steps.output.flat[k])
            tied = [(int(f) // W, int(f) % W)
                    for f in steps.window_flat[k][steps.tied_mask[k]]]
            if len(tied) <= 1:
                parts.append(t("step.max_at", value=value,
                               cell=_cell(tied[0]) if tied else "—"))
            else:
                parts.append(t("step.tie", value=value, n=len(tied), cells=_cells(tied),
                               policy=spec.ties, who=t(POLICY_WHO[spec.ties])))
            if spec.ties in ("first", "last") or len(tied) <= 1:
                for m in recv:
                    parts.append(_receive_one(steps, m, i, j, g))
            elif spec.ties == "split":
                share = fmt(steps.receiver_amount[start]) if end > start else "0"
                parts.append(t("step.split_share", i=i, j=j, g=g, n=len(tied), share=share))
                parts.extend(_overlaps(steps, recv))
            else:
                parts.append(t("step.all_share", i=i, j=j, g=g, n=len(tied)))
                parts.extend(_overlaps(steps, recv))
        else:
            div = int(steps.divisor.flat[k])
            real = len(window)
            parts.append(t("step.avg", value=fmt(steps.output.flat[k]), real=real, divisor=div))
            delta = fmt(steps.receiver_amount[start]) if end > start else "0"
            parts.append(t("step.avg_share", i=i, j=j, g=g, divisor=div, delta=delta,
                           real=real))
            if spec.divisor_override is not None:
                parts.append(t("step.avg_override", divisor=div, real=real,
                               ratio=f"{real}/{div}"))
            elif div > real:
                parts.append(t("step.avg_lost", lost=div - real))
            parts.extend(_overlaps(steps, recv))
        out.append(" ".join(parts))
        start = end
    return out


def _receive_one(steps: ScatterSteps, m: int, i: int, j: int, g: str) -> str:
    W = steps.input_shape[1]
    f = int(steps.receiver_flat[m])
    r, c = divmod(f, W)
    after = fmt(steps.receiver_after[m])
    if steps.receiver_hits_before[m] == 0:
        return t("step.goes_fresh", i=i, j=j, g=g, r=r, c=c, after=after)
    prev = int(steps.receiver_prev_step[m])
    ow = steps.output_shape[1]
    key = "step.goes_acc" if steps.receiver_hits_before[m] == 1 else "step.goes_acc_many"
    return t(key, i=i, j=j, g=g, r=r, c=c, before=fmt(steps.receiver_before[m]),
             pi=prev // ow, pj=prev % ow, n=int(steps.receiver_hits_before[m]), after=after)


def _overlaps(steps: ScatterSteps, recv: range) -> list[str]:
    """For multi-receiver steps: name the cells that already held gradient (overlap)."""
    W = steps.input_shape[1]
    held = [m for m in recv if steps.receiver_hits_before[m] > 0]
    if not held:
        return []
    items = ", ".join(
        f"dL/dx[{int(steps.receiver_flat[m]) // W},{int(steps.receiver_flat[m]) % W}] "
        f"{fmt(steps.receiver_before[m])} → {fmt(steps.receiver_after[m])}"
        for m in held[:4]
    )
    if len(held) > 4:
        items += ", …"
    return [t("step.overlap", n=len(held), items=items)]
