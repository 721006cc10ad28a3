"""ui_speed (benchmarks/ui_speed.py): the measured scenarios. The default 6 x 6 example
(sidebar numbers, grid cells, the player), a 32 x 32 input with 961 steps loaded from a link,
and cold starts of the server."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from benchmarks.paths import ROOT

# isort: split
import numpy as np
from appserver import start_server, stop_server
from playwright.sync_api import Page
from pw_helpers import PLAYER, open_cell_editor, wait_idle

from benchmarks.pagejs import DONE_JS, WATCH_JS
from benchmarks.ui_speed_page import (
    Meter,
    collect,
    grid_texts,
    load,
    player_root,
    player_steps,
    rerun,
    step_player,
    steps_traffic,
    type_cell,
    type_number,
)
from pooling_core import PoolSpec, pool_forward
from ui.format import fmt
from ui.links.urlstate import encode_grid
from ui.widgets.grid import PRESETS, random_grid

VIEWPORT = {"width": 1280, "height": 4000}  # Streamlit scrolls inside its own container
DEFAULT_X = np.array(PRESETS["overlap_6x6"].grid, dtype=np.float64)


def default_example(page: Page, url: str, n: int, meter: Meter, out: dict) -> None:
    page.goto(url + "/?lang=en")
    page.wait_for_selector(f"{PLAYER} #counter", timeout=60_000)
    wait_idle(page)
    x = DEFAULT_X.copy()
    spec = {"kh": 3, "kw": 3, "sh": 1, "sw": 1}

    def out_texts() -> str:
        s = PoolSpec(kernel_size=(spec["kh"], spec["kw"]), stride=(spec["sh"], spec["sw"]))
        return grid_texts(pool_forward(x, s).output)

    # Parameters: each change gives a different pooled output.
    cycle = [("kh", 2), ("kh", 3), ("sh", 2), ("sh", 1), ("kw", 2), ("kw", 3)]
    times, rows = [], []
    for k in range(n):
        name, value = cycle[k % len(cycle)]
        spec[name] = value
        ms, row = rerun(page, meter, type_number(page, name, value), {"fig_output": out_texts()})
        times.append(ms)
        rows.append(row)
    out["edit_param"] = collect(rows, times)

    # Grid cells: cell (0,0) or (5,5) gets a value never seen before (no cache hit).
    times, rows = [], []
    for k in range(n):
        r, c = ((0, 0), (5, 5))[k % 2]
        x[r, c] = 10 + k
        open_cell_editor(page, r, c)
        ms, row = rerun(page, meter, type_cell(page, r, c, fmt(x[r, c])),
                        {"fig_input": grid_texts(x), "fig_output": out_texts()})
        times.append(ms)
        rows.append(row)
    out["edit_cell"] = collect(rows, times)
    player_steps(page, meter, n, out)


def big_input(page: Page, url: str, n: int, meter: Meter, out: dict) -> None:
    x = random_grid(32, 32, 0, 0, 4, True)
    spec = PoolSpec(kernel_size=2, stride=1)
    link = url + "/?" + urlencode({"x": encode_grid(x.tolist()), "k": "2", "s": "1",
                                   "lang": "en"})
    meter.start()
    ms = load(page, link, {"fig_input": grid_texts(x),
                           "fig_output": grid_texts(pool_forward(x, spec).output)})
    wait_idle(page)
    out["big_link_load"] = {"ms": [ms], "ws_bytes_received": [meter.stop()["ws_bytes_received"]]}
    steps = pool_forward(x, spec).output.size
    assert steps == 961

    times, rows = [], []
    for k in range(n):
        r, c = ((0, 0), (1, 1))[k % 2]
        x[r, c] = 100 + k  # new every time: a full recompute, every chart and the player change
        open_cell_editor(page, r, c)
        want = {"fig_input": grid_texts(x), "fig_output": grid_texts(pool_forward(x, spec).output)}
        frame_want = (f"x[0,0] = {fmt(x[0, 0])}", f"Step 1 / {steps}")
        ms, row = rerun(page, meter, type_cell(page, r, c, fmt(x[r, c])), want, frame_want)
        times.append(ms)
        rows.append(row)
    out["big_edit_cell"] = collect(rows, times)

    # The jump slider (a rerun that changes only the step): ArrowRight on its thumb.
    thumb = page.locator(".st-key-jump input[type=range]")
    times, rows = [], []
    for k in range(1, min(n, 10) + 1):
        i, j = divmod(k, 31)
        thumb.focus()
        ms, row = rerun(page, meter, lambda: thumb.press("ArrowRight"), {},
                        (f"x[0,0] = {fmt(x[0, 0])}", f"Step {k + 1} / {steps}"),
                        {"fig_input": f"Input x — window ({i},{j})"}, key="ArrowRight")
        times.append(ms)
        rows.append(row)
    out["big_jump_slider"] = collect(rows, times)

    # From the middle of the 961 steps: "next" applies one step; "prev" is a jump (replay).
    root = player_root(page)
    for button, name in (("next", "big_player_next"), ("prev", "big_player_prev")):
        root.evaluate("root => { const s = root.querySelector('#scrub'); s.value = 480; "
                      "s.dispatchEvent(new Event('input')); }")
        t, row = step_player(page, button, n, meter)
        out[name] = {"ms": t, **steps_traffic(row)}


def cold_starts(browser, runs: int, log_path: Path, out: dict, app_root: Path = ROOT) -> None:
    times = []
    want = {"fig_input": grid_texts(DEFAULT_X)}
    for _ in range(runs):
        context = browser.new_context(viewport=VIEWPORT, locale="en-US")
        page = context.new_page()
        proc, url, spawned = start_server(log_path, app_root)
        try:
            page.goto(url + "/?lang=en", wait_until="commit")
            page.evaluate(WATCH_JS, [want, None, {}, "__never__"])
            page.evaluate("() => { window.__bench.t0 = 0; }")
            page.evaluate(DONE_JS)
            painted = page.evaluate("() => performance.timeOrigin + window.__bench.t1")
            times.append(painted - spawned * 1000)
        finally:
            context.close()
            stop_server(proc)
    out["cold_start"] = {"ms": times}

