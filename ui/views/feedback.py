"""Feedback on an exercise's typed answers: a score per part and in all, each part's typed grid
with its wrong cells outlined, and one sentence with the numbers for each wrong cell (indices
in the session's index base, ui.format.index_base, as the axes)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from pooling_core import ANSWER_PARTS, CheckResult, Exercise, Explanation
from ui.format import fmt, index_base, ix
from ui.i18n import t
from ui.views import figures
from ui.views.charts import chart
from ui.views.exercise import FIG_KIND, FIG_NAME
from ui.views.narrate import cells_text, span
from ui.views.projector import projector_on
from ui.widgets.fractions import answer_text, frac_text

MAX_EXPLAINED = 8  # sentences shown; the rest are counted


def _key(e: Explanation, base: str) -> str:
    """The sentence's key: an adaptive layer's own wording ("bin (i,j)", its size) when the
    explanation is about a bin."""
    return base + ("_bin" if e.params.get("bin") else "")


def _term(term: dict) -> str:
    """One window's part of an input cell's gradient: dL/dy[i,j], whole or shared."""
    g = frac_text(term["upstream"])
    if term["share"] == 1:
        return t("exercise.term.whole", i=ix(term["i"]), j=ix(term["j"]), g=g)
    return t("exercise.term.shared", i=ix(term["i"]), j=ix(term["j"]), g=g, share=term["share"],
             amount=frac_text(term["amount"]))


def _why_y_max(e: Explanation, ex: Exercise) -> str:
    p, (r, c) = e.params, e.cell
    a, b, ib = len(p["rows"]), len(p["cols"]), index_base()
    text = t(_key(e, "exercise.why.y_max"), i=r + ib, j=c + ib, rows=span(p["rows"], ib),
             cols=span(p["cols"], ib), value=frac_text(p["value"]), cells=cells_text(p["cells"]),
             given=fmt(p["given"]), a=a, b=b)
    if p["pad_cells"]:
        text += " " + t("exercise.why.y_max_pad", n=p["pad_cells"])
    return text


def _why_y_avg(e: Explanation, ex: Exercise) -> str:
    p, (r, c) = e.params, e.cell
    # A bin's sentence names its size a × b (= its divisor) and is counted by nothing.
    key = "exercise.why.y_avg_bin" if p.get("bin") else "exercise.why.y_avg"
    ib = index_base()
    text = t(key, i=r + ib, j=c + ib, rows=span(p["rows"], ib), cols=span(p["cols"], ib),
             real=p["real"], count=p["real"], total=frac_text(p["total"]),
             divisor=p["divisor"], expected=answer_text(p["expected"]), given=fmt(p["given"]),
             a=len(p["rows"]), b=len(p["cols"]))
    if p["divisor"] > p["real"]:
        text += " " + t("exercise.why.y_avg_pad_in", divisor=p["divisor"],
                        n=p["divisor"] - p["real"])
    elif not p["count_include_pad"] and p["pad_cells"]:
        text += " " + t("exercise.why.y_avg_pad_out", real=p["real"], count=p["real"])
    return text


def _why_mask(e: Explanation, ex: Exercise) -> str:
    p, (r, c) = e.params, e.cell
    windows = p["windows"]
    key = _key(e, f"exercise.why.{e.code}" + ("" if windows else "_none"))
    text = t(key, r=ix(r), c=ix(c), n=len(windows), windows=cells_text(windows),
             expected=answer_text(p["expected"]), given=fmt(p["given"]))
    for i, j, wr, wc in p.get("passed_over", [])[:3]:
        text += " " + t(_key(e, "exercise.why.mask_passed_over"), i=ix(i), j=ix(j), wr=ix(wr),
                        wc=ix(wc),
                        policy=p["policy"])
    if e.code == "mask_max" and ex.tied_windows and not p.get("passed_over"):
        text += " " + t("exercise.why.policy_note", policy=p["policy"])
    return text


def _why_grad(e: Explanation, ex: Exercise) -> str:
    p, (r, c) = e.params, e.cell
    terms, expected, given = p["terms"], answer_text(p["expected"]), fmt(p["given"])
    if len(terms) == 1:
        return t(_key(e, "exercise.why.grad_one"), r=ix(r), c=ix(c), i=ix(terms[0]["i"]),
                 j=ix(terms[0]["j"]),
                 term=_term(terms[0]), expected=expected, given=given) + _tie_note(p)
    total = " + ".join(frac_text(term["amount"]) for term in terms).replace("+ -", "− ")
    return t(_key(e, "exercise.why.grad_many"), r=ix(r), c=ix(c), n=len(terms),
             terms="; ".join(_term(term) for term in terms), sum=total,
             expected=expected, given=given) + _tie_note(p)


def _why_grad_none(e: Explanation, ex: Exercise) -> str:
    r, c = e.cell
    mode = "avg" if ex.spec.mode == "avg" else "max"
    return (t(_key(e, f"exercise.why.grad_none_{mode}"), r=ix(r), c=ix(c),
              given=fmt(e.params["given"])) + _tie_note(e.params))


def _tie_note(p: dict) -> str:
    """The misunderstanding behind a wrong dL/dx cell that is a tied maximum
    (pooling_core.marking.tie_reading): the rule of the policy in force, worded with the
    first such window's dL/dy, and the other policy the typed value follows, if any."""
    tied = p.get("tied") or []
    if not tied:
        return ""
    i, j, n = tied[0]
    i, j = ix(i), ix(j)
    text = " " + t("symbolic.tie.where", i=i, j=j, n=n) + " " + t(
        f"symbolic.tie.rule.{p['policy']}", i=i, j=j, n=n)
    if p.get("as_if"):
        text += " " + t("symbolic.tie.as_if", given=fmt(p["given"]), as_if=p["as_if"])
    return text


# The sentence for each kind of wrong cell (pooling_core.exercise's explanation codes).
_WHY: Mapping[str, Callable[[Explanation, Exercise], str]] = {
    "y_max": _why_y_max, "y_avg": _why_y_avg, "mask_max": _why_mask, "mask_avg": _why_mask,
    "grad": _why_grad, "grad_none": _why_grad_none,
}


def explanation_text(e: Explanation, ex: Exercise) -> str:
    """One sentence (or two) with the numbers of a wrong cell of exercise `ex`, in the user's
    language."""
    return _WHY.get(e.code, _why_grad_none)(e, ex)


def _shown_text(text: object) -> str:
    """A typed cell as the feedback heatmap prints it (at most six characters)."""
    s = "" if text is None else str(text).strip()
    return s if len(s) <= 6 else s[:5] + "…"


def show_feedback(ex: Exercise, result: CheckResult, typed: Mapping[str, list[list[str]]],
                  slots: Mapping[str, DeltaGenerator]) -> None:
    """The check's result: in each part's slot (below its editor) its score and the typed
    grid (text as typed, (rows, cols) of the part) with wrong cells outlined; then the total,
    and a sentence for each wrong typed cell (blanks are counted, not explained)."""
    projector = projector_on()
    for part in ANSWER_PARTS:
        res = result.parts[part]
        name = t(f"exercise.part.{part}.name")
        text = [[_shown_text(v) for v in row] for row in typed[part]]
        with slots[part]:
            st.markdown(t("exercise.score.part", correct=res.correct, total=res.total,
                          part=name, count=res.total))
            if res.blank.all():
                continue  # nothing typed: no heatmap of empty cells
            chart(figures.heatmap(res.given, t(f"exercise.yours.{part}"), kind=FIG_KIND[part],
                                  name=FIG_NAME[part], marked=res.wrong & ~res.blank,
                                  text=text, projector=projector, width_px=360),
                  key=f"ex_fig_yours_{part}",
                  alt=t("exercise.alt.yours", part=name, n=int((res.wrong & ~res.blank).sum())))
    st.markdown(t("exercise.score.total", correct=result.correct, total=result.total,
                  percent=round(100 * result.score), count=result.total))
    if result.solved:
        st.success(t("exercise.solved", total=result.total, count=result.total),
                   icon=":material/celebration:")
    blanks = sum(int(r.blank.sum()) for r in result.parts.values())
    if blanks:
        st.caption(t("exercise.blank_count", n=blanks))
    typed_wrong = [e for e in result.explanations if not e.blank]
    if typed_wrong:
        with st.container(key="ex_why"):
            st.markdown(f"**{t('exercise.why.header')}**")
            st.markdown("\n".join(f"- {explanation_text(e, ex)}"
                                  for e in typed_wrong[:MAX_EXPLAINED]))
            if len(typed_wrong) > MAX_EXPLAINED:
                st.caption(t("exercise.why.more", n=len(typed_wrong) - MAX_EXPLAINED))
