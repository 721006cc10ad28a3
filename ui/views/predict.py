"""Predict mode of the step player: the student's prediction of a step, marked and worded.

The player (ui/assets/player.js, `createPredict`) hides step k until the student has picked
the cells they think receive this window's dL/dy and typed each amount; "Check" sends them
here (a trigger value; one rerun). This module parses the amounts with the Exercise page's
parser (ui.widgets.fractions.parse_answer), marks them with `pooling_core.predict`, keeps the
marks of this configuration in the session (codes and numbers, no words), and words them for
the player in the current language: per step its cells' verdicts and the rules named, the
running score, and the mistakes by rule. No rule is decided here or in the browser.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

from pooling_core import PoolingError, ScatterSteps
from pooling_core.predict import RULES, mark_prediction, mistakes_by_rule
from ui.format import ix
from ui.i18n import t
from ui.state import keep
from ui.views.narrate import worded
from ui.views.player import block_of
from ui.widgets.fractions import frac_text, parse_answer

LOG_KEY = "predict_log"  # session: {"config": key, "marks": {k: record}, "error": ...}
SWITCH_KEY = "predict_on"
MAX_TEXT = 40  # characters of one typed amount that are kept (the work budget)
MAX_CELLS = 256  # cells in one prediction


def predict_mode(key: str = SWITCH_KEY) -> bool:
    """Whether the student is predicting (the switch's state `key`, kept across pages and set by
    a `predict=1` link); call before the page draws anything that would give a step away."""
    keep({key: False})
    return bool(st.session_state[key])


def predict_switch(key: str = SWITCH_KEY) -> bool:
    """The "Predict each step" toggle (after `predict_mode` in the same run)."""
    return bool(st.toggle(t("predict.switch"), key=key, help=t("predict.switch.help")))


def player_predict(steps: ScatterSteps, config: object, start: int, lang: str,
                   on_step: Callable[[int], None] | None = None) -> dict:
    """`show_player`'s predict arguments for the block of `steps` holding step `start`:
    {"predict": predict_data text, "on_predict": the callback that marks a prediction}.

    `on_step(k)` is called with the step a prediction was checked on: the student is on that
    step, whatever the rerun's other widgets say (a jump slider the browser had not yet moved
    to the step the player last reported would otherwise send the player back)."""
    first, stop = block_of(steps, start)

    def checked(value: object) -> None:
        k = record_prediction(steps, config, value)
        if k is not None and on_step is not None:
            on_step(k)

    return {"predict": predict_data(steps, config, first, stop, lang), "on_predict": checked}


def _log(config: object) -> dict:
    """This configuration's marks; a new configuration starts a new log."""
    ss = st.session_state
    log = ss.get(LOG_KEY)
    if not isinstance(log, dict) or log.get("config") != config:
        log = {"config": config, "marks": {}, "error": None}
        ss[LOG_KEY] = log
    return log


def read_prediction(value: object, n_steps: int) -> tuple[int, list[tuple[int, int, str]]] | None:
    """A trigger value from the browser, {"k": step, "cells": [[r, c, text], ...]}, checked:
    (step, cells) or None when it is not one (texts cut to MAX_TEXT characters)."""
    if not isinstance(value, Mapping):
        return None
    k, cells = value.get("k"), value.get("cells")
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k < n_steps:
        return None
    if not isinstance(cells, list) or len(cells) > MAX_CELLS:
        return None
    out = []
    for cell in cells:
        if (not isinstance(cell, list) or len(cell) != 3 or not isinstance(cell[2], str)
                or not all(isinstance(v, int) and not isinstance(v, bool) and abs(v) < 4096
                           for v in cell[:2])):
            return None
        out.append((cell[0], cell[1], cell[2][:MAX_TEXT]))
    return k, out


def record_prediction(steps: ScatterSteps, config: object, value: object) -> int | None:
    """Callback: mark the prediction `value` (see `read_prediction`) of a step of `steps` and
    keep it in this configuration's log; a text that is no number is kept as the error shown,
    and the step stays hidden. Returns the step the prediction is for (None: no prediction)."""
    log = _log(config)
    got = read_prediction(value, len(steps))
    if got is None:
        return None
    k, cells = got
    amounts = []
    for r, c, text in cells:
        amount = parse_answer(text)
        if amount is None or math.isnan(amount):
            log["error"] = {"k": k, "r": r, "c": c, "text": text.strip(),
                            "code": "blank" if amount is not None else "not_number"}
            return k
        amounts.append(amount)
    try:
        mark = mark_prediction(steps, k, [(r, c) for r, c, _ in cells], amounts)
    except PoolingError:
        return k
    log["error"] = None
    log["marks"][k] = {
        "ok": mark.correct, "mistakes": mark.mistakes, "params": mark.params,
        "cells": [[int(r), int(c), str(v), str(rule), float(g), float(e), float(b)]
                  for (r, c), v, rule, g, e, b in zip(
                      mark.cells, mark.verdict, mark.rule, mark.given, mark.expected,
                      mark.before, strict=True)],
    }
    return k


# ----------------------------------------------------------------- wording
def _num(v: float) -> str:
    return frac_text(v) if math.isfinite(v) else "—"


def _n_reason(p: Mapping[str, Any], lang: str) -> str:
    """Why the average's n is what it is: an override, the taps counting padding, or the
    real cells."""
    if p.get("divisor_override"):
        return t("predict.n.override", lang, n=p["divisor"])
    if p["real"] == p["taps"]:
        return t("predict.n.cells", lang, n=p["divisor"])
    if p["count_include_pad"]:
        return t("predict.n.include_pad", lang, n=p["divisor"], real=p["real"])
    return t("predict.n.real", lang, n=p["divisor"], taps=p["taps"])


def rule_text(rule: str, record: Mapping[str, Any], lang: str) -> str:
    """One rule named and explained with the step's numbers (`record` as kept in the log)."""
    p = record["params"]
    name = t(f"predict.rule_name.{rule}", lang)
    nums: dict[str, Any] = {"g": _num(p["upstream"]), "share": _num(p["share"]),
                            "i": ix(p["i"]), "j": ix(p["j"])}
    if rule == "avg_n":
        nums.update(n=p["divisor"], why=_n_reason(p, lang))
    elif rule == "tie_policy":
        nums.update(n=p["tied"], policy=p["policy"],
                    policy_rule=t(f"ties.rule.{p['policy']}", lang))
    elif rule == "overlap":
        over = [c for c in record["cells"] if c[3] == "overlap"] or record["cells"]
        r, c, _, _, _, e, b = over[0]
        nums.update(r=ix(r), c=ix(c), amount=_num(e), before=_num(b), after=_num(b + e))
    elif rule in ("argmax", "nan"):
        nums.update(value=_num(p["value"]) if "value" in p else "")
    return name + " — " + t(f"predict.rule.{rule}", lang, **nums)


def step_feedback(record: Mapping[str, Any], lang: str) -> dict:
    """The player's feedback for one marked step: {"ok", "cells": [[r, c, verdict]], "lines"}:
    a first line (right or not), one line per wrong cell, then each rule broken, named."""
    lines = [t("predict.right" if record["ok"] else "predict.wrong", lang)]
    for r, c, verdict, _rule, g, e, _b in record["cells"]:
        if verdict != "right":
            lines.append(t(f"predict.cell.{verdict}", lang, r=ix(r), c=ix(c), given=_num(g),
                           expected=_num(e)))
    lines += [rule_text(rule, record, lang) for rule in record["mistakes"]]
    return {"ok": record["ok"], "cells": [c[:3] for c in record["cells"]], "lines": lines}


def score_text(marks: Mapping[int, Mapping[str, Any]], lang: str) -> str:
    """'Score: 2 of 3 steps right'."""
    right = sum(1 for m in marks.values() if m["ok"])
    return t("predict.score", lang, right=right, tried=len(marks))


def summary_text(marks: Mapping[int, Mapping[str, Any]], lang: str) -> str:
    """The mistakes by rule, most frequent first ('Mistakes by rule: overlap accumulation ×2')."""
    counts = mistakes_by_rule(m["mistakes"] for m in marks.values())
    if not counts:
        return t("predict.summary.none", lang)
    items = sorted(counts.items(), key=lambda kv: (-kv[1], RULES.index(kv[0])))
    return t("predict.summary", lang, items=", ".join(
        f"{t(f'predict.rule_name.{rule}', lang)} ×{n}" for rule, n in items))


def predict_data(steps: ScatterSteps, config: object, first: int, stop: int,
                 lang: str) -> str:
    """The JSON text the player's predict mode gets for steps first..stop-1 (the block shown):
    labels, each marked step's feedback, the score, the summary and a pending error."""
    log = _log(config)
    marks = log["marks"]
    err = log.get("error")
    error = None
    if err:
        error = {"k": err["k"], "text": t(f"predict.error.{err['code']}", lang, r=ix(err["r"]),
                                          c=ix(err["c"]), text=err["text"])}
    ow = steps.output_shape[1]
    prompts = {}
    for k in range(first, stop):
        if k not in marks:
            prompts[k] = t(worded("predict.prompt", steps.spec), lang, step=k + 1, i=ix(k // ow),
                           j=ix(k % ow), g=_num(float(steps.grad_output.flat[k])))
    data = {
        "done": {str(k): step_feedback(m, lang) for k, m in marks.items() if first <= k < stop},
        "prompts": {str(k): v for k, v in prompts.items()},
        "score": score_text(marks, lang) if marks else "",
        "summary": summary_text(marks, lang),
        "finished": len(marks) == len(steps),
        "error": error,
        "labels": {key: t(f"predict.{key}", lang) for key in (
            "check", "next", "amount", "remove", "grid", "picked", "summary_button", "none",
            "verdict.right", "verdict.amount", "verdict.missed", "verdict.extra", "pad")},
        "pad": padding_ring(steps),
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def padding_ring(steps: ScatterSteps) -> list[int]:
    """How many rows above and below x, and columns left and right of it, some window reads
    (padding, or past the edge with ceil_mode): [top, bottom, left, right], for the player to
    draw them so that a student can pick one."""
    H, W = steps.input_shape
    rects = steps.window_rects
    return [max(0, -int(rects[:, 0].min())), max(0, int(rects[:, 2].max()) - H + 1),
            max(0, -int(rects[:, 1].min())), max(0, int(rects[:, 3].max()) - W + 1)]


def all_predicted(steps: ScatterSteps, config: object) -> bool:
    """Every step of this configuration has been predicted and marked."""
    return len(_log(config)["marks"]) == len(steps)
