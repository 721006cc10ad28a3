"""Classroom (benchmarks/classroom.py): a student in a headless browser (Playwright's async
API), and the page actions it times. Each student is a fresh browser context, so its own
Streamlit session; the websocket probe (pagejs.WS_PROBE_JS) is installed before the page
loads, and a rerun is over when a run that started after the committing event has finished
and the page is idle (pagejs.RUN_DONE_JS)."""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections.abc import Awaitable, Callable

import benchmarks.paths  # noqa: F401  (tests/browser on sys.path)

# isort: split
from playwright.async_api import Browser, Page, expect
from playwright.async_api import Error as PlaywrightError
from pw_helpers import GRID, PLAYER

from benchmarks.classroom_records import (
    KERNEL_PRESETS,
    KINDS,
    PRESET_NAMES,
    Barrier,
    InteractionError,
    Run,
    Sample,
    Timed,
)
from benchmarks.pagejs import IDLE_JS, RUN_DONE_JS, RUN_PARTS_JS, WS_PROBE_JS

VIEWPORT = {"width": 1366, "height": 768}  # a school laptop's screen
COUNTER = f"{PLAYER} #counter"  # the step player's step counter (in its shadow root)


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
        presets = list(KERNEL_PRESETS)
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


