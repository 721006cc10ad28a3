"""ui_speed (benchmarks/ui_speed.py): what one interaction costs and how it is timed in the
page. A Meter reads, around an interaction, the websocket bytes and the CPU time of the page's
renderer, its main thread and the server; `measure` / `rerun` / `step_player` time an
interaction on the page's own clock (pagejs.WATCH_JS, pagejs.PLAYER_WATCH_JS)."""

from __future__ import annotations

from collections.abc import Callable

import benchmarks.paths  # noqa: F401  (tests/browser on sys.path)

# isort: split
import numpy as np
from playwright.sync_api import Locator, Page
from pw_helpers import PLAYER, grid_cell, reruns, wait_idle

from benchmarks.pagejs import DONE_JS, PLAYER_DONE_JS, PLAYER_WATCH_JS, WATCH_JS
from benchmarks.procstats import cpu_s
from ui.format import fmt


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
    """CPU seconds (user + system) used so far by the server: it must still be running."""
    used = cpu_s(pid)
    if used is None:
        raise RuntimeError(f"the app server (pid {pid}) is gone")
    return used


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
    the n clicks (websocket bytes must stay 0: no server round trip), with the rerun requests
    sent between a click and its frame (`requests_on_step_path`) and in all (`step_reports`).

    The player reports the step it stops on, 350 ms after the last one (a rerun, so that the
    jump slider and the link follow it): first the report of an earlier move (a scrub, the
    last measurement) is let finish; when the machine is so slow that two clicks come more
    than 350 ms apart, the steps' bytes include the reports it sends between them."""
    root = player_root(page)
    times = []
    wait_idle(page, settle_ms=1000)  # an earlier move's report and its rerun are over
    sent0 = reruns(page)
    asked = 0
    meter.start()
    for _ in range(n):
        root.evaluate(PLAYER_WATCH_JS, button)
        root.locator(f"#{button}").click()
        got = page.evaluate(PLAYER_DONE_JS)
        assert got["changed"], f"#{button} did not change the counter ({got['counter']})"
        times.append(float(got["ms"]))
        asked += int(got["asked"])
    page.wait_for_timeout(300)
    row = meter.stop()
    row.update(step_reports=reruns(page) - sent0, requests_on_step_path=asked)
    return times, row


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
        totals = steps_traffic()
        while len(times) < n:  # a few steps at a time from the first (or last) step
            root = player_root(page)
            root.locator("#first" if button == "next" else "#last").click()
            total = int(root.locator("#counter").inner_text().split("/")[-1])  # "Step a / b"
            t, row = step_player(page, button, min(n - len(times), 15, total - 1), meter)
            times += t
            totals = steps_traffic(row, totals)
        out[name] = {"ms": times, **totals}


def steps_traffic(row: dict | None = None, totals: dict | None = None) -> dict[str, int]:
    """A step_player row's traffic as a metric keeps it (added to `totals`): websocket bytes,
    the player's step reports, rerun requests on a step's path."""
    out = dict(totals or {"ws_bytes": 0, "step_reports": 0, "requests_on_step_path": 0})
    if row:
        out["ws_bytes"] += int(row["ws_bytes_received"] + row["ws_bytes_sent"])
        out["step_reports"] += int(row["step_reports"])
        out["requests_on_step_path"] += int(row["requests_on_step_path"])
    return out

