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
  (no server round trip).
* The same on a 32x32 input with kernel 2, stride 1 (961 steps), loaded with a classroom link
  (ui.links.urlstate.encode_grid): a cell edit (a full rerun: every chart and the player change, the
  player's grids are rebuilt) with the websocket bytes the browser receives for it, a jump of
  the step slider, and player steps.
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
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "tests" / "browser"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import numpy as np  # noqa: E402
from appserver import CHROMIUM_ARGS, start_server, stop_server  # noqa: E402
from playwright.sync_api import Locator, Page, sync_playwright  # noqa: E402
from pw_helpers import PLAYER, grid_cell, open_cell_editor, wait_idle  # noqa: E402

from pooling_core import PoolSpec, pool_forward  # noqa: E402
from ui.format import fmt  # noqa: E402
from ui.links.urlstate import encode_grid  # noqa: E402
from ui.widgets.grid import PRESETS, random_grid  # noqa: E402

VIEWPORT = {"width": 1280, "height": 4000}  # Streamlit scrolls inside its own container
DEFAULT_X = np.array(PRESETS["overlap_6x6"].grid, dtype=np.float64)
TARGETS_MS = {  # metric -> (p50 target, p95 target) in ms; None: no target of its own
    "edit_param": (250, 500), "edit_cell": (250, 500),
    "player_next": (50, 50), "player_prev": (50, 50),
    "big_edit_cell": (1500, 1500), "big_player_next": (50, 50), "big_player_prev": (50, 50),
    "big_jump_slider": (None, None), "big_link_load": (None, None),
    "cold_start": (5000, 5000),
}
BYTES_TARGET = 2 * 1024 * 1024

# --------------------------------------------------------------------------- in-page probes
# Installed just before the interaction: records the committing key's timeStamp and resolves
# once `ready()` holds (checked every animation frame) and that frame has been painted.
WATCH_JS = """
([want, frameWant, titleWant, keyName]) => {
  const B = window.__bench = {t0: null, t1: null, ran: keyName === '__never__'};
  const onKey = e => { if (e.key === keyName && B.t0 === null) B.t0 = e.timeStamp; };
  document.addEventListener('keydown', onKey, true);
  const app0 = document.querySelector('[data-testid=stApp]');
  const seen = new MutationObserver(() => {
    if (app0.getAttribute('data-test-script-state') === 'running') B.ran = true;
  });
  if (app0) seen.observe(app0, {attributes: true, attributeFilter: ['data-test-script-state']});
  function playerRoot() {  // the step player's shadow root
    const host = document.querySelector('__PLAYER__');
    if (!host) return null;
    for (const e of host.querySelectorAll('*')) if (e.shadowRoot) return e.shadowRoot;
    return host;
  }
  function labels(key) {
    const els = document.querySelectorAll('.st-key-' + key + ' g.heatmap-label text');
    const pts = [];
    for (const e of els) pts.push([Math.round(parseFloat(e.getAttribute('y'))),
                                   parseFloat(e.getAttribute('x')), e.textContent]);
    pts.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    return pts.map(p => p[2]).join('|');
  }
  function ready() {
    const app = document.querySelector('[data-testid=stApp]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    if (document.querySelector('[data-testid=stSkeleton]')) return false;
    for (const [key, text] of Object.entries(want)) if (labels(key) !== text) return false;
    for (const [key, text] of Object.entries(titleWant)) {
      const t = document.querySelector('.st-key-' + key + ' .gtitle');
      if (!t || t.textContent !== text) return false;
    }
    if (frameWant) {
      const d = playerRoot();
      const cell = d && d.querySelector('#gx .cell');
      const counter = d && d.querySelector('#counter');
      if (!cell || cell.title !== frameWant[0]) return false;
      if (!counter || counter.textContent !== frameWant[1]) return false;
    }
    return true;
  }
  // What is waited for must be new: the page cannot show it before the interaction.
  // (Whether a 'running' state was seen is not asked: a fast rerun's start and end can reach
  // React in one batch, and the attribute never shows 'running'.)
  const already = keyName !== '__never__' && ready();
  B.done = new Promise((resolve, reject) => {
    if (already) { reject(new Error('the wanted state is already shown before the interaction'));
                   return; }
    const limit = setTimeout(() => {
      const app = document.querySelector('[data-testid=stApp]');
      const charts = {};
      for (const [key, text] of Object.entries(want)) {
        const got = labels(key);
        let i = 0;
        while (i < got.length && got[i] === text[i]) i++;
        charts[key] = got === text ? 'ok' : {differsAt: i, got: got.slice(i, i + 60),
                                              want: text.slice(i, i + 60)};
      }
      const d = playerRoot();
      const cell = d && d.querySelector('#gx .cell');
      reject(new Error('not painted within 60 s: ' + JSON.stringify({
        keySeen: B.t0 !== null, rerunSeen: B.ran,
        state: app && app.getAttribute('data-test-script-state'),
        skeleton: !!document.querySelector('[data-testid=stSkeleton]'), charts: charts,
        frame: frameWant && [cell && cell.title, d && d.querySelector('#counter') &&
                             d.querySelector('#counter').textContent, frameWant],
        titles: Object.keys(titleWant).map(k => {
          const t = document.querySelector('.st-key-' + k + ' .gtitle');
          return [t && t.textContent, titleWant[k]]; })})));
    }, 60000);
    function tick() {
      if (B.t0 !== null && ready()) {
        requestAnimationFrame(() => setTimeout(() => {
          B.t1 = performance.now(); clearTimeout(limit); seen.disconnect();
          document.removeEventListener('keydown', onKey, true); resolve(B.t1 - B.t0);
        }, 0));
        return;
      }
      requestAnimationFrame(tick);
    }
    requestAnimationFrame(tick);
  });
}
""".replace("__PLAYER__", PLAYER)
DONE_JS = "() => window.__bench.done"

# In the player (its root element is given): click -> the counter changed -> that frame painted.
PLAYER_WATCH_JS = """
(root, buttonId) => {
  const B = window.__pb = {};
  const counter = root.querySelector('#counter');
  const before = counter.textContent;
  B.done = new Promise((resolve, reject) => {
    const limit = setTimeout(() => reject(new Error('no click within 30 s')), 30000);
    root.querySelector('#' + buttonId).addEventListener('click', e => {
      const t0 = e.timeStamp;
      requestAnimationFrame(() => setTimeout(() => {
        clearTimeout(limit);
        resolve({ms: performance.now() - t0, changed: counter.textContent !== before,
                 counter: counter.textContent});
      }, 0));
    }, {capture: true, once: true});
  });
}
"""
PLAYER_DONE_JS = "() => window.__pb.done"


# --------------------------------------------------------------------------- server
# --------------------------------------------------------------------------- page helpers
class WsBytes:
    """Bytes of websocket frames the page receives / sends (Streamlit's /_stcore/stream)."""

    def __init__(self, page: Page) -> None:
        self.received = 0
        self.sent = 0
        page.on("websocket", self._attach)

    def _attach(self, ws) -> None:
        ws.on("framereceived", lambda payload: self._add("received", payload))
        ws.on("framesent", lambda payload: self._add("sent", payload))

    def _add(self, field: str, payload: str | bytes) -> None:
        n = len(payload.encode()) if isinstance(payload, str) else len(payload)
        setattr(self, field, getattr(self, field) + n)

    def reset(self) -> None:
        self.received = self.sent = 0


def server_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by process `pid` (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Meter:
    """Per interaction: websocket bytes, and CPU time of the page's renderer process, its main
    thread and the server. CPU times hardly depend on what else the machine runs, so they
    show what a change saves even when wall times are noisy."""

    def __init__(self, page: Page, server_pid: int) -> None:
        self.ws = WsBytes(page)
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Performance.enable")
        self.pid = server_pid
        self.rows: dict[str, list[float]] = {}

    def _snap(self) -> tuple[float, float, float]:
        m = {x["name"]: x["value"] for x in self.cdp.send("Performance.getMetrics")["metrics"]}
        return m["ProcessTime"], m["ThreadTime"], server_cpu_s(self.pid)

    def start(self) -> None:
        self.ws.reset()
        self._t0 = self._snap()

    def stop(self) -> dict[str, float]:
        t1 = self._snap()
        row = {"ws_bytes_received": self.ws.received, "ws_bytes_sent": self.ws.sent,
               "renderer_cpu_ms": (t1[0] - self._t0[0]) * 1e3,
               "main_thread_cpu_ms": (t1[1] - self._t0[1]) * 1e3,
               "server_cpu_ms": (t1[2] - self._t0[2]) * 1e3}
        return row


def collect(rows: list[dict[str, float]], ms: list[float]) -> dict[str, list[float]]:
    """{"ms": [...], "ws_bytes_received": [...], "renderer_cpu_ms": [...], ...}"""
    out: dict[str, list[float]] = {"ms": ms}
    for row in rows:
        for k, v in row.items():
            out.setdefault(k, []).append(v)
    return out


def grid_texts(a: np.ndarray) -> str:
    return "|".join(fmt(v) for v in np.asarray(a, dtype=np.float64).ravel())


def player_root(page: Page) -> Locator:
    """The step player's root element (in the component's shadow root)."""
    return page.locator(f"{PLAYER} #player")


def measure(page: Page, act: Callable[[], None], want: dict[str, str],
            frame_want: tuple[str, str] | None = None, title_want: dict[str, str] | None = None,
            key: str = "Enter") -> float:
    """Milliseconds from the `key` keydown inside `act` to the matching state painted."""
    page.evaluate(WATCH_JS, [want, frame_want, title_want or {}, key])
    act()
    return float(page.evaluate(DONE_JS))


def type_cell(page: Page, r: int, c: int, text: str) -> Callable[[], None]:
    def act() -> None:
        cell = grid_cell(page, r, c)
        cell.fill(text)
        cell.press("Enter")
    return act


def type_number(page: Page, key: str, value: int) -> Callable[[], None]:
    def act() -> None:
        box = page.locator(f".st-key-{key} input")
        box.fill(str(value))
        box.press("Enter")
    return act


def load(page: Page, url: str, charts: dict[str, str]) -> float:
    """Open `url`; ms from navigation start to the charts painted with the given texts."""
    page.goto(url, wait_until="commit")
    page.evaluate(WATCH_JS, [charts, None, {}, "__never__"])
    page.evaluate("() => { window.__bench.t0 = 0; }")  # navigation start = time origin
    return float(page.evaluate(DONE_JS))


def step_player(page: Page, button: str, n: int, meter: Meter) -> tuple[list[float], dict]:
    """Click the player's `button` n times; in-frame ms per click, and the meter's totals over
    the n clicks (websocket bytes must stay 0: no server round trip)."""
    root = player_root(page)
    times = []
    meter.start()
    for _ in range(n):
        root.evaluate(PLAYER_WATCH_JS, button)
        root.locator(f"#{button}").click()
        got = page.evaluate(PLAYER_DONE_JS)
        assert got["changed"], f"#{button} did not change the counter ({got['counter']})"
        times.append(float(got["ms"]))
    page.wait_for_timeout(300)
    return times, meter.stop()


def rerun(page: Page, meter: Meter, act: Callable[[], None], want: dict[str, str],
          frame_want: tuple[str, str] | None = None, title_want: dict[str, str] | None = None,
          key: str = "Enter") -> tuple[float, dict]:
    """One measured interaction that reruns the script, then wait until all is quiet."""
    meter.start()
    ms = measure(page, act, want, frame_want, title_want, key)
    wait_idle(page, settle_ms=200)
    return ms, meter.stop()


def player_steps(page: Page, meter: Meter, n: int, out: dict) -> None:
    for button, name in (("next", "player_next"), ("prev", "player_prev")):
        times: list[float] = []
        traffic = 0
        while len(times) < n:  # a few steps at a time from the first (or last) step
            root = player_root(page)
            root.locator("#first" if button == "next" else "#last").click()
            total = int(root.locator("#counter").inner_text().split("/")[-1])  # "Step a / b"
            t, row = step_player(page, button, min(n - len(times), 15, total - 1), meter)
            times += t
            traffic += row["ws_bytes_received"] + row["ws_bytes_sent"]
        out[name] = {"ms": times, "ws_bytes": traffic}


# --------------------------------------------------------------------------- scenarios
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
    thumb = page.locator(".st-key-step input[type=range]")
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
        out[name] = {"ms": t, "ws_bytes": row["ws_bytes_received"] + row["ws_bytes_sent"]}


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


# --------------------------------------------------------------------------- report
def pct(values: list[float], q: float) -> float:
    v = sorted(values)
    if len(v) == 1:
        return v[0]
    pos = (len(v) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def summarise(raw: dict) -> list[dict]:
    rows = []
    for name, data in raw.items():
        ms = data["ms"]
        p50_t, p95_t = TARGETS_MS.get(name, (None, None))
        row = {"metric": name, "n": len(ms), "p50_ms": statistics.median(ms),
               "p95_ms": pct(ms, 0.95), "max_ms": max(ms), "target_p50_ms": p50_t,
               "target_p95_ms": p95_t}
        ok = True
        if p50_t is not None:
            ok &= row["p50_ms"] <= p50_t
        if p95_t is not None:
            ok &= row["p95_ms"] <= p95_t
        if "ws_bytes_received" in data:
            b = data["ws_bytes_received"]
            row["ws_kb_median"] = statistics.median(b) / 1024
            row["ws_kb_max"] = max(b) / 1024
            if name == "big_edit_cell":
                row["target_ws_kb"] = BYTES_TARGET / 1024
                ok &= max(b) <= BYTES_TARGET
        if "ws_bytes" in data:
            row["ws_bytes_during_steps"] = data["ws_bytes"]
            ok &= data["ws_bytes"] == 0
        for k in ("renderer_cpu_ms", "main_thread_cpu_ms", "server_cpu_ms"):
            if k in data:
                row[k + "_median"] = statistics.median(data[k])
        row["ok"] = bool(ok) if (p50_t is not None or "ws_bytes" in data) else None
        rows.append(row)
    return rows


def print_table(rows: list[dict]) -> None:
    head = f"{'metric':18} {'n':>3} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'target':>11} " \
           f"{'ws KB (med/max)':>16}  {'ok':>3}   CPU ms, median: browser/main thread/server"
    print(head)
    print("-" * len(head))
    for r in rows:
        target = "" if r["target_p50_ms"] is None else (
            f"{r['target_p50_ms']}/{r['target_p95_ms']}" if r["target_p50_ms"] !=
            r["target_p95_ms"] else f"{r['target_p50_ms']}")
        if "ws_kb_median" in r:
            ws = f"{r['ws_kb_median']:.1f}/{r['ws_kb_max']:.1f}"
        elif "ws_bytes_during_steps" in r:
            ws = f"{r['ws_bytes_during_steps']} B"
        else:
            ws = ""
        ok = {True: "yes", False: "NO", None: "-"}[r["ok"]]
        cpu = ""
        if "renderer_cpu_ms_median" in r:
            cpu = (f"{r['renderer_cpu_ms_median']:.0f}/{r['main_thread_cpu_ms_median']:.0f}/"
                   f"{r['server_cpu_ms_median']:.0f}")
        print(f"{r['metric']:18} {r['n']:>3} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} "
              f"{r['max_ms']:>8.1f} {target:>11} {ws:>16}  {ok:>3}   {cpu}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=30, help="interactions per measurement")
    ap.add_argument("--cold", type=int, default=5, help="cold starts")
    ap.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" /
                    "ui_speed.json")
    ap.add_argument("--only", choices=("default", "big", "cold"), action="append",
                    help="run only these parts (repeatable)")
    ap.add_argument("--app-root", type=Path, default=ROOT,
                    help="serve the app of another checkout (e.g. the code before a change)")
    args = ap.parse_args()
    parts = set(args.only or ("default", "big", "cold"))
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    load_before = os.getloadavg()
    print(f"cpu_count={os.cpu_count()} loadavg(1,5,15)={tuple(round(v, 2) for v in load_before)}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    log_path = args.json.parent / "ui_speed_server.log"
    log_path.write_bytes(b"")
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
    print(f"\ncpu_count={os.cpu_count()} loadavg before={tuple(round(v, 2) for v in load_before)}"
          f" after={tuple(round(v, 2) for v in load_after)}  ({time.time() - started:.0f} s)")
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
