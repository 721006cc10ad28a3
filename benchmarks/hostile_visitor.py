"""A hostile visitor against one fresh app server: how long each answer takes, how many bytes
it sends, how much memory the server keeps, and whether anything from a link or a file got
rendered as a link or an image.

    .venv/bin/python benchmarks/hostile_visitor.py            # 8 worst-case links, ~1-2 min
    .venv/bin/python benchmarks/hostile_visitor.py --links 16 --json out.json

What it does, each in a new browser session (Debian's chromium, headless, through Playwright):
- opens every page with link parameters named as Markdown (a phishing link, a tracking image
  on a third host, raw HTML, a colour directive, LaTeX) and with 500 unknown parameters;
- opens N distinct worst-case Explorer links, one after another: a random 32 x 32 grid, kernel
  32, stride 1, padding 16, ceil_mode, alternately average and max with ties="all";
- uploads a 150 kB CSV with a 150,000-digit field, and a lossless 6000 x 6000 WebP picture.

Per visit it reports the seconds from the request (navigation or upload) to the page having
finished its run, and the bytes the server sent over the websocket. At the end: the server's
peak resident memory (VmHWM), every request to a host other than the app's own, every
traceback shown. `tests/browser/test_hostile_visitor.py` runs the same visits and asserts
what must hold; time limits are only reported here (shared machines are noisy).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

if (_root := str(Path(__file__).resolve().parents[1])) not in sys.path:
    sys.path.insert(0, _root)  # run as a script: the repository root, for `benchmarks.*`
import benchmarks.paths  # noqa: E402, F401  (also tests/browser on sys.path)

# isort: split
import numpy as np  # noqa: E402
from appserver import CHROMIUM_ARGS, start_server, stop_server  # noqa: E402
from playwright.sync_api import Browser, Page, WebSocket, sync_playwright  # noqa: E402

from benchmarks.pagejs import IDLE_JS, OUTSIDE_JS  # noqa: E402
from benchmarks.procstats import memory_mb  # noqa: E402
from ui.links.urlstate import encode_grid  # noqa: E402

# Link parameter names a phisher would try; the values do not matter.
MARKDOWN_NAMES = [
    "[Sign in again](https://evil.example/a)",
    "![x](http://127.0.0.2:9/t.png)",
    "<img src=http://127.0.0.2:9/i.png>",
    ":red[Your session expired]",
    "$\\frac{1}{2}$",
]
PAGES = ["", "ties", "exercise", "next_layer"]
WORST = {"k": "32", "s": "1", "p": "16", "ceil": "1"}
THIRD_HOSTS_IN_LINKS = ("evil.example", "127.0.0.2")


@dataclass
class Visit:
    """One request a visitor made and what came back."""

    name: str
    seconds: float  # in the browser: from the request to the page idle
    server_seconds: float  # on the server: from the rerun request to its script_finished
    # (summed over the visit's runs: the first, and any the page itself asks for)
    ws_bytes: int
    exception: bool
    links_out: list[str] = field(default_factory=list)  # <a href> to a host in a link
    images_out: list[str] = field(default_factory=list)  # <img src> to a host in a link
    alerts: list[str] = field(default_factory=list)  # the text of every message box
    runs: list[float] = field(default_factory=list)  # seconds of each script run


@dataclass
class Report:
    visits: list[Visit]
    # Each worst-case link opened by a client that speaks Streamlit's websocket protocol and
    # renders nothing (benchmarks/classroom_ws.py WsStudent): the server's answer alone, with no
    # browser on the same cores. (name, seconds) per link.
    protocol: list[tuple[str, float]]
    third_party: list[str]
    vmhwm_mb: float
    vmrss_mb: float
    cpu_count: int | None
    load_average: tuple[float, float, float] | None

    def worst_seconds(self) -> float:
        return max(v.seconds for v in self.visits)

    def worst_server_seconds(self) -> float:
        return max(v.server_seconds for v in self.visits)


def worst_links(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """(name, query) of n distinct worst-case Explorer links."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        grid = np.round(rng.uniform(-9, 9, size=(32, 32)), 2).tolist()
        params = {"x": encode_grid(grid), **WORST}
        if i % 2:
            params.update(mode="max", ties="all")
        else:
            params.update(mode="avg")
        name = f"worst {i + 1} ({params['mode']}{', ties=all' if i % 2 else ''})"
        out.append((name, "&".join(f"{k}={quote(v, safe='~.,-')}" for k, v in params.items())))
    return out


def markdown_links() -> list[tuple[str, str]]:
    """(name, path?query) of every page opened with Markdown-named parameters, and with 500
    unknown parameters."""
    query = "&".join(f"{quote(name, safe='')}=1" for name in MARKDOWN_NAMES)
    many = "&".join(f"u{i}=1" for i in range(500))
    out = [(f"markdown names /{p}", f"{p}?{query}") for p in PAGES]
    out.append(("500 unknown parameters /", f"?{many}"))
    return out


def big_csv() -> bytes:
    """150 kB: '1;' and one field of 150,000 digits (Python's csv module refuses fields over
    131,072 characters)."""
    return b"1;" + b"7" * 150_000 + b"\n"


def bomb_webp() -> bytes:
    """A lossless 6000 x 6000 WebP of one colour: a few hundred bytes, 36 megapixels."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (6000, 6000), (200, 120, 40)).save(buf, "WEBP", lossless=True)
    return buf.getvalue()


class Session:
    """One browser context: counts websocket bytes, times the server's script runs (from the
    browser's rerun request to the server's script_finished message, both read off the
    websocket with Streamlit's own protobuf classes), records every request's URL."""

    def __init__(self, browser: Browser, urls: list[str]) -> None:
        self.context = browser.new_context(viewport={"width": 1366, "height": 3000},
                                           locale="en-US")
        self.context.set_default_timeout(60_000)
        self.context.on("request", lambda r: urls.append(r.url))
        self.page = self.context.new_page()
        self.ws_bytes = 0
        self.runs: list[float] = []  # seconds of each finished script run
        self._asked: float | None = None
        self.page.on("websocket", self._websocket)

    def _websocket(self, ws: WebSocket) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        def sent(payload: str | bytes) -> None:
            if isinstance(payload, bytes):
                try:
                    if BackMsg.FromString(payload).WhichOneof("type") == "rerun_script":
                        self._asked = time.perf_counter()
                except Exception:  # noqa: BLE001 - not a BackMsg: not ours to time
                    pass

        def received(payload: str | bytes) -> None:
            data = payload.encode() if isinstance(payload, str) else payload
            self.ws_bytes += len(data)
            if self._asked is None:
                return
            try:
                kind = ForwardMsg.FromString(data).WhichOneof("type")
            except Exception:  # noqa: BLE001
                return
            if kind == "script_finished":
                self.runs.append(time.perf_counter() - self._asked)
                self._asked = None

        ws.on("framesent", sent)
        ws.on("framereceived", received)

    def close(self) -> None:
        self.context.close()


def _wait_run(page: Page, timeout_ms: int = 60_000) -> None:
    """Until the app has finished its run: script state notRunning and no placeholder left."""
    page.wait_for_function(IDLE_JS, timeout=timeout_ms, polling=20)


def _outside(page: Page) -> tuple[list[str], list[str]]:
    """Links and images in the page (shadow roots included) that point at a host named in a
    hostile link."""
    found = page.evaluate(OUTSIDE_JS)
    bad = lambda u: any(h in u for h in THIRD_HOSTS_IN_LINKS)  # noqa: E731
    return [u for u in found["a"] if bad(u)], [u for u in found["img"] if bad(u)]


def _finish(s: Session, name: str, t0: float, bytes0: int, runs0: int) -> Visit:
    seconds = time.perf_counter() - t0
    page = s.page
    links, images = _outside(page)
    server = sum(s.runs[runs0:]) if len(s.runs) > runs0 else float("nan")
    return Visit(name, seconds, server, s.ws_bytes - bytes0,
                 page.locator("[data-testid=stException]").count() > 0, links, images,
                 page.locator("[data-testid=stAlert]").all_inner_texts(), s.runs[runs0:])


def open_link(s: Session, url: str, name: str, explorer: bool) -> Visit:
    """Open `url` in the session's page: a new Streamlit session (a new websocket)."""
    page = s.page
    bytes0, runs0 = s.ws_bytes, len(s.runs)
    t0 = time.perf_counter()
    page.goto(url)
    if explorer:  # the run is done when the player shows its step
        page.wait_for_selector(".st-key-player #counter", timeout=60_000)
    page.wait_for_selector("[data-testid=stMain] h1", timeout=60_000)  # every page's title
    _wait_run(page)
    return _finish(s, name, t0, bytes0, runs0)


def upload(s: Session, base: str, key: str, expander: str, filename: str, data: bytes,
           name: str) -> Visit:
    """Open the Explorer, open the expander holding uploader `key`, upload, wait for the run."""
    page = s.page
    page.goto(base + "/")
    page.wait_for_selector(".st-key-player #counter", timeout=60_000)
    _wait_run(page)
    page.locator("[data-testid=stExpander] summary", has_text=expander).first.click()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / filename
        path.write_bytes(data)
        alerts = page.locator("[data-testid=stAlert]").count()
        bytes0, runs0 = s.ws_bytes, len(s.runs)
        t0 = time.perf_counter()
        page.locator(f".st-key-{key} input[type=file]").set_input_files(str(path))
        page.wait_for_function(
            f"() => document.querySelectorAll('[data-testid=stAlert]').length > {alerts}",
            timeout=60_000, polling=20)
        _wait_run(page)
    return _finish(s, name, t0, bytes0, runs0)


def protocol_times(base: str, links: list[tuple[str, str]]) -> list[tuple[str, float]]:
    """Seconds from the rerun request to script_finished for each link, one new session each,
    one after another, by a websocket client that renders nothing."""
    import asyncio

    import websockets

    from benchmarks.classroom_ws import WsStudent

    async def one(query: str) -> float:
        stream = base.replace("http://", "ws://") + "/_stcore/stream"
        async with websockets.connect(stream, subprotocols=["streamlit"], max_size=None) as ws:
            student = WsStudent(ws)
            student.query = query
            seconds, shown = await student.rerun([], 60)
            if shown:
                raise RuntimeError(f"exception on the page: {shown}")
            return seconds

    async def all_links() -> list[tuple[str, float]]:
        return [(name, await one(query + "&lang=en")) for name, query in links]

    # In a thread of its own: Playwright's sync API keeps an event loop in this one.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, all_links()).result()


def run(browser: Browser, base: str, pid: int, n_links: int = 8,
        protocol: bool = True) -> Report:
    """Every hostile visit against the server at `base` (process `pid`); with `protocol`,
    first the worst-case links (other grids) by a websocket client that renders nothing."""
    from ui.i18n import t

    links = worst_links(n_links)
    # Server alone first, with other seeds (so that no result is cached for the browser).
    server_alone = protocol_times(base, worst_links(n_links, seed=1)) if protocol else []
    urls: list[str] = []
    visits = []
    # One browser context (its cache keeps Streamlit's own scripts); every visit still opens
    # a new page load, so a new session on the server.
    s = Session(browser, urls)
    try:
        for name, path in markdown_links():
            visits.append(open_link(s, f"{base}/{path}", name, explorer=path.startswith("?")))
        for name, query in links:
            visits.append(open_link(s, f"{base}/?{query}", name, explorer=True))
        visits.append(upload(s, base, "csv_upload", t("input.csv", "en"), "digits.csv",
                             big_csv(), "CSV with a 150,000-digit field"))
        visits.append(upload(s, base, "img_upload", t("image.label", "en"), "bomb.webp",
                             bomb_webp(), "6000 x 6000 lossless WebP"))
    finally:
        s.close()
    own = urlsplit(base).netloc
    third = sorted({u for u in urls
                    if urlsplit(u).scheme in ("http", "https", "ws", "wss")
                    and urlsplit(u).netloc != own})
    hwm, rss = memory_mb(pid)
    return Report(visits, server_alone, third, hwm, rss, os.cpu_count(),
                  os.getloadavg() if hasattr(os, "getloadavg") else None)


def print_report(r: Report) -> None:
    print(f"{'visit':40} {'server s':>9} {'browser s':>9} {'sent':>10}  problems")
    for v in r.visits:
        problems = [p for p, bad in (("traceback", v.exception), ("link out", v.links_out),
                                     ("image out", v.images_out)) if bad]
        runs = " + ".join(f"{r:.2f}" for r in v.runs)
        print(f"{v.name:40} {v.server_seconds:9.2f} {v.seconds:9.2f} {v.ws_bytes / 1e6:7.2f} MB"
              f"  {', '.join(problems) or '-'}  runs: {runs}")
    worst = [v for v in r.visits if v.name.startswith("worst")]
    if worst:
        print("worst-case links: server median "
              f"{statistics.median(v.server_seconds for v in worst):.2f} s, max "
              f"{max(v.server_seconds for v in worst):.2f} s; browser median "
              f"{statistics.median(v.seconds for v in worst):.2f} s")
    if r.protocol:
        times = [sec for _, sec in r.protocol]
        print("worst-case links, server alone (protocol client, no browser): "
              + ", ".join(f"{sec:.2f}" for sec in times)
              + f" s; median {statistics.median(times):.2f} s, max {max(times):.2f} s")
    print(f"slowest answer: server {r.worst_server_seconds():.2f} s, browser "
          f"{r.worst_seconds():.2f} s; largest: "
          f"{max(v.ws_bytes for v in r.visits) / 1e6:.2f} MB")
    print(f"server memory: peak (VmHWM) {r.vmhwm_mb:.0f} MB, now (VmRSS) {r.vmrss_mb:.0f} MB")
    print(f"requests to other hosts: {len(r.third_party)} {r.third_party[:5]}")
    print(f"cpu_count={r.cpu_count} load_average={r.load_average} "
          f"python={platform.python_version()}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--links", type=int, default=8, help="worst-case links to open")
    ap.add_argument("--json", type=Path, help="also write the report here")
    args = ap.parse_args()
    import shutil

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with tempfile.TemporaryDirectory() as tmp:
        proc, base, _ = start_server(Path(tmp) / "server.log")
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                try:
                    report = run(browser, base, proc.pid, args.links)
                finally:
                    browser.close()
        finally:
            stop_server(proc)
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(asdict(report), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
