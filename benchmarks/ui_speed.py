"""How fast the Explorer answers in a real browser (headless Chromium through Playwright).

Run from the repository root (needs Debian's `chromium`; takes a few minutes):

    .venv/bin/python benchmarks/ui_speed.py [--n 30] [--cold 5] [--json PATH]

It starts its own `streamlit run app.py` on a free loopback port and measures, on this machine:

* edit_param / edit_cell (default 6x6 example): from the Enter key that commits a sidebar
  number (kernel or stride) or a grid cell, to the rerun being over
  (`[data-testid=stApp][data-test-script-state=notRunning]`) with the changed heatmaps
  (fig_input / fig_output) showing the numbers pooling_core gives, painted. Every cell edit
  writes a new value, so the server computes it afresh (no cache hit).
* player_next / player_prev: a click on the step player's next / previous button to its
  next painted frame, measured in the page; the websocket must stay silent
  (no server round trip), but for the player's own step reports: 350 ms after the student
  stops, the player tells the server the step (a rerun: the jump slider and the link follow
  it), so when the machine is slow enough that two clicks come more than 350 ms apart, the
  bytes of those reruns are counted and the reports listed under the table.
* The same on a 32x32 input with kernel 2, stride 1 (961 steps), loaded with a classroom link
  (ui.links.urlstate.encode_grid): a cell edit (a full rerun: every chart and the player change, the
  player's grids are rebuilt) with the websocket bytes the browser receives for it, a jump of
  the step slider, and player steps. Cells that small are drawn in colour only (no numbers:
  ui/assets/chart.js MIN_TEXT_PX), so there a chart is done when Plotly has drawn the data
  whose texts are pooling_core's numbers.
* cold_start: from spawning `streamlit run` to the first painted chart in a fresh page.

"Painted" is taken in the page: a requestAnimationFrame loop checks the DOM every frame, and
once it matches, one more frame plus a zero timeout is waited (the frame that shows the change
has been drawn). Times are the page's own clock (event.timeStamp to that point), so
Playwright's round trips are not in them. Medians and p95: the machine is shared, so the load
average is printed before and after and stored with the results (benchmarks/results/ui_speed.json).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

if (_root := str(Path(__file__).resolve().parents[1])) not in sys.path:
    sys.path.insert(0, _root)  # run as a script: the repository root, for `benchmarks.*`
from benchmarks.paths import RESULTS, ROOT  # noqa: E402  (also tests/browser on sys.path)

# isort: split
from appserver import CHROMIUM_ARGS, start_server, stop_server  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from benchmarks.ui_speed_page import Meter  # noqa: E402
from benchmarks.ui_speed_report import load_line, print_table, run_start, summarise  # noqa: E402
from benchmarks.ui_speed_scenarios import (  # noqa: E402
    VIEWPORT,
    big_input,
    cold_starts,
    default_example,
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=30, help="interactions per measurement")
    ap.add_argument("--cold", type=int, default=5, help="cold starts")
    ap.add_argument("--json", type=Path, default=RESULTS / "ui_speed.json")
    ap.add_argument("--only", choices=("default", "big", "cold"), action="append",
                    help="run only these parts (repeatable)")
    ap.add_argument("--app-root", type=Path, default=ROOT,
                    help="serve the app of another checkout (e.g. the code before a change)")
    args = ap.parse_args()
    parts = set(args.only or ("default", "big", "cold"))
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    load_before, log_path = run_start(args.json, "ui_speed_server.log")
    raw: dict[str, dict] = {}
    started = time.time()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        chromium_version = browser.version
        try:
            if parts & {"default", "big"}:
                proc, url, _ = start_server(log_path, args.app_root)
                try:
                    for part, fn in (("default", default_example), ("big", big_input)):
                        if part not in parts:
                            continue
                        context = browser.new_context(viewport=VIEWPORT, locale="en-US")
                        context.set_default_timeout(60_000)
                        page = context.new_page()
                        try:
                            fn(page, url, args.n, Meter(page, proc.pid), raw)
                        finally:
                            context.close()
                finally:
                    stop_server(proc)
            if "cold" in parts:
                cold_starts(browser, args.cold, log_path, raw, args.app_root)
        finally:
            browser.close()
    load_after = os.getloadavg()
    rows = summarise(raw)
    print()
    print_table(rows)
    print("\n" + load_line(load_before, load_after, time.time() - started))
    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "git": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True).stdout.strip(),
        "app_root": str(args.app_root),
        "machine": {"cpu_count": os.cpu_count(), "loadavg_before": load_before,
                    "loadavg_after": load_after, "platform": platform.platform(),
                    "python": platform.python_version()},
        "chromium": f"{chromium} {chromium_version}",
        "summary": rows,
        "raw": raw,
    }
    args.json.write_text(json.dumps(result, indent=1))
    print(f"written {args.json}")


if __name__ == "__main__":
    main()
