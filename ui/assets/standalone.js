// The standalone page (ui/exports/standalone.py): appended to player.js in the page's one inline
// module script, so `mountPlayer`, `scaleColour`, `textColour` and `cellPitch` are the player's own.
// It draws the page's static grids (x, y, the mask or the divisors, dL/dy, dL/dx) from the
// numbers, texts and colour ranges Python wrote into #pbe-page (read from the app's heatmap
// figures), mounts the step player on #pbe-player's JSON, and switches projector sizing.
// Nothing is computed here but sizes and colours; nothing is fetched.

function pbeStandalone() {
  const page = JSON.parse(document.getElementById("pbe-page").textContent);
  const playerText = document.getElementById("pbe-player").textContent;
  const body = document.body;
  const toggle = document.getElementById("pbe-projector");
  let projector = !!page.projector;

  // One static grid: a header row and column, then one cell per value (as the player builds
  // its grids), its colour the heatmap's for the same value and range.
  // Rows and columns are labelled and named from page.ib (0 or 1: the app's index base).
  const ib = page.ib || 0;
  function build(el, g) {
    el.replaceChildren();
    el.setAttribute("role", "group");
    el.setAttribute("aria-label", g.title);
    const cells = [];
    el.appendChild(document.createElement("div"));
    for (let c = 0; c < g.cols; c++) {
      const h = document.createElement("div"); h.className = "hdr"; h.textContent = c + ib;
      h.setAttribute("aria-hidden", "true");
      el.appendChild(h);
    }
    for (let r = 0; r < g.rows; r++) {
      const h = document.createElement("div"); h.className = "hdr"; h.textContent = r + ib;
      h.setAttribute("aria-hidden", "true");
      el.appendChild(h);
      for (let c = 0; c < g.cols; c++) {
        const i = r * g.cols + c;
        const d = document.createElement("div"); d.className = "cell";
        const rgb = scaleColour(g.z[i], g);
        d.style.background = rgb ? "rgb(" + rgb.join(",") + ")" : "#ffffff";
        d.style.color = rgb ? textColour(rgb) : "#111";
        d.textContent = g.text[i];
        // Named as the player names its cells; an image of one number, so that an empty cell
        // (a count of 0) is named too.
        d.title = g.name + "[" + (r + ib) + "," + (c + ib) + "] = " + g.hover[i];
        d.setAttribute("role", "img");
        d.setAttribute("aria-label", d.title);
        if (g.marked && g.marked[i]) d.classList.add("marked");
        el.appendChild(d); cells.push(d);
      }
    }
    return cells;
  }

  const grids = [];
  for (const g of page.grids) {
    const el = document.getElementById(g.id);
    build(el, g);
    const longest = Math.max(1, ...g.text.map((s) => s.length));
    grids.push({el, g, longest});
  }

  // Cells as large as figures.cell_px gives a heatmap of the width the grid really has (at most
  // the heatmap's 520 px), the number's size by figures.heatmap's rule.
  function fit() {
    const cells = page.cells[projector ? "projector" : "normal"];
    for (const {el, g, longest} of grids) {
      const room = Math.min(el.parentElement.clientWidth || 520, 520) - 40;
      const pitch = cellPitch(g.rows, g.cols, room, cells);
      const size = pitch - (projector ? 3 : 2);
      let font = Math.min(projector ? 26 : 20, pitch * 0.36);
      font = Math.floor(Math.max(9, Math.min(font, (pitch * 1.65) / longest)));
      el.style.setProperty("--cell", size + "px");
      el.style.setProperty("--font", font + "px");
      el.style.gridTemplateColumns = "28px repeat(" + g.cols + ", var(--cell))";
      el.classList.toggle("notext", size < 12);
    }
  }
  new ResizeObserver(fit).observe(body);

  // The player, mounted as the app mounts it (here without a server to report steps to).
  const host = document.getElementById("pbe-player-host");
  const shadow = host.attachShadow({mode: "open"});
  const style = document.createElement("style");
  style.textContent = document.getElementById("pbe-player-css").textContent;
  shadow.appendChild(style);
  const mount = document.createElement("div");
  shadow.appendChild(mount);
  function playerText2() {  // the same steps with the other mode's cell sizes
    const D = JSON.parse(playerText);
    D.projector = projector;
    D.cells = page.cells[projector ? "projector" : "normal"];
    return JSON.stringify(D);
  }
  function show(start) {
    mountPlayer({data: {page: projector === !!page.projector ? playerText : playerText2(),
                        start}, parentElement: mount});
  }
  show(page.start || 0);

  function setProjector(on) {
    projector = on;
    body.classList.toggle("projector", on);
    const scrub = shadow.querySelector("#scrub");
    show(scrub ? +scrub.value : 0);
    fit();
  }
  if (toggle) {
    toggle.checked = projector;
    toggle.addEventListener("change", () => setProjector(toggle.checked));
  }
  body.classList.toggle("projector", projector);
  fit();
}

pbeStandalone();
