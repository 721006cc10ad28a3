"""Widget values kept across reruns and page visits: one helper, `keep`, used by every page.

Streamlit forgets a widget's value when the widget is not drawn in a run: the tie-policy box
in average mode, dL/dy while the input is invalid, and every widget of a page while another
page runs. `keep` makes a page's values outlive that:

    from ui.state import keep

    keep({"ties_k": 2, "ties_s": 2, "ties_open_policy": "split"})   # first lines of page()
    st.number_input("Kernel", 1, 32, key="ties_k")                   # no `value=`: the state has it

For each key, on every run of the page, before its widgets are drawn:

1. a key missing from the session (a new session, or a widget Streamlit just dropped) takes
   its kept copy, else its default; a value another page set on purpose (e.g. Ties' *Open in
   the Explorer* writing the Explorer's keys) is present and wins;
2. a value that `valid` refuses (e.g. a level a newer version no longer has) is replaced the
   same way;
3. the value is written back (`ss[key] = ss[key]`: it now belongs to the session, not to the
   widget, so it stays this run even if its widget is not drawn) and copied to the one plain
   dictionary under `KEPT_KEY`, which no widget owns and so survives visits to other pages.

Keys must be unique across pages (prefix them: `ties_`, `nl_`, `ex_`); they share that one copy.
Call `keep` before the widgets of those keys are drawn in the run (Streamlit refuses a write to
a widget's key after the widget exists), and draw those widgets without `value=`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import streamlit as st

KEPT_KEY = "kept_widget_values"  # {key: value} of every kept key, as its page last ran


def keep(defaults: Mapping[str, object],
         valid: Mapping[str, Callable[[object], bool]] | None = None) -> None:
    """Keep the session-state keys of `defaults` ({key: default value}) across runs and pages.

    `valid` ({key: predicate}, optional) refuses values of some keys; a refused value is
    replaced by the kept copy when that passes, else by the default. See the module docstring.
    """
    ss = st.session_state
    kept: dict[str, object] = ss.setdefault(KEPT_KEY, {})
    checks = valid or {}
    for key, default in defaults.items():
        ok = checks.get(key, lambda _v: True)
        if key not in ss or not ok(ss[key]):
            ss[key] = kept[key] if key in kept and ok(kept[key]) else default
        ss[key] = ss[key]
        kept[key] = ss[key]

