"""The backward pass as an animated GIF (and a zip of PNG frames) for slides: one frame per
step, drawn with Pillow from the steps pooling_core computed (no number is computed here).

Each frame shows what the step player shows: the input x with the step's window outlined and
its receiving cell(s) marked, dL/dy with the step's output cell, the running dL/dx coloured
on the dL/dx heatmap's scale (ui.views.figures.GRAD_SCALE, grad_range of the final dL/dx) with
the receivers outlined, the step number and the step's sentence (ui.views.narrate).

    frames = step_frames(steps, "en")               # Frame data per step
    gif = backward_gif(steps, "en", size="slide", ms=800)   # bytes, or GifRefusedError

Sizes: "projector" 1024 x 768, "slide" 1280 x 720. Work budget: frames x pixels at most
MAX_PIXELS, checked before drawing (frame_limit), and the output at most MAX_BYTES, checked as
it is written (else GifRefusedError with a translated reason). Frames are drawn in palette
mode, text without anti-aliasing (exact colours), one frame kept at a time; GIF frames after
the first hold only the changed rectangle. Speed: benchmarks/gif_speed.py.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import GifImagePlugin, Image, ImageChops, ImageDraw, ImageFont

from pooling_core import ScatterSteps
from ui.exports.gif_fonts import CJK_LANGUAGES, FontFile, font_for
from ui.exports.gif_text import Words
from ui.format import fmt
from ui.i18n import t
from ui.views.figures import GRAD_SCALE, grad_range
from ui.views.narrate import step_sentences, worded

SIZES = {"projector": (1024, 768), "slide": (1280, 720)}
MAX_PIXELS = 81 * 1280 * 720  # frames x width x height: 81 slide or 94 projector frames
PNG_LEVEL = 1
MAX_BYTES = 8 * 1024 * 1024
MS_RANGE = (100, 5000)
MARGIN, GAP, TITLE_H, LABEL_H, SENTENCE_LINES = 24, 28, 44, 30, 3
MAX_CELL = 96
WHITE, BLACK, GRID = (255, 255, 255), (0, 0, 0), (150, 150, 150)
WINDOW_FILL, WINDOW_LINE = (255, 236, 160), (230, 120, 0)
RECEIVER_LINE, OUT_FILL = (0, 90, 200), (190, 220, 255)


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


class _Colours:
    """The palette of one animation: the fixed colours and the colour of every value dL/dx
    takes (`values`) on GRAD_SCALE between zrange, so each pixel keeps its exact colour; when
    those are more than a GIF palette holds, 240 colours evenly along the scale instead (each
    cell then gets the nearest one). Frames are drawn in these indices (no quantizing)."""

    def __init__(self, values: np.ndarray, zrange: tuple[float, float]) -> None:
        zmin, zmax = zrange
        values = np.unique(np.append(np.asarray(values, dtype=np.float64).ravel(), 0.0))
        fixed = {WHITE, BLACK, GRID, WINDOW_FILL, WINDOW_LINE, RECEIVER_LINE, OUT_FILL}
        colours = fixed | {grad_colour(v, zmin, zmax) for v in values[:300].tolist()}
        if len(colours) > 256 or len(values) > 300:
            colours = fixed | {grad_colour(zmin + (zmax - zmin) * i / 239, zmin, zmax)
                               for i in range(240)}
        self.colours = sorted(colours)
        self.index = {c: i for i, c in enumerate(self.colours)}
        self.array = np.array(self.colours, dtype=np.int64)

    def __call__(self, colour: tuple[int, int, int]) -> int:
        """The palette index of `colour` (the nearest one when it is not in the palette)."""
        i = self.index.get(colour)
        if i is None:
            i = int(np.argmin(((self.array - np.array(colour)) ** 2).sum(axis=1)))
            self.index[colour] = i
        return i

    def palette(self) -> list[int]:
        return [channel for colour in self.colours for channel in colour]


def _draw(img: Image.Image) -> ImageDraw.ImageDraw:
    draw = ImageDraw.Draw(img)
    draw.fontmode = "1"  # no anti-aliasing: only palette colours, exact in the GIF
    return draw


class _Painter:
    """Draws the frames of one animation in palette ("P") mode: a canvas with the labels, x,
    dL/dy and the running dL/dx in their plain state, updated cell by cell as dL/dx changes;
    each frame is a copy with the step's highlights, outlines, title and sentence on top. A
    cell is drawn once per (text, colour) and pasted (text is the slow part of a frame); a
    text wider than its cell is drawn in a smaller font."""

    def __init__(self, lay: Layout, zrange: tuple[float, float], labels: tuple, lang: str,
                 x_text: tuple, gy_text: tuple, colours: _Colours) -> None:
        self.lay, self.zrange, self.lang, self.colours = lay, zrange, lang, colours
        self.x_text, self.gy_text = x_text, gy_text
        self.font_file = font_for(lang)
        self.cell_px = max(8, lay.cell * 2 // 5)
        self.title_font, self.label_font = _font(self.font_file, 30), _font(self.font_file, 20)
        self.sentence_font = _font(self.font_file, 22)
        self.tiles: dict[tuple[str, int], Image.Image] = {}
        self.text = Words(lang, colours(BLACK))
        self.ink = {c: colours(c) for c in (WHITE, BLACK, GRID, WINDOW_FILL, WINDOW_LINE,
                                            RECEIVER_LINE, OUT_FILL)}
        self.canvas = Image.new("P", (lay.width, lay.height), self.ink[WHITE])
        self.canvas.putpalette(colours.palette())
        draw = _draw(self.canvas)
        H, W = len(x_text), len(x_text[0])
        OW = len(gy_text[0])
        for name, label, cols in zip(("x", "gy", "gx"), labels, (W, OW, W), strict=True):
            x0, y0 = lay.origins[name]
            text = label
            while len(text) > 4 and draw.textlength(text, font=self.label_font) > cols * lay.cell:
                text = text[:-2] + "…"
            draw.text((x0, y0 - LABEL_H + 4), text, fill=self.ink[BLACK], font=self.label_font)
        for name, texts in (("x", x_text), ("gy", gy_text)):
            for r, row in enumerate(texts):
                for c, text in enumerate(row):
                    self._cell(self.canvas, name, (r, c), text, self.ink[WHITE])
        self.grad = np.zeros((H, W))
        for r in range(H):
            for c in range(W):
                self._grad_cell((r, c), 0.0)

    def _cell(self, img: Image.Image, name: str, rc: tuple[int, int], text: str,
              fill: int) -> None:
        """One cell: its box filled (palette index `fill`) and outlined, its text in the
        middle."""
        tile = self.tiles.get((text, fill))
        if tile is None:
            side = self.lay.cell
            tile = Image.new("P", (side + 1, side + 1), fill)
            draw = _draw(tile)
            draw.rectangle((0, 0, side, side), fill=fill, outline=self.ink[GRID])
            px = self.cell_px
            font = _font(self.font_file, px)
            wide = draw.textlength(text, font=font)
            while px > 8 and wide > side - 4:  # text width is about proportional to px
                px = max(8, min(px - 1, int(px * (side - 4) / wide)))
                font = _font(self.font_file, px)
                wide = draw.textlength(text, font=font)
            draw.text((side / 2, side / 2), text, fill=self.ink[BLACK], font=font, anchor="mm")
            self.tiles[(text, fill)] = tile
        img.paste(tile, self.lay.cell_box(name, *rc)[:2])

    def _grad_cell(self, rc: tuple[int, int], value: float) -> None:
        self._cell(self.canvas, "gx", rc, fmt(value),
                   self.colours(grad_colour(value, *self.zrange)))

    def frame(self, frame: Frame) -> Image.Image:
        """The picture of `frame`, in palette mode (frames given in order: dL/dx only changes
        where it did)."""
        lay, ink = self.lay, self.ink
        changed = ~((self.grad == frame.grad_input)
                    | (np.isnan(self.grad) & np.isnan(frame.grad_input)))
        for r, c in zip(*np.nonzero(changed), strict=True):
            self._grad_cell((int(r), int(c)), float(frame.grad_input[r, c]))
        self.grad = frame.grad_input.copy()
        img = self.canvas.copy()
        draw = _draw(img)
        self.text.stamp(img, (MARGIN, MARGIN), self.text.lines(frame.title, self.title_font)[0],
                        self.title_font)
        H, W = len(self.x_text), len(self.x_text[0])
        r0, c0, r1, c1 = frame.window
        for r in range(max(r0, 0), min(r1, H - 1) + 1):
            for c in range(max(c0, 0), min(c1, W - 1) + 1):
                self._cell(img, "x", (r, c), self.x_text[r][c], ink[WINDOW_FILL])
        i, j = frame.out_cell
        self._cell(img, "gy", (i, j), self.gy_text[i][j], ink[OUT_FILL])
        # The window's outline (it may reach into the padding, beyond the grid).
        x0, y0 = lay.origins["x"]
        box = (x0 + c0 * lay.cell, y0 + r0 * lay.cell, x0 + (c1 + 1) * lay.cell,
               y0 + (r1 + 1) * lay.cell)
        draw.rectangle(box, outline=ink[WINDOW_LINE], width=max(2, lay.cell // 12))
        draw.rectangle(lay.cell_box("gy", i, j), outline=ink[WINDOW_LINE],
                       width=max(2, lay.cell // 12))
        for r, c in frame.receivers:
            for name in ("x", "gx"):
                draw.rectangle(lay.cell_box(name, r, c), outline=ink[RECEIVER_LINE],
                               width=max(2, lay.cell // 10))
        font = self.sentence_font
        lines = self.text.lines(frame.sentence, font, lay.width - 2 * MARGIN, SENTENCE_LINES)
        for n, words in enumerate(lines):
            self.text.stamp(img, (MARGIN, lay.sentence_top + 30 * n), words, font)
        return img


def render_frame(frame: Frame, lay: Layout, zrange: tuple[float, float], labels: tuple,
                 lang: str) -> Image.Image:
    """One frame alone as an RGB picture (labels: the three grids' titles); the same pixels
    as the animation's frame with these values."""
    colours = _Colours(frame.grad_input, zrange)
    painter = _Painter(lay, zrange, labels, lang, frame.x_text, frame.gy_text, colours)
    return painter.frame(frame).convert("RGB")


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


def frame_limit(size: str) -> int:
    """The most steps an animation of `size` may have: MAX_PIXELS frame pixels in all."""
    width, height = SIZES[size]
    return MAX_PIXELS // (width * height)


def refusal(steps: ScatterSteps, lang: str, size: str = "slide") -> str | None:
    """Why no animation of `size` can be made of these steps here (more frame pixels than
    the budget, no font for Chinese), or None; checked before anything is drawn."""
    limit = frame_limit(size)
    if len(steps) > limit or steps.input_values.ndim != 2:
        return t("slides.gif.too_many", lang, n=len(steps), limit=limit)
    if lang in CJK_LANGUAGES and font_for(lang) is None:
        return t("slides.gif.no_font", lang)
    return None


def _pictures(steps: ScatterSteps, lang: str, size: str) -> Iterator[Image.Image]:
    """The frames' pictures in palette mode, one at a time (only one is kept here)."""
    why = refusal(steps, lang, size)
    if why is not None:
        raise GifRefusedError(why)
    lay = layout(steps.input_shape, steps.output_shape, size)
    zrange = grad_range(steps.accumulated(len(steps) - 1))
    colours = _Colours(np.asarray(steps.receiver_after, dtype=np.float64), zrange)
    labels = (t(worded("player.input", steps.spec), lang), t("player.upstream", lang),
              t("player.running", lang))
    frames = step_frames(steps, lang)
    painter = _Painter(lay, zrange, labels, lang, frames[0].x_text, frames[0].gy_text, colours)
    for f in frames:
        yield painter.frame(f)


def _too_big(lang: str) -> GifRefusedError:
    return GifRefusedError(t("slides.gif.too_big", lang, mb=MAX_BYTES // (1024 * 1024)))


def backward_gif(steps: ScatterSteps, lang: str, size: str = "slide", ms: int = 800) -> bytes:
    """The animated GIF (one frame per step, `ms` milliseconds each, looping). Each frame
    after the first holds only the rectangle that differs from the one before (disposal 1:
    it is drawn over it); frames are written as they are drawn. Raises GifRefusedError past
    the budget."""
    ms = int(min(max(ms, MS_RANGE[0]), MS_RANGE[1]))
    out = io.BytesIO()
    before = None
    for picture in _pictures(steps, lang, size):
        if before is None:
            header, _ = GifImagePlugin.getheader(picture, info={"loop": 0, "duration": ms})
            out.write(b"".join(header))
            box = (0, 0, *picture.size)
        else:
            box = ImageChops.subtract_modulo(picture, before).getbbox() or (0, 0, 1, 1)
        part = picture if box == (0, 0, *picture.size) else picture.crop(box)
        out.write(b"".join(GifImagePlugin.getdata(part, offset=box[:2], duration=ms,
                                                  disposal=1)))
        if out.tell() > MAX_BYTES:
            raise _too_big(lang)
        before = picture
    out.write(b";")
    return out.getvalue()


def frames_zip(steps: ScatterSteps, lang: str, size: str = "slide") -> bytes:
    """The same frames as PNG files (step_001.png, ...) in a zip. Raises GifRefusedError."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for k, picture in enumerate(_pictures(steps, lang, size)):
            png = io.BytesIO()
            picture.save(png, "PNG", compress_level=PNG_LEVEL)
            zf.writestr(f"step_{k + 1:03d}.png", png.getvalue())
            if buf.tell() > MAX_BYTES:
                raise _too_big(lang)
    return buf.getvalue()
