"""Exercise: work out y, the mask and dL/dx by hand, then check them cell by cell."""

from __future__ import annotations

import secrets

import streamlit as st

from pooling_core import EXERCISE_LEVELS, TIE_POLICIES, check, generate
from ui.exports.worksheet_view import worksheet_section
from ui.i18n import t
from ui.links import pagelink
from ui.links.urlstate import EXERCISE_FIELDS, encode_fields
from ui.state import keep
from ui.views.exercise import show_answers, show_problem
from ui.views.feedback import show_feedback
from ui.widgets.answers import answer_editors

MAX_SEED = 999_999
POLICY_CHOICES = ("", *TIE_POLICIES)  # "": the exercise's own policy
# The chosen exercise, kept across pages (ui.state.keep); a value no longer offered falls back.
DEFAULTS: dict[str, object] = {"ex_level": EXERCISE_LEVELS[0], "ex_seed": 1, "ex_policy": ""}
VALID = {
    "ex_level": lambda v: v in EXERCISE_LEVELS,
    "ex_seed": lambda v: isinstance(v, int) and 0 <= v <= MAX_SEED,
    "ex_policy": lambda v: v in POLICY_CHOICES,
}


def apply_link() -> bool:
    """A classroom link opened on this page: its exercise, and maybe no answers button.
    Whether there was one."""
    link = pagelink.load_fields("exercise", EXERCISE_FIELDS)
    if not link:
        return False
    ss = st.session_state
    ss.ex_level = link.get("level", ss.ex_level)
    ss.ex_seed = link.get("seed", ss.ex_seed)
    ss.ex_policy = link.get("policy", ss.ex_policy)
    if "hide" in link:
        ss.hide = tuple(link["hide"])  # type: ignore[arg-type]
    return True


def new_exercise() -> None:
    """Callback: a random exercise number (the level stays)."""
    st.session_state.ex_seed = secrets.randbelow(MAX_SEED + 1)


def hidden() -> set[str]:
    """Classroom options: `hide` may hold a list, a tuple or a comma-separated string."""
    hide = st.session_state.get("hide") or ()
    if isinstance(hide, str):
        hide = hide.split(",")
    return {str(h).strip() for h in hide}


def choose_exercise() -> None:
    """The level, the exercise number, the tie policy and a button for a random number."""
    c_level, c_seed, c_policy, c_new = st.columns([3, 2, 3, 2], vertical_alignment="bottom")
    c_level.selectbox(t("exercise.level"), EXERCISE_LEVELS, key="ex_level",
                      format_func=lambda v: t(f"exercise.level.{v}"))
    c_seed.number_input(t("exercise.seed"), min_value=0, max_value=MAX_SEED, step=1,
                        key="ex_seed", help=t("exercise.seed.help"))
    c_policy.selectbox(t("exercise.policy"), POLICY_CHOICES, key="ex_policy",
                       format_func=lambda p: t("exercise.policy.own") if not p else
                       f"{p} — {t(f'policy.{p}.who')}",
                       help=t("exercise.policy.help"),
                       disabled=st.session_state.ex_level == "average")
    c_new.button(t("exercise.new"), key="ex_new", on_click=new_exercise,
                 icon=":material/casino:")


def page() -> None:
    """Choose an exercise, type the three answers, check them, maybe show the answers."""
    ss = st.session_state
    keep(DEFAULTS, VALID)
    if apply_link():
        keep(DEFAULTS, VALID)  # the link's exercise is the one kept

    st.title(t("exercise.title"))
    st.markdown(t("exercise.intro"))
    pagelink.show_notes("exercise")
    choose_exercise()

    ex = generate(str(ss.ex_level), int(ss.ex_seed), ss.ex_policy or None)
    policy = ss.ex_policy if ex.spec.mode == "max" else ""  # a chosen policy, if it applies
    # The exercise's identity (editor keys, kept answers): level and number, and the policy.
    ex_id = f"{ex.level}_{ex.seed}" + (f"_{policy}" if policy else "")
    show_problem(ex)

    typed, given, slots = answer_editors(ex, ex_id)
    st.button(t("exercise.check"), key="ex_check", type="primary", icon=":material/task_alt:",
              on_click=lambda: ss.update(ex_checked=ex_id))
    if ss.get("ex_checked") == ex_id:
        show_feedback(ex, check(ex, given), typed, slots)
    else:
        st.caption(t("exercise.check_first"))

    st.divider()
    if "answers" in hidden():
        st.caption(t("exercise.answers_hidden"))
    elif ss.get("ex_shown") != ex_id:
        st.button(t("exercise.show"), key="ex_show", icon=":material/visibility:",
                  on_click=lambda: ss.update(ex_shown=ex_id))
    else:
        show_answers(ex)
    if "answers" not in hidden():  # the worksheet carries an answer key
        worksheet_section(ex.level, ex.seed, policy or None)

    query = encode_fields(EXERCISE_FIELDS, {
        "level": ex.level, "seed": ex.seed, "policy": policy or None,
        "hide": tuple(h for h in hidden() if h == "answers"),
    })
    pagelink.publish(query)
    with st.sidebar:
        pagelink.share_box(query, ("answers",), note="classroom.share_note.exercise")


page()
