// The grid editor: a table of text inputs, one per cell, that stays mounted across reruns.
//
// ui/widgets/grideditor.py mounts this as a Streamlit v2 component and gives it
//   data = {rows: [[text]], edits: {"r": {"c": text}}, bad: [[r, c]], label, cell, projector,
//           maxlen, base}
// `rows` is the text the editor starts from, `edits` what was typed since (the component's own
// state, given back so a remounted editor goes on from it), `bad` the cells that are not
// numbers (Python decides what a number is), `label` the grid's caption and `cell` the
// template "... {r} ... {c}" of one cell's accessible name. A cell holds at most `maxlen`
// characters (typed or pasted); the server cuts anything longer as well. `base` (0 or 1, the
// session's index base) is added to the row and column numbers shown and spoken; the cells'
// keys in `edits`, `bad` and the state stay 0-based.
//
// A typed cell is sent when it is committed (Enter, Tab, an arrow key, leaving the cell) as
// the state value "edited_rows": every cell typed since the editor was mounted, so each rerun
// sees the whole grid. A cell still being typed in is never overwritten by a rerun.
//
// Keyboard (the ARIA grid pattern): the grid is one tab stop (roving tabindex: only the cell
// last visited has tabindex 0), so Tab and Shift+Tab leave it in one press. Inside, a cell is
// either being browsed (its text selected) or edited:
//   browsing: arrows move (Home/End: first/last cell of the row, Ctrl+Home/End: of the grid);
//             typing starts editing (it replaces the text); Enter or F2 edit with the caret at
//             the end; a pasted block fills cells from this one on;
//   editing:  Enter commits and moves down (Shift+Enter up), Up/Down commit and move, Left/Right
//             commit and move at that end of the text, Escape puts the text back and stops
//             editing, Tab commits and leaves the grid.
// `data.keys` (optional) describes these keys to screen readers (aria-describedby).
// `data.paste` = {separators, lines}: how a pasted block is split into cells, the rule of
// ui.widgets.grid.parse_csv (SEPARATORS, SEPARATOR_LINES), given by Python (see `pasteRows`).

// Python's str.splitlines() line breaks.
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

// One line split at `sep` as Python's csv module reads it (a field that starts with a double
// quote runs to the closing quote, "" inside is one quote), each field stripped.
function splitFields(line, sep) {
  const out = [];
  let field = "", quoted = false, atStart = true;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch !== '"') field += ch;
      else if (line[i + 1] === '"') { field += '"'; i++; }
      else quoted = false;
    } else if (ch === sep) {
      out.push(field); field = ""; atStart = true; continue;
    } else if (ch === '"' && atStart) {
      quoted = true;
    } else {
      field += ch;
    }
    atStart = false;
  }
  out.push(field);
  return out.map((f) => f.trim());
}

// The rows of cells of a pasted text, split as ui.widgets.grid.parse_csv splits a file (its
// header rule apart: every row is pasted): blank lines left out; the separator is the first
// of `paste.separators` found in the first `paste.lines` lines, else runs of spaces.
export function pasteRows(text, paste) {
  const lines = text.replace(/^\ufeff/, "").split(LINE_BREAK).filter((ln) => ln.trim());
  const sample = lines.slice(0, paste.lines).join("\n");
  const sep = paste.separators.find((s) => sample.includes(s));
  return lines.map((ln) => (sep === undefined ? ln.trim().split(/\s+/) : splitFields(ln, sep)));
}

function createEditor(host) {
  const wrap = document.createElement("div");
  wrap.className = "pbe-grid";
  const scroller = document.createElement("div");
  scroller.className = "scroll";
  const table = document.createElement("table");
  table.setAttribute("role", "grid");
  const caption = document.createElement("div");
  caption.className = "caption";
  const keysHint = document.createElement("div");
  keysHint.className = "sr-only";
  keysHint.id = "grid-keys";
  scroller.appendChild(table);
  wrap.append(scroller, caption, keysHint);
  host.appendChild(wrap);

  let rows = [], H = 0, W = 0, inputs = [], committed = {}, builtShape = "", badKey = "";
  let maxLen = 64;
  let paste = null;  // how a pasted block is split (data.paste)
  let send = null;  // the latest setStateValue
  let active = [0, 0];  // the cell that holds the grid's one tab stop
  let base = 0, cellLabel = "{r}, {c}", colHeads = [], rowHeads = [];  // shown numbering
  let editing = false;  // whether the focused cell is being edited (else browsed)

  const shownText = (r, c) => {
    const e = committed[r];
    return e && Object.prototype.hasOwnProperty.call(e, c) ? e[c] : rows[r][c];
  };

  // Row and column numbers (headers and each cell's accessible name) in the index base.
  function relabel() {
    colHeads.forEach((th, c) => { th.textContent = c + base; });
    rowHeads.forEach((th, r) => { th.textContent = r + base; });
    inputs.forEach((line, r) => line.forEach((input, c) => {
      input.setAttribute("aria-label",
        cellLabel.replace("{r}", r + base).replace("{c}", c + base));
    }));
  }

  function build() {
    table.replaceChildren();
    colHeads = []; rowHeads = [];
    const head = table.createTHead().insertRow();
    const corner = document.createElement("th");
    corner.className = "corner";
    head.appendChild(corner);
    for (let c = 0; c < W; c++) {
      const th = document.createElement("th");
      th.scope = "col";
      head.appendChild(th); colHeads.push(th);
    }
    const body = table.createTBody();
    inputs = [];
    for (let r = 0; r < H; r++) {
      const tr = body.insertRow();
      const th = document.createElement("th");
      th.scope = "row";
      tr.appendChild(th); rowHeads.push(th);
      const line = [];
      for (let c = 0; c < W; c++) {
        const td = tr.insertCell();
        const input = document.createElement("input");
        input.type = "text";
        input.autocomplete = "off";
        input.spellcheck = false;
        input.maxLength = maxLen;
        input.dataset.r = r; input.dataset.c = c;
        input.id = "cell-" + r + "-" + c;
        input.value = shownText(r, c);
        input.tabIndex = -1;
        td.appendChild(input);
        line.push(input);
      }
      inputs.push(line);
    }
    builtShape = H + "x" + W;
    relabel();
    if (active[0] >= H || active[1] >= W) active = [0, 0];
    if (H && W) inputs[active[0]][active[1]].tabIndex = 0;
  }

  // The roving tab stop: only cell (r, c) is reached by Tab.
  function setActive(r, c) {
    const old = inputs[active[0]] && inputs[active[0]][active[1]];
    if (old) old.tabIndex = -1;
    active = [r, c];
    inputs[r][c].tabIndex = 0;
  }

  function markBad(bad) {
    const key = JSON.stringify(bad);
    if (key === badKey) return;
    badKey = key;
    for (const line of inputs) for (const input of line) input.removeAttribute("aria-invalid");
    for (const [r, c] of bad) {
      if (inputs[r] && inputs[r][c]) inputs[r][c].setAttribute("aria-invalid", "true");
    }
  }

  // Send every cell whose text differs from what was last sent; one state value for them all.
  function commit(cells) {
    let changed = false;
    for (const input of cells) {
      const r = input.dataset.r, c = input.dataset.c;
      if (input.value === shownText(r, c)) continue;
      (committed[r] = committed[r] || {})[c] = input.value;
      changed = true;
    }
    if (changed) send("edited_rows", JSON.parse(JSON.stringify(committed)));
  }

  function focusCell(r, c) {
    r = Math.max(0, Math.min(H - 1, r));
    c = Math.max(0, Math.min(W - 1, c));
    const input = inputs[r][c];
    setActive(r, c);
    input.focus();
    input.select();
    setEditing(input, false);
  }

  // Editing or browsing the focused cell; an edited cell is drawn differently (.editing).
  function setEditing(input, on) {
    editing = on;
    for (const el of table.querySelectorAll("input.editing")) el.classList.remove("editing");
    if (on && input) input.classList.add("editing");
  }

  function startEditing(input) {
    setEditing(input, true);
    const len = input.value.length;
    input.setSelectionRange(len, len);
  }

  table.addEventListener("keydown", (e) => {
    const input = e.target;
    if (input.tagName !== "INPUT" || e.isComposing) return;
    const r = +input.dataset.r, c = +input.dataset.c;
    const ctrl = e.ctrlKey || e.metaKey;
    let to = null;
    if (!editing) {
      if (e.key === "Enter" || e.key === "F2") {
        e.preventDefault();
        startEditing(input);
        return;
      }
      if (e.key === "ArrowDown") to = [r + 1, c];
      else if (e.key === "ArrowUp") to = [r - 1, c];
      else if (e.key === "ArrowLeft") to = [r, c - 1];
      else if (e.key === "ArrowRight") to = [r, c + 1];
      else if (e.key === "Home") to = ctrl ? [0, 0] : [r, 0];
      else if (e.key === "End") to = ctrl ? [H - 1, W - 1] : [r, W - 1];
      else if (e.key === "Escape") { e.preventDefault(); return; }
      if (to === null) return;  // a character: the input event starts editing
      e.preventDefault();
      commit([input]);  // a pasted single value, not yet sent
      focusCell(to[0], to[1]);
      return;
    }
    // Editing: Left/Right leave the cell when the caret is at that end of the text.
    const len = input.value.length, a = input.selectionStart, b = input.selectionEnd;
    const all = a === 0 && b === len;
    const atStart = all || (a === 0 && b === 0);
    const atEnd = all || (a === len && b === len);
    if (e.key === "Enter") to = [r + (e.shiftKey ? -1 : 1), c];
    else if (e.key === "ArrowDown") to = [r + 1, c];
    else if (e.key === "ArrowUp") to = [r - 1, c];
    else if (e.key === "ArrowLeft" && atStart) to = [r, c - 1];
    else if (e.key === "ArrowRight" && atEnd) to = [r, c + 1];
    else if (e.key === "Escape") {
      input.value = shownText(r, c);
      input.select();
      setEditing(input, false);
      e.preventDefault();
      return;
    }
    if (to === null) return;
    e.preventDefault();
    commit([input]);
    focusCell(to[0], to[1]);
  });
  // Typing (or a single pasted value) in a browsed cell starts editing it.
  table.addEventListener("input", (e) => {
    if (e.target.tagName === "INPUT" && !editing) setEditing(e.target, true);
  });
  // Leaving a cell (Tab, a click elsewhere) commits it.
  table.addEventListener("change", (e) => {
    if (e.target.tagName === "INPUT") commit([e.target]);
  });
  table.addEventListener("focusin", (e) => {
    const input = e.target;
    if (input.tagName !== "INPUT") return;
    setActive(+input.dataset.r, +input.dataset.c);
    input.select();
    setEditing(input, false);
  });
  // A click into the cell that already has the focus places the caret: editing.
  table.addEventListener("mousedown", (e) => {
    const input = e.target;
    if (input.tagName === "INPUT" && input === wrap.getRootNode().activeElement) {
      setEditing(input, true);
    }
  });
  table.addEventListener("dblclick", (e) => {
    if (e.target.tagName === "INPUT") setEditing(e.target, true);
  });
  // A block copied from a spreadsheet or a CSV file fills the cells from the focused one on.
  table.addEventListener("paste", (e) => {
    const input = e.target;
    if (input.tagName !== "INPUT") return;
    const text = (e.clipboardData || window.clipboardData).getData("text");
    if (!/[\t\n\r]/.test(text.trim())) return;  // one value: an ordinary paste into the cell
    e.preventDefault();
    const r0 = +input.dataset.r, c0 = +input.dataset.c, cells = [];
    pasteRows(text, paste).forEach((values, i) => {
      values.forEach((value, j) => {
        const row = inputs[r0 + i], cell = row && row[c0 + j];
        if (cell) { cell.value = value.slice(0, maxLen); cells.push(cell); }
      });
    });
    commit(cells);
  });

  // Cells as wide as the style asks (bigger in projector mode), narrower when the column
  // cannot hold them, down to 34 px; below that the grid scrolls sideways.
  let fittedKey = "";
  function fit() {
    wrap.style.removeProperty("--cw");
    wrap.style.removeProperty("--font");
    const style = getComputedStyle(wrap);
    const want = parseFloat(style.getPropertyValue("--cw"));
    const font = parseFloat(style.getPropertyValue("--font"));
    const avail = outer.clientWidth - 40;  // the row numbers' column and the borders
    if (!(avail > 0) || !W || want * W <= avail) return;
    const cw = Math.max(34, Math.floor(avail / W));
    wrap.style.setProperty("--cw", cw + "px");
    wrap.style.setProperty("--font", Math.max(12, Math.min(font, Math.floor(cw * 0.38))) + "px");
  }
  const outer = host.host || host;  // in a shadow root, the element that holds it
  new ResizeObserver(fit).observe(outer);

  return {
    wrap,
    update(data, setStateValue) {
      send = setStateValue;
      rows = data.rows;
      paste = data.paste;
      if (data.maxlen > 0 && data.maxlen !== maxLen) {
        maxLen = data.maxlen;
        for (const line of inputs) for (const input of line) input.maxLength = maxLen;
      }
      H = rows.length; W = H ? rows[0].length : 0;
      wrap.classList.toggle("projector", !!data.projector);
      wrap.classList.toggle("wide", W > 12);
      // Fitting reads the computed style (a style recalculation of every cell: about 40 ms
      // for 32 x 32): only when the width or the mode changed (the ResizeObserver refits on
      // a column that changes size).
      const fitKey = W + "|" + !!data.projector;
      if (fitKey !== fittedKey) { fittedKey = fitKey; fit(); }
      caption.textContent = data.label || "";
      table.setAttribute("aria-label", data.label || "");
      keysHint.textContent = data.keys || "";
      if (data.keys) table.setAttribute("aria-describedby", keysHint.id);
      else table.removeAttribute("aria-describedby");
      const newBase = data.base === 1 ? 1 : 0, newLabel = data.cell || "{r}, {c}";
      const relabelled = newBase !== base || newLabel !== cellLabel;
      base = newBase; cellLabel = newLabel;
      if (builtShape !== H + "x" + W) {
        committed = JSON.parse(JSON.stringify(data.edits || {}));
        badKey = "";
        build();
      } else {
        if (relabelled) relabel();
        const active = wrap.getRootNode().activeElement;
        for (let r = 0; r < H; r++) {
          for (let c = 0; c < W; c++) {
            const input = inputs[r][c], want = shownText(r, c);
            // The cell being typed in keeps what is typed until it is committed.
            if (input.value !== want && input !== active) input.value = want;
          }
        }
      }
      markBad(data.bad || []);
    },
  };
}

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  let editor = parentElement.__pbeGrid;
  if (!editor || !editor.wrap.isConnected) {
    editor = parentElement.__pbeGrid = createEditor(parentElement);
  }
  editor.update(data, setStateValue);
}
