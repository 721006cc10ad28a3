"""The in-browser step player: every step of the backward pass, played with no server trip.

The player is a Streamlit v2 component (ui/assets/player.js and player.css) mounted in the page
with a fixed key, so it stays in place across reruns. Its data is the JSON text of the steps'
payload, and the start step apart: per step it ships only what changes (where the window is,
the receiving cells and their new dL/dx text, the sentence). A configuration with many large
windows is played one block of steps at a time, so that no page is much over a megabyte.
A rerun with the same text only moves to the new start step; new text rebuilds the grids.
The browser only looks values up; every number is computed by pooling_core and formatted here.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import streamlit as st

from pooling_core import ScatterSteps
from ui.assets import read_asset
from ui.format import fmt
from ui.i18n import current_language, t
from ui.views import figures
from ui.views.narrate import step_sentences, worded
from ui.views.symbolic_text import step_symbols

# About this many bytes of JSON per page of steps. A configuration whose steps need more is
# played one block of consecutive steps at a time (the jump slider picks the block), so a
# 32 x 32 average with a 32 x 32 kernel (1089 windows of up to 1024 cells) sends about 1 MB,
# not 27 MB.
PAGE_BUDGET_BYTES = 900_000
COMPONENT_NAME = "pbe_step_player"


def _step_costs(steps: ScatterSteps) -> np.ndarray:
    """About how many bytes each step adds to the payload: its sentence, its window and one
    [cell, text, value, count] entry per receiving cell."""
    ends = np.searchsorted(steps.receiver_step, np.arange(len(steps)), side="right")
    receivers = np.diff(ends, prepend=0)
    return 320 + 34 * receivers


def step_blocks(steps: ScatterSteps, budget: int = PAGE_BUDGET_BYTES) -> np.ndarray:
    """First step of each block of consecutive steps that fits in `budget` bytes (a block has
    at least one step; it may exceed the budget by at most one step). int64, starts with 0."""
    cost = _step_costs(steps)
    block = (np.cumsum(cost) - cost) // max(1, budget)
    return np.flatnonzero(np.diff(block, prepend=-1))


def block_of(steps: ScatterSteps, step: int, budget: int = PAGE_BUDGET_BYTES) -> tuple[int, int]:
    """[first, stop) of the block of steps that holds `step` (clamped to the steps)."""
    starts = step_blocks(steps, budget)
    step = min(max(int(step), 0), len(steps) - 1)
    b = int(np.searchsorted(starts, step, side="right")) - 1
    stop = int(starts[b + 1]) if b + 1 < len(starts) else len(steps)
    return int(starts[b]), stop


def _colour_value(v: float) -> float | None:
    """A value for the cell's colour only: 6 significant digits (shorter JSON than a full
    float; a colour channel then differs from the exact value's by under 0.001)."""
    return float(f"{v:.6g}") if math.isfinite(v) else None


def _payload(steps: ScatterSteps, projector: bool, lang: str, first: int = 0,
             stop: int | None = None, ib: int = 0, symbols: bool = False) -> dict:
    """The JSON-able data the player needs for steps first..stop-1 of `steps`, in language
    `lang` (see module docstring); the start step is given apart (PlayerPage.data).

    "colours" is the dL/dx heatmap's colour scale and range (ui.views.figures.GRAD_SCALE,
    grad_range of the final dL/dx), "cells" the cell-size rule's numbers (figures.CellSize):
    the browser draws with Python's rule, not a copy of it.
    Per step: "o" the window's span (r0, c0, r1, c1) (with "dil" the browser lays out its
    taps), "t" the tied maxima when two or more tie, "u" one [cell, dL/dx text, colour value,
    windows so far] per receiving cell, "s" the sentence. "base" is dL/dx before step `first`
    in the same form, so a block that starts later shows the gradient already accumulated.
    "ib" is the index base `ib` of the labels; with `symbols` (see `_with_symbols`) the dL/dx cells
    show the running symbols instead of numbers.
    """
    H, W = steps.input_shape
    oh, ow = steps.output_shape
    total = len(steps)
    n = total if stop is None else min(stop, total)
    first = max(0, min(first, n - 1))
    sentences = step_sentences(steps, n, first=first, lang=lang, base=ib)
    ends = np.searchsorted(steps.receiver_step, np.arange(first, n), side="right").tolist()
    m0 = int(np.searchsorted(steps.receiver_step, first, side="left"))
    zmin, zmax = figures.grad_range(steps.accumulated(total - 1))  # as the dL/dx heatmap
    # Python lists, not NumPy arrays, inside the loop: element access on arrays is slow.
    origins = steps.window_rects[first:n].tolist()  # (r0, c0, r1, c1): a bin's size varies
    window = steps.window_flat[first:n]
    tied = steps.tied_mask[first:n]
    m1 = ends[-1] if ends else m0
    recv_flat = steps.receiver_flat[m0:m1].tolist()
    recv_after = steps.receiver_after[m0:m1].tolist()
    counts = (steps.receiver_hits_before[m0:m1] + 1).tolist()
    out_steps = []
    lo = 0
    for k in range(n - first):
        hi = ends[k] - m0
        t_row = tied[k]
        ties = window[k][t_row].tolist() if t_row.sum() >= 2 else []  # a lone maximum: no tie
        out_steps.append({
            "o": origins[k],
            "t": ties,
            "u": [[recv_flat[m], fmt(recv_after[m]), _colour_value(recv_after[m]), counts[m]]
                  for m in range(lo, hi)],
            "s": sentences[k],
        })
        lo = hi
    base = []
    if first > 0 and m0 > 0:
        # The latest receiver before `first` at each cell holds that cell's dL/dx.
        latest = np.full(H * W, -1, dtype=np.int64)
        np.maximum.at(latest, steps.receiver_flat[:m0], np.arange(m0))
        for m in latest[latest >= 0].tolist():
            v = float(steps.receiver_after[m])
            base.append([int(steps.receiver_flat[m]), fmt(v), _colour_value(v),
                         int(steps.receiver_hits_before[m]) + 1])
    if symbols:
        _with_symbols(steps, out_steps, first, ib)
    note = (t("player.part", lang, first=first + 1, last=n, total=total)
            if (first, n) != (0, total) else "")
    return {
        "H": H, "W": W, "oh": oh, "ow": ow,
        "ker": [steps.sizes[0].k, steps.sizes[1].k],
        "dil": [steps.sizes[0].d, steps.sizes[1].d],
        "x": steps_input_text(steps),
        "gy": [fmt(v) for v in steps.grad_output.ravel().tolist()],
        # The dL/dx colours: the heatmap's scale and range (player.js interpolates as Plotly).
        "colours": {"scale": figures.GRAD_SCALE, "zmin": zmin, "zmax": zmax},
        # The cell-size rule's numbers (ui.views.figures.CellSize; player.js cellPitch).
        "cells": asdict(figures.CELL_SIZES[bool(projector)]),
        "k0": first, "total": total,
        "base": base,
        "steps": out_steps,
        "projector": projector,
        "note": note,
        "lang": lang,
        "ib": ib,
        "labels": {
            "title": t("alt.player", lang), "step": t("player.step", lang),
            "play": t("player.play", lang), "pause": t("player.pause", lang),
            "from": t(worded("player.windows", steps.spec), lang),
            "x": t(worded("player.input", steps.spec), lang),
            "gy": t("player.upstream", lang), "gx": t("player.running", lang),
            "first": t("player.first", lang), "prev": t("player.prev", lang),
            "next": t("player.next", lang), "last": t("player.last", lang),
            "speed": t("player.speed", lang), "scrub": t("player.scrub", lang),
            "legend": t(worded("player.legend", steps.spec), lang),
            "space": t("player.key_space", lang),
        },
    }


def _with_symbols(steps: ScatterSteps, out_steps: list[dict], first: int, base: int) -> None:
    """The symbolic view in the player (ui.views.symbolic_text.step_symbols): each receiving
    cell's text becomes its short symbol, with the full expression as a fifth entry (the
    cell's title), and the step's sentence ends with the running expressions. Only when the
    whole pass is one block and small enough; otherwise the numbers stay."""
    syms = step_symbols(steps, base) if first == 0 and len(out_steps) == len(steps) else None
    if syms is None:
        return
    for st_, (cells, line) in zip(out_steps, syms, strict=True):
        for u, (short, full) in zip(st_["u"], cells, strict=True):
            u[1] = short
            u.append(full)
        if line:
            st_["s"] += " " + line


def steps_input_text(steps: ScatterSteps) -> list[str]:
    """The input values as cell text, row-major (steps keep x only through its windows)."""
    return [fmt(v) for v in steps.input_values.ravel().tolist()]


@dataclass(frozen=True)
class PlayerPage:
    """The player's data for one block of steps of one configuration and language, the start
    step left open.

    Built once per block (the payload for 961 steps takes tens of milliseconds);
    `data(start)` only adds the start step.
    """

    text: str  # JSON of _payload(...)
    first: int  # the block's steps are first..stop-1
    stop: int

    def data(self, start: int = 0) -> dict:
        """What the component is given: {"page": text, "start": step, clamped to the block}."""
        return {"page": self.text, "start": int(min(max(start, self.first), self.stop - 1))}


def player_page_parts(steps: ScatterSteps, projector: bool = False, start: int = 0,
                      budget: int = PAGE_BUDGET_BYTES, base: int = 0,
                      symbols: bool = False) -> PlayerPage:
    """The player data of the block of `steps` that holds step `start`, in the current
    language, index `base`, with or without symbols, start step open (see PlayerPage)."""
    first, stop = block_of(steps, start, budget)
    data = _payload(steps, projector, current_language(), first, stop, base, symbols)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return PlayerPage(text, first, stop)


def reported_step(value: object) -> int | None:
    """The step the player reported (a trigger value from the browser), or None when it is
    not a whole number >= 0 (it is clamped to the steps by the page)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or value != int(value) or value < 0:
        return None
    return int(value)


def show_player(data: dict, key: str = "player",
                on_step: Callable[[int], None] | None = None,
                predict: str | None = None,
                on_predict: Callable[[object], None] | None = None) -> None:
    """Mount the step player with `PlayerPage.data(...)` (same key: the same element updates).

    When the student stops on a step (buttons, keys, scrubber, the end of play), the player
    reports it; `on_step(step)` is then called before the next run (a callback: it may set
    the jump slider's state).
    Predict mode (ui.views.predict): `predict` is the JSON text of `predict_data`; a
    prediction checked in the browser is handed to `on_predict(value)` before the next run."""
    mount = st.components.v2.component(COMPONENT_NAME, css=read_asset("player.css"),
                                       js=read_asset("player.js"))

    def moved() -> None:
        step = reported_step((st.session_state.get(key) or {}).get("step"))
        if step is not None and on_step is not None:
            on_step(step)

    def predicted() -> None:
        if on_predict is not None:
            on_predict((st.session_state.get(key) or {}).get("predict"))

    mount(data={**data, "predict": predict or ""}, key=key, on_step_change=moved,
          on_predict_change=predicted)
