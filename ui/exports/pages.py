"""A folder of standalone pages from a script: examples from classroom links or configurations.

`example_from_link(url)` reads an Explorer classroom link (the share link) as the app reads it;
`example_from_config(entry)` a JSON object ({"x": grid, "gy": grid or "ones", "spec": PoolSpec
keyword values, "name", "lang", "link"}); `write_pages(examples, folder)` writes one
standalone page per example and language (ui.exports.standalone) and returns what it wrote.
scripts/make_pages.py is the command. No Streamlit session is needed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import numpy as np

from pooling_core import PoolSpec, output_size
from ui.exports.arrays import file_stem
from ui.exports.standalone import StandaloneTooLargeError, standalone_html
from ui.i18n import LANG_KEY, LANGUAGES, normalise_language

_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class Example:
    """One configuration to export: x (H, W), dL/dy (OH, OW), the layer, the languages, the
    link back to the app (or None), the step the player opens on, a file-name stem and the
    index base rows and columns are counted from (0 or 1, as a link's `base=1`)."""

    x: np.ndarray
    grad_output: np.ndarray
    spec: PoolSpec
    langs: tuple[str, ...] = ("en",)
    link: str | None = None
    start: int = 0
    name: str = ""
    notes: list[str] = field(default_factory=list)  # link parameters that were ignored
    base: int = 0


def upstream_array(link: tuple, out_hw: tuple[int, int]) -> np.ndarray:
    """A link's dL/dy (ui.links.urlstate.decode_upstream: ("ones",), ("random", seed),
    ("onehot", i, j) or ("custom", grid)) as an (OH, OW) array, as the Explorer makes it."""
    from ui.widgets.upstream import random_upstream

    kind, *rest = link
    if kind == "random":
        return random_upstream(out_hw, int(rest[0]))
    if kind == "onehot":
        i, j = int(rest[0]), int(rest[1])
        if i >= out_hw[0] or j >= out_hw[1]:
            raise ValueError(f"one-hot cell ({i},{j}) is outside the {out_hw} output")
        g = np.zeros(out_hw)
        g[i, j] = 1.0
        return g
    if kind == "custom":
        g = np.array(rest[0], dtype=np.float64)
        if g.shape != tuple(out_hw):
            raise ValueError(f"dL/dy has shape {g.shape}, the output {out_hw}")
        return g
    return np.ones(out_hw)


def example_from_link(url: str, langs: tuple[str, ...] | None = None) -> Example:
    """The Explorer view an Explorer classroom link opens (its grid, layer, dL/dy, step and
    language; what the link leaves out at the Explorer's defaults; parameters the app would
    ignore are ignored and noted). `langs`: the pages' languages (default: the link's)."""
    from ui.format import BASE_KEY
    from ui.links.explorerlink import decode_state
    from ui.widgets.grid import DEFAULT_PRESET, PRESETS
    from ui.widgets.params import PARAM_DEFAULTS, spec_from_state
    from ui.widgets.upstream import GY_DEFAULTS, state_upstream

    query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    fields, problems = decode_state(query)
    grid = fields.get("grid")
    x = np.array(grid if grid is not None else PRESETS[DEFAULT_PRESET].grid, dtype=np.float64)
    spec = spec_from_state({**PARAM_DEFAULTS, **{k: v for k, v in fields.items()
                                                if k in PARAM_DEFAULTS}})
    out_hw = tuple(a.size for a in output_size(x.shape, spec))
    gy = upstream_array(state_upstream({**GY_DEFAULTS, **fields}) or ("ones",), out_hw)
    lang = normalise_language(query.get(LANG_KEY)) or "en"
    return Example(x, gy, spec, tuple(langs or (lang,)), url, int(fields.get("step", 0)),
                   notes=[f"{name}: {code}" for name, code in problems],
                   base=1 if fields.get(BASE_KEY) == 1 else 0)


def example_from_config(entry: dict, langs: tuple[str, ...] | None = None) -> Example:
    """An example from a JSON object: {"x": [[...]], "gy": [[...]] or "ones" (default),
    "spec": {PoolSpec keyword values}, optional "name", "lang" or "langs", "link", "start",
    "base" (1: count rows and columns from 1)};
    or {"link": classroom link} alone (then read as `example_from_link`)."""
    if "x" not in entry and "link" in entry:
        ex = example_from_link(str(entry["link"]), langs)
        return Example(ex.x, ex.grad_output, ex.spec, ex.langs, ex.link, ex.start,
                       str(entry.get("name", "")), ex.notes, ex.base)
    x = np.array(entry["x"], dtype=np.float64)
    if x.ndim != 2:
        raise ValueError("x must be a grid (a list of rows)")
    spec = PoolSpec(**dict(entry.get("spec", {})))
    out_hw = tuple(a.size for a in output_size(x.shape, spec))
    gy_value = entry.get("gy", "ones")
    gy = (np.ones(out_hw) if gy_value == "ones" else
          upstream_array(("custom", gy_value), out_hw))
    own = entry.get("langs") or [entry.get("lang", "en")]
    return Example(x, gy, spec, tuple(langs or own), entry.get("link"),
                   int(entry.get("start", 0)), str(entry.get("name", "")),
                   base=1 if entry.get("base") == 1 else 0)


def page_name(ex: Example, number: int, lang: str) -> str:
    """The file name of an example's page: its name (or number and layer) and language."""
    stem = _SAFE.sub("_", ex.name).strip("_.") or f"{number:02d}_{file_stem(ex.spec)}"
    return f"{stem}_{lang}.html"


def write_pages(examples: list[Example], folder: Path) -> list[tuple[Path, int | str]]:
    """One standalone page per example and language in `folder` (made if missing).
    Returns [(path, bytes written)] and, for an example refused, [(path, why)]."""
    from ui.compute import _results  # no Streamlit cache outside the app

    folder.mkdir(parents=True, exist_ok=True)
    out: list[tuple[Path, int | str]] = []
    for n, ex in enumerate(examples, 1):
        res = _results(ex.x, ex.grad_output, ex.spec)
        for lang in ex.langs:
            if lang not in LANGUAGES:
                raise ValueError(f"unknown language {lang!r}: one of {', '.join(LANGUAGES)}")
            path = folder / page_name(ex, n, lang)
            try:
                text = standalone_html(res, lang, app_link=ex.link, start=ex.start,
                                       base=ex.base)
            except StandaloneTooLargeError as e:
                out.append((path, e.message))
                continue
            data = text.encode("utf-8")
            path.write_bytes(data)
            out.append((path, len(data)))
    return out
