"""The in-browser step player: every step of the backward pass, played with no server trip.

`player_html` packs the steps of a `pooling_core.ScatterSteps` into one self-contained HTML
page (shown with `st.iframe`). Per step it ships only what changes: the window's cells, the
receiving cells and their new dL/dx text, the sentence. The browser only looks values up; every
number is computed by pooling_core and formatted here.
"""

from __future__ import annotations

import html
import json
from functools import cache
from pathlib import Path

import numpy as np

from pooling_core import ScatterSteps

from .format import fmt
from .i18n import current_language, t
from .narrate import step_sentences

MAX_PLAYER_STEPS = 1024  # 32 x 32 with kernel 1: every step of the largest grid
_TEMPLATE = Path(__file__).parent / "assets" / "player.html"


@cache
def _template() -> str:
    return _TEMPLATE.read_text(encoding="utf-8")


def player_payload(steps: ScatterSteps, start: int = 0, projector: bool = False) -> dict:
    """The JSON-able data the player needs (see module docstring)."""
    H, W = steps.input_shape
    oh, ow = steps.output_shape
    n = min(len(steps), MAX_PLAYER_STEPS)
    sentences = step_sentences(steps, limit=n)
    ends = np.searchsorted(steps.receiver_step, np.arange(n), side="right")
    counts = steps.receiver_hits_before + 1
    final = steps.accumulated(n - 1)
    finite = np.abs(final[np.isfinite(final)])
    vmax = float(finite.max()) if finite.size else 0.0
    x = steps_input_text(steps)
    out_steps = []
    start_m = 0
    for k in range(n):
        end = int(ends[k])
        recv = steps.receiver_flat[start_m:end]
        window = steps.window_flat[k]
        out_steps.append({
            "w": [int(f) for f in window if f >= 0],
            "t": [int(f) for f in window[steps.tied_mask[k]]] if len(steps.tied_mask) else [],
            "r": [int(f) for f in recv],
            "u": [
                [int(f), fmt(a), float(a) if np.isfinite(a) else None, int(c)]
                for f, a, c in zip(recv, steps.receiver_after[start_m:end],
                                   counts[start_m:end], strict=True)
            ],
            "s": sentences[k],
        })
        start_m = end
    note = t("player.capped", shown=n, total=len(steps)) if n < len(steps) else ""
    return {
        "H": H, "W": W, "oh": oh, "ow": ow,
        "x": x,
        "gy": [fmt(v) for v in steps.grad_output.ravel()],
        "vmax": vmax,
        "steps": out_steps,
        "start": int(min(max(start, 0), n - 1)),
        "projector": projector,
        "note": note,
        "labels": {
            "step": t("player.step"), "play": t("player.play"), "pause": t("player.pause"),
            "from": t("player.windows"),
        },
    }


def steps_input_text(steps: ScatterSteps) -> list[str]:
    """The input values as cell text, row-major (steps keep x only through its windows)."""
    return [fmt(v) for v in steps.input_values.ravel()]


def player_html(steps: ScatterSteps, start: int = 0, projector: bool = False) -> str:
    """A self-contained HTML page with the player (no external resources)."""
    payload = json.dumps(player_payload(steps, start, projector), ensure_ascii=False,
                         separators=(",", ":"), allow_nan=False)
    payload = payload.replace("</", "<\\/")
    page = _template()
    labels = {
        "__L_X__": t("player.input"), "__L_GY__": t("player.upstream"),
        "__L_GX__": t("player.running"), "__L_FIRST__": t("player.first"),
        "__L_PREV__": t("player.prev"), "__L_PLAY__": t("player.play"),
        "__L_NEXT__": t("player.next"), "__L_LAST__": t("player.last"),
        "__L_SPEED__": t("player.speed"), "__L_SCRUB__": t("player.scrub"),
        "__L_LEGEND__": t("player.legend"), "__TITLE__": t("player.title"),
        "__LANG__": current_language(),
    }
    for k, v in labels.items():
        page = page.replace(k, html.escape(v))
    return page.replace("__PAYLOAD__", payload)
