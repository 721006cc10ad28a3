"""The in-browser step player: every step of the backward pass, played with no server trip.

The player is a Streamlit v2 component (ui/assets/player.js and player.css) mounted in the page
with a fixed key, so it stays in place across reruns. Its data is the JSON text of the steps'
payload, and the start step apart: per step it ships only what changes (the window's cells,
the receiving cells and their new dL/dx text, the sentence). A rerun with the same text only
moves to the new start step; new text rebuilds the grids. The browser only looks values up;
every number is computed by pooling_core and formatted here.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
import streamlit as st

from pooling_core import ScatterSteps

from .assets import read_asset
from .format import fmt
from .i18n import current_language, t
from .narrate import step_sentences

MAX_PLAYER_STEPS = 1024  # 32 x 32 with kernel 1: every step of the largest grid
COMPONENT_NAME = "pbe_step_player"



def _payload(steps: ScatterSteps, projector: bool, lang: str) -> dict:
    """The JSON-able data the player needs for `steps`, in language `lang` (see module
    docstring); the start step is given apart (PlayerPage.data)."""
    H, W = steps.input_shape
    oh, ow = steps.output_shape
    n = min(len(steps), MAX_PLAYER_STEPS)
    sentences = step_sentences(steps, limit=n)
    ends = np.searchsorted(steps.receiver_step, np.arange(n), side="right").tolist()
    final = steps.accumulated(n - 1)
    finite = np.abs(final[np.isfinite(final)])
    vmax = float(finite.max()) if finite.size else 0.0
    x = steps_input_text(steps)
    # Python lists, not NumPy arrays, inside the loop: element access on arrays is slow.
    windows = steps.window_flat[:n].tolist()
    tied = steps.tied_mask[:n].tolist() if len(steps.tied_mask) else None
    recv_flat = steps.receiver_flat.tolist()
    recv_after = steps.receiver_after.tolist()
    counts = (steps.receiver_hits_before + 1).tolist()
    out_steps = []
    start_m = 0
    for k in range(n):
        end = ends[k]
        window = windows[k]
        out_steps.append({
            "w": [f for f in window if f >= 0],
            "t": [f for f, is_tied in zip(window, tied[k], strict=True) if is_tied]
            if tied is not None else [],
            "r": recv_flat[start_m:end],
            "u": [
                [recv_flat[m], fmt(recv_after[m]),
                 recv_after[m] if math.isfinite(recv_after[m]) else None, counts[m]]
                for m in range(start_m, end)
            ],
            "s": sentences[k],
        })
        start_m = end
    note = t("player.capped", lang, shown=n, total=len(steps)) if n < len(steps) else ""
    return {
        "H": H, "W": W, "oh": oh, "ow": ow,
        "x": x,
        "gy": [fmt(v) for v in steps.grad_output.ravel().tolist()],
        "vmax": vmax,
        "steps": out_steps,
        "projector": projector,
        "note": note,
        "lang": lang,
        "labels": {
            "title": t("alt.player", lang), "step": t("player.step", lang),
            "play": t("player.play", lang), "pause": t("player.pause", lang),
            "from": t("player.windows", lang), "x": t("player.input", lang),
            "gy": t("player.upstream", lang), "gx": t("player.running", lang),
            "first": t("player.first", lang), "prev": t("player.prev", lang),
            "next": t("player.next", lang), "last": t("player.last", lang),
            "speed": t("player.speed", lang), "scrub": t("player.scrub", lang),
            "legend": t("player.legend", lang), "space": t("player.key_space", lang),
        },
    }


def steps_input_text(steps: ScatterSteps) -> list[str]:
    """The input values as cell text, row-major (steps keep x only through its windows)."""
    return [fmt(v) for v in steps.input_values.ravel().tolist()]


@dataclass(frozen=True)
class PlayerPage:
    """The player's data for one configuration and language, the start step left open.

    Built once per configuration (the payload for 961 steps takes tens of milliseconds);
    `data(start)` only adds the start step.
    """

    text: str  # JSON of _payload(...)
    n_steps: int

    def data(self, start: int = 0) -> dict:
        """What the component is given: {"page": text, "start": step, clamped to the steps}."""
        return {"page": self.text, "start": int(min(max(start, 0), self.n_steps - 1))}


def player_page_parts(steps: ScatterSteps, projector: bool = False) -> PlayerPage:
    """The player data of `steps` in the current language, start step open (see PlayerPage)."""
    data = _payload(steps, projector, current_language())
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return PlayerPage(text, len(data["steps"]))


def show_player(data: dict, key: str = "player") -> None:
    """Mount the step player with `PlayerPage.data(...)` (same key: the same element updates)."""
    mount = st.components.v2.component(COMPONENT_NAME, css=read_asset("player.css"),
                                       js=read_asset("player.js"))
    mount(data=data, key=key)
