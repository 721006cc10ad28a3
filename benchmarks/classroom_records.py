"""Classroom (benchmarks/classroom.py): what one run records, and what both kinds of student
(in a browser: classroom_browser.py; over the websocket: classroom_ws.py) share: the
interaction kinds, the example names, the barrier they start working at."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import benchmarks.paths  # noqa: F401  (the repository root on sys.path)
from ui.i18n import t
from ui.widgets.grid import PRESETS

KINDS = ("kernel", "player", "stride", "cell", "preset", "load")
PRESET_NAMES = {key: t(f"preset.{key}", lang="en") for key in PRESETS}
# The examples a student loads: those with a kernel and a stride (an adaptive layer has
# neither, so the rotation's next kernel or stride edit would find no field to type into).
KERNEL_PRESETS = tuple(key for key, p in PRESETS.items() if p.params.get("layer") != "adaptive")


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

