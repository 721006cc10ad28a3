// A Plotly chart that stays mounted across reruns (ui/charts.py mounts it as a Streamlit v2
// component, not in a shadow root, so Plotly's own page-wide styles reach it).
//
// data = {fig: JSON text of the figure, alt: its text alternative, src: where plotly.js is,
//         config: Plotly's config, failed: what to show if plotly.js cannot be loaded}
// A rerun that brings the same figure text does nothing; a new one is drawn with
// Plotly.react into the same element (no new chart, no new SVG skeleton).

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

function draw(box, Plotly) {
  const fig = box.__fig, layout = fitted(fig, box.parentElement.clientWidth);
  box.style.width = layout.width + "px";
  box.style.height = layout.height + "px";
  box.__drawnWidth = layout.width;
  return Plotly.react(box, fig.data, layout, box.__config);
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
      if (want !== box.__drawnWidth) draw(box, window.Plotly);
    }).observe(parentElement);
  }
  box.setAttribute("aria-label", data.alt || "");
  if (box.__figText === data.fig) return;
  box.__figText = data.fig;
  box.__fig = JSON.parse(data.fig);
  box.__config = data.config;
  // Hold the chart's place while plotly.js loads, so the page does not jump.
  const first = fitted(box.__fig, parentElement.clientWidth);
  box.style.width = first.width + "px";
  box.style.height = first.height + "px";
  loadPlotly(data.src).then((Plotly) => {
    if (box.__figText !== data.fig) return;  // a newer figure came meanwhile
    return draw(box, Plotly);
  }).catch((err) => {
    console.error(err);
    box.__figText = null;
    box.textContent = data.failed || "";
  });
}
