// A Plotly chart that stays mounted across reruns (ui/views/charts.py mounts it as a Streamlit v2
// component, not in a shadow root, so Plotly's own page-wide styles reach it).
//
// data = {fig: JSON text of the figure, alt: its text alternative, src: where plotly.js is,
//         config: Plotly's config, failed: what to show if plotly.js cannot be loaded}
// A rerun that brings the same figure text does nothing; a new one is drawn with
// Plotly.react into the same element (no new chart, no new SVG skeleton). While a figure is
// being drawn the chart is aria-busy="true" (assistive technology, and tests, wait for it).

function loadPlotly(src) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.__pbePlotly) {
    window.__pbePlotly = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = new URL(src, document.baseURI).href;
      script.onload = () => (window.Plotly ? resolve(window.Plotly)
                                           : reject(new Error("plotly.js has no Plotly")));
      script.onerror = () => {
        window.__pbePlotly = null;  // the next chart tries again
        reject(new Error("plotly.js did not load from " + script.src));
      };
      document.head.appendChild(script);
    });
  }
  return window.__pbePlotly;
}

// The figure at its own size, or narrower when its column is narrower (projector mode, a
// small window): the plot area shrinks by one factor, so cells stay square; margins stay.
function fitted(fig, avail) {
  const L = fig.layout, m = L.margin || {};
  const l = m.l ?? 80, r = m.r ?? 80, t = m.t ?? 100, b = m.b ?? 80;
  if (!(avail > 0) || L.width <= avail || avail <= l + r + 40) return L;
  const f = (avail - l - r) / (L.width - l - r);
  return { ...L, width: Math.floor(avail), height: Math.round(t + b + (L.height - t - b) * f) };
}

const ctx = document.createElement("canvas").getContext("2d");
function textWidth(text, px, weight, family) {
  ctx.font = (weight || "400") + " " + px + "px " + family;
  return ctx.measureText(text).width;
}

// Below this font size (px) a chart's cells show colour only, no numbers (the step player's
// rule too, ui/assets/player.js): 32 x 32 cells drawn 16 px wide would get 4-6 px digits that
// no one can read, and writing ~1000 of them took Plotly ~90 ms per chart on every edit. The
// value of a cell is in its hover text (and in the grid editor).
export const MIN_TEXT_PX = 8;

// Every number inside its cell: the figure's font, or smaller so that the widest text of the
// trace fits the cell the chart is drawn at (a text line is about 1.45 em tall); none when
// that is smaller than MIN_TEXT_PX.
export function fitText(trace, layout) {
  if (!trace.text || !trace.textfont) return trace;
  const m = layout.margin || {}, xr = layout.xaxis.range, yr = layout.yaxis.range;
  const cw = (layout.width - (m.l ?? 80) - (m.r ?? 80)) / Math.abs(xr[1] - xr[0]) -
             (trace.xgap || 0);
  const ch = (layout.height - (m.t ?? 100) - (m.b ?? 80)) / Math.abs(yr[1] - yr[0]) -
             (trace.ygap || 0);
  const family = (trace.textfont.family || layout.font.family || "sans-serif");
  const weight = trace.textfont.weight || "400";
  let widest = "";
  for (const row of trace.text) for (const s of row) if (s.length > widest.length) widest = s;
  const size = trace.textfont.size;
  const w = widest ? textWidth(widest, 100, weight, family) / 100 : 0.6;
  const fit = Math.floor(Math.min(size, (cw - 4) / w, (ch - 2) / 1.45));
  if (fit < MIN_TEXT_PX) return { ...trace, texttemplate: "" };
  return fit >= size ? trace : { ...trace, textfont: { ...trace.textfont, size: fit } };
}

// The title whole: broken into lines at spaces to fit the chart's width (the top margin grows
// by a line for each), and smaller when a single word is wider than the chart.
function fitTitle(layout) {
  const T = layout.title;
  if (!T || !T.text) return layout;
  const family = (T.font && T.font.family) || layout.font.family || "sans-serif";
  let size = (T.font && T.font.size) || 16;
  const avail = layout.width - 12;
  const words = T.text.split(" ");
  for (const word of words) size = Math.min(size, Math.floor(size * avail / textWidth(word, size, "400", family)));
  const lines = [];
  for (const word of words) {
    const cand = lines.length ? lines[lines.length - 1] + " " + word : word;
    if (lines.length && textWidth(cand, size, "400", family) <= avail) lines[lines.length - 1] = cand;
    else lines.push(word);
  }
  if (lines.length === 1 && size === ((T.font && T.font.size) || 16)) return layout;
  const extra = Math.round((lines.length - 1) * size * 1.3);
  const m = layout.margin || {};
  return { ...layout, height: layout.height + extra,
           margin: { ...m, t: (m.t ?? 100) + extra },
           title: { ...T, text: lines.join("<br>"), font: { ...(T.font || {}), size },
                    y: 1, yref: "container", yanchor: "top", pad: { t: 8 } } };
}

// Count the drawings under way; the chart is aria-busy while there is one.
function busy(box, on) {
  box.__busy = Math.max(0, (box.__busy || 0) + (on ? 1 : -1));
  if (box.__busy) box.setAttribute("aria-busy", "true");
  else box.removeAttribute("aria-busy");
}

// A trace whose JSON is the one drawn last time keeps the object Plotly was given then.
// Plotly.react compares data arrays (z, text, hover texts) by reference, so a figure whose
// cells are the same and whose outlines, marks or title moved (the jump slider, the player's
// step report) is redrawn as a layout change: the outlines move, and the cells and their
// numbers are not written again (about 1000 of them per chart on 32 x 32).
function keepSameTraces(box, fig) {
  const json = fig.data.map((tr) => JSON.stringify(tr));
  const before = box.__traceJSON || [];
  fig.data = fig.data.map((tr, i) => (json[i] === before[i] ? box.__traces[i] : tr));
  box.__traceJSON = json;
  box.__traces = fig.data;
  return fig;
}

function draw(box, Plotly) {
  const fig = box.__fig;
  const base = fitted(fig, box.parentElement.clientWidth);
  const layout = fitTitle(base);
  const data = fig.data.map((tr) => fitText(tr, base));
  box.style.width = layout.width + "px";
  box.style.height = layout.height + "px";
  box.__drawnWidth = layout.width;
  return Plotly.react(box, data, layout, box.__config);
}

export default function (component) {
  const { data, parentElement } = component;
  let box = parentElement.__pbeChart;
  if (!box || !box.isConnected) {
    box = document.createElement("div");
    box.className = "pbe-chart";
    box.setAttribute("role", "img");
    parentElement.appendChild(box);
    parentElement.__pbeChart = box;
    // A column that gets narrower or wider (window, sidebar) redraws the chart to fit it.
    new ResizeObserver(() => {
      if (!box.__fig || !window.Plotly) return;
      const want = fitted(box.__fig, parentElement.clientWidth).width;
      if (want === box.__drawnWidth) return;
      busy(box, true);
      Promise.resolve().then(() => draw(box, window.Plotly)).catch(console.error)
        .finally(() => busy(box, false));
    }).observe(parentElement);
  }
  box.setAttribute("aria-label", data.alt || "");
  if (box.__figText === data.fig) return;
  box.__figText = data.fig;
  box.__fig = keepSameTraces(box, JSON.parse(data.fig));
  box.__config = data.config;
  // Hold the chart's place while plotly.js loads, so the page does not jump.
  const first = fitTitle(fitted(box.__fig, parentElement.clientWidth));
  box.style.width = first.width + "px";
  box.style.height = first.height + "px";
  busy(box, true);
  loadPlotly(data.src).then((Plotly) => {
    if (box.__figText !== data.fig) return;  // a newer figure came meanwhile
    return draw(box, Plotly);
  }).catch((err) => {
    console.error(err);
    box.__figText = null;
    box.textContent = data.failed || "";
  }).finally(() => busy(box, false));
}
