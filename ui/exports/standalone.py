"""One self-contained HTML page that plays a configuration's backward pass with no server.

`standalone_html(results, lang, app_link=...)` writes the page as text: the configuration in
words and formulas, x, y, the argmax mask (max) or the divisors (avg), dL/dy, the step player
with every step's sentence, the final dL/dx, the sums and the finite-difference verdict. Every
number is computed by pooling_core before the page is written (`Results`, ui.compute); the page
only shows them. Its scripts and styles are inline (the player is ui/assets/player.js itself,
started by ui/assets/standalone.js), so it asks no host for anything: it works offline, from
file://, inside a learning platform's iframe or on a static host.

Texts that come from the user (cell values, the link) are written as text, never as HTML:
everything is escaped (`html.escape`, and JSON inside <script> with <, > and & escaped).
A configuration whose steps would make a page over MAX_PAGE_BYTES is refused
(`StandaloneTooLargeError`, `refusal`). The NumPy core stays free of HTML: this module reads it.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import asdict
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import numpy as np

from pooling_core import PoolSpec, output_size
from ui.assets import read_asset
from ui.format import cell_name, fmt, fmt_full
from ui.i18n import LANGUAGES, t
from ui.views import figures
from ui.views.player import _payload, _step_costs

if TYPE_CHECKING:  # ui.compute imports Streamlit
    from ui.compute import Results

# The largest page made: about this many bytes of steps (ui.views.player's estimate per step).
# A 32 x 32 average with a 32 x 32 kernel would need about 27 MB; it is refused.
MAX_PAGE_BYTES = 2_000_000
PAGE_FIXED_BYTES = 40_000  # scripts, styles, the static grids' share of a small example
# The page may run its own inline scripts and styles and nothing else: no request to any host.
CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
       "img-src data:; base-uri 'none'; form-action 'none'")


class StandaloneTooLargeError(ValueError):
    """The configuration's steps would make a page over MAX_PAGE_BYTES (`message`: why, in the
    language asked for)."""

    def __init__(self, estimate: int, lang: str) -> None:
        self.estimate = estimate
        self.message = refusal_text(estimate, lang)
        super().__init__(self.message)


def estimated_bytes(steps) -> int:
    """About how many bytes the page of these steps (a ScatterSteps) would hold."""
    return int(_step_costs(steps).sum()) + PAGE_FIXED_BYTES + 40 * int(np.prod(steps.input_shape))


def refusal_text(estimate: int, lang: str) -> str:
    return t("standalone.refused", lang, mb=f"{estimate / 1e6:.1f}", limit=MAX_PAGE_BYTES // 10**6)


def refusal(steps, lang: str) -> str | None:
    """Why no page is made for these steps (translated), or None when one is."""
    est = estimated_bytes(steps)
    return refusal_text(est, lang) if est > MAX_PAGE_BYTES else None


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _md(text: str) -> str:
    """A catalogue text with **bold** (the app's Markdown) as escaped HTML."""
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", _esc(text))


def _script_json(value: object) -> str:
    """JSON text safe inside <script>: no <, >, & or line separators as themselves."""
    text = value if isinstance(value, str) else json.dumps(
        value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def safe_link(link: str | None) -> str | None:
    """`link` when it is an http(s) address, else None (no javascript: or data: links)."""
    if not link or not isinstance(link, str) or len(link) > 16_000:
        return None
    parts = urlsplit(link.strip())
    return link.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def grid_data(gid: str, values: np.ndarray, title: str, kind: str, name: str) -> dict:
    """A static grid as the page draws it: texts, hover texts and colour values, scale and range
    read from the app's heatmap figure for the same values (ui.views.figures.heatmap)."""
    trace = figures.heatmap(values, title, kind=kind, name=name)["data"][0]
    z = [None if v is None or v != v else float(f"{v:.6g}")
         for row in trace["z"] for v in row]
    return {
        "id": gid, "title": title, "name": name,
        "rows": int(values.shape[0]), "cols": int(values.shape[1]),
        "text": [s for row in trace["text"] for s in row],
        # The hover's exact text; a whole number without ".0" (a count reads "3", not "3.0").
        "hover": [fmt(v) if np.isfinite(v) and v == int(v) else fmt_full(v)
                  for v in np.asarray(values, dtype=np.float64).ravel()],
        "z": z, "scale": trace["colorscale"],
        "zmin": float(trace["zmin"]), "zmax": float(trace["zmax"]),
    }


def _pair(v: tuple[int, int]) -> str:
    return f"{v[0]} × {v[1]}"


def _padding(spec: PoolSpec, input_hw: tuple[int, int], lang: str) -> str:
    """Symmetric padding as "ph × pw"; any other form by name, with its pads per side."""
    if spec.padding_kind == "symmetric":
        return _pair(spec.p)
    (top, bottom), (left, right) = spec.pads(input_hw)
    return (t(f"pad_form.{spec.padding_kind}", lang) + " — "
            + t("explorer.pad_asymmetric", lang, top=top, bottom=bottom, left=left, right=right))


def config_rows(spec, input_hw: tuple[int, int], lang: str) -> list[tuple[str, str]]:
    """The configuration in words: (label, value) pairs."""
    rows = [(t("standalone.input_size", lang), _pair(input_hw))]
    if not isinstance(spec, PoolSpec):  # adaptive pooling and later variants: their own words
        rows.append((t("param.mode", lang), t(f"standalone.mode_{spec.mode}", lang)))
        rows.append((t("standalone.output_size", lang), _pair(spec.output_size)))
        return rows
    yes, no = t("standalone.yes", lang), t("standalone.no", lang)
    rows += [
        (t("param.mode", lang), t(f"standalone.mode_{spec.mode}", lang)),
        (t("param.kernel", lang), _pair(spec.k)),
        (t("param.stride", lang), _pair(spec.s)),
        (t("param.padding", lang), _padding(spec, input_hw, lang)),
    ]
    if spec.mode == "max":
        rows.append((t("param.dilation", lang), _pair(spec.d)))
    rows.append((t("param.ceil_mode", lang), yes if spec.ceil_mode else no))
    if spec.mode == "max":
        rows.append((t("standalone.ties", lang),
                     f"{spec.ties} — {t(f'policy.{spec.ties}.who', lang)}"))
    else:
        rows.append((t("param.count_include_pad", lang), yes if spec.count_include_pad else no))
        rows.append((t("standalone.divisor_override", lang),
                     str(spec.divisor_override) if spec.divisor_override else
                     t("standalone.none", lang)))
    return rows


def result_notes(res: Results, lang: str, base: int = 0) -> list[tuple[str, str]]:
    """The sums and the finite-difference verdict as (kind, text) notes; kind "ok", "info",
    "warn" or "" (plain), as the Explorer shows them; cells named in index `base`."""
    sums, chk = res.sums, res.check
    out = [("", t("result.sums", lang, gy=fmt(sums.sum_grad_output),
                   gx=fmt(sums.sum_grad_input)))]
    if sums.reason == "equal":
        out.append(("ok", t("result.sums_equal", lang)))
    else:
        reason = sums.reason
        if reason == "avg_divisor":
            reason += "_lost" if sums.difference < 0 else "_grew"
        out.append(("info", t(f"result.sums_{reason}", lang, n=sums.windows,
                              diff=fmt(sums.difference))))
    out.append(("h", t("result.gradcheck", lang)))
    if chk.ok:
        out.append(("ok", t("result.gradcheck_ok", lang, n=int(chk.checked.sum()),
                            diff=f"{chk.max_abs_diff:.1e}")))
    else:
        cells = ", ".join(cell_name((r, c), base) for r, c in chk.mismatch_cells[:8])
        if len(chk.mismatch_cells) > 8:
            cells += t("grid.more", lang, n=len(chk.mismatch_cells) - 8)
        key = "result.gradcheck_ties" if res.forward.spec.mode == "max" else "result.gradcheck_bad"
        out.append(("warn", t(key, lang, n=int(chk.mismatch.sum()), cells=cells)))
    if chk.sampled:
        out.append(("", t("result.gradcheck_sampled", lang, n=int(chk.tested.sum()),
                          total=chk.tested.size)))
    skipped = ~chk.checked & (chk.tested if chk.sampled else True)
    if skipped.any():
        out.append(("", t("result.gradcheck_skipped", lang, n=int(skipped.sum()))))
    return out


def _grid_panel(g: dict, caption: str = "") -> str:
    cap = f'<p class="caption">{_md(caption)}</p>' if caption else ""
    return (f'<section class="panel"><h3>{_esc(g["title"])}</h3>'
            f'<div class="sgrid" id="{g["id"]}"></div>{cap}</section>')


def standalone_html(res: Results, lang: str = "en", *, app_link: str | None = None,
                    projector: bool = False, start: int = 0, base: int = 0) -> str:
    """The standalone page of one configuration's `Results`, in language `lang`, as HTML text.

    `app_link`: the address of the same view in the app (an http(s) link; anything else is left
    out); `projector`: open in projector sizing (the page has a switch); `start`: the step the
    player opens on; `base`: rows, columns and cells counted from 0 or 1 (labels, sentences,
    notes), as the app's index base. Raises StandaloneTooLargeError for a configuration over
    MAX_PAGE_BYTES.
    """
    base = 1 if base == 1 else 0
    lang = lang if lang in LANGUAGES else "en"
    steps, spec = res.steps, res.forward.spec
    est = estimated_bytes(steps)
    if est > MAX_PAGE_BYTES:
        raise StandaloneTooLargeError(est, lang)
    x, y = steps.input_values, res.forward.output
    player = _payload(steps, bool(projector), lang, ib=base)
    player_text = json.dumps(player, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    grids = [grid_data("g-x", x, t("input.header", lang), "value", "x"),
             grid_data("g-y", y, t("forward.output", lang), "value", "y")]
    if spec.mode == "max":
        grids.append(grid_data("g-mask", res.wins, t("forward.mask", lang, policy=spec.ties),
                               "count", t("forward.wins_name", lang)))
        mask_note = t("forward.mask_note", lang)
    else:
        grids.append(grid_data("g-mask", res.forward.divisor, t("forward.divisor", lang),
                               "count", t("forward.divisor_name", lang)))
        mask_note = t("forward.divisor_note", lang)
    grids.append(grid_data("g-gy", steps.grad_output, t("gy.header", lang), "value", "dL/dy"))
    grids.append(grid_data("g-gx", res.grad_input, t("result.grad_input", lang), "grad",
                           "dL/dx"))
    page = {"grids": grids, "projector": bool(projector), "ib": base,
            "start": int(min(max(start, 0), len(steps) - 1)),
            "cells": {"normal": asdict(figures.CELL_SIZES[False]),
                      "projector": asdict(figures.CELL_SIZES[True])}}
    gx, gy_, mask, gyg, gdx = grids[0], grids[1], grids[2], grids[3], grids[4]
    link = safe_link(app_link)
    link_html = (f'<a href="{_esc(link)}" target="_blank" rel="noopener">'
                 f'{_esc(t("standalone.open_app", lang))}</a>' if link else "")
    sizes = output_size(x.shape, spec) if isinstance(spec, PoolSpec) else None
    formula = (f'<p class="formula">{_md(t("explorer.formula", lang, h=sizes[0].formula, w=sizes[1].formula))}</p>'  # noqa: E501
               if sizes else "")
    config = "".join(f"<dt>{_esc(a)}</dt><dd>{_esc(b)}</dd>"
                     for a, b in config_rows(spec, x.shape, lang))
    notes = []
    for kind, text in result_notes(res, lang, base):
        if kind == "h":
            notes.append(f"<h3>{_esc(text)}</h3>")
        else:
            cls = f' class="note {kind}"' if kind else ""
            notes.append(f"<p{cls}>{_md(text)}</p>")
    title = f'{t("app.title", lang)} — {t("standalone.title", lang)}'
    scripts = read_asset("player.js") + "\n" + read_asset("standalone.js")
    return f"""<!DOCTYPE html>
<html lang="{_esc(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="referrer" content="no-referrer">
<title>{_esc(title)}</title>
<style>{read_asset("standalone.css")}</style>
</head>
<body>
<main>
<h1>{_esc(t("standalone.title", lang))}</h1>
<p class="intro">{_esc(t("standalone.intro", lang))}</p>
<div class="topbar">{link_html}<label><input type="checkbox" id="pbe-projector">
{_esc(t("app.projector", lang))}</label></div>
<h2>{_esc(t("standalone.config", lang))}</h2>
<dl class="config">{config}</dl>
{formula}
<h2>{_esc(t("forward.header", lang))}</h2>
<div class="panels">{_grid_panel(gx)}{_grid_panel(gy_)}{_grid_panel(mask, mask_note)}</div>
<h2>{_esc(t("gy.header", lang))}</h2>
<p class="caption">{_esc(t("gy.explain", lang))}</p>
<div class="panels">{_grid_panel(gyg)}</div>
<h2>{_esc(t("steps.header", lang))}</h2>
<p class="caption">{_esc(t("steps.explain", lang))}</p>
<div id="pbe-player-host"></div>
<h2>{_esc(t("result.header", lang))}</h2>
<div class="panels">{_grid_panel(gdx)}<section class="panel">{"".join(notes)}</section></div>
<footer>{_esc(t("standalone.footer", lang))}</footer>
</main>
<script type="application/json" id="pbe-page">{_script_json(page)}</script>
<script type="application/json" id="pbe-player">{_script_json(player_text)}</script>
<script type="text/plain" id="pbe-player-css">{_esc_style(read_asset("player.css"))}</script>
<script type="module">{_esc_script(scripts)}</script>
</body>
</html>
"""


def _esc_style(css: str) -> str:
    """Fixed CSS kept in a text script: it must not close the element."""
    if "</" in css:
        raise ValueError("inline style holds </")
    return css


def _esc_script(js: str) -> str:
    """Fixed JavaScript inline: it must not close the <script> element."""
    if "</script" in js.lower():
        raise ValueError("inline script holds </script")
    return js
