"""The in-browser step player: every step of the backward pass, played with no server trip.

`player_html` packs the steps of a `pooling_core.ScatterSteps` into one self-contained HTML
page (shown with `st.iframe`). Per step it ships only what changes: the window's cells, the
receiving cells and their new dL/dx text, the sentence. The browser only looks values up; every
number is computed by pooling_core and formatted here.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass
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
    payload = _payload(steps, projector, current_language())
    payload["start"] = int(min(max(start, 0), len(payload["steps"]) - 1))
    return payload


def _payload(steps: ScatterSteps, projector: bool, lang: str) -> dict:
    """The payload with "start" still to be filled in (keys in the order the page ships them)."""
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
        "start": None,
        "projector": projector,
        "note": note,
        "labels": {
            "step": t("player.step", lang), "play": t("player.play", lang),
            "pause": t("player.pause", lang), "from": t("player.windows", lang),
        },
    }


def steps_input_text(steps: ScatterSteps) -> list[str]:
    """The input values as cell text, row-major (steps keep x only through its windows)."""
    return [fmt(v) for v in steps.input_values.ravel().tolist()]


@dataclass(frozen=True)
class PlayerPage:
    """The player's HTML page with the start step left open.

    The page for one configuration is built once (the payload for 961 steps takes tens of
    milliseconds); `html(start)` only splices the start step in.
    """

    head: str
    tail: str
    n_steps: int

    def html(self, start: int = 0) -> str:
        start = int(min(max(start, 0), self.n_steps - 1))
        return f"{self.head}{start}{self.tail}"


_START_SLOT = '"start":null,'


def player_page_parts(steps: ScatterSteps, projector: bool = False) -> PlayerPage:
    """The player page of `steps` in the current language, start step open (see PlayerPage)."""
    lang = current_language()
    data = _payload(steps, projector, lang)
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    payload = payload.replace("</", "<\\/")
    page = _template()
    labels = {
        "__L_X__": t("player.input", lang), "__L_GY__": t("player.upstream", lang),
        "__L_GX__": t("player.running", lang), "__L_FIRST__": t("player.first", lang),
        "__L_PREV__": t("player.prev", lang), "__L_PLAY__": t("player.play", lang),
        "__L_NEXT__": t("player.next", lang), "__L_LAST__": t("player.last", lang),
        "__L_SPEED__": t("player.speed", lang), "__L_SCRUB__": t("player.scrub", lang),
        "__L_LEGEND__": t("player.legend", lang), "__TITLE__": t("player.title", lang),
        "__L_SPACE__": t("player.key_space", lang),
        "__LANG__": lang,
    }
    for k, v in labels.items():
        page = page.replace(k, html.escape(v))
    page = page.replace("__PAYLOAD__", payload)
    # The slot is the only place a bare `"start":` can stand: inside JSON strings every quote
    # is escaped.
    head, sep, tail = page.partition(_START_SLOT)
    assert sep and _START_SLOT not in tail, "the player page has no single start slot"
    return PlayerPage(head + '"start":', "," + tail, len(data["steps"]))


def player_html(steps: ScatterSteps, start: int = 0, projector: bool = False) -> str:
    """A self-contained HTML page with the player (no external resources)."""
    return player_page_parts(steps, projector).html(start)
