"""The backward pass as an animated GIF (and a zip of PNG frames) for slides: one frame per
step, drawn with Pillow from the steps pooling_core computed (no number is computed here).

Each frame shows what the step player shows: the input x with the step's window outlined and
its receiving cell(s) marked, dL/dy with the step's output cell, the running dL/dx coloured
on the dL/dx heatmap's scale (ui.views.figures.GRAD_SCALE, grad_range of the final dL/dx) with
the receivers outlined, the step number and the step's sentence (ui.views.narrate).

    frames = step_frames(steps, "en")               # Frame data per step
    gif = backward_gif(steps, "en", size="slide", ms=800)   # bytes, or GifRefusedError

Sizes: "projector" 1024 x 768, "slide" 1280 x 720. Work budget: at most MAX_FRAMES steps,
the output at most MAX_BYTES (else GifRefusedError with a translated reason). Text is drawn without
anti-aliasing (few colours: the GIF palette holds every frame's colours exactly while a
frame has at most 256).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from pooling_core import ScatterSteps
from ui.exports.gif_fonts import CJK_LANGUAGES, FontFile, font_for
from ui.format import fmt
from ui.i18n import t
from ui.views.figures import GRAD_SCALE, grad_range
from ui.views.narrate import step_sentences

SIZES = {"projector": (1024, 768), "slide": (1280, 720)}
MAX_FRAMES = 200
MAX_BYTES = 8 * 1024 * 1024
MS_RANGE = (100, 5000)
MARGIN, GAP, TITLE_H, LABEL_H, SENTENCE_LINES = 24, 28, 44, 30, 3
MAX_CELL = 96
WHITE, BLACK, GRID = (255, 255, 255), (0, 0, 0), (150, 150, 150)
WINDOW_FILL, WINDOW_LINE = (255, 236, 160), (230, 120, 0)
RECEIVER_LINE, OUT_FILL = (0, 90, 200), (190, 220, 255)
PAD_LINE = (200, 200, 200)


class GifRefusedError(Exception):
    """A GIF that would break the work budget (or cannot be drawn here); `message` is the
    translated reason."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Frame:
    """What one frame shows.

    x_text (H x W) and gy_text (OH x OW): cell texts; grad_input (H, W): dL/dx after the step;
    window (r0, c0, r1, c1): the window's span, inclusive (it may reach into the padding);
    out_cell (i, j); receivers: the cells this step adds to; title, sentence: texts.
    """

    x_text: tuple[tuple[str, ...], ...]
    gy_text: tuple[tuple[str, ...], ...]
    grad_input: np.ndarray
    window: tuple[int, int, int, int]
    out_cell: tuple[int, int]
    receivers: tuple[tuple[int, int], ...]
    title: str
    sentence: str


@dataclass(frozen=True)
class Layout:
    """Where things go in a frame of `width` x `height`: the side of a cell, the top-left
    corner of each grid ("x", "gy", "gx") and the top of the sentence."""

    width: int
    height: int
    cell: int
    origins: dict
    sentence_top: int

    def cell_box(self, grid: str, r: int, c: int) -> tuple[int, int, int, int]:
        """Pixel box (left, top, right, bottom) of cell (r, c) of a grid."""
        x0, y0 = self.origins[grid]
        return x0 + c * self.cell, y0 + r * self.cell, x0 + (c + 1) * self.cell, \
            y0 + (r + 1) * self.cell

    def grid_box(self, grid: str, rows: int, cols: int) -> tuple[int, int, int, int]:
        """Pixel box of a whole grid of rows x cols cells."""
        x0, y0 = self.origins[grid]
        return x0, y0, x0 + cols * self.cell + 1, y0 + rows * self.cell + 1


def layout(in_hw: tuple[int, int], out_hw: tuple[int, int], size: str = "slide") -> Layout:
    """The three grids side by side, as large as the frame allows (cells of at most MAX_CELL
    px), below the title and their labels, above the sentence."""
    width, height = SIZES[size]
    (H, W), (OH, OW) = in_hw, out_hw
    sentence_h = SENTENCE_LINES * 30 + 10
    avail_w = width - 2 * MARGIN - 2 * GAP
    avail_h = height - 2 * MARGIN - TITLE_H - LABEL_H - sentence_h
    cell = max(4, min(MAX_CELL, avail_w // (2 * W + OW), avail_h // max(H, OH)))
    used = cell * (2 * W + OW) + 2 * GAP
    left = (width - used) // 2
    top = MARGIN + TITLE_H + LABEL_H
    origins = {"x": (left, top), "gy": (left + W * cell + GAP, top),
               "gx": (left + (W + OW) * cell + 2 * GAP, top)}
    return Layout(width, height, cell, origins, top + max(H, OH) * cell + 16)


@cache
def _font(font: FontFile | None, px: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """A font of `px` pixels (read once per file and size; fonts are read-only)."""
    if font is None:
        return ImageFont.load_default(px)
    return ImageFont.truetype(str(font.path), px, index=font.index)


def _hex(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def grad_colour(value: float, zmin: float, zmax: float) -> tuple[int, int, int]:
    """The colour of a dL/dx value on GRAD_SCALE between zmin and zmax (linear between its
    stops, as Plotly draws the heatmap); not finite: white."""
    if not np.isfinite(value):
        return WHITE
    f = min(1.0, max(0.0, (value - zmin) / (zmax - zmin)))
    for (f0, c0), (f1, c1) in zip(GRAD_SCALE, GRAD_SCALE[1:], strict=False):
        if f <= f1:
            a = (f - f0) / (f1 - f0) if f1 > f0 else 0.0
            return tuple(round(u + a * (v - u)) for u, v in  # type: ignore[return-value]
                         zip(_hex(c0), _hex(c1), strict=True))
    return _hex(GRAD_SCALE[-1][1])


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: object, width: int, lang: str) -> list[str]:
    """Lines of `text` no wider than `width` px: at spaces, or between any two characters in
    Chinese (which has no spaces between words)."""
    units = list(text) if lang in CJK_LANGUAGES else text.split(" ")
    joiner = "" if lang in CJK_LANGUAGES else " "
    lines, line = [], ""
    for unit in units:
        trial = unit if not line else line + joiner + unit
        if draw.textlength(trial, font=font) <= width or not line:
            line = trial
        else:
            lines.append(line)
            line = unit
    return [*lines, line] if line else lines


def _cell(draw: ImageDraw.ImageDraw, lay: Layout, name: str, rc: tuple[int, int], text: str,
          fill: tuple[int, int, int], font: object) -> None:
    """One cell: its box filled and outlined, its text in the middle."""
    box = lay.cell_box(name, *rc)
    draw.rectangle(box, fill=fill, outline=GRID)
    draw.text(((box[0] + box[2]) / 2, (box[1] + box[3]) / 2), text, fill=BLACK, font=font,
              anchor="mm")


def _grad_cell(draw: ImageDraw.ImageDraw, lay: Layout, rc: tuple[int, int], value: float,
               zrange: tuple[float, float], font: object) -> None:
    _cell(draw, lay, "gx", rc, fmt(value), grad_colour(value, *zrange), font)


def _draw(img: Image.Image) -> ImageDraw.ImageDraw:
    draw = ImageDraw.Draw(img)
    draw.fontmode = "1"  # no anti-aliasing: few colours, exact in the GIF palette
    return draw


class _Painter:
    """Draws the frames of one animation: a canvas with the labels, x, dL/dy and the running
    dL/dx in their plain state, updated cell by cell as dL/dx changes; each frame is a copy
    with the step's highlights, outlines, title and sentence on top. (Drawing every cell of
    every frame cost a 32 x 32 input about 2000 texts a frame.)"""

    def __init__(self, lay: Layout, zrange: tuple[float, float], labels: tuple, lang: str,
                 x_text: tuple, gy_text: tuple) -> None:
        self.lay, self.zrange, self.lang = lay, zrange, lang
        self.x_text, self.gy_text = x_text, gy_text
        font_file = font_for(lang)
        self.cell_font = _font(font_file, max(8, lay.cell * 2 // 5))
        self.title_font, self.label_font = _font(font_file, 30), _font(font_file, 20)
        self.sentence_font = _font(font_file, 22)
        self.canvas = Image.new("RGB", (lay.width, lay.height), WHITE)
        draw = _draw(self.canvas)
        H, W = len(x_text), len(x_text[0])
        OW = len(gy_text[0])
        for name, label, cols in zip(("x", "gy", "gx"), labels, (W, OW, W), strict=True):
            x0, y0 = lay.origins[name]
            text = label
            while len(text) > 4 and draw.textlength(text, font=self.label_font) > cols * lay.cell:
                text = text[:-2] + "…"
            draw.text((x0, y0 - LABEL_H + 4), text, fill=BLACK, font=self.label_font)
        for name, texts in (("x", x_text), ("gy", gy_text)):
            for r, row in enumerate(texts):
                for c, text in enumerate(row):
                    _cell(draw, lay, name, (r, c), text, WHITE, self.cell_font)
        self.grad = np.zeros((H, W))
        for r in range(H):
            for c in range(W):
                _grad_cell(draw, lay, (r, c), 0.0, zrange, self.cell_font)

    def frame(self, frame: Frame) -> Image.Image:
        """The picture of `frame` (frames given in order: dL/dx only changes where it did)."""
        lay, font = self.lay, self.cell_font
        changed = ~((self.grad == frame.grad_input)
                    | (np.isnan(self.grad) & np.isnan(frame.grad_input)))
        if changed.any():
            draw = _draw(self.canvas)
            for r, c in zip(*np.nonzero(changed), strict=True):
                _grad_cell(draw, lay, (int(r), int(c)), float(frame.grad_input[r, c]),
                           self.zrange, font)
            self.grad = frame.grad_input.copy()
        img = self.canvas.copy()
        draw = _draw(img)
        draw.text((MARGIN, MARGIN), frame.title, fill=BLACK, font=self.title_font)
        H, W = len(self.x_text), len(self.x_text[0])
        r0, c0, r1, c1 = frame.window
        for r in range(max(r0, 0), min(r1, H - 1) + 1):
            for c in range(max(c0, 0), min(c1, W - 1) + 1):
                _cell(draw, lay, "x", (r, c), self.x_text[r][c], WINDOW_FILL, font)
        i, j = frame.out_cell
        _cell(draw, lay, "gy", (i, j), self.gy_text[i][j], OUT_FILL, font)
        # The window's outline (it may reach into the padding, beyond the grid).
        x0, y0 = lay.origins["x"]
        box = (x0 + c0 * lay.cell, y0 + r0 * lay.cell, x0 + (c1 + 1) * lay.cell,
               y0 + (r1 + 1) * lay.cell)
        draw.rectangle(box, outline=WINDOW_LINE, width=max(2, lay.cell // 12))
        draw.rectangle(lay.cell_box("gy", i, j), outline=WINDOW_LINE,
                       width=max(2, lay.cell // 12))
        for r, c in frame.receivers:
            for name in ("x", "gx"):
                draw.rectangle(lay.cell_box(name, r, c), outline=RECEIVER_LINE,
                               width=max(2, lay.cell // 10))
        lines = _wrap(draw, frame.sentence, self.sentence_font, lay.width - 2 * MARGIN,
                      self.lang)
        if len(lines) > SENTENCE_LINES:
            lines = [*lines[:SENTENCE_LINES - 1], lines[SENTENCE_LINES - 1] + " …"]
        for n, line in enumerate(lines):
            draw.text((MARGIN, lay.sentence_top + 30 * n), line, fill=BLACK,
                      font=self.sentence_font)
        return img


def render_frame(frame: Frame, lay: Layout, zrange: tuple[float, float], labels: tuple,
                 lang: str) -> Image.Image:
    """One frame alone as an RGB picture (labels: the three grids' titles); the same pixels
    as the animation's frame with these values."""
    return _Painter(lay, zrange, labels, lang, frame.x_text, frame.gy_text).frame(frame)


def step_frames(steps: ScatterSteps, lang: str) -> list[Frame]:
    """The frames' data, one per step, read from `steps` (pooling_core's) and the sentences."""
    x_text = tuple(tuple(fmt(v) for v in row) for row in steps.input_values.tolist())
    gy_text = tuple(tuple(fmt(v) for v in row) for row in steps.grad_output.tolist())
    sentences = step_sentences(steps, lang=lang)
    rects = steps.window_rects.tolist()
    total = len(steps)
    out = []
    for k, running in enumerate(steps.iter_accumulated()):
        step = steps[k]
        out.append(Frame(x_text, gy_text, running, tuple(int(v) for v in rects[k]),
                         step.out_index, tuple(rc for rc, _ in step.receivers),
                         t("slides.gif.title", lang, k=k + 1, n=total), sentences[k]))
    return out


def refusal(steps: ScatterSteps, lang: str) -> str | None:
    """Why no GIF can be made of these steps here (too many steps, no font for Chinese), or
    None."""
    if len(steps) > MAX_FRAMES:
        return t("slides.gif.too_many", lang, n=len(steps), limit=MAX_FRAMES)
    if steps.input_values.ndim != 2:
        return t("slides.gif.too_many", lang, n=len(steps), limit=MAX_FRAMES)
    if lang in CJK_LANGUAGES and font_for(lang) is None:
        return t("slides.gif.no_font", lang)
    return None


def _pictures(steps: ScatterSteps, lang: str, size: str) -> list[Image.Image]:
    why = refusal(steps, lang)
    if why is not None:
        raise GifRefusedError(why)
    lay = layout(steps.input_shape, steps.output_shape, size)
    zrange = grad_range(steps.accumulated(len(steps) - 1))
    labels = (t("player.input", lang), t("player.upstream", lang), t("player.running", lang))
    frames = step_frames(steps, lang)
    painter = _Painter(lay, zrange, labels, lang, frames[0].x_text, frames[0].gy_text)
    return [painter.frame(f) for f in frames]


def _palette(steps: ScatterSteps) -> Image.Image:
    """A palette image for every frame: the fixed colours and the colour of every value dL/dx
    takes along the way (text is drawn without anti-aliasing), so each pixel keeps its exact
    colour; when those are more than a GIF palette holds, 240 colours evenly along the dL/dx
    scale instead (each cell then gets the nearest one)."""
    zmin, zmax = grad_range(steps.accumulated(len(steps) - 1))
    values = np.unique(np.append(np.asarray(steps.receiver_after, dtype=np.float64), 0.0))
    fixed = {WHITE, BLACK, GRID, WINDOW_FILL, WINDOW_LINE, RECEIVER_LINE, OUT_FILL}
    colours = fixed | {grad_colour(v, zmin, zmax) for v in values[:300].tolist()}
    if len(colours) > 256 or len(values) > 300:
        colours = fixed | {grad_colour(zmin + (zmax - zmin) * i / 239, zmin, zmax)
                           for i in range(240)}
    image = Image.new("P", (1, 1))
    image.putpalette([channel for colour in sorted(colours) for channel in colour])
    return image


def backward_gif(steps: ScatterSteps, lang: str, size: str = "slide", ms: int = 800) -> bytes:
    """The animated GIF (one frame per step, `ms` milliseconds each, looping). Raises
    GifRefusedError past the budget."""
    ms = int(min(max(ms, MS_RANGE[0]), MS_RANGE[1]))
    palette = _palette(steps)  # one palette for every frame: fast, and exact when it can be
    pictures = [p.quantize(palette=palette, dither=Image.Dither.NONE)
                for p in _pictures(steps, lang, size)]
    buf = io.BytesIO()
    pictures[0].save(buf, "GIF", save_all=True, append_images=pictures[1:], duration=ms,
                     loop=0, optimize=False, disposal=1)
    data = buf.getvalue()
    if len(data) > MAX_BYTES:
        raise GifRefusedError(t("slides.gif.too_big", lang, mb=MAX_BYTES // (1024 * 1024)))
    return data


def frames_zip(steps: ScatterSteps, lang: str, size: str = "slide") -> bytes:
    """The same frames as PNG files (step_001.png, ...) in a zip. Raises GifRefusedError."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for k, picture in enumerate(_pictures(steps, lang, size)):
            png = io.BytesIO()
            picture.save(png, "PNG", optimize=False)
            zf.writestr(f"step_{k + 1:03d}.png", png.getvalue())
            if buf.tell() > MAX_BYTES:
                raise GifRefusedError(t("slides.gif.too_big", lang, mb=MAX_BYTES // (1024 * 1024)))
    return buf.getvalue()
