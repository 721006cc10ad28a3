"""Classroom links: every page's state in the URL query, compact and validated.

One codec for every page: a page declares its query parameters as `Field`s; `encode_fields`
turns values into short query parameters and `decode_fields` reads them back, keeping only
what is valid and returning a note for everything it ignored, so a truncated or edited link
never breaks the page. Grids are written as their cell texts, deflated and base64url-coded
when that is shorter ("z" prefix), plain otherwise ("t" prefix).

The Explorer's parameters (EXPLORER_FIELDS, all optional):
    x      input grid            t6x6~1,2,3,...  or  z<base64url of the same, deflated>
    k s p d  kernel, stride, padding, dilation: "3" or "3x2" (height x width)
    mode   max | avg
    ties   a tie policy (pooling_core.TIE_POLICIES), max mode
    cip    count_include_pad     1 or 0, average mode
    div    divisor_override      0 (none) to 10000, average mode
    ceil   ceil_mode             1 or 0
    layer  adaptive | global | unpool   (absent: a layer with a kernel); o: adaptive size
    pad ps padding by rule (same, same_lower, valid) or per side (top,bottom,left,right)
    gy     dL/dy                 ones | random.<seed> | onehot.<i>.<j> | custom.<grid as x>
    up     1: the max unpool round trip (older links; read as layer=unpool, never written)
    step   player step           0 ...
    hide   classroom options     comma list of: controls, answers
    predict  predict mode        1 (the player asks the student to predict each step)
    q      a question people ask (ui.widgets.grid QUESTIONS; on Ties and Next layer too)
    base   index base            1 (math: z₁₁, x₃₃); absent: 0 (code: y[0,0], cell (2,2))
    lang   language (handled by app.py)
`base` and `lang` are the app's own (APP_FIELDS): every page's link may carry them, and app.py
reads them on a session's first run, whichever page the link opens.
The layer's fields name the PoolSpec attribute they carry (`Field.attr`): `spec_link` and
`link_spec` are the one map between a PoolSpec's values and the link.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pooling_core import ACTIVATIONS, EXERCISE_LEVELS, MODES, TIE_POLICIES
from pooling_core.frameworks import FRAMEWORKS
from ui.errors import InputError
from ui.links.gridcodec import (  # noqa: F401  (re-exported: the pages' one codec module)
    MAX_GRID_BYTES,
    MAX_SIDE,
    MAX_VALUE_LEN,
    decode_grid,
    decode_upstream,
    digits_only,
    encode_grid,
    encode_upstream,
    is_finite_grid,
    parse_int,
    parse_pair,
)
from ui.widgets.grid import PRESETS, QUESTIONS

HIDE_OPTIONS = ("controls", "answers")


# ----------------------------------------------------------------- fields
@dataclass(frozen=True)
class Field:
    """One query parameter of a page's link.

    kind: "int" (lo..hi), "choice" (one of `choices`), "grid" (encode_grid text, at most
    `hi` rows and columns), "hide" (comma list of `choices`), "pair" ("3" or "3x2", each
    lo..hi; the value is (h, w)), "sides" ("top,bottom,left,right", each lo..hi; the value
    is ((top, bottom), (left, right))), "flag" ("1" or "0"; the value is a bool) or "upstream"
    (dL/dy, see `decode_upstream`).
    attr: the PoolSpec attribute the field carries ("" when it carries none); mode: the
    pooling mode the field belongs to ("" for both); optional: a false value (0, False, None)
    is left out of the link.
    """

    name: str
    kind: str
    lo: int = 0
    hi: int = 0
    choices: tuple[str, ...] = ()
    attr: str = ""
    mode: str = ""
    optional: bool = False

    def decode(self, value: str) -> object:
        """Query text -> value; raises InputError."""
        if len(value) > MAX_VALUE_LEN:
            raise InputError("url_too_long")
        if self.kind == "int":
            return parse_int(value, self.lo, self.hi)
        if self.kind == "pair":
            return parse_pair(value, self.lo, self.hi)
        if self.kind in ("choice", "flag"):
            choices = ("0", "1") if self.kind == "flag" else self.choices
            if value not in choices:
                raise InputError("url_choice")
            return value == "1" if self.kind == "flag" else value
        if self.kind == "grid":
            grid = decode_grid(value)
            if len(grid) > self.hi or len(grid[0]) > self.hi:
                raise InputError("url_grid_size")
            return grid
        if self.kind == "hide":
            items = [h for h in value.split(",") if h]
            if not items or any(h not in self.choices for h in items):
                raise InputError("url_choice")
            return tuple(h for h in self.choices if h in items)
        if self.kind == "upstream":
            return decode_upstream(value)
        if self.kind == "sides":
            parts = value.split(",")
            if len(parts) != 4:
                raise InputError("url_number")
            top, bottom, left, right = (parse_int(v, self.lo, self.hi) for v in parts)
            return ((top, bottom), (left, right))
        raise ValueError(f"unknown field kind {self.kind!r}")

    def encode(self, value: object) -> str:
        """Value -> query text (the inverse of `decode`)."""
        if self.kind == "int":
            return str(int(value))  # type: ignore[call-overload]
        if self.kind == "pair":
            a, b = (int(v) for v in value)  # type: ignore[attr-defined]
            return str(a) if a == b else f"{a}x{b}"
        if self.kind == "flag":
            return "1" if value else "0"
        if self.kind == "grid":
            return encode_grid(value)  # type: ignore[arg-type]
        if self.kind == "hide":
            return ",".join(h for h in self.choices if h in value)  # type: ignore[operator]
        if self.kind == "upstream":
            return encode_upstream(value)  # type: ignore[arg-type]
        if self.kind == "sides":
            return ",".join(str(int(v)) for pair in value for v in pair)  # type: ignore[attr-defined]
        return str(value)


# The app's own parameters, which every page's link may carry (app.py reads them, whichever
# page a link opens; ui.links.pagelink.app_params writes them); `lang` is app.py's alone.
BASE_FIELD = Field("base", "flag", optional=True)  # 1-based indices (ui.format.index_base)
APP_FIELDS = (BASE_FIELD,)


def decode_fields(fields: Sequence[Field], query: Mapping[str, str],
                  ) -> tuple[dict[str, object], list[tuple[str, str]]]:
    """Query parameters -> ({name: value} of the valid ones, [(parameter, problem code)]).

    Never raises: each parameter is checked on its own; what fails is left out and noted.
    `lang` is the app's and is skipped; the other APP_FIELDS are read (and noted when
    invalid) on every page.
    """
    by_name = {f.name: f for f in (*APP_FIELDS, *fields)}
    out: dict[str, object] = {}
    notes: list[tuple[str, str]] = []
    for key, value in query.items():
        if key == "lang":
            continue
        field = by_name.get(key)
        if field is None:
            notes.append((key[:40], "url_unknown"))
            continue
        if not isinstance(value, str):
            notes.append((key, "url_too_long"))
            continue
        try:
            out[key] = field.decode(value)
        except InputError as e:
            notes.append((key, e.code))
    return out, notes


def encode_fields(fields: Sequence[Field], values: Mapping[str, object]) -> dict[str, str]:
    """{name: value} -> query parameters, in the order of `fields`; None, an empty hide list
    and a false value of an optional field are left out."""
    q = {}
    for f in fields:
        v = values.get(f.name)
        if v is None or (f.kind == "hide" and not v) or (f.optional and not v):
            continue
        q[f.name] = f.encode(v)
    return q


def question_field(page: str) -> Field:
    """`q`: the question people ask that a page shows above its example (ui.widgets.grid
    QUESTIONS of that page; ui.views.presets applies it)."""
    return Field("q", "choice", choices=tuple(k for k, q in QUESTIONS.items() if q.page == page))


# ----------------------------------------------------------------- the Explorer's link
# The pooling layer: each field carries one spec attribute (ui.widgets.params' vocabulary).
# The padding has three fields, one per form: "p" (symmetric), "pad" (a rule by name) and
# "ps" (per side); "layer" is left out for a layer with a kernel (every older link).
PAD_RULES = ("same", "same_lower", "valid")
LINK_LAYERS = ("adaptive", "global", "unpool")  # the layers a link names ("kernel": none)
SPEC_FIELDS = (
    Field("layer", "choice", choices=LINK_LAYERS, attr="layer", optional=True),
    Field("o", "pair", 1, MAX_SIDE, attr="output_size"),
    Field("k", "pair", 1, MAX_SIDE, attr="kernel_size"),
    Field("s", "pair", 1, MAX_SIDE, attr="stride"),
    Field("p", "pair", 0, MAX_SIDE // 2, attr="padding"),
    Field("pad", "choice", choices=PAD_RULES, attr="padding"),
    Field("ps", "sides", 0, MAX_SIDE, attr="padding"),
    Field("d", "pair", 1, 8, attr="dilation"),
    Field("mode", "choice", choices=MODES, attr="mode"),
    Field("ties", "choice", choices=TIE_POLICIES, attr="ties", mode="max"),
    Field("cip", "flag", attr="count_include_pad", mode="avg"),
    Field("div", "int", 0, 10_000, attr="divisor_override", mode="avg", optional=True),
    Field("ceil", "flag", attr="ceil_mode", optional=True),
)
EXPLORER_FIELDS = (
    Field("x", "grid", hi=MAX_SIDE), *SPEC_FIELDS, Field("gy", "upstream"),
    Field("up", "flag", optional=True),  # older links' max unpool round trip: layer=unpool
    Field("step", "int", 0, MAX_SIDE * MAX_SIDE, optional=True),
    Field("hide", "hide", choices=HIDE_OPTIONS),
    Field("predict", "flag", optional=True),  # the player in predict mode
    question_field(""),
    BASE_FIELD,
)
KNOWN = (*(f.name for f in EXPLORER_FIELDS), "lang")
# The kernel layer's pairs (kernel, stride, padding, dilation) and their ranges.
PAIR_RANGES = {f.name: (f.lo, f.hi) for f in SPEC_FIELDS
               if f.kind == "pair" and f.attr != "output_size"}


def _padding_field(padding: object) -> str:
    """Which of "p", "pad", "ps" carries a padding value."""
    if isinstance(padding, str):
        return "pad"
    if isinstance(padding, (tuple, list)) and any(isinstance(v, (tuple, list)) for v in padding):
        return "ps"
    return "p"


def spec_link(values: Mapping[str, object]) -> dict[str, object]:
    """Spec values ({attribute: value}, e.g. `dataclasses.asdict(spec)` or
    `ui.widgets.params.spec_values`) -> link values of SPEC_FIELDS; a field of the other pooling
    mode or of another layer or padding form gets None (it is left out of the link).
    divisor_override None and 0 both mean none."""
    mode = values.get("mode", "max")
    layer = values.get("layer")
    if layer is None and "output_size" in values:
        out = values["output_size"]
        layer = "global" if out in (1, (1, 1), [1, 1]) else "adaptive"
    link: dict[str, object] = {
        f.name: values.get(f.attr) if f.mode in ("", mode) else None for f in SPEC_FIELDS}
    link["layer"] = layer if layer in LINK_LAYERS else None
    if layer != "adaptive":
        link["o"] = None
    pad_field = _padding_field(values.get("padding"))
    for name in ("p", "pad", "ps"):
        if name != pad_field:
            link[name] = None
    return link


def link_spec(link: Mapping[str, object]) -> dict[str, object]:
    """Decoded link values -> the spec values ({attribute: value}) the link carries (of
    several padding fields, the per-side one wins, then the rule, then the pair)."""
    values: dict[str, object] = {}
    for f in SPEC_FIELDS:
        if f.name in link and not (f.attr == "padding" and "padding" in values):
            values[f.attr] = link[f.name]
    for name in ("ps", "pad", "p"):
        if name in link:
            values["padding"] = link[name]
            break
    return values


# ----------------------------------------------------------------- the other pages' links
# Ties page: the grid (when it is not the plateau example), kernel, stride and the policy the
# Explorer button opens with.
TIES_FIELDS = (
    Field("x", "grid", hi=MAX_SIDE), Field("k", "int", 1, MAX_SIDE), Field("s", "int", 1, MAX_SIDE),
    Field("policy", "choice", choices=TIE_POLICIES),
    Field("predict", "flag", optional=True),  # open the Explorer predicting
    question_field("ties"),
)
# Exercise page: which exercise (level, number, optionally a tie policy of the teacher's choice)
# and the classroom option that removes the "show the answers" button.
EXERCISE_FIELDS = (
    Field("level", "choice", choices=tuple(EXERCISE_LEVELS)),
    Field("seed", "int", 0, 999_999), Field("policy", "choice", choices=TIE_POLICIES),
    Field("hide", "hide", choices=("answers",)),
)
# Next-layer page: the input (a preset, a seeded random grid, or the edited grid itself), the pool,
# the followed pooled cell, the dense layer (size, activation, seed, edited W, b, dL/da), the
# convolution (kernel size, padding, seed, edited K, dL/dY) and which layer is carried back.
# The Explorer's examples with a kernel and symmetric padding (the next layer's pooling).
NEXT_SOURCES = tuple(k for k in PRESETS if k in (
    "overlap_6x6", "nonoverlap_4x4", "plateau", "ceil_5x5")) + ("random",)
NEXT_FIELDS = (
    Field("src", "choice", choices=NEXT_SOURCES), Field("rows", "int", 2, 8),
    Field("cols", "int", 2, 8), Field("rs", "int", 0, 9999), Field("x", "grid", hi=8),
    Field("k", "int", 1, 6), Field("s", "int", 1, 6),
    Field("mode", "choice", choices=("max", "avg")), Field("cell", "int", 0, 63),
    Field("m", "int", 1, 4),
    Field("act", "choice", choices=ACTIVATIONS),
    Field("ws", "int", 0, 9999), Field("W", "grid", hi=64), Field("b", "grid", hi=64),
    Field("da", "grid", hi=64),
    Field("ck", "int", 2, 3), Field("cp", "int", 0, 2), Field("cs", "int", 0, 9999),
    Field("K", "grid", hi=3), Field("dy", "choice", choices=("ones", "random")),
    Field("dys", "int", 0, 9999), Field("from", "choice", choices=("dense", "conv")),
    question_field("next_layer"),
)
# Frameworks page: the Explorer's layer, x and dL/dy, and the port section's source and target
# framework (issue 17).
FRAMEWORK_IDS = FRAMEWORKS
FRAMEWORKS_FIELDS = (
    Field("x", "grid", hi=MAX_SIDE), *SPEC_FIELDS, Field("gy", "upstream"),
    Field("from", "choice", choices=FRAMEWORK_IDS), Field("to", "choice", choices=FRAMEWORK_IDS),
)
