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
  <div class="predict" id="predict" hidden>
    <ul class="picks" id="picks"></ul>
    <div class="pctl">
      <button id="pcheck" class="pcheck"></button>
      <button id="psum" aria-expanded="false"></button>
      <span class="pscore" id="pscore"></span>
    </div>
    <div class="pfeed" id="pfeed" aria-live="polite"></div>
    <div class="psummary" id="psummary" hidden></div>
    <div class="sr" id="pannounce" aria-live="polite"></div>
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

// Cells whose numbers would be drawn smaller than this (px) show colour only; the charts'
// rule too (ui/assets/chart.js MIN_TEXT_PX). A cell's value stays in its title.
export const MIN_TEXT_PX = 8;

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
  let shownU = [], marked = null, shown = null;  // shown: the last step drawn in dL/dx
  // Predict mode (createPredict below): it hides the current step until it is checked.
  const predict = createPredict(root, {
    step: () => K0 + k, cells: () => cx, D: () => D, next: () => go(k + 1),
    window: () => windowCells(D.steps[k]), render: () => render(),
    taps: () => windowTaps(D.steps[k]),
    trigger: (name, value) => { if (api.setTrigger) api.setTrigger(name, value); },
  });
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
    const ring = predict.ring() || [0, 0, 0, 0];  // x's padding, shown in predict mode
    const hx = hdrWidth(D.H), hy = hdrWidth(D.oh);
    const tallest = Math.max(D.H + ring[0] + ring[1], D.oh);
    const rowCell = (panels) => {
      const cols = panels.reduce((a, p) => a + p[0], 0), hdr = panels.reduce((a, p) => a + p[1], 0);
      const room = width - hdr - PANEL_GAP * (panels.length - 1) - SLACK;
      return cellPitch(tallest, cols, room, D.cells) - GAP;
    };
    const X = [D.W, hx], Y = [D.ow, hy], XR = [D.W + ring[2] + ring[3], hx];
    const layouts = [[[XR, Y, X]], [[XR, Y], [X]], [[XR], [Y], [X]]];
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
    root.classList.toggle("notext", best.f < MIN_TEXT_PX);
    align();
    holdSentence();
  }
  // The sentence keeps the height of the tallest one of these steps (the five longest,
  // measured once per load and width): a step never moves what is below it. A sentence
  // that wrapped onto one more line moved the grids, which were then laid out, painted and
  // composited again (about 10 ms a step on 32 x 32), and the page jumped as the student
  // stepped.
  function holdSentence() {
    if (!D) return;
    const texts = D.steps.map((st) => st.s).concat(predict.prompts());
    texts.sort((a, b) => b.length - a.length);
    const shown = sentence.textContent;
    sentence.style.minHeight = "";
    let h = 0;
    for (const text of texts.slice(0, 5)) {
      sentence.textContent = text;
      h = Math.max(h, sentence.getBoundingClientRect().height);
    }
    sentence.textContent = shown;
    sentence.style.minHeight = Math.ceil(h) + "px";  // its border box (player.css)
  }
  new ResizeObserver(() => fit()).observe(root);
  // With x's padding ring shown (predict mode) and dL/dx right below x, dL/dx starts the
  // ring's width further right, so that its column c stands under x's column c.
  function align() {
    const xp = $("gx").parentElement, gp = $("gx2").parentElement;
    const left = (predict.ring() || [0, 0, 0, 0])[2];
    gp.style.marginLeft = "";
    if (left > 0 && gp.offsetLeft === xp.offsetLeft && gp.offsetTop > xp.offsetTop) {
      const pitch = parseFloat(getComputedStyle(root).getPropertyValue("--cell")) + GAP;
      gp.style.marginLeft = left * pitch + "px";
    }
  }

  // A grid of rows x cols cells with row and column numbers; `ring` (predict mode, x only):
  // [above, below, left, right] cells of padding around it, labelled `ringLabel`.
  function build(el, rows, cols, texts, prefix, ring, ringLabel) {
    const [pt, pb, pl, pr] = ring || [0, 0, 0, 0];
    // The same grid as last time (an edit that keeps the layer's shapes): its cells stay and
    // only what changed is written. Building ~3000 new cells on 32 x 32 cost ~250 ms of style,
    // layout and paint on every edit. Everything the header and the columns are made of is in
    // the key (the row numbers' column is wider in projector mode: hdrWidth).
    const shape = [rows, cols, pt, pb, pl, pr, D.ib || 0, !!D.projector, prefix,
                   ringLabel || ""].join("|");
    if (el.__shape === shape) return refresh(el, cols, texts, prefix, ringLabel);
    el.replaceChildren();
    el.style.gridTemplateColumns = hdrWidth(rows) + "px repeat(" + (cols + pl + pr) +
      ", var(--cell))";
    const cells = [];
    el.appendChild(document.createElement("div"));
    for (let c = -pl; c < cols + pr; c++) {
      const h = document.createElement("div"); h.className = "hdr"; h.textContent = c + (D.ib || 0);
      el.appendChild(h);
    }
    for (let r = -pt; r < rows + pb; r++) {
      const h = document.createElement("div"); h.className = "hdr"; h.textContent = r + (D.ib || 0);
      h.style.paddingRight = "4px"; el.appendChild(h);
      for (let c = -pl; c < cols + pr; c++) {
        const d = document.createElement("div"); d.className = "cell";
        if (r < 0 || r >= rows || c < 0 || c >= cols) {  // padding: not a cell of x
          d.className = "cell padcell"; d.dataset.rc = r + "," + c;
          d.title = prefix + idx(r, c) + ": " + ringLabel;
          d.setAttribute("aria-label", d.title);
          el.appendChild(d);
          continue;
        }
        const txt = texts ? texts[r * cols + c] : "0";
        d.title = prefix + idx(r, c) + " = " + txt;
        d.setAttribute("aria-label", d.title);
        d.textContent = txt;
        el.appendChild(d); cells.push(d);
      }
    }
    el.__shape = shape; el.__cells = cells;
    return cells;
  }
  // A kept grid made as `build` makes it: each cell's text and name (x, dL/dy), no mark of a
  // step or a prediction left; dL/dx cells keep their numbers and colours, which `render`
  // writes where they change (setGrad).
  function refresh(el, cols, texts, prefix, ringLabel) {
    const cells = el.__cells;
    for (let i = 0; i < cells.length; i++) {
      const d = cells[i];
      if (!texts) { d.classList.remove("recv"); continue; }
      if (d.className !== "cell") d.className = "cell";
      const txt = texts[i], name = prefix + idx(Math.floor(i / cols), i % cols) + " = " + txt;
      if (d.title !== name) { d.title = name; d.setAttribute("aria-label", name); d.textContent = txt; }
      delete d.dataset.base;
    }
    for (const d of el.querySelectorAll(".padcell")) {
      const [r, c] = d.dataset.rc.split(",").map(Number);
      d.className = "cell padcell";
      d.title = prefix + idx(r, c) + ": " + ringLabel;
      d.setAttribute("aria-label", d.title);
      delete d.dataset.base;
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
    const name = "dL/dx" + idx(Math.floor(i / D.W), i % D.W) + " = " + (full || text) +
      (count > 1 ? " (" + D.labels.from + " " + count + ")" : "");
    const shown = [bg, fg, name, text, count].join("\u0001");
    if (d.__shown === shown) return;  // a kept cell (see `build`) that already shows this
    d.__shown = shown;
    d.style.background = bg; d.style.color = fg;
    d.title = name;
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

  // Every tap (r, c) of step k's window, padding included (predict mode shows the padding).
  function windowTaps(st) {
    const out = [];
    const [r0, c0, r1, c1] = st.o, [dh, dw] = D.dil;
    for (let r = r0; r <= r1; r += dh) for (let c = c0; c <= c1; c += dw) out.push([r, c]);
    return out;
  }

  function render() {
    // Show dL/dx after step k by replaying the precomputed "after" values (no arithmetic here):
    // one step forward applies only that step; any other jump, and the first drawing (every
    // cell then gets its colour, and a later block its `base`), replays from the start.
    // A step being predicted is drawn as before it (upto = k - 1), its receivers unmarked.
    const hidden = predict.hides(K0 + k), upto = hidden ? k - 1 : k;
    if (shown !== null && upto === shown + 1) {
      for (const u of D.steps[upto].u) write(u[0], u);
    } else {
      const want = new Array(cg.length).fill(ZERO);
      for (const u of D.base) want[u[0]] = u;
      for (let s = 0; s <= upto; s++) {
        for (const u of D.steps[s].u) want[u[0]] = u;
      }
      for (let i = 0; i < cg.length; i++) if (shownU[i] !== want[i]) write(i, want[i]);
    }
    shown = upto;
    if (marked) {
      for (const f of marked.r) cg[f].classList.remove("recv");
      for (const f of marked.w) cx[f].classList.remove("inwin", "tied", "recv");
      for (const f of marked.t) cx[f].classList.remove("inwin", "tied", "recv");
      for (const f of marked.r) cx[f].classList.remove("inwin", "tied", "recv");
      cy[marked.k].classList.remove("cur");
    }
    const st = D.steps[k];
    marked = {w: windowCells(st), t: hidden ? [] : st.t,
              r: hidden ? [] : st.u.map((u) => u[0]), k: K0 + k};
    for (const f of marked.w) cx[f].classList.add("inwin");
    for (const f of marked.t) cx[f].classList.add("tied");
    for (const f of marked.r) { cx[f].classList.add("recv"); cg[f].classList.add("recv"); }
    cy[K0 + k].classList.add("cur");
    sentence.textContent = hidden ? predict.prompt(K0 + k) : st.s;
    predict.render(K0 + k, hidden);
    playBtn.disabled = predict.on();  // predicting: one step at a time
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
    // Every step stops the play: when not playing the button already says so, and writing
    // its text again would replace the text node and lay the controls out again each step.
    if (playBtn.textContent === "▶" && playBtn.title === D.labels.play) return;
    playBtn.textContent = "▶";
    playBtn.setAttribute("aria-label", D.labels.play); playBtn.title = D.labels.play;
  }
  function play() {
    if (timer) { stop(); return; }
    if (predict.on()) return;  // predicting: one step at a time
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
    cx = build($("gx"), D.H, D.W, D.x, "x", predict.ring(), predict.ringLabel());
    cy = build($("gy"), D.oh, D.ow, D.gy, "dL/dy");
    cg = build($("gx2"), D.H, D.W, null, "dL/dx");
    align();
    shownU = new Array(cg.length).fill(null);
    marked = null; shown = null;
    predict.attach();
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
    update(text, start, predictText) {
      const predictChanged = predict.set(predictText || "");
      if (text !== pageText) {  // a new configuration, language or projector mode
        pageText = text; lastStart = start; sent = [];
        load(text, start);
      } else if (predictChanged === "ring") {  // x's padding shown or hidden: rebuild
        load(text, K0 + k);
      } else if (start !== lastStart) {  // the same steps, a new start
        lastStart = start;
        const echo = sent.indexOf(start);
        if (echo >= 0) {  // the rerun of one of our own reports: stay where the student is
          sent.splice(0, echo + 1);
        } else {  // the jump slider
          stop(); go(start - K0);
        }
      } else if (predictChanged) {  // a prediction marked, or predict mode switched
        holdSentence();  // its prompts are sentences too
        render();
      }  // else: a rerun for something else; the player stays where the student left it
    },
    stop() { if (timer) { clearInterval(timer); timer = null; } },
  };
  return api;
}

// ---- predict mode: the student picks the cells of x that receive step k's dL/dy and types
// each amount; "Check" sends {k, cells: [[r, c, text]]} to Python (a trigger, one rerun), which
// parses, marks (pooling_core.predict) and words it (ui/views/predict.py). This code only keeps
// the picks and shows what Python sent: `P` (predict_data: per step its prompt, or once marked
// its verdicts and lines; the score and the summary). Keys on the x grid: arrows move the
// cursor, Space picks, a digit picks and starts the amount, Enter checks (then: next step).
function createPredict(root, ctx) {
  const $ = (id) => root.querySelector("#" + id);
  const panel = $("predict"), picksEl = $("picks"), feed = $("pfeed"), grid = $("gx");
  const checkBtn = $("pcheck"), sumBtn = $("psum"), sumEl = $("psummary");
  const announce = $("pannounce");
  let P = null, ptext = "", picks = new Map(), pickStep = -1, cur = [0, 0], nonce = 0;
  let showSum = false, touched = [], ringKey = "";
  const VERDICTS = ["right", "amount", "missed", "extra"];
  const AMOUNT = /^[0-9.,\-\/−÷ ]$/;

  const on = () => !!P;
  const hides = (step) => !!P && !P.done[step];
  const key = (r, c) => r + "," + c;
  function cellAt(r, c) {
    const D = ctx.D();
    if (r >= 0 && r < D.H && c >= 0 && c < D.W) return ctx.cells()[r * D.W + c];
    return grid.querySelector('[data-rc="' + r + "," + c + '"]');  // padding (or none)
  }
  const ring = () => (P && P.pad && P.pad.some((v) => v > 0)) ? P.pad : null;
  function baseLabel(d) {
    if (!d.dataset.base) d.dataset.base = d.getAttribute("aria-label") || "";
    return d.dataset.base;
  }
  function labelCell(d, extra) {
    const text = baseLabel(d) + (extra ? " — " + extra : "");
    d.setAttribute("aria-label", text); d.title = text;
  }
  function set(text) {
    if (text === ptext) return false;
    ptext = text;
    P = text ? JSON.parse(text) : null;
    panel.hidden = !P;
    const key = JSON.stringify(ring());
    const ringChanged = key !== ringKey;
    ringKey = key;
    if (P) {
      const L = P.labels;
      grid.tabIndex = 0;
      grid.setAttribute("role", "group");
      grid.setAttribute("aria-label", L.grid);
      sumBtn.textContent = L.summary_button;
    } else {
      grid.removeAttribute("tabindex"); grid.removeAttribute("role");
      grid.removeAttribute("aria-label");
    }
    return ringChanged ? "ring" : true;
  }
  function attach() {
    touched = []; pickStep = -1;
    const W = ctx.D().W;
    const at = (d, f) => d.dataset.rc ? d.dataset.rc.split(",").map(Number)
                                      : [Math.floor(f / W), f % W];
    [...ctx.cells(), ...grid.querySelectorAll(".padcell")].forEach((d, f) => {
      if (d.__pbePick) return;  // a cell kept from the last load has its listener
      d.__pbePick = true;
      d.addEventListener("click", () => {
        if (hides(ctx.step())) { cur = at(d, f); toggle(); grid.focus(); }
      });
    });
  }
  function toggle() {
    const [r, c] = cur, kk = key(r, c);
    if (picks.has(kk)) picks.delete(kk); else picks.set(kk, {r, c, text: ""});
    draw(ctx.step(), true);
    say();
  }
  function say() {
    const d = cellAt(cur[0], cur[1]);
    if (!d) return;
    announce.textContent = baseLabel(d) + (picks.has(key(cur[0], cur[1])) ? ", " + P.labels.picked : "");
  }
  function check() {
    if (!P) return;
    const step = ctx.step();
    if (!hides(step)) { ctx.next(); grid.focus(); return; }
    nonce += 1;
    ctx.trigger("predict", {k: step, n: nonce,
                            cells: [...picks.values()].map((p) => [p.r, p.c, p.text])});
  }
  // The picked cells, each with its amount box (rebuilt keeping the focused one focused).
  function drawPicks(focusKey) {
    const active = root.getRootNode().activeElement;
    const keep = focusKey || (active && active.dataset && active.dataset.cell) || null;
    picksEl.replaceChildren();
    for (const [kk, p] of picks) {
      const li = document.createElement("li");
      const label = document.createElement("label");
      const input = document.createElement("input");
      input.type = "text"; input.inputMode = "decimal"; input.value = p.text;
      input.dataset.cell = kk; input.size = 6; input.autocomplete = "off";
      input.oninput = () => { p.text = input.value; };
      input.onkeydown = (e) => {
        if (e.key === "Enter") { e.preventDefault(); check(); }
        else if (e.key === "Escape") { e.preventDefault(); grid.focus(); }
      };
      label.append(P.labels.amount + " x[" + p.r + "," + p.c + "] ", input);
      const rm = document.createElement("button");
      rm.textContent = "×"; rm.className = "rm";
      rm.setAttribute("aria-label", P.labels.remove + " x[" + p.r + "," + p.c + "]");
      rm.onclick = () => { picks.delete(kk); draw(ctx.step(), true); grid.focus(); };
      li.append(label, rm);
      picksEl.appendChild(li);
      if (kk === keep) { input.focus(); input.setSelectionRange(p.text.length, p.text.length); }
    }
    if (!picks.size) {
      const li = document.createElement("li"); li.className = "none";
      li.textContent = P.labels.none; picksEl.appendChild(li);
    }
  }
  function unmark() {
    for (const d of touched) {
      d.classList.remove("pick", "pcur", ...VERDICTS.map((v) => "v-" + v));
      if (d.dataset.rc) d.classList.remove("inwin");
      if (d.dataset.base) labelCell(d, "");
    }
    touched = [];
  }
  function mark(d, cls, extra) {
    if (!d) return;
    d.classList.add(cls); touched.push(d);
    if (extra !== undefined) labelCell(d, extra);
  }
  // Draw predict mode for `step` (hidden: being predicted); `picked`: only the picks changed.
  function draw(step, hidden) {
    unmark();
    if (!P) return;
    for (const [r, c] of ctx.taps()) {  // the window's padding taps, yellow as its cells
      const d = cellAt(r, c);
      if (d && d.dataset.rc) mark(d, "inwin");
    }
    if (hidden) {
      for (const p of picks.values()) mark(cellAt(p.r, p.c), "pick", P.labels.picked);
      mark(cellAt(cur[0], cur[1]), "pcur");
      drawPicks();
      checkBtn.textContent = P.labels.check;
      feed.replaceChildren();
      if (P.error && P.error.k === step) feed.textContent = P.error.text;
      return;
    }
    const done = P.done[step];
    const active = root.getRootNode().activeElement;
    const lost = active && picksEl.contains(active);
    picksEl.replaceChildren();
    checkBtn.textContent = P.labels.next;
    feed.replaceChildren();
    if (done) {
      for (const [r, c, v] of done.cells) mark(cellAt(r, c), "v-" + v, P.labels["verdict." + v]);
      feed.classList.toggle("ok", done.ok);
      for (const line of done.lines) {
        const p = document.createElement("p"); p.textContent = line; feed.appendChild(p);
      }
    }
    if (lost) grid.focus();
  }
  function render(step, hidden) {
    if (step !== pickStep) {  // a new step: no picks, the cursor on the window's first cell
      picks = new Map(); pickStep = step;
      const w = P ? ctx.window() : [];
      if (w.length) { const W = ctx.D().W; cur = [Math.floor(w[0] / W), w[0] % W]; }
    }
    draw(step, hidden);
    $("pscore").textContent = P ? P.score : "";
    if (P) {
      const open = showSum || P.finished;
      sumEl.hidden = !open; sumEl.textContent = open ? P.summary : "";
      sumBtn.setAttribute("aria-expanded", String(open));
    }
  }
  checkBtn.onclick = check;
  sumBtn.onclick = () => { showSum = !showSum; ctx.render(); };
  grid.addEventListener("keydown", function (e) {
    if (!P || e.target !== grid) return;
    const D = ctx.D(), moves = {ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1],
                                ArrowRight: [0, 1]};
    const hidden = hides(ctx.step());
    if (moves[e.key]) {
      const [dr, dc] = moves[e.key], [pt, pb, pl, pr] = ring() || [0, 0, 0, 0];
      cur = [Math.max(-pt, Math.min(D.H - 1 + pb, cur[0] + dr)),
             Math.max(-pl, Math.min(D.W - 1 + pr, cur[1] + dc))];
      draw(ctx.step(), hidden); say();
    } else if (e.key === " " && hidden) {
      toggle();
    } else if (e.key === "Enter") {
      check();
    } else if (hidden && AMOUNT.test(e.key)) {
      const kk = key(cur[0], cur[1]);
      if (!picks.has(kk)) picks.set(kk, {r: cur[0], c: cur[1], text: ""});
      picks.get(kk).text = e.key;
      draw(ctx.step(), true);
      drawPicks(kk);
    } else {
      return;
    }
    e.preventDefault(); e.stopPropagation();
  });
  return {
    on, hides, set, attach, render, ring,
    ringLabel: () => (P ? P.labels.pad : ""),
    prompt: (step) => (P && P.prompts[step]) || "",
    prompts: () => (P ? Object.values(P.prompts) : []),
  };
}

// Named so that the standalone page (ui/exports/standalone.py) can call it from the same module.
export default function mountPlayer(component) {
  const { data, parentElement } = component;
  let player = parentElement.__pbePlayer;
  if (!player || !player.root.isConnected) {
    player = parentElement.__pbePlayer = createPlayer(parentElement);
  }
  player.setTrigger = component.setTriggerValue;
  player.update(data.page, data.start, data.predict);
  return () => { player.stop(); };
}
