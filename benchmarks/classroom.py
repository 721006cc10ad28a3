"""A whole class at once: N headless browser sessions working the Explorer against one server.

Run from the repository root (needs Debian's `chromium`; a 20 x 20 run takes about 5 minutes):

    .venv/bin/python benchmarks/classroom.py [--sessions 20] [--interactions 20]
        [--browsers 2] [--think 1.0 3.0] [--ramp 30] [--after-wait 5] [--hard-stop 900]
        [--json PATH]

It starts one `streamlit run app.py` on a free loopback port (the flags of
tests/browser/conftest.py) and opens the app once (the teacher: imports and caches are warm
before the class). Then N students, each a fresh browser context (its own Streamlit session)
spread over a few Chromium processes:

1. the class opens the link: first page loads spread over --ramp seconds;
2. once every page is open (or has failed to open), all students work at the same time, each
   doing --interactions actions in a fixed rotation with a random think time between them:

    kernel   type another kernel height into the sidebar and press Enter
    player   click the step player's "next" (runs in the browser: no server round trip)
    stride   type another stride height and press Enter
    cell     edit a grid cell to a value no one else uses (a cache miss on the server)
    preset   choose another example in the select box
    load     click "Load example"

An interaction's latency is the wall time from the committing event (Enter, click) to the
page being idle again: a script run that started after the event has finished (its
script_finished message seen on the websocket) and
`[data-testid=stApp][data-test-script-state=notRunning]` with no `stSkeleton` left; for the
player, until its step counter has changed. Each server round trip is also split, on the
page's clock, into commit -> the server says the script is running -> script finished.
The browsers run on this machine too, so latencies include their rendering (on a small
machine, mostly theirs); in a classroom each student's device does that part. The server's
CPU time per script run is the number to size a server from.

Errors: an exception element on the page, a timeout (--timeout s per interaction,
--open-timeout s per first load), or any other failure of an interaction. Sampled every
0.5 s: the server's resident memory (VmRSS of the streamlit process, /proc/<pid>/status), its
CPU time (/proc/<pid>/stat), the browsers' memory (every process this script started other
than the server) and the load average.

Prints errors, p50 / p95 latency (overall and per kind), the server's peak RSS and CPU time
per script run, the machine's core count and load; writes JSON to
benchmarks/results/classroom.json (git-ignored). Bounded: at most 200 sessions x 200
interactions, and everything is stopped after --hard-stop seconds (15 minutes by default).
Only 127.0.0.1. Exit status: 0 without errors, 1 with errors, 2 if the hard stop was reached.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for _p in (ROOT, ROOT / "tests" / "browser"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from appserver import CHROMIUM_ARGS, start_server, stop_server  # noqa: E402
from playwright.async_api import Browser, Page, async_playwright, expect  # noqa: E402
from playwright.async_api import Error as PlaywrightError  # noqa: E402
from pw_helpers import GRID, PLAYER  # noqa: E402

from ui.i18n import t  # noqa: E402
from ui.widgets.grid import PRESETS  # noqa: E402

VIEWPORT = {"width": 1366, "height": 768}  # a school laptop's screen
KINDS = ("kernel", "player", "stride", "cell", "preset", "load")
MAX_SESSIONS = MAX_INTERACTIONS = 200
PRESET_NAMES = {key: t(f"preset.{key}", lang="en") for key in PRESETS}
COUNTER = f"{PLAYER} #counter"  # the step player's step counter (in its shadow root)

IDLE_JS = """() => {
  const app = document.querySelector('[data-testid=stApp]');
  return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
      && !document.querySelector('[data-testid=stSkeleton]');
}"""
# Script runs, counted from the websocket itself (a fast run may never show "running" in the
# DOM: React can batch its start and end into one render). Installed before the page loads: it
# wraps WebSocket and scans each binary ForwardMsg's top-level protobuf fields for
# script_finished (field 6; value 2 = FINISHED_EARLY_FOR_RERUN is not the end of a run) and
# session_status_changed (field 9) with script_is_running (its field 2) set. Keeps the page-clock
# times of the last 50 starts and ends.
WS_PROBE_JS = """(() => {
  if (window.__classroom) return;
  const c = window.__classroom = {finished: 0, starts: [], ends: []};
  const keep = (list, v) => { list.push(v); if (list.length > 50) list.shift(); };
  const varint = (b, i) => {
    let v = 0, s = 0, x;
    do { x = b[i++]; v += (x & 127) * 2 ** s; s += 7; } while (x & 128 && i < b.length);
    return [v, i];
  };
  const fields = (b, cb) => {
    let i = 0;
    while (i < b.length) {
      let t, v; [t, i] = varint(b, i);
      const f = Math.floor(t / 8), w = t & 7;
      if (w === 0) { [v, i] = varint(b, i); if (cb(f, w, v) === false) return; }
      else if (w === 2) { [v, i] = varint(b, i); if (cb(f, w, b.subarray(i, i + v)) === false)
                            return; i += v; }
      else if (w === 1) i += 8; else if (w === 5) i += 4; else return;
    }
  };
  const scan = b => {
    const now = performance.now();
    fields(b, (f, w, v) => {
      if (f === 6 && w === 0) { if (v !== 2) { c.finished++; keep(c.ends, now); } return false; }
      if (f === 9 && w === 2) {
        fields(v, (g, w2, x) => { if (g === 2 && w2 === 0 && x) keep(c.starts, now); });
        return false;
      }
    });
  };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', e => {
        try {
          const d = e.data;
          if (d instanceof ArrayBuffer) scan(new Uint8Array(d));
          else if (d instanceof Blob) d.arrayBuffer().then(x => scan(new Uint8Array(x)));
        } catch (err) { /* never break the app */ }
      });
    }
  };
})();"""
RUN_DONE_JS = "before => window.__classroom.finished > before && (" + IDLE_JS + ")()"
# After a run: (first start after t0 - t0, last end - that start), in ms of the page's clock.
RUN_PARTS_JS = """t0 => {
  const c = window.__classroom, s = c.starts.find(v => v >= t0), e = c.ends.at(-1);
  return s === undefined ? [null, null] : [s - t0, e - s];
}"""


# --------------------------------------------------------------------------- records
@dataclass
class Sample:
    session: int
    index: int
    kind: str
    latency_s: float | None
    error: str | None = None
    until_run_s: float | None = None  # commit -> the page shows the script running
    run_s: float | None = None  # the page shows the script running -> not running


@dataclass
class Timed:
    latency_s: float
    until_run_s: float | None = None
    run_s: float | None = None


@dataclass
class Run:
    samples: list[Sample] = field(default_factory=list)
    opens: list[float] = field(default_factory=list)
    open_errors: list[str] = field(default_factory=list)
    memory: list[dict] = field(default_factory=list)
    work: list[float] = field(default_factory=list)  # monotonic start and end of the work


class Barrier:
    """All students start working together, once every page has opened (or failed to)."""

    def __init__(self, n: int) -> None:
        self.left, self.event = n, asyncio.Event()

    def arrive(self) -> None:
        self.left -= 1
        if self.left <= 0:
            self.event.set()


async def time_work(run: Run, barrier: Barrier, students: list) -> list:
    """Run the students; note when they all start working (the barrier) and when they end."""

    async def started() -> None:
        await barrier.event.wait()
        run.work.append(time.monotonic())

    marker = asyncio.create_task(started())
    results = await asyncio.gather(*students, return_exceptions=True)
    if not marker.done():
        marker.cancel()
        run.work.append(time.monotonic())
    run.work.append(time.monotonic())
    return results


class InteractionError(Exception):
    """An interaction that could not be carried out (not a timeout)."""


# --------------------------------------------------------------------------- server
# --------------------------------------------------------------------------- /proc
CLK_TCK = os.sysconf("SC_CLK_TCK")


def rss_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return 0


def cpu_s(pid: int) -> float | None:
    """User + system CPU time of a process (threads included), in seconds."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def descendants(root: int) -> set[int]:
    """Every process below `root` (from each process' parent id in /proc/<pid>/stat)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = set(), [root]
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in out:
                out.add(c)
                todo.append(c)
    return out


async def sample_memory(server_pid: int, run: Run, stop: asyncio.Event,
                        every_s: float = 0.5) -> None:
    start = time.monotonic()
    while not stop.is_set():
        clients = descendants(os.getpid()) - {server_pid} - descendants(server_pid)
        run.memory.append({
            "t_s": round(time.monotonic() - start, 2),
            "mono": time.monotonic(),
            "server_rss_kb": rss_kb(server_pid),
            "server_cpu_s": cpu_s(server_pid),
            "browsers_rss_kb": sum(rss_kb(p) or 0 for p in clients),
            "loadavg_1min": os.getloadavg()[0],
        })
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every_s)


# --------------------------------------------------------------------------- page actions
async def wait_idle(page: Page, timeout_ms: float) -> None:
    await page.wait_for_function(IDLE_JS, timeout=timeout_ms)


async def open_app(page: Page, url: str, timeout_ms: float) -> None:
    await page.goto(url, timeout=timeout_ms)
    await page.wait_for_selector(COUNTER, timeout=timeout_ms)
    await wait_idle(page, timeout_ms)
    counter = page.locator(COUNTER)
    await expect(counter).not_to_have_text("", timeout=timeout_ms)
    if not await page.evaluate("() => !!window.__classroom"):
        raise InteractionError("the websocket probe is not installed")


async def timed_run(page: Page, commit: Callable[[], Awaitable[None]], timeout_ms: float) -> Timed:
    """From `commit()` to the end of a script run that started after it (and idle)."""
    before, t0 = await page.evaluate("() => [window.__classroom.finished, performance.now()]")
    start = time.perf_counter()
    await commit()
    await page.wait_for_function(RUN_DONE_JS, arg=before, timeout=timeout_ms, polling="raf")
    latency = time.perf_counter() - start
    until_run, run = await page.evaluate(RUN_PARTS_JS, t0)
    return Timed(latency, None if until_run is None else until_run / 1000,
                 None if run is None else run / 1000)


async def set_number(page: Page, key: str, choices: tuple[str, str], timeout_ms: float) -> Timed:
    box = page.locator(f".st-key-{key} input")
    current = await box.input_value()
    await box.fill(choices[1] if current == choices[0] else choices[0])
    return await timed_run(page, lambda: box.press("Enter"), timeout_ms)


async def step_player(page: Page, timeout_ms: float) -> Timed:
    """Click next (prev on the last step) and wait for the player's counter to change."""
    counter = page.locator(COUNTER)
    before = await counter.inner_text(timeout=timeout_ms)
    k, _, n = before.removeprefix("Step ").partition(" / ")
    button = page.locator(f"{PLAYER} #{'prev' if k.strip() == n.strip() else 'next'}")
    handle = await counter.element_handle(timeout=timeout_ms)
    start = time.perf_counter()
    await button.click(timeout=timeout_ms)
    await page.wait_for_function("([el, b]) => el.textContent !== b", arg=[handle, before],
                                 timeout=timeout_ms, polling="raf")
    return Timed(time.perf_counter() - start)


async def edit_cell(page: Page, r: int, c: int, text: str, timeout_ms: float) -> Timed:
    cell = page.locator(f"{GRID} #cell-{r}-{c}").first
    await cell.click(timeout=timeout_ms)
    await cell.fill(text, timeout=timeout_ms)
    return await timed_run(page, lambda: cell.press("Enter"), timeout_ms)


async def choose_preset(page: Page, key: str, timeout_ms: float) -> Timed:
    await page.locator(".st-key-preset [role=combobox]").click(timeout=timeout_ms)
    option = page.get_by_role("option", name=PRESET_NAMES[key], exact=True)
    return await timed_run(page, lambda: option.click(timeout=timeout_ms), timeout_ms)


async def load_preset(page: Page, timeout_ms: float) -> Timed:
    button = page.locator(".st-key-load_preset button")
    return await timed_run(page, lambda: button.click(timeout=timeout_ms), timeout_ms)


# --------------------------------------------------------------------------- one student
async def student(sid: int, browser: Browser, url: str, args: argparse.Namespace, run: Run,
                  rng: random.Random, barrier: Barrier) -> None:
    timeout_ms = args.timeout * 1000
    await asyncio.sleep(rng.uniform(0, args.ramp))
    context = await browser.new_context(viewport=VIEWPORT, locale="en-US")
    context.set_default_timeout(timeout_ms)
    await context.add_init_script(WS_PROBE_JS)
    try:
        page = await context.new_page()
        start = time.perf_counter()
        try:
            await open_app(page, f"{url}/?lang=en", args.open_timeout * 1000)
        except (PlaywrightError, AssertionError, InteractionError) as e:
            run.open_errors.append(f"session {sid}: {type(e).__name__}: "
                                   f"{str(e).splitlines()[0][:200] if str(e) else ''}")
            return
        finally:
            barrier.arrive()
        run.opens.append(time.perf_counter() - start)
        await barrier.event.wait()
        presets = list(PRESETS)
        preset = "overlap_6x6"  # the one a new session shows
        for i in range(args.interactions):
            await asyncio.sleep(rng.uniform(*args.think))
            kind = KINDS[i % len(KINDS)]
            timed: Timed | None = None
            error = None
            try:
                if kind == "kernel":
                    timed = await set_number(page, "kh", ("2", "3"), timeout_ms)
                elif kind == "stride":
                    timed = await set_number(page, "sh", ("1", "2"), timeout_ms)
                elif kind == "player":
                    timed = await step_player(page, timeout_ms)
                elif kind == "cell":
                    value = f"{sid + 1}.{i + 1:02d}"  # unique: every edit is a cache miss
                    timed = await edit_cell(page, i % 3, (i // 3) % 4, value, timeout_ms)
                elif kind == "preset":
                    preset = rng.choice([p for p in presets if p != preset])
                    timed = await choose_preset(page, preset, timeout_ms)
                else:
                    timed = await load_preset(page, timeout_ms)
            except (PlaywrightError, AssertionError, InteractionError) as e:
                name = "timeout" if "Timeout" in type(e).__name__ or "Timeout" in str(e)[:80] \
                    else type(e).__name__
                error = f"{name}: {str(e).splitlines()[0][:200] if str(e) else ''}"
            try:
                shown = await page.locator("[data-testid=stException]").all_inner_texts()
            except PlaywrightError as e:
                shown = [f"page unusable: {e}"]
            if shown:
                error = (error + "; " if error else "") + "exception on page: " + \
                    " | ".join(s[:200] for s in shown)
            if error or timed is None:
                run.samples.append(Sample(sid, i, kind, None, error or "no result"))
            else:
                run.samples.append(Sample(sid, i, kind, timed.latency_s, None,
                                          timed.until_run_s, timed.run_s))
            if error:
                try:  # recover for the next interaction: reload the session's own link
                    await open_app(page, page.url, timeout_ms)
                except (PlaywrightError, AssertionError):
                    break
    finally:
        await context.close()



# --------------------------------------------------------------------------- protocol clients
# --clients ws: each student is a websocket speaking Streamlit's own protocol (BackMsg /
# ForwardMsg protobufs on /_stcore/stream), as the browser does, but with nothing to render:
# the latency is the server's answer, and one machine can play a large class. Like the
# browser, each rerun carries the value of every widget the student has set so far (the new
# one included; a button's trigger only once); the player (a pure browser feature) becomes a
# jump of the step slider, which is a server round trip.
WS_KINDS = {"player": "step"}


class WsStudent:
    """One Streamlit session driven over the websocket."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.ids: dict[str, str] = {}  # widget key -> widget id (from the last run)
        self.query = "lang=en"
        self.edits: dict[str, dict] = {}  # grid editor key -> its cumulative edited_rows
        self.values: dict[str, object] = {}  # widget id -> the last WidgetState sent
        self.steps = 1

    async def rerun(self, widgets: list, timeout_s: float) -> tuple[float, list[str]]:
        """Send a rerun with these widget states; wait for the run's end. Returns (seconds,
        exception messages drawn)."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        msg.rerun_script.query_string = self.query
        sent = {**self.values, **{w.id: w for w in widgets}}
        msg.rerun_script.widget_states.widgets.extend(sent.values())
        self.values = {i: w for i, w in sent.items() if w.WhichOneof("value") != "trigger_value"}
        start = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        exceptions: list[str] = []
        ids: dict[str, str] = {}
        deadline = start + timeout_s
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"no script_finished within {timeout_s:.0f} s")
            fm = ForwardMsg()
            fm.ParseFromString(await asyncio.wait_for(self.ws.recv(), timeout=left))
            kind = fm.WhichOneof("type")
            if kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                el = fm.delta.new_element
                name = el.WhichOneof("type")
                if name == "exception":
                    exceptions.append(f"{el.exception.type}: {el.exception.message}"[:200])
                    continue
                wid = getattr(getattr(el, name), "id", "") if name else ""
                if wid.startswith("$$ID-"):
                    ids[wid.rsplit("-", 1)[-1]] = wid
                if name == "slider" and wid.endswith("-step"):
                    self.steps = int(el.slider.max) + 1
            elif kind == "page_info_changed":
                self.query = fm.page_info_changed.query_string
            elif kind == "script_finished" and fm.script_finished != 2:  # 2: early, rerun
                break
        if ids:
            self.ids = ids
            alive = set(ids.values())  # widgets no longer on the page are not sent again
            self.values = {i: w for i, w in self.values.items() if i in alive}
        return time.perf_counter() - start, exceptions

    def widget(self, key: str):
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        if key not in self.ids:
            raise InteractionError(f"no widget with key {key!r} on the page")
        return WidgetState(id=self.ids[key])

    def param(self, name: str) -> str:
        """The first number of a pair parameter (k, s) in the page's query string."""
        from urllib.parse import parse_qs

        return parse_qs(self.query).get(name, ["0"])[0].split("x")[0]


async def ws_student(sid: int, url: str, args: argparse.Namespace, run: Run,
                     rng: random.Random, barrier: Barrier) -> None:
    import websockets

    await asyncio.sleep(rng.uniform(0, args.ramp))
    stream = url.replace("http://", "ws://") + "/_stcore/stream"
    try:
        ws = await asyncio.wait_for(
            websockets.connect(stream, subprotocols=["streamlit"], max_size=None),
            timeout=args.open_timeout)
    except (OSError, TimeoutError, websockets.WebSocketException) as e:
        run.open_errors.append(f"session {sid}: connect: {type(e).__name__}: {e}")
        barrier.arrive()
        return
    async with ws:
        me = WsStudent(ws)
        try:
            latency, shown = await me.rerun([], args.open_timeout)
            if shown:
                raise InteractionError("exception on page: " + " | ".join(shown))
        except (TimeoutError, InteractionError, websockets.WebSocketException) as e:
            run.open_errors.append(f"session {sid}: {type(e).__name__}: {e}")
            return
        finally:
            barrier.arrive()
        run.opens.append(latency)
        await barrier.event.wait()
        presets = list(PRESETS)
        preset = "overlap_6x6"
        for i in range(args.interactions):
            await asyncio.sleep(rng.uniform(*args.think))
            kind = KINDS[i % len(KINDS)]
            kind = WS_KINDS.get(kind, kind)
            error, latency = None, None
            try:
                if kind in ("kernel", "stride"):
                    key, (a, b), q = (("kh", ("2", "3"), "k") if kind == "kernel"
                                      else ("sh", ("1", "2"), "s"))
                    w = me.widget(key)
                    w.double_value = float(b if me.param(q) == a else a)
                    widgets = [w]
                elif kind == "step":
                    w = me.widget("step")
                    w.double_array_value.data.append(float(rng.randrange(me.steps)))
                    widgets = [w]
                elif kind == "cell":
                    editor = next((k for k in me.ids if k.startswith("grid_editor_")), None)
                    if editor is None:
                        raise InteractionError("no grid editor on the page")
                    rows = me.edits.setdefault(editor, {})
                    rows.setdefault(str(i % 3), {})[str((i // 3) % 4)] = f"{sid + 1}.{i + 1:02d}"
                    w = me.widget(editor)
                    w.json_value = json.dumps({"edited_rows": rows})
                    widgets = [w]
                elif kind == "preset":
                    preset = rng.choice([p for p in presets if p != preset])
                    w = me.widget("preset")
                    w.string_value = PRESET_NAMES[preset]
                    widgets = [w]
                else:
                    w = me.widget("load_preset")
                    w.trigger_value = True
                    widgets = [w]
                latency, shown = await me.rerun(widgets, args.timeout)
                if shown:
                    error = "exception on page: " + " | ".join(shown)
            except (TimeoutError, InteractionError, websockets.WebSocketException) as e:
                error = f"{type(e).__name__}: {e}"
            run.samples.append(Sample(sid, i, kind, None if error else latency, error,
                                      None, None if error else latency))
            if isinstance(error, str) and "ConnectionClosed" in error:
                break

# --------------------------------------------------------------------------- summary
def pct(values: list[float], q: float) -> float | None:
    """q-th percentile (0-100), nearest rank."""
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q / 100 * len(s) + 0.5) - 1))]


def stats(values: list[float]) -> dict[str, float | int | None]:
    return {"n": len(values), "p50_s": pct(values, 50), "p95_s": pct(values, 95),
            "max_s": max(values) if values else None,
            "mean_s": statistics.fmean(values) if values else None}


def summarise(run: Run, args: argparse.Namespace, baseline: dict, after: dict,
              elapsed_s: float, hard_stopped: bool) -> dict:
    ok = [s.latency_s for s in run.samples if s.latency_s is not None]
    server = [m["server_rss_kb"] for m in run.memory if m["server_rss_kb"]]
    browsers = [m["browsers_rss_kb"] for m in run.memory]
    cpu = [m["server_cpu_s"] for m in run.memory if m["server_cpu_s"] is not None]
    loads = [m["loadavg_1min"] for m in run.memory]
    # Script runs on the server: one per first load, one per interaction except the player's.
    server_runs = len(run.opens) + sum(1 for s in run.samples if s.kind != "player")
    cpu_used = (cpu[-1] - baseline["server_cpu_s"]) if cpu else None
    peak = max(server) if server else None
    reruns = [s for s in run.samples if s.kind != "player" and s.latency_s is not None]
    work_s = run.work[1] - run.work[0] if len(run.work) == 2 else None
    # CPU over the work phase only (first loads excluded), from the samples inside it.
    in_work = [m["server_cpu_s"] for m in run.memory
               if work_s and m["server_cpu_s"] is not None
               and run.work[0] <= m["mono"] <= run.work[1]]
    return {
        "clients": args.clients,
        "sessions": args.sessions, "interactions_per_session": args.interactions,
        "browsers": args.browsers, "think_s": list(args.think), "ramp_s": args.ramp,
        "elapsed_s": round(elapsed_s, 1), "hard_stopped": hard_stopped,
        "interactions_done": len(run.samples),
        "errors": sum(1 for s in run.samples if s.error) + len(run.open_errors),
        "latency": stats(ok),
        "latency_by_kind": {k: stats([s.latency_s for s in run.samples
                                      if s.kind == k and s.latency_s is not None])
                            for k in dict.fromkeys(s.kind for s in run.samples)},
        "until_run": stats([s.until_run_s for s in reruns if s.until_run_s is not None]),
        "run": stats([s.run_s for s in reruns if s.run_s is not None]),
        "open": stats(run.opens),
        "server_rss_mb": {
            "cold": round(baseline["cold_server_rss_kb"] / 1024, 1),
            "baseline": round(baseline["server_rss_kb"] / 1024, 1),
            "peak": round(peak / 1024, 1) if peak else None,
            "after_sessions_closed": round(after["server_rss_kb"] / 1024, 1)
            if after.get("server_rss_kb") else None,
            "after_wait_s": after.get("wait_s"),
            "peak_minus_baseline_per_session": round(
                (peak - baseline["server_rss_kb"]) / 1024 / max(1, args.sessions), 2)
            if peak else None,
        },
        "server_cpu_s": round(cpu_used, 2) if cpu_used is not None else None,
        "server_script_runs": server_runs,
        "work_phase_s": round(work_s, 1) if work_s else None,
        "server_runs_per_s_while_working": round(len(reruns) / work_s, 2) if work_s else None,
        "server_cpu_share_while_working": round((in_work[-1] - in_work[0]) / work_s, 2)
        if work_s and len(in_work) > 1 else None,
        "server_cpu_ms_per_run": round(1000 * cpu_used / server_runs, 1)
        if cpu_used is not None and server_runs else None,
        "browsers_rss_mb_peak": round(max(browsers) / 1024, 1) if browsers else None,
        "loadavg_1min": {"max_during": max(loads) if loads else None},
    }


def fmt_s(v: float | None) -> str:
    return "-" if v is None else f"{v:.3f}"


def report(summary: dict, run: Run, machine: dict) -> None:
    print()
    errors = [s for s in run.samples if s.error]
    print(f"errors: {summary['errors']}")
    for e in run.open_errors[:10]:
        print(f"  open  {e}")
    for s in errors[:20]:
        print(f"  s{s.session:02d} #{s.index:02d} {s.kind:7s} {s.error}")
    if len(errors) > 20:
        print(f"  ... and {len(errors) - 20} more")
    lat = summary["latency"]
    print(f"interactions: {summary['interactions_done']} of "
          f"{summary['sessions'] * summary['interactions_per_session']}  "
          f"latency p50 {fmt_s(lat['p50_s'])} s  p95 {fmt_s(lat['p95_s'])} s  "
          f"max {fmt_s(lat['max_s'])} s")
    for kind, st in summary["latency_by_kind"].items():
        print(f"  {kind:7s} n={st['n']:4d}  p50 {fmt_s(st['p50_s'])} s  "
              f"p95 {fmt_s(st['p95_s'])} s  max {fmt_s(st['max_s'])} s")
    for name, label in (("until_run", "commit -> running"), ("run", "running -> done")):
        st = summary[name]
        print(f"  {label:18s} p50 {fmt_s(st['p50_s'])} s  p95 {fmt_s(st['p95_s'])} s "
              "(server round trips, page clock)")
    op = summary["open"]
    print(f"first load: n={op['n']} p50 {fmt_s(op['p50_s'])} s  p95 {fmt_s(op['p95_s'])} s")
    mem = summary["server_rss_mb"]
    print(f"server RSS: {mem['cold']} MB just started, {mem['baseline']} MB warm (no session), "
          f"peak {mem['peak']} MB (+{mem['peak_minus_baseline_per_session']} MB per session), "
          f"{mem['after_sessions_closed']} MB {mem['after_wait_s']} s after the sessions closed")
    print(f"server CPU: {summary['server_cpu_s']} s for {summary['server_script_runs']} script "
          f"runs = {summary['server_cpu_ms_per_run']} ms per run; while the class worked "
          f"({summary['work_phase_s']} s): {summary['server_runs_per_s_while_working']} "
          f"runs/s, {summary['server_cpu_share_while_working']} of a core")
    print(f"browsers' RSS peak: {summary['browsers_rss_mb_peak']} MB")
    print(f"machine: {machine['cpu_count']} cores; load average before "
          f"{machine['loadavg_before']}, max during {summary['loadavg_1min']['max_during']}, "
          f"after {machine['loadavg_after']}; {summary['elapsed_s']} s")


# --------------------------------------------------------------------------- main
async def ws_classroom(args: argparse.Namespace, url: str, server_pid: int, run: Run) -> dict:
    stop = asyncio.Event()
    cold_rss = rss_kb(server_pid)
    teacher = Barrier(1)
    await ws_student(-1, url, argparse.Namespace(**{**vars(args), "interactions": 0, "ramp": 0}),
                     Run(), random.Random(0), teacher)  # warm-up: imports, first run
    await asyncio.sleep(1)
    baseline = {"server_rss_kb": rss_kb(server_pid), "server_cpu_s": cpu_s(server_pid),
                "cold_server_rss_kb": cold_rss}
    sampler = asyncio.create_task(sample_memory(server_pid, run, stop))
    barrier = Barrier(args.sessions)
    results = await time_work(run, barrier, [
        ws_student(i, url, args, run, random.Random(args.seed * 1000 + i), barrier)
        for i in range(args.sessions)])
    for i, r in enumerate(results):
        if isinstance(r, BaseException):
            run.open_errors.append(f"session {i}: crashed: {type(r).__name__}: {r}")
    await asyncio.sleep(args.after_wait)
    after = {"server_rss_kb": rss_kb(server_pid), "wait_s": args.after_wait}
    stop.set()
    await sampler
    return {"baseline": baseline, "after": after, "chromium": None}


async def classroom(args: argparse.Namespace, url: str, server_pid: int, run: Run) -> dict:
    if args.clients == "ws":
        return await ws_classroom(args, url, server_pid, run)
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    stop = asyncio.Event()
    cold = {"server_rss_kb": rss_kb(server_pid), "server_cpu_s": cpu_s(server_pid)}
    async with async_playwright() as pw:
        browsers = [await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                    for _ in range(args.browsers)]
        try:
            # The teacher opens the app first: imports and the first run are paid once,
            # before the class; the baseline is the server after that, with no session open.
            context = await browsers[0].new_context(viewport=VIEWPORT, locale="en-US")
            await context.add_init_script(WS_PROBE_JS)
            await open_app(await context.new_page(), f"{url}/?lang=en", args.timeout * 1000)
            await context.close()
            await asyncio.sleep(1)
            baseline = {"server_rss_kb": rss_kb(server_pid), "server_cpu_s": cpu_s(server_pid),
                        "cold_server_rss_kb": cold["server_rss_kb"]}
            sampler = asyncio.create_task(sample_memory(server_pid, run, stop))
            rngs = [random.Random(args.seed * 1000 + i) for i in range(args.sessions)]
            barrier = Barrier(args.sessions)
            results = await time_work(run, barrier, [
                student(i, browsers[i % len(browsers)], url, args, run, rngs[i], barrier)
                for i in range(args.sessions)])
            for i, r in enumerate(results):
                if isinstance(r, BaseException) and not isinstance(r, asyncio.CancelledError):
                    run.open_errors.append(f"session {i}: crashed: {type(r).__name__}: {r}")
        finally:
            for b in browsers:
                await b.close()
    await asyncio.sleep(args.after_wait)  # disconnected sessions are kept a while (TTL 120 s)
    after = {"server_rss_kb": rss_kb(server_pid), "wait_s": args.after_wait}
    stop.set()
    await sampler
    return {"baseline": baseline, "after": after, "chromium": chromium}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--clients", choices=("browser", "ws"), default="browser",
                    help="browser: headless Chromium (Playwright); ws: Streamlit's websocket "
                         "protocol only (no rendering: the server's own latency)")
    ap.add_argument("--interactions", type=int, default=20)
    ap.add_argument("--browsers", type=int, default=2, help="Chromium processes to share "
                    "the sessions")
    ap.add_argument("--think", type=float, nargs=2, default=(1.0, 3.0), metavar=("MIN", "MAX"),
                    help="seconds a student waits between interactions (uniform)")
    ap.add_argument("--ramp", type=float, default=30.0,
                    help="the first page loads are spread over this many seconds")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds per interaction")
    ap.add_argument("--open-timeout", type=float, default=120.0,
                    help="seconds for a first page load")
    ap.add_argument("--hard-stop", type=float, default=900.0, help="seconds for everything")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--after-wait", type=float, default=5.0,
                    help="seconds to wait after the sessions close before the last memory "
                         "reading (Streamlit drops a disconnected session after "
                         "server.disconnectedSessionTTL, 120 s by default)")
    ap.add_argument("--json", type=Path,
                    default=ROOT / "benchmarks" / "results" / "classroom.json")
    args = ap.parse_args()
    if not (1 <= args.sessions <= MAX_SESSIONS and 1 <= args.interactions <= MAX_INTERACTIONS):
        ap.error(f"sessions and interactions: 1 to {MAX_SESSIONS}")
    args.browsers = max(1, min(args.browsers, args.sessions))
    args.think = (max(0.0, min(args.think)), max(0.0, max(args.think)))
    args.hard_stop = max(30.0, min(args.hard_stop, 3600.0))
    args.after_wait = max(0.0, min(args.after_wait, 300.0))

    args.json.parent.mkdir(parents=True, exist_ok=True)
    log_path = args.json.with_name(args.json.stem + "_server.log")
    machine = {"cpu_count": os.cpu_count(), "platform": platform.platform(),
               "python": platform.python_version(),
               "loadavg_before": [round(v, 2) for v in os.getloadavg()]}
    print(f"{args.sessions} sessions x {args.interactions} interactions ({args.clients} "
          f"clients, {args.browsers} browser(s)), think {args.think[0]}-{args.think[1]} s; "
          f"{machine['cpu_count']} cores, load average {machine['loadavg_before']}")
    proc, url, _ = start_server(log_path)
    # Last resort if the event loop itself hangs: stop the server and leave.
    watchdog = threading.Timer(args.hard_stop + 120, lambda: (stop_server(proc), os._exit(2)))
    watchdog.daemon = True
    watchdog.start()
    run = Run()
    started = time.monotonic()
    hard_stopped = False
    extra: dict = {"baseline": {"server_rss_kb": rss_kb(proc.pid),
                                "server_cpu_s": cpu_s(proc.pid),
                                "cold_server_rss_kb": rss_kb(proc.pid)}, "after": {}}
    try:
        extra = asyncio.run(asyncio.wait_for(classroom(args, url, proc.pid, run),
                                             timeout=args.hard_stop))
    except TimeoutError:
        hard_stopped = True
        print(f"hard stop after {args.hard_stop:.0f} s")
    finally:
        stop_server(proc)
        watchdog.cancel()
    elapsed = time.monotonic() - started
    machine["loadavg_after"] = [round(v, 2) for v in os.getloadavg()]
    summary = summarise(run, args, extra["baseline"], extra["after"], elapsed, hard_stopped)
    report(summary, run, machine)
    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "git": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True).stdout.strip(),
        "machine": machine,
        "summary": summary,
        "errors": [asdict(s) for s in run.samples if s.error] + [
            {"open": e} for e in run.open_errors],
        "samples": [asdict(s) for s in run.samples],
        "opens_s": run.opens,
        "memory": run.memory,
    }
    args.json.write_text(json.dumps(result, indent=1))
    print(f"written {args.json}")
    if hard_stopped:
        return 2
    return 1 if summary["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
