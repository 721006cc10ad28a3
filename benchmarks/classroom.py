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
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path

if (_root := str(Path(__file__).resolve().parents[1])) not in sys.path:
    sys.path.insert(0, _root)  # run as a script: the repository root, for `benchmarks.*`
from benchmarks.paths import RESULTS, ROOT  # noqa: E402  (also tests/browser on sys.path)

# isort: split
from appserver import CHROMIUM_ARGS, start_server, stop_server  # noqa: E402
from playwright.async_api import async_playwright  # noqa: E402

from benchmarks.classroom_browser import VIEWPORT, open_app, student  # noqa: E402
from benchmarks.classroom_records import Barrier, Run, time_work  # noqa: E402
from benchmarks.classroom_report import report, summarise  # noqa: E402
from benchmarks.classroom_ws import ws_student  # noqa: E402
from benchmarks.pagejs import WS_PROBE_JS  # noqa: E402
from benchmarks.procstats import cpu_s, rss_kb, sample_memory  # noqa: E402

MAX_SESSIONS = MAX_INTERACTIONS = 200


async def ws_classroom(args: argparse.Namespace, url: str, server_pid: int, run: Run) -> dict:
    stop = asyncio.Event()
    cold_rss = rss_kb(server_pid)
    teacher = Barrier(1)
    await ws_student(-1, url, argparse.Namespace(**{**vars(args), "interactions": 0, "ramp": 0}),
                     Run(), random.Random(0), teacher)  # warm-up: imports, first run
    await asyncio.sleep(1)
    baseline = {"server_rss_kb": rss_kb(server_pid), "server_cpu_s": cpu_s(server_pid),
                "cold_server_rss_kb": cold_rss}
    sampler = asyncio.create_task(sample_memory(server_pid, run.memory, stop))
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
            sampler = asyncio.create_task(sample_memory(server_pid, run.memory, stop))
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
                    default=RESULTS / "classroom.json")
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
