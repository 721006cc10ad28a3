"""Helpers for driving the Explorer in a real browser (Playwright, sync API).

Streamlit facts these rely on (Streamlit 1.67, see /work/shared/STYLE.md):
- after an interaction the app reruns; it is done when `[data-testid=stApp]` carries
  `data-test-script-state=notRunning` and no `stSkeleton` placeholder is left. Between the
  interaction and the run's start the attribute still says notRunning, so the helpers first
  see the rerun asked for: a script in the page (TRACKER_JS) counts the rerun requests the
  browser sends (BackMsg field 11, rerun_script) and the runs the server reports finished
  (ForwardMsg field 6, script_finished), and `wait_idle` waits for a run finished after the
  last request, never for a fixed time;
- our charts (ui/assets/chart.js) are aria-busy while Plotly draws a new figure;
- a widget with `key="kh"` sits in an element container with the class `st-key-kh`;
- `st.selectbox` is a react-aria combobox: click `[role=combobox]`, then the `option`;
- the grid editors are our own v2 component (ui/widgets/grideditor.py): inside `.pbe-grid`, cell
  (r, c) is the text input `#cell-{r}-{c}`; Enter commits it and starts the rerun;
- Plotly heatmaps print each cell's text as `g.heatmap-label text` at pixel (x, y).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

import numpy as np
from playwright.sync_api import Keyboard, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from streamlit.proto.BackMsg_pb2 import BackMsg

from pooling_core import PoolSpec

# The Explorer's default example, written out by hand as the page must show it (row 0 on
# top): an expectation independent of the code under test.
DEFAULT_X = np.array([
    [1, 2, 3, 1, 0, 2],
    [2, 2, 5, 4, 1, 3],
    [0, 6, 9, 6, 2, 1],
    [3, 1, 4, 8, 7, 0],
    [5, 2, 0, 3, 6, 4],
    [1, 7, 2, 5, 1, 3],
], dtype=np.float64)
DEFAULT_SPEC = PoolSpec(kernel_size=3, stride=1)

# The `open_tab` fixture (conftest.py): open_tab(viewport=None, timeout_ms=30_000) -> a new
# tab in the worker's shared browser profile.
OpenTab = Callable[..., Page]

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"

PLAYER_TITLE = "Step-by-step player of the backward pass."  # alt.player in ui/locales/en
# The step player: a v2 component with key "player", its elements in an open shadow root
# (Playwright's CSS selectors pierce it: `player(page).locator("#counter")`).
PLAYER = ".st-key-player"

# A grid editor (ui/widgets/grideditor.py); also in an open shadow root.
# The first one on the Explorer
# is its input grid.
GRID = ".pbe-grid"


# Counts, in the page, the rerun requests sent and the runs finished (see the module docstring).
# A run that ended early because a newer request interrupted it (status 2) is not counted.
TRACKER_JS = """(() => {
  if (window.__pbeRuns) return;
  const R = window.__pbeRuns = {seq: 0, sent: 0, lastSent: 0, lastFinished: 0, mark: 0,
                                lastRequest: null};
  function fields(bytes) {  // a protobuf message's top-level fields: number -> varint or -1
    const out = new Map();
    let i = 0;
    const varint = () => {
      let v = 0, scale = 1, b;
      do { b = bytes[i++]; v += (b & 127) * scale; scale *= 128; }
      while (b & 128 && i < bytes.length);
      return v;
    };
    while (i < bytes.length) {
      const key = varint(), wire = key % 8, field = Math.floor(key / 8);
      if (wire === 0) out.set(field, varint());
      else if (wire === 2) { i += varint(); out.set(field, -1); }
      else if (wire === 1) i += 8;
      else if (wire === 5) i += 4;
      else break;
    }
    return out;
  }
  const bytesOf = (d) => d instanceof ArrayBuffer ? new Uint8Array(d)
    : ArrayBuffer.isView(d) ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength) : null;
  const hooked = new WeakSet();
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (!hooked.has(this)) {  // the app's socket: listen to what the server answers
      hooked.add(this);
      this.addEventListener("message", (e) => {
        const b = bytesOf(e.data);
        const status = b && fields(b).get(6);
        if (status !== undefined && status !== null && status !== 2) R.lastFinished = ++R.seq;
      });
    }
    const b = bytesOf(data);
    if (b && fields(b).has(11)) { R.sent++; R.lastSent = ++R.seq; R.lastRequest = Array.from(b); }
    return send.call(this, data);
  };
})()"""

# Idle: the last rerun asked for has finished, the page says so, every element is drawn.
IDLE_JS = """() => {
  const R = window.__pbeRuns, app = document.querySelector('[data-testid=stApp]');
  return !!app && app.getAttribute('data-test-script-state') === 'notRunning' &&
         (!R || R.lastFinished >= R.lastSent) &&
         !document.querySelector('[data-testid=stSkeleton]') &&
         !document.querySelector('.pbe-chart[aria-busy=true]');
}"""


def track_runs(page: Page) -> None:
    """Count this page's rerun requests and finished runs (TRACKER_JS), in the current document
    and in every one its context opens later. Called by the helpers; safe to call again."""
    context = page.context
    if not getattr(context, "_pbe_tracked", False):
        context.add_init_script(TRACKER_JS)
        context._pbe_tracked = True  # type: ignore[attr-defined]
    page.evaluate(TRACKER_JS)


def reruns(page: Page) -> int:
    """How many reruns this page has asked for so far (its current document)."""
    track_runs(page)
    return int(page.evaluate("window.__pbeRuns.sent"))


def last_rerun_fragment(page: Page) -> str | None:
    """The fragment the page's last rerun request asked the server to run ("" for the whole
    page; None if it asked for none yet), read from the request's bytes with Streamlit's own
    protobuf classes (BackMsg.rerun_script.fragment_id)."""
    track_runs(page)
    raw = page.evaluate("window.__pbeRuns.lastRequest")
    return None if raw is None else BackMsg.FromString(bytes(raw)).rerun_script.fragment_id


def wait_idle(page: Page, timeout_ms: int = 30_000, settle_ms: int = 1_000,
              since: int | None = None) -> None:
    """Wait until the rerun the last interaction asked for has finished and been drawn.

    since: `reruns(page)` taken before an interaction that must ask for a rerun: wait for that
    request (up to timeout_ms), then for its run. Without it: a rerun asked for since the last
    wait_idle (a widget's own debounce may send it a little later: waited for up to settle_ms;
    none means the interaction asked for none), then every run asked for is finished, the page
    notRunning, no skeleton left, no chart drawing.
    """
    track_runs(page)
    if since is not None:
        page.wait_for_function("n => window.__pbeRuns.sent > n", arg=since, timeout=timeout_ms)
    else:
        with suppress(PlaywrightTimeoutError):  # a timeout: the interaction asked for none
            page.wait_for_function("() => window.__pbeRuns.sent > window.__pbeRuns.mark",
                                   timeout=settle_ms)
    page.wait_for_function(IDLE_JS, timeout=timeout_ms)
    page.evaluate("window.__pbeRuns.mark = window.__pbeRuns.sent")


def rerun_by(page: Page, target: Locator | Keyboard, key: str | None = None) -> None:
    """Click `target` (or press `key` in it, or on `page.keyboard`), which asks the app for a
    rerun, then wait for that rerun to be drawn (`wait_idle` since it: not the run before,
    however late the request is sent on a busy machine)."""
    before = reruns(page)
    if key is None:
        target.click()
    else:
        target.press(key)
    wait_idle(page, since=before)


def open_app(page: Page, url: str) -> None:
    """Open the app and wait for the first complete run (player drawn)."""
    track_runs(page)
    page.goto(url)
    page.wait_for_selector(f"{PLAYER} #counter", timeout=60_000)
    # A first load asks for one run only (nothing mounted asks for another); a short settle
    # still catches one that would come, at a third of the default's cost on every test.
    wait_idle(page, settle_ms=300)
    expect(player(page).locator("#counter")).to_have_text(re.compile(r"\S"), timeout=20_000)


def player(page: Page) -> Locator:
    """The step player (ui.views.player.show_player), to look for its parts in: `#counter`, ..."""
    return page.locator(PLAYER)


def assert_no_exception(page: Page) -> None:
    exc = page.locator("[data-testid=stException]")
    assert exc.count() == 0, "the app shows an exception:\n" + "\n".join(exc.all_inner_texts())


def screenshot(page: Page, name: str) -> Path:
    """A viewport screenshot in test-artifacts/ (git-ignored) for a human to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


# A chart's labels as [y, x, text], or null while it has none or is drawing (aria-busy).
HEATMAP_LABELS_JS = """key => {
  if (document.querySelector(`.st-key-${key} .pbe-chart[aria-busy=true]`)) return null;
  const els = [...document.querySelectorAll(`.st-key-${key} g.heatmap-label text`)];
  return els.length ? els.map(e => [parseFloat(e.getAttribute('y')),
                                     parseFloat(e.getAttribute('x')), e.textContent]) : null;
}"""


def heatmap_text(page: Page, key: str) -> list[list[str]]:
    """The numbers a Plotly heatmap prints, as rows top to bottom, each left to right.

    Rows are grouped by the labels' pixel y, so row 0 of the result is what is drawn on top.
    The labels are read in the same moment the chart is seen not drawing (one evaluation in
    the page). A chart whose place changed (projector mode puts one chart per row) is a new
    element after the rerun, mounted and drawn a moment later: reading its labels in a later
    call than the check once found none (a fresh clone's CI, test_variants_browser).
    """
    points = page.wait_for_function(HEATMAP_LABELS_JS, arg=key, timeout=20_000).json_value()
    rows: dict[float, list[tuple[float, str]]] = {}
    for y, x, text in points:
        rows.setdefault(round(y), []).append((x, text))
    return [[text for _, text in sorted(rows[y])] for y in sorted(rows)]


def number_input(page: Page, key: str) -> Locator:
    return page.locator(f".st-key-{key} input")


def set_number(page: Page, key: str, value: int | str) -> None:
    """Type a value into the number input with this widget key and commit it (Enter)."""
    box = number_input(page, key)
    before = None if box.input_value() == str(value) else reruns(page)  # same value: no rerun
    box.fill(str(value))
    box.press("Enter")
    wait_idle(page, since=before)
    expect(box).to_have_value(str(value))


def choose(page: Page, key: str, option_text: str) -> None:
    """Pick an option of the selectbox with this widget key by its visible text."""
    box = page.locator(f".st-key-{key} [role=combobox]")
    before = None if box.input_value() == option_text else reruns(page)
    option = page.get_by_role("option", name=option_text, exact=True)
    for attempt in range(3):  # a rerun that lands just after the click can close the list
        box.click()
        try:
            expect(option).to_be_visible(timeout=10_000)
            break
        except AssertionError:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
            wait_idle(page)
    option.click()
    wait_idle(page, since=before)
    expect(box).to_have_value(option_text)


def grid_cell(page: Page, r: int, c: int, editor: Locator | None = None) -> Locator:
    """The text input of cell (r, c) of a grid editor (the page's first one by default;
    `editor`: an element that holds one, e.g. `page.locator(".st-key-gy_editor_4x4")`)."""
    editor = editor or page.locator(GRID).first
    return editor.locator(f"#cell-{r}-{c}")


def open_cell_editor(page: Page, r: int, c: int, editor: Locator | None = None) -> Locator:
    """Put the focus in cell (r, c) of a grid editor, its text selected (nothing typed yet).
    Returns the cell's input."""
    cell = grid_cell(page, r, c, editor)
    cell.click()
    expect(cell).to_be_focused()
    return cell


def edit_cell(page: Page, r: int, c: int, text: str, editor: Locator | None = None,
              wait: bool = True) -> None:
    """Type `text` into cell (r, c) of a grid editor and commit it with Enter.

    `wait`: also wait for the rerun the edit starts (off when typing many cells in a row: each
    commit holds the editor's whole state, so the last rerun carries every edit)."""
    cell = open_cell_editor(page, r, c, editor)
    before = None if cell.input_value() == text else reruns(page)  # the same text sends nothing
    cell.fill(text)
    cell.press("Enter")
    if wait:
        wait_idle(page, since=before)
    expect(cell).to_have_value(text)


# The first element matching a CSS selector, looked for in the document and in every open
# shadow root under it (our components draw in shadow roots).
DEEP_QUERY_JS = """(sel) => {
  const find = (root) => {
    const e = root.querySelector(sel);
    if (e) return e;
    for (const host of root.querySelectorAll("*"))
      if (host.shadowRoot) { const f = find(host.shadowRoot); if (f) return f; }
    return null;
  };
  return find(document);
}"""


def fonts_used(page: Page, selector: str) -> dict[str, int]:
    """The fonts Chromium drew an element's text with: {family name: glyphs drawn}.

    Through the DevTools protocol (CSS.getPlatformFontsForNode): what was actually used, after
    the font stack and Chromium's fallback for each character. The element is the first match
    of `selector` in the document or any open shadow root."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        cdp.send("DOM.getDocument", {"depth": -1, "pierce": True})
        found = cdp.send("Runtime.evaluate", {
            "expression": f"({DEEP_QUERY_JS})({selector!r})"})["result"]
        assert found.get("subtype") == "node", f"nothing matches {selector}"
        node = cdp.send("DOM.requestNode", {"objectId": found["objectId"]})["nodeId"]
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    finally:
        cdp.detach()
    return {f["familyName"]: int(f["glyphCount"]) for f in fonts}
