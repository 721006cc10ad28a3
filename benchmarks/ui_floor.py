"""How fast can a cell edit be on this stack? The Explorer's cell edit beside pages made of
fewer of its own parts, in one run.

Run from the repository root (needs Debian's `chromium`; about a minute):

    .venv/bin/python benchmarks/ui_floor.py [--n 30] [--json PATH]

Issue 19 asks a cell edit on the default example to be painted within 120 ms (p50). This
measures how much of that any Streamlit page needs, whatever it shows, by timing the same
interaction as `ui_speed.py` (a grid cell typed and committed with Enter, to the rerun over
and the changed heatmaps painted, on the page's own clock) on three pages served at once:

* `bare`: a page of two elements, a number box and a line of text (`y = 2 * x`) in a
  fragment; its number is typed and committed with Enter. What a Streamlit rerun costs.
* `editor_1chart`: the Explorer's grid editor (the default 6x6 example) and the heatmap of
  its max pool (kernel 3, stride 1) drawn by the Explorer's chart component, in a fragment,
  as the Explorer's grid fragment does.
* `editor_2charts`: the same with the input's heatmap too.
* `editor_4charts`: the grid editor and the Explorer's four heatmaps (input, output, wins
  per cell, dL/dx for dL/dy all ones), from the Explorer's own `ui.compute.compute`.
* `explorer`: the Explorer itself, the default example, a cell edit (ui_speed's
  `edit_cell`).

The pages built here use the app's own modules (grid editor, chart component, figure builder,
pooling_core) and its Streamlit configuration, in a temporary folder; their server freezes its
start-up objects for the garbage collector as app.py does, so a rerun costs each server the
same overhead. The pages are measured in turns (a few edits of each, again and again), so a
change in the machine's load reaches all of them alike. Medians and p95; the CPU columns are
the browser's renderer, its main thread and the server, per edit.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

if (_root := str(Path(__file__).resolve().parents[1])) not in sys.path:
    sys.path.insert(0, _root)  # run as a script: the repository root, for `benchmarks.*`
from benchmarks.paths import RESULTS, ROOT  # noqa: E402  (also tests/browser on sys.path)

# isort: split
from appserver import CHROMIUM_ARGS, start_server, stop_server  # noqa: E402
from playwright.sync_api import Page, sync_playwright  # noqa: E402
from pw_helpers import IDLE_JS, open_cell_editor  # noqa: E402

from benchmarks.ui_speed_page import Meter, collect, grid_texts, measure, type_cell  # noqa: E402
from benchmarks.ui_speed_report import load_line, print_table, run_start, summarise  # noqa: E402
from benchmarks.ui_speed_scenarios import DEFAULT_X, VIEWPORT  # noqa: E402
from pooling_core import PoolSpec, pool_forward  # noqa: E402
from ui.format import fmt  # noqa: E402

SPEC = PoolSpec(kernel_size=3, stride=1)  # the default example's layer

# The pages of parts (`?page=bare|editor_1chart|editor_2charts`), served from a temporary
# folder beside the app's .streamlit/ configuration and static/ folder (plotly.js).
FLOOR_APP = '''
import gc
import sys

sys.path.insert(0, {root!r})
import numpy as np
import streamlit as st

from pooling_core import PoolSpec, pool_forward
from ui.compute import compute
from ui.views import figures
from ui.views.charts import chart
from ui.widgets.inputs import grid_editor


@st.cache_resource(show_spinner=False)
def _freeze() -> bool:  # as app.py does: Streamlit collects garbage after every run
    gc.collect()
    gc.freeze()
    return True


_freeze()
st.set_page_config(layout="wide")
PAGE = st.query_params.get("page", "bare")


@st.fragment
def body() -> None:
    if PAGE == "bare":
        v = st.number_input("x", 0, 10**6, 1, key="bare_x")
        st.text(f"y = {{2 * v}}")
        return
    rows = grid_editor("floor_grid", {start!r}, "x")
    x = np.array([[float(s) for s in r] for r in rows])
    spec = PoolSpec(kernel_size=3, stride=1)
    y = pool_forward(x, spec).output
    c1, c2 = st.columns(2, gap="large")
    if PAGE in ("editor_2charts", "editor_4charts"):
        with c1:
            chart(figures.heatmap(x, "x", name="x"), "fig_input", "x")
    with c2:
        chart(figures.heatmap(y, "y", name="y"), "fig_output", "y")
    if PAGE == "editor_4charts":
        res = compute(x, np.ones(y.shape), spec)
        c1, c2 = st.columns(2, gap="large")
        with c1:
            chart(figures.heatmap(res.wins, "wins", kind="count", name="n"), "fig_mask", "n")
        with c2:
            chart(figures.heatmap(res.grad_input, "dL/dx", kind="grad", name="dL/dx"),
                  "fig_grad_input", "dL/dx")


body()
'''


def floor_folder() -> Path:
    """A folder with the floor pages' app.py, the app's .streamlit/ and static/."""
    d = Path(tempfile.mkdtemp(prefix="ui-floor-"))
    start = [[fmt(v) for v in row] for row in DEFAULT_X]
    (d / "app.py").write_text(FLOOR_APP.format(root=str(ROOT), start=start))
    shutil.copytree(ROOT / ".streamlit", d / ".streamlit")
    (d / "static").symlink_to(ROOT / "static")
    return d


def settle(page: Page, ms: int = 200) -> None:
    """Wait until the page's run is over, drawn, and no chart is drawing, then `ms` more.

    pw_helpers' IDLE_JS without its count of finished runs (the tracker is not installed in
    these pages): that count can miss the first run of a page this small, which then never
    looks idle."""
    page.wait_for_function(IDLE_JS)
    page.wait_for_timeout(ms)


def open_page(page: Page, url: str, ready: str) -> None:
    page.goto(url)
    page.wait_for_selector(ready, timeout=60_000)
    settle(page, 1500)


class CellEdits:
    """Cell edits of a page with the default example's grid: (0,0) and (5,5) in turns, each
    a value never seen before; the heatmaps in `charts` must show their new numbers."""

    def __init__(self, page: Page, meter: Meter, charts: tuple[str, ...]) -> None:
        self.page, self.meter, self.charts = page, meter, charts
        self.x = DEFAULT_X.copy()
        self.k = 0

    def want(self) -> dict[str, str]:
        texts = {"fig_input": grid_texts(self.x),
                 "fig_output": grid_texts(pool_forward(self.x, SPEC).output)}
        return {k: texts[k] for k in self.charts}

    def __call__(self) -> tuple[float, dict]:
        r, c = ((0, 0), (5, 5))[self.k % 2]
        self.x[r, c] = 10 + self.k
        self.k += 1
        open_cell_editor(self.page, r, c)
        self.meter.start()
        ms = measure(self.page, type_cell(self.page, r, c, fmt(self.x[r, c])), self.want())
        settle(self.page)
        return ms, self.meter.stop()


class BareEdits:
    """The bare page: its number box gets a new number; y = 2x must show it."""

    def __init__(self, page: Page, meter: Meter) -> None:
        self.page, self.meter, self.v = page, meter, 1

    def __call__(self) -> tuple[float, dict]:
        self.v += 1
        box = self.page.locator(".st-key-bare_x input")
        box.fill(str(self.v))
        want = f"y = {2 * self.v}"
        self.meter.start()
        self.page.evaluate(BARE_WATCH_JS, want)
        box.press("Enter")
        ms = float(self.page.evaluate("() => window.__floor.done"))  # the run is over
        settle(self.page)
        return ms, self.meter.stop()


# As pagejs.WATCH_JS, for the bare page: from the Enter keydown to the rerun over with the
# new text shown, and that frame painted.
BARE_WATCH_JS = """
(want) => {
  const F = window.__floor = {t0: null};
  const onKey = e => { if (e.key === 'Enter' && F.t0 === null) F.t0 = e.timeStamp; };
  document.addEventListener('keydown', onKey, true);
  F.done = new Promise((resolve) => {
    function tick() {
      const app = document.querySelector('[data-testid=stApp]');
      const text = [...document.querySelectorAll('[data-testid=stText]')].map(e => e.textContent);
      if (F.t0 !== null && app && app.getAttribute('data-test-script-state') === 'notRunning'
          && text.includes(want)) {
        requestAnimationFrame(() => setTimeout(() => {
          document.removeEventListener('keydown', onKey, true);
          resolve(performance.now() - F.t0); }, 0));
        return;
      }
      requestAnimationFrame(tick);
    }
    requestAnimationFrame(tick);
  });
}
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=30, help="edits per page")
    ap.add_argument("--per-turn", type=int, default=5, help="edits of one page in a row")
    ap.add_argument("--json", type=Path, default=RESULTS / "ui_floor.json")
    args = ap.parse_args()
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    load_before, log_path = run_start(args.json, "ui_floor_server.log")
    folder = floor_folder()
    raw: dict[str, dict] = {}
    started = time.time()
    servers = []
    try:
        app_proc, app_url, _ = start_server(log_path)
        servers.append(app_proc)
        floor_proc, floor_url, _ = start_server(log_path, folder)
        servers.append(floor_proc)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            try:
                edits: dict[str, Callable[[], tuple[float, dict]]] = {}
                for name, url, pid, ready, charts in (
                        ("bare", f"{floor_url}/?page=bare", floor_proc.pid,
                         "[data-testid=stText]", None),
                        ("editor_1chart", f"{floor_url}/?page=editor_1chart", floor_proc.pid,
                         ".st-key-fig_output .pbe-chart", ("fig_output",)),
                        ("editor_2charts", f"{floor_url}/?page=editor_2charts", floor_proc.pid,
                         ".st-key-fig_output .pbe-chart", ("fig_input", "fig_output")),
                        ("editor_4charts", f"{floor_url}/?page=editor_4charts", floor_proc.pid,
                         ".st-key-fig_grad_input .pbe-chart", ("fig_input", "fig_output")),
                        ("explorer", f"{app_url}/?lang=en", app_proc.pid,
                         ".st-key-fig_output .pbe-chart", ("fig_input", "fig_output"))):
                    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
                    context.set_default_timeout(60_000)
                    page = context.new_page()
                    meter = Meter(page, pid)  # before the page opens its websocket
                    open_page(page, url, ready)
                    edits[name] = (BareEdits(page, meter) if charts is None
                                   else CellEdits(page, meter, charts))
                    raw[name] = {"ms": [], "rows": []}
                done = 0
                while done < args.n:  # in turns: a few edits of each page, again and again
                    batch = min(args.per_turn, args.n - done)
                    for name, edit in edits.items():
                        for _ in range(batch):
                            ms, row = edit()
                            raw[name]["ms"].append(ms)
                            raw[name]["rows"].append(row)
                    done += batch
            finally:
                browser.close()
    finally:
        for proc in servers:
            stop_server(proc)
        shutil.rmtree(folder, ignore_errors=True)
    load_after = os.getloadavg()
    results = {name: collect(d["rows"], d["ms"]) for name, d in raw.items()}
    rows = summarise(results)
    print()
    print_table(rows)
    explorer = next(r for r in rows if r["metric"] == "explorer")["p50_ms"]
    print("\np50 as a share of the Explorer's cell edit: " + ", ".join(
        f"{r['metric']} {r['p50_ms'] / explorer:.2f}" for r in rows))
    print(load_line(load_before, load_after, time.time() - started))
    args.json.write_text(json.dumps({
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpu_count": os.cpu_count(), "loadavg_before": load_before,
                    "loadavg_after": load_after},
        "summary": rows, "raw": results}, indent=1))
    print(f"written {args.json}")


if __name__ == "__main__":
    main()
