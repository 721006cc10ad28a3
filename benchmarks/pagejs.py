"""The JavaScript the benchmarks install in the page: what they watch for, in the browser.

- classroom.py: IDLE_JS (the page shows no run and no placeholder), WS_PROBE_JS (counts the
  script runs off the websocket, installed before the page loads), RUN_DONE_JS, RUN_PARTS_JS.
- ui_speed.py: WATCH_JS / DONE_JS (from a key press to the wanted state painted) and
  PLAYER_WATCH_JS / PLAYER_DONE_JS (from a click in the step player to its next frame).
- hostile_visitor.py: IDLE_JS, and OUTSIDE_JS (every link and image, shadow roots included).
"""

from __future__ import annotations

import benchmarks.paths  # noqa: F401  (tests/browser on sys.path)

# isort: split
from pw_helpers import PLAYER

# --------------------------------------------------------------------------- classroom
IDLE_JS = """() => {
  const app = document.querySelector('[data-testid=stApp]');
  return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
      && !document.querySelector('[data-testid=stSkeleton]');
}"""

# Script runs, counted from the websocket itself (a fast run may never show "running" in the
# DOM: React can batch its start and end into one render). Installed before the page loads: it
# wraps WebSocket and scans each binary ForwardMsg's top-level protobuf fields for
# script_finished (field 6; value 2 = FINISHED_EARLY_FOR_RERUN is not the end of a run) and
# session_status_changed (field 9) with script_is_running (its field 2) set. Keeps the page-clock
# times of the last 50 starts and ends.
WS_PROBE_JS = """(() => {
  if (window.__classroom) return;
  const c = window.__classroom = {finished: 0, starts: [], ends: []};
  const keep = (list, v) => { list.push(v); if (list.length > 50) list.shift(); };
  const varint = (b, i) => {
    let v = 0, s = 0, x;
    do { x = b[i++]; v += (x & 127) * 2 ** s; s += 7; } while (x & 128 && i < b.length);
    return [v, i];
  };
  const fields = (b, cb) => {
    let i = 0;
    while (i < b.length) {
      let t, v; [t, i] = varint(b, i);
      const f = Math.floor(t / 8), w = t & 7;
      if (w === 0) { [v, i] = varint(b, i); if (cb(f, w, v) === false) return; }
      else if (w === 2) { [v, i] = varint(b, i); if (cb(f, w, b.subarray(i, i + v)) === false)
                            return; i += v; }
      else if (w === 1) i += 8; else if (w === 5) i += 4; else return;
    }
  };
  const scan = b => {
    const now = performance.now();
    fields(b, (f, w, v) => {
      if (f === 6 && w === 0) { if (v !== 2) { c.finished++; keep(c.ends, now); } return false; }
      if (f === 9 && w === 2) {
        fields(v, (g, w2, x) => { if (g === 2 && w2 === 0 && x) keep(c.starts, now); });
        return false;
      }
    });
  };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', e => {
        try {
          const d = e.data;
          if (d instanceof ArrayBuffer) scan(new Uint8Array(d));
          else if (d instanceof Blob) d.arrayBuffer().then(x => scan(new Uint8Array(x)));
        } catch (err) { /* never break the app */ }
      });
    }
  };
})();"""
RUN_DONE_JS = "before => window.__classroom.finished > before && (" + IDLE_JS + ")()"
# After a run: (first start after t0 - t0, last end - that start), in ms of the page's clock.
RUN_PARTS_JS = """t0 => {
  const c = window.__classroom, s = c.starts.find(v => v >= t0), e = c.ends.at(-1);
  return s === undefined ? [null, null] : [s - t0, e - s];
}"""


# --------------------------------------------------------------------------- ui_speed
# Installed just before the interaction: records the committing key's timeStamp and resolves
# once `ready()` holds (checked every animation frame) and that frame has been painted.
WATCH_JS = """
([want, frameWant, titleWant, keyName]) => {
  const B = window.__bench = {t0: null, t1: null, ran: keyName === '__never__'};
  const onKey = e => { if (e.key === keyName && B.t0 === null) B.t0 = e.timeStamp; };
  document.addEventListener('keydown', onKey, true);
  const app0 = document.querySelector('[data-testid=stApp]');
  const seen = new MutationObserver(() => {
    if (app0.getAttribute('data-test-script-state') === 'running') B.ran = true;
  });
  if (app0) seen.observe(app0, {attributes: true, attributeFilter: ['data-test-script-state']});
  function playerRoot() {  // the step player's shadow root
    const host = document.querySelector('__PLAYER__');
    if (!host) return null;
    for (const e of host.querySelectorAll('*')) if (e.shadowRoot) return e.shadowRoot;
    return host;
  }
  function labels(key) {
    const els = document.querySelectorAll('.st-key-' + key + ' g.heatmap-label text');
    if (!els.length) {  // drawn in colour only (cells too small for numbers, chart.js
      // MIN_TEXT_PX): the texts of the data Plotly has drawn, once it is done
      const gd = document.querySelector('.st-key-' + key + ' .pbe-chart');
      const tr = gd && gd.getAttribute('aria-busy') !== 'true' && gd.data && gd.data[0];
      return tr && tr.texttemplate === '' ? tr.text.flat().join('|') : '';
    }
    const pts = [];
    for (const e of els) pts.push([Math.round(parseFloat(e.getAttribute('y'))),
                                   parseFloat(e.getAttribute('x')), e.textContent]);
    pts.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    return pts.map(p => p[2]).join('|');
  }
  function ready() {
    const app = document.querySelector('[data-testid=stApp]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    if (document.querySelector('[data-testid=stSkeleton]')) return false;
    for (const [key, text] of Object.entries(want)) if (labels(key) !== text) return false;
    for (const [key, text] of Object.entries(titleWant)) {
      const t = document.querySelector('.st-key-' + key + ' .gtitle');
      if (!t || t.textContent !== text) return false;
    }
    if (frameWant) {
      const d = playerRoot();
      const cell = d && d.querySelector('#gx .cell');
      const counter = d && d.querySelector('#counter');
      if (!cell || cell.title !== frameWant[0]) return false;
      if (!counter || counter.textContent !== frameWant[1]) return false;
    }
    return true;
  }
  // What is waited for must be new: the page cannot show it before the interaction.
  // (Whether a 'running' state was seen is not asked: a fast rerun's start and end can reach
  // React in one batch, and the attribute never shows 'running'.)
  const already = keyName !== '__never__' && ready();
  B.done = new Promise((resolve, reject) => {
    if (already) { reject(new Error('the wanted state is already shown before the interaction'));
                   return; }
    const limit = setTimeout(() => {
      const app = document.querySelector('[data-testid=stApp]');
      const charts = {};
      for (const [key, text] of Object.entries(want)) {
        const got = labels(key);
        let i = 0;
        while (i < got.length && got[i] === text[i]) i++;
        charts[key] = got === text ? 'ok' : {differsAt: i, got: got.slice(i, i + 60),
                                              want: text.slice(i, i + 60)};
      }
      const d = playerRoot();
      const cell = d && d.querySelector('#gx .cell');
      reject(new Error('not painted within 60 s: ' + JSON.stringify({
        keySeen: B.t0 !== null, rerunSeen: B.ran,
        state: app && app.getAttribute('data-test-script-state'),
        skeleton: !!document.querySelector('[data-testid=stSkeleton]'), charts: charts,
        frame: frameWant && [cell && cell.title, d && d.querySelector('#counter') &&
                             d.querySelector('#counter').textContent, frameWant],
        titles: Object.keys(titleWant).map(k => {
          const t = document.querySelector('.st-key-' + k + ' .gtitle');
          return [t && t.textContent, titleWant[k]]; })})));
    }, 60000);
    function tick() {
      if (B.t0 !== null && ready()) {
        requestAnimationFrame(() => setTimeout(() => {
          B.t1 = performance.now(); clearTimeout(limit); seen.disconnect();
          document.removeEventListener('keydown', onKey, true); resolve(B.t1 - B.t0);
        }, 0));
        return;
      }
      requestAnimationFrame(tick);
    }
    requestAnimationFrame(tick);
  });
}
""".replace("__PLAYER__", PLAYER)
DONE_JS = "() => window.__bench.done"

# In the player (its root element is given): click -> the counter changed -> that frame painted.
# `asked`: rerun requests the page sent between the click and that frame (pw_helpers' run
# tracker, window.__pbeRuns): a step is drawn in the browser, so 0. (The player reports the step
# it stops on 350 ms after the last one: that request comes after the frame, not on its path.)
PLAYER_WATCH_JS = """
(root, buttonId) => {
  const B = window.__pb = {};
  const counter = root.querySelector('#counter');
  const before = counter.textContent;
  const sent = () => window.__pbeRuns ? window.__pbeRuns.sent : 0;
  B.done = new Promise((resolve, reject) => {
    const limit = setTimeout(() => reject(new Error('no click within 30 s')), 30000);
    root.querySelector('#' + buttonId).addEventListener('click', e => {
      const t0 = e.timeStamp, sent0 = sent();
      requestAnimationFrame(() => setTimeout(() => {
        clearTimeout(limit);
        resolve({ms: performance.now() - t0, changed: counter.textContent !== before,
                 counter: counter.textContent, asked: sent() - sent0});
      }, 0));
    }, {capture: true, once: true});
  });
}
"""
PLAYER_DONE_JS = "() => window.__pb.done"


# --------------------------------------------------------------------------- hostile_visitor
# {a: [href, ...], img: [src, ...]}: every link and image in the page, shadow roots included.
OUTSIDE_JS = """() => {
  const out = {a: [], img: []};
  const walk = (root) => {
    root.querySelectorAll('a[href]').forEach(a => out.a.push(a.href));
    root.querySelectorAll('img[src]').forEach(i => out.img.push(i.src));
    root.querySelectorAll('*').forEach(e => { if (e.shadowRoot) walk(e.shadowRoot); });
  };
  walk(document);
  return out;
}"""
