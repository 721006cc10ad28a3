"""Exercise: work out y, the mask and dL/dx by hand, then check them cell by cell."""

from __future__ import annotations

import secrets

import numpy as np
import streamlit as st

from pooling_core import (
    ANSWER_PARTS,
    EXERCISE_LEVELS,
    TIE_POLICIES,
    Explanation,
    check,
    generate,
    output_size,
)
from ui.format import fmt, literal
from ui.i18n import t
from ui.links import pagelink
from ui.links.urlstate import EXERCISE_FIELDS, encode_fields
from ui.views import figures
from ui.views.charts import chart
from ui.views.narrate import cells_text, span, step_sentences
from ui.views.projector import projector_on
from ui.widgets import controls
from ui.widgets.fractions import answer_text, frac_text, parse_answer, parse_answers

MAX_SEED = 999_999
MAX_EXPLAINED = 8
FIG_KIND = {"y": "value", "mask": "count", "grad_input": "grad"}
FIG_NAME = {"y": "y", "mask": "mask", "grad_input": "dL/dx"}

MAX_KEPT = 30  # exercises whose typed answers are kept for this session

ss = st.session_state
# Streamlit drops a widget's state when another page runs; plain keys survive, so the chosen
# exercise and the typed answers are kept in them and put back when the page is opened again.
if ss.get("ex_level") not in EXERCISE_LEVELS:
    ss.ex_level = ss.get("ex_saved_level", EXERCISE_LEVELS[0])
if not isinstance(ss.get("ex_seed"), int) or not 0 <= ss.ex_seed <= MAX_SEED:
    ss.ex_seed = ss.get("ex_saved_seed", 1)
ss.setdefault("ex_typed", {})
POLICY_CHOICES = ("", *TIE_POLICIES)  # "": the exercise's own policy
if ss.get("ex_policy") not in POLICY_CHOICES:
    ss.ex_policy = ss.get("ex_saved_policy", "")

link = pagelink.load_fields("exercise", EXERCISE_FIELDS)
if link:  # a classroom link opened on this page: that exercise, and maybe no answers button
    ss.ex_level = link.get("level", ss.ex_level)
    ss.ex_seed = link.get("seed", ss.ex_seed)
    ss.ex_policy = link.get("policy", ss.ex_policy)
    if "hide" in link:
        ss.hide = tuple(link["hide"])  # type: ignore[arg-type]


def _new_exercise() -> None:
    """Callback: a random exercise number (the level stays)."""
    ss.ex_seed = secrets.randbelow(MAX_SEED + 1)


def _hidden() -> set[str]:
    """Classroom options: `hide` may hold a list, a tuple or a comma-separated string."""
    hide = ss.get("hide") or ()
    if isinstance(hide, str):
        hide = hide.split(",")
    return {str(h).strip() for h in hide}


def _term(term: dict) -> str:
    g = frac_text(term["upstream"])
    if term["share"] == 1:
        return t("exercise.term.whole", i=term["i"], j=term["j"], g=g)
    return t("exercise.term.shared", i=term["i"], j=term["j"], g=g, share=term["share"],
             amount=frac_text(term["amount"]))


def explanation_text(e: Explanation) -> str:
    """One sentence (or two) with the numbers of a wrong cell, in the user's language."""
    p = e.params
    expected, given = answer_text(p["expected"]), fmt(p["given"])
    r, c = e.cell
    if e.code == "y_max":
        text = t("exercise.why.y_max", i=r, j=c, rows=span(p["rows"]), cols=span(p["cols"]),
                 value=frac_text(p["value"]), cells=cells_text(p["cells"]), given=given)
        if p["pad_cells"]:
            text += " " + t("exercise.why.y_max_pad", n=p["pad_cells"])
        return text
    if e.code == "y_avg":
        text = t("exercise.why.y_avg", i=r, j=c, rows=span(p["rows"]), cols=span(p["cols"]),
                 real=p["real"], total=frac_text(p["total"]), divisor=p["divisor"],
                 expected=expected, given=given)
        if p["divisor"] > p["real"]:
            text += " " + t("exercise.why.y_avg_pad_in", divisor=p["divisor"],
                            n=p["divisor"] - p["real"])
        elif not p["count_include_pad"] and p["pad_cells"]:
            text += " " + t("exercise.why.y_avg_pad_out", real=p["real"])
        return text
    if e.code in ("mask_max", "mask_avg"):
        windows = p["windows"]
        key = f"exercise.why.{e.code}" + ("" if windows else "_none")
        text = t(key, r=r, c=c, n=len(windows), windows=cells_text(windows), expected=expected,
                 given=given)
        for i, j, wr, wc in p.get("passed_over", [])[:3]:
            text += " " + t("exercise.why.mask_passed_over", i=i, j=j, wr=wr, wc=wc,
                            policy=p["policy"])
        if e.code == "mask_max" and ex.tied_windows and not p.get("passed_over"):
            text += " " + t("exercise.why.policy_note", policy=p["policy"])
        return text
    if e.code == "grad":
        terms = p["terms"]
        if len(terms) == 1:
            return t("exercise.why.grad_one", r=r, c=c, i=terms[0]["i"], j=terms[0]["j"],
                     term=_term(terms[0]), expected=expected, given=given)
        total = " + ".join(frac_text(term["amount"]) for term in terms).replace("+ -", "− ")
        return t("exercise.why.grad_many", r=r, c=c, n=len(terms),
                 terms="; ".join(_term(term) for term in terms), sum=total,
                 expected=expected, given=given)
    mode = "avg" if ex.spec.mode == "avg" else "max"
    return t(f"exercise.why.grad_none_{mode}", r=r, c=c, given=given)


def spec_sentence() -> str:
    spec = ex.spec
    (kh, kw), (sh, sw), (ph, _pw) = spec.k, spec.s, spec.p
    parts = [t(f"exercise.spec.{spec.mode}", kh=kh, kw=kw, sh=sh, sw=sw)]
    if ph == 0:
        parts.append(t("exercise.spec.no_padding"))
    elif spec.mode == "max":
        parts.append(t("exercise.spec.padding_max", p=ph))
    else:
        inout = "in" if spec.count_include_pad else "out"
        parts.append(t(f"exercise.spec.padding_avg_{inout}", p=ph))
    if spec.ceil_mode:
        parts.append(t("exercise.spec.ceil"))
    return ", ".join(parts) + "."


def _shown_text(text: object) -> str:
    s = "" if text is None else str(text).strip()
    return s if len(s) <= 6 else s[:5] + "…"


# ----------------------------------------------------------------- choose an exercise
st.title(t("exercise.title"))
st.markdown(t("exercise.intro"))
pagelink.show_notes("exercise")
c_level, c_seed, c_policy, c_new = st.columns([3, 2, 3, 2], vertical_alignment="bottom")
c_level.selectbox(t("exercise.level"), EXERCISE_LEVELS, key="ex_level",
                  format_func=lambda v: t(f"exercise.level.{v}"))
c_seed.number_input(t("exercise.seed"), min_value=0, max_value=MAX_SEED, step=1, key="ex_seed",
                    help=t("exercise.seed.help"))
c_policy.selectbox(t("exercise.policy"), POLICY_CHOICES, key="ex_policy",
                   format_func=lambda p: t("exercise.policy.own") if not p else
                   f"{p} — {t(f'policy.{p}.who')}",
                   help=t("exercise.policy.help"), disabled=ss.ex_level == "average")
c_new.button(t("exercise.new"), key="ex_new", on_click=_new_exercise, icon=":material/casino:")

ss.ex_saved_level, ss.ex_saved_seed = ss.ex_level, int(ss.ex_seed)
ss.ex_saved_policy = ss.ex_policy

ex = generate(str(ss.ex_level), int(ss.ex_seed), ss.ex_policy or None)
mode = ex.spec.mode
# The exercise's identity (editor keys, kept answers): level and number, and a chosen policy.
ex_id = f"{ex.level}_{ex.seed}" + (f"_{ss.ex_policy}" if ss.ex_policy and mode == "max" else "")
saved = ss.ex_typed.pop(ex_id, {})  # re-inserted below, so the dict keeps recent ones last
H, W = ex.x.shape
OH, OW = ex.output.shape
sizes = output_size(ex.x.shape, ex.spec)

# ----------------------------------------------------------------- the problem
st.subheader(t("exercise.problem.header"))
st.markdown(spec_sentence())
if mode == "max" and (ex.tied_windows or ex.level == "ties"):
    st.markdown(t("exercise.spec.policy", policy=ex.spec.ties,
                  rule=t(f"exercise.rule.{ex.spec.ties}")))
dropped = [t("exercise.dropped", axis=t(f"exercise.axis.{ax}"))
           for ax, a in zip(("height", "width"), sizes, strict=True) if a.dropped_last]
st.markdown(t("exercise.size", h=sizes[0].formula, w=sizes[1].formula))
if dropped:
    st.caption(" ".join(dropped))

ph, pw = ex.spec.p
reach = [(n - 1) * s - p + k for n, s, p, k in zip((OH, OW), ex.spec.s, ex.spec.p, ex.spec.k,
                                                    strict=True)]
pad = (ph, pw, max(ph, reach[0] - H), max(pw, reach[1] - W))
c_x, c_gy = st.columns(2, gap="large")
with c_x:
    chart(figures.heatmap(ex.x, t("exercise.fig.x", h=H, w=W), name="x", pad=pad,
                           projector=projector_on(), width_px=360),
           key="ex_fig_x", alt=t("exercise.alt.x", h=H, w=W))
with c_gy:
    chart(figures.heatmap(ex.grad_output, t("exercise.fig.gy", oh=OH, ow=OW), kind="grad",
                           name="dL/dy", projector=projector_on(), width_px=360),
           key="ex_fig_gy", alt=t("exercise.alt.gy", oh=OH, ow=OW))
    st.caption(t("exercise.gy_caption"))
st.info(t("exercise.task"), icon=":material/edit:")

# ----------------------------------------------------------------- the answers
checked = ss.get("ex_checked") == ex_id
given: dict[str, np.ndarray] = {}
typed: dict[str, list[list[str]]] = {}
slots = {}
for part in ANSWER_PARTS:
    rows_n, cols_n = ex.answers[part].shape
    st.subheader(t(f"exercise.part.{part}.header"))
    st.caption(t(f"exercise.part.{part}.hint_{mode}"))
    # A keyed editor replays its edits onto the saved text, which already holds them.
    base = saved.get(part) or [[""] * cols_n for _ in range(rows_n)]
    typed[part] = controls.grid_editor(
        f"ex_{part}_{ex_id}", base, t("exercise.editor.caption", rows=rows_n, cols=cols_n),
        accepts=lambda text: parse_answer(text) is not None)
    given[part], errors = parse_answers(typed[part])
    if errors:
        shown = ", ".join(
            f"({e.row},{e.col}) “{literal(e.text)}”" if e.text else f"({e.row},{e.col})"
            for e in errors[:6])
        more = t("exercise.more", n=len(errors) - 6) if len(errors) > 6 else ""
        st.error(t("exercise.not_numbers", part=t(f"exercise.part.{part}.name"),
                   cells=shown) + more, icon=":material/error:")
    slots[part] = st.container()  # filled with the feedback after a check
ss.ex_typed[ex_id] = typed
while len(ss.ex_typed) > MAX_KEPT:
    ss.ex_typed.pop(next(iter(ss.ex_typed)))

st.button(t("exercise.check"), key="ex_check", type="primary", icon=":material/task_alt:",
          on_click=lambda: ss.update(ex_checked=ex_id))

# ----------------------------------------------------------------- feedback
if not checked:
    st.caption(t("exercise.check_first"))
else:
    result = check(ex, given)
    for part in ANSWER_PARTS:
        res = result.parts[part]
        name = t(f"exercise.part.{part}.name")
        text = [[_shown_text(v) for v in row] for row in typed[part]]
        with slots[part]:
            st.markdown(t("exercise.score.part", correct=res.correct, total=res.total,
                          part=name))
            if res.blank.all():
                continue  # nothing typed: no heatmap of empty cells
            chart(figures.heatmap(res.given, t(f"exercise.yours.{part}"), kind=FIG_KIND[part],
                                   name=FIG_NAME[part], marked=res.wrong & ~res.blank,
                                   text=text, projector=projector_on(), width_px=360),
                   key=f"ex_fig_yours_{part}",
                   alt=t("exercise.alt.yours", part=name,
                         n=int((res.wrong & ~res.blank).sum())))
    percent = round(100 * result.score)
    st.markdown(t("exercise.score.total", correct=result.correct, total=result.total,
                  percent=percent))
    if result.solved:
        st.success(t("exercise.solved", total=result.total), icon=":material/celebration:")
    blanks = sum(int(r.blank.sum()) for r in result.parts.values())
    if blanks:
        st.caption(t("exercise.blank_count", n=blanks))
    typed_wrong = [e for e in result.explanations if not e.blank]
    if typed_wrong:
        with st.container(key="ex_why"):
            st.markdown(f"**{t('exercise.why.header')}**")
            st.markdown("\n".join(f"- {explanation_text(e)}"
                                   for e in typed_wrong[:MAX_EXPLAINED]))
            if len(typed_wrong) > MAX_EXPLAINED:
                st.caption(t("exercise.why.more", n=len(typed_wrong) - MAX_EXPLAINED))

# ----------------------------------------------------------------- answers
st.divider()
if "answers" in _hidden():
    st.caption(t("exercise.answers_hidden"))
elif ss.get("ex_shown") != ex_id:
    st.button(t("exercise.show"), key="ex_show", icon=":material/visibility:",
              on_click=lambda: ss.update(ex_shown=ex_id))
else:
    st.subheader(t("exercise.answers.header"))
    titles = {
        "y": t("exercise.answers.y"),
        "mask": t(f"exercise.answers.mask_{mode}", policy=ex.spec.ties),
        "grad_input": t("exercise.answers.grad_input"),
    }
    row1, row2 = st.columns(2, gap="large"), st.columns(2, gap="large")
    for col, part in zip((row1[0], row1[1], row2[0]), ANSWER_PARTS, strict=True):
        values = ex.answers[part]
        with col:
            chart(figures.heatmap(values, titles[part], kind=FIG_KIND[part],
                                   name=FIG_NAME[part], projector=projector_on(), width_px=340,
                                   text=[[frac_text(v) for v in row] for row in values]),
                   key=f"ex_fig_answer_{part}", alt=t("exercise.alt.answer", part=titles[part]))
    with st.expander(t("exercise.answers.steps"), icon=":material/list:"):
        st.markdown("\n".join(f"{k + 1}. {s}" for k, s in enumerate(step_sentences(ex.steps))))

# ----------------------------------------------------------------- the link to this exercise
query = encode_fields(EXERCISE_FIELDS, {
    "level": ex.level, "seed": ex.seed,
    "policy": (ss.ex_policy or None) if mode == "max" else None,
    "hide": tuple(h for h in _hidden() if h == "answers"),
})
pagelink.publish(query)
with st.sidebar:
    pagelink.share_box(query, ("answers",), note="classroom.share_note.exercise")
