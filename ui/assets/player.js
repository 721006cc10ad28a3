// The step player: every step of the backward pass, played in the browser with no server trip.
//
// ui/views/player.py mounts this as a Streamlit v2 component (in the page, inside a shadow root) and
// gives it `data = {page, start}`: `page` is the JSON text of a block of steps' payload
// (ui.views.player._payload: steps k0 .. k0 + N - 1 of `total`, and dL/dx before them in `base`),
// `start` the step to show (counted over all steps). The element stays mounted across reruns (its key
// is fixed), so a rerun that brings the same page only moves to a new start step, and a new
// page rebuilds the grids in place: no frame to reload, no script to parse again.
// The browser only looks values up; every number is computed by pooling_core and formatted
// in Python.

const MARKUP = `
  <div class="sentence" id="sentence" aria-live="polite"></div>
  <div class="panels">
    <section class="panel" data-label="x"><h3></h3><div class="grid" id="gx"></div></section>
    <section class="panel" data-label="gy"><h3></h3><div class="grid" id="gy"></div></section>
    <section class="panel" data-label="gx"><h3></h3><div class="grid" id="gx2"></div></section>
  </div>
  <div class="controls">
    <button id="first" data-label="first" data-key="Home">⇤</button>
    <button id="prev" data-label="prev" data-key="←">←</button>
    <button id="play" data-label="play" data-key="space">▶</button>
    <button id="next" data-label="next" data-key="→">→</button>
    <button id="last" data-label="last" data-key="End">⇥</button>
    <label for="speed" data-label="speed"></label>
    <select id="speed">
      <option value="1600">0.5×</option><option value="800" selected>1×</option>
      <option value="400">2×</option><option value="200">4×</option>
    </select>
    <input type="range" id="scrub" min="0" value="0">
    <span class="counter" id="counter" aria-live="off"></span>
  </div>
  <div class="legend" data-label="legend"></div>
  <div class="note" id="note"></div>`;

const ZERO = [-1, "0", 0, 0];  // a dL/dx cell back at 0 (see `shownU`)

// ---- rules given by Python (ui/views/figures.py), applied here as Plotly and Python apply them.

// "#rrggbb" -> [r, g, b].
function hexRgb(hex) {
  const m = /^#([0-9a-fA-F]{6})$/.exec(hex);
  if (!m) throw new Error("not a #rrggbb colour: " + hex);
  const n = parseInt(m[1], 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

// The colour a Plotly heatmap draws for value v with colorscale `scale` ([[position, "#rrggbb"],
// ...]) over [zmin, zmax] (figures.GRAD_SCALE and figures.grad_range): as plotly.js does it
// (components/colorscale makeColorScaleFunc: a clamped d3 v3 linear scale whose domain is
// zmin + position * (zmax - zmin), interpolated in RGB between the two stops around v; the
// heatmap rounds each channel). [r, g, b], or null for NaN and infinities (no colour).
export function scaleColour(v, colours) {
  if (v === null || v === undefined || !Number.isFinite(v)) return null;
  const { scale, zmin, zmax } = colours;
  const domain = scale.map((s) => zmin + s[0] * (zmax - zmin));
  const k = domain.length - 1;
  let j = 1;  // d3.bisect(domain, v, 1, k) - 1: the stop at or before v
  while (j < k && !(v < domain[j])) j++;
  j -= 1;
  const a = domain[j], b = (domain[j + 1] - a) || 1 / (domain[j + 1] - a);
  const t = Math.max(0, Math.min(1, (v - a) / b));
  const lo = hexRgb(scale[j][1]), hi = hexRgb(scale[j + 1][1]);
  return lo.map((x, i) => Math.round(x * (1 - t) + hi[i] * t));
}

// Dark or white text, whichever contrasts more with background [r, g, b] (WCAG luminance).
export function textColour(rgb) {
  const lin = (c) => { c /= 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const L = 0.2126 * lin(rgb[0]) + 0.7152 * lin(rgb[1]) + 0.0722 * lin(rgb[2]);
  const DARK = 0.0056;  // the luminance of #111
  return (1.05 / (L + 0.05)) > ((L + 0.05) / (DARK + 0.05)) ? "#fff" : "#111";
}

// A cell's pitch (its side plus the gap to the next, px) for a grid of `rows` x `cols` given
// `width` px: figures.cell_px with the numbers of figures.CellSize (`cells`).
export function cellPitch(rows, cols, width, cells) {
  return Math.max(cells.least, Math.min(cells.top, Math.floor(width / Math.max(cols, 1)),
                                        Math.floor(cells.rows_px / Math.max(rows, 1))));
}

function createPlayer(host) {
  const root = document.createElement("section");
  root.className = "pbe";
  root.id = "player";
  root.tabIndex = 0;
  root.innerHTML = MARKUP;
  host.appendChild(root);
  const $ = (id) => root.querySelector("#" + id);
  const scrub = $("scrub"), counter = $("counter"), sentence = $("sentence"), playBtn = $("play");

  // k counts the steps of this block (0 .. N - 1); step k is step K0 + k of the whole pass.
  let D = null, N = 0, K0 = 0, k = 0, timer = null;
  let cx = [], cy = [], cg = [];
  // What each dL/dx cell shows: the "u" entry last written to it (ZERO: reset to 0; null: as
  // built). Only cells whose entry changes are written, and only the cells marked by the last
  // step are unmarked, so a step costs what it changes, not the size of the grid.
  let shownU = [], marked = null, shown = -1;
  let pageText = null, lastStart = null;

  // ---- sizing: cells and numbers as large as the width each grid really gets.
  const FAMILY = getComputedStyle(root).fontFamily || "sans-serif";
  const ctx = document.createElement("canvas").getContext("2d");
  const GAP = 2, PANEL_GAP = 22, SLACK = 6;
  let longest = null, fitted = -1;
  function hdrWidth(rows) {
    return (D && D.projector ? 10 : 8) * String(Math.max(rows - 1 + ((D && D.ib) || 0), 0)).length + 8;
  }
  // Width of the widest of `texts` in bold at 1 px (the widest text of each length measured).
  function widest(texts) {
    const byLen = new Map();
    for (const s of texts) if (!byLen.has(s.length) || byLen.size < 64) byLen.set(s.length, s);
    const lens = [...byLen.keys()].sort((a, b) => b - a).slice(0, 3);
    ctx.font = "700 100px " + FAMILY;
    let w = 0.6;
    for (const L of lens) {
      for (const s of texts) {
        if (s.length === L) w = Math.max(w, ctx.measureText(s).width / 100);
      }
    }
    return w;
  }
  function gradTexts() {
    const out = new Set(["0"]);
    for (const u of D.base) out.add(u[1]);
    for (const st of D.steps) for (const u of st.u) out.add(u[1]);
    return [...out];
  }
  // The largest font at which every text of a grid fits a cell of `cell` px: inside the
  // current step's 4 px border, and (dL/dx) below a ×n badge.
  function fontFor(cell, w, badges) {
    const top = D.projector ? 30 : 22;
    // A line of text is about 1.45 em tall (line-height: normal); a badge 0.55 em + 3 px.
    let f = Math.min(top, cell * (D.projector ? 0.45 : 0.4), (cell - 12) / w,
                     (cell - 10) / 1.45);
    if (badges) f = Math.min(f, (cell - 17) / 2.0);
    return Math.floor(f);
  }
  // Side by side when the numbers stay large enough, else two then one per row (each grid
  // then gets the whole width). A cell's pitch follows figures.cell_px (D.cells), so a grid
  // given the same width as a heatmap gets cells of the same size.
  function fit() {
    const width = root.clientWidth || (host.host || host).clientWidth || 700;
    if (width === fitted || !D) return;
    fitted = width;
    const hx = hdrWidth(D.H), hy = hdrWidth(D.oh);
    const tallest = Math.max(D.H, D.oh);
    const rowCell = (panels) => {
      const cols = panels.reduce((a, p) => a + p[0], 0), hdr = panels.reduce((a, p) => a + p[1], 0);
      const room = width - hdr - PANEL_GAP * (panels.length - 1) - SLACK;
      return cellPitch(tallest, cols, room, D.cells) - GAP;
    };
    const X = [D.W, hx], Y = [D.ow, hy];
    const layouts = [[[X, Y, X]], [[X, Y], [X]], [[X], [Y], [X]]];
    const want = D.projector ? 22 : 15;
    let best = null;
    for (const rows of layouts) {
      const cell = Math.min(...rows.map(rowCell));
      const fx = fontFor(cell, longest.x, false), fy = fontFor(cell, longest.gy, false);
      const fg = fontFor(cell, longest.gx, true);
      const f = Math.min(fx, fy, fg);
      if (!best || f > best.f) best = {cell, fx, fy, fg, f};
      if (f >= want) { best = {cell, fx, fy, fg, f}; break; }
    }
    root.style.setProperty("--cell", best.cell + "px");
    $("gx").style.setProperty("--font", best.fx + "px");
    $("gy").style.setProperty("--font", best.fy + "px");
    $("gx2").style.setProperty("--font", best.fg + "px");
    $("gx2").style.setProperty("--badge", Math.max(10, Math.round(best.fg * 0.55)) + "px");
    root.classList.toggle("notext", best.f < 8);
  }
  new ResizeObserver(() => fit()).observe(root);

  function build(el, rows, cols, texts, prefix) {
    el.replaceChildren();
    el.style.gridTemplateColumns = hdrWidth(rows) + "px repeat(" + cols + ", var(--cell))";
    const cells = [];
    el.appendChild(document.createElement("div"));
    for (let c = 0; c < cols; c++) {
      const h = document.createElement("div"); h.className = "hdr"; h.textContent = c + (D.ib || 0);
      el.appendChild(h);
    }
    for (let r = 0; r < rows; r++) {
      const h = document.createElement("div"); h.className = "hdr"; h.textContent = r + (D.ib || 0);
      h.style.paddingRight = "4px"; el.appendChild(h);
      for (let c = 0; c < cols; c++) {
        const d = document.createElement("div"); d.className = "cell";
        const txt = texts ? texts[r * cols + c] : "0";
        d.title = prefix + idx(r, c) + " = " + txt;
        d.setAttribute("aria-label", d.title);
        d.textContent = txt;
        el.appendChild(d); cells.push(d);
      }
    }
    return cells;
  }

  // A dL/dx cell's background and text colour: the dL/dx heatmap's colour for the same value
  // (D.colours: its scale and range, from Python); NaN and infinities: the empty cell's grey.
  function colour(v) {
    const rgb = scaleColour(v, D.colours);
    if (!rgb) return ["#eceff3", "#111"];
    return ["rgb(" + rgb.join(",") + ")", textColour(rgb)];
  }

  // "[r,c]" in the payload's index base (D.ib: 0 code, 1 math; ui.format.index_base).
  function idx(r, c) { const b = D.ib || 0; return "[" + (r + b) + "," + (c + b) + "]"; }

  // `full`: the cell's whole symbolic expression when the player shows symbols (its text
  // is then a short form), for the title and the screen reader.
  function setGrad(i, text, v, count, full) {
    const d = cg[i];
    const [bg, fg] = colour(v);
    d.style.background = bg; d.style.color = fg;
    d.title = "dL/dx" + idx(Math.floor(i / D.W), i % D.W) + " = " + (full || text) +
      (count > 1 ? " (" + D.labels.from + " " + count + ")" : "");
    d.setAttribute("aria-label", d.title);
    d.replaceChildren();
    d.appendChild(document.createTextNode(text));
    d.classList.toggle("multi", count > 1);
    if (count > 1) {
      const b = document.createElement("span"); b.className = "badge"; b.textContent = "×" + count;
      d.appendChild(b);
    }
  }
  function write(i, u) { shownU[i] = u; setGrad(i, u[1], u[2], u[3], u[4]); }

  // The real input cells of step k's window (its taps laid out from its first one).
  function windowCells(st) {
    const out = [];
    const [r0, c0, r1, c1] = st.o, [dh, dw] = D.dil;
    for (let r = r0; r <= r1; r += dh) {
      if (r < 0 || r >= D.H) continue;
      for (let c = c0; c <= c1; c += dw) {
        if (c >= 0 && c < D.W) out.push(r * D.W + c);
      }
    }
    return out;
  }

  function render() {
    // Show dL/dx after step k by replaying the precomputed "after" values (no arithmetic here):
    // one step forward applies only that step; any other jump, and the first drawing (every
    // cell then gets its colour, and a later block its `base`), replays from the start.
    if (shown >= 0 && k === shown + 1) {
      for (const u of D.steps[k].u) write(u[0], u);
    } else {
      const want = new Array(cg.length).fill(ZERO);
      for (const u of D.base) want[u[0]] = u;
      for (let s = 0; s <= k; s++) {
        for (const u of D.steps[s].u) want[u[0]] = u;
      }
      for (let i = 0; i < cg.length; i++) if (shownU[i] !== want[i]) write(i, want[i]);
    }
    shown = k;
    if (marked) {
      for (const f of marked.r) cg[f].classList.remove("recv");
      for (const f of marked.w) cx[f].classList.remove("inwin", "tied", "recv");
      for (const f of marked.t) cx[f].classList.remove("inwin", "tied", "recv");
      for (const f of marked.r) cx[f].classList.remove("inwin", "tied", "recv");
      cy[marked.k].classList.remove("cur");
    }
    const st = D.steps[k];
    marked = {w: windowCells(st), t: st.t, r: st.u.map((u) => u[0]), k: K0 + k};
    for (const f of marked.w) cx[f].classList.add("inwin");
    for (const f of marked.t) cx[f].classList.add("tied");
    for (const f of marked.r) { cx[f].classList.add("recv"); cg[f].classList.add("recv"); }
    cy[K0 + k].classList.add("cur");
    sentence.textContent = st.s;
    scrub.value = K0 + k;
    counter.textContent = D.labels.step + " " + (K0 + k + 1) + " / " + D.total;
  }
  function go(n) { k = Math.max(0, Math.min(N - 1, n)); render(); report(); }
  // Tell Python which step the student stopped on (not while playing; once the steps settle),
  // so the jump slider, the outlined window and the link follow the player, and a new
  // configuration opens on the same step.
  let reportTimer = null, sent = [];  // steps reported whose rerun has not come back yet
  function report() {
    clearTimeout(reportTimer);
    reportTimer = setTimeout(function () {
      reportTimer = null;
      const s = K0 + k;
      if (timer || !api.setTrigger || s === lastStart) return;
      sent.push(s);
      api.setTrigger("step", s);
    }, 350);
  }
  function stop() {
    if (timer) { clearInterval(timer); timer = null; report(); }
    playBtn.textContent = "▶";
    playBtn.setAttribute("aria-label", D.labels.play); playBtn.title = D.labels.play;
  }
  function play() {
    if (timer) { stop(); return; }
    if (k >= N - 1) go(0);
    playBtn.textContent = "❚❚";
    playBtn.setAttribute("aria-label", D.labels.pause); playBtn.title = D.labels.pause;
    timer = setInterval(function () { if (k >= N - 1) { stop(); return; } go(k + 1); },
                        +$("speed").value);
  }

  function labelAll() {
    const L = D.labels;
    root.lang = D.lang;
    root.setAttribute("aria-label", L.title);
    scrub.setAttribute("aria-label", L.scrub);
    for (const el of root.querySelectorAll("[data-label]")) {
      const text = L[el.dataset.label];
      if (el.tagName === "SECTION") {
        el.setAttribute("aria-label", text);
        el.querySelector("h3").textContent = text;
      } else if (el.tagName === "BUTTON") {
        const key = el.dataset.key === "space" ? L.space : el.dataset.key;
        el.setAttribute("aria-label", text);
        el.title = text + " (" + key + ")";
      } else {
        el.textContent = text;
      }
    }
  }

  function load(text, start) {
    D = JSON.parse(text);
    N = D.steps.length; K0 = D.k0;
    root.classList.toggle("projector", !!D.projector);
    longest = {x: widest(D.x), gy: widest(D.gy), gx: widest(gradTexts())};
    fitted = -1; fit();
    labelAll();
    cx = build($("gx"), D.H, D.W, D.x, "x");
    cy = build($("gy"), D.oh, D.ow, D.gy, "dL/dy");
    cg = build($("gx2"), D.H, D.W, null, "dL/dx");
    shownU = new Array(cg.length).fill(null);
    marked = null; shown = -1;
    scrub.min = K0; scrub.max = K0 + N - 1;
    $("note").textContent = D.note || "";
    stop();
    k = Math.max(0, Math.min(N - 1, start - K0));
    render();
  }

  $("first").onclick = () => { stop(); go(0); };
  $("prev").onclick = () => { stop(); go(k - 1); };
  $("next").onclick = () => { stop(); go(k + 1); };
  $("last").onclick = () => { stop(); go(N - 1); };
  playBtn.onclick = play;
  $("speed").onchange = () => { if (timer) { stop(); play(); } };
  scrub.oninput = () => { stop(); go(+scrub.value - K0); };
  root.addEventListener("keydown", function (e) {
    const tag = e.target.tagName;
    if (tag === "SELECT" || tag === "INPUT") return;
    const map = { ArrowRight: () => go(k + 1), ArrowLeft: () => go(k - 1),
                  Home: () => go(0), End: () => go(N - 1) };
    if (map[e.key]) { stop(); map[e.key](); e.preventDefault(); }
    else if (e.key === " " && tag !== "BUTTON") { play(); e.preventDefault(); }
  });

  const api = {
    root,
    setTrigger: null,
    update(text, start) {
      if (text !== pageText) {  // a new configuration, language or projector mode
        pageText = text; lastStart = start; sent = [];
        load(text, start);
      } else if (start !== lastStart) {  // the same steps, a new start
        lastStart = start;
        const echo = sent.indexOf(start);
        if (echo >= 0) {  // the rerun of one of our own reports: stay where the student is
          sent.splice(0, echo + 1);
        } else {  // the jump slider
          stop(); go(start - K0);
        }
      }  // else: a rerun for something else; the player stays where the student left it
    },
    stop() { if (timer) { clearInterval(timer); timer = null; } },
  };
  return api;
}

// Named so that the standalone page (ui/exports/standalone.py) can call it from the same module.
export default function mountPlayer(component) {
  const { data, parentElement } = component;
  let player = parentElement.__pbePlayer;
  if (!player || !player.root.isConnected) {
    player = parentElement.__pbePlayer = createPlayer(parentElement);
  }
  player.setTrigger = component.setTriggerValue;
  player.update(data.page, data.start);
  return () => { player.stop(); };
}
