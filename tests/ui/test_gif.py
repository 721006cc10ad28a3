"""The animated GIF of the backward pass (ui.exports.gif), decoded with Pillow: one frame per
step, and frame k shows step k's numbers: its grids equal, pixel for pixel, a frame drawn from
values worked out by hand, and the receiving cell of dL/dx takes its colour exactly at step k.

Hand-worked example: x = [[1,3,2,4],[5,6,1,2],[7,2,9,0],[1,8,3,4]], kernel 2, stride 2,
dL/dy = [[1,2],[3,4]]. Window (0,0) rows 0-1 cols 0-1: max 6 at (1,1) gets 1; window (0,1):
max 4 at (0,3) gets 2; window (1,0): max 8 at (3,1) gets 3; window (1,1): max 9 at (2,2) gets 4.
The colour range is -4..4 (the largest |dL/dx|).
"""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from pooling_core import PoolSpec, scatter_steps
from ui.exports import gif
from ui.exports.gif_fonts import font_for

X = np.array([[1, 3, 2, 4], [5, 6, 1, 2], [7, 2, 9, 0], [1, 8, 3, 4]], dtype=float)
GY = np.array([[1, 2], [3, 4]], dtype=float)
X_TEXT = (("1", "3", "2", "4"), ("5", "6", "1", "2"), ("7", "2", "9", "0"), ("1", "8", "3", "4"))
GY_TEXT = (("1", "2"), ("3", "4"))
RECEIVER = [(1, 1), (0, 3), (3, 1), (2, 2)]  # step k's winner
AMOUNT = [1, 2, 3, 4]
WINDOW = [(0, 0, 1, 1), (0, 2, 1, 3), (2, 0, 3, 1), (2, 2, 3, 3)]
OUT = [(0, 0), (0, 1), (1, 0), (1, 1)]
NEUTRAL = (0xF7, 0xF7, 0xF7)  # GRAD_SCALE at 0 (the middle stop)
EXACT_COLOUR = {2: (0xF4, 0xA5, 0x82), 4: (0xB2, 0x18, 0x2B)}  # 2/4 -> stop 0.75, 4/4 -> 1.0


def steps():
    return scatter_steps(X, GY, PoolSpec(kernel_size=2, stride=2))


def running(k: int) -> np.ndarray:
    """dL/dx after step k, by hand."""
    g = np.zeros((4, 4))
    for m in range(k + 1):
        g[RECEIVER[m]] = AMOUNT[m]
    return g


def decode(data: bytes) -> list[Image.Image]:
    im = Image.open(io.BytesIO(data))
    out = []
    for n in range(im.n_frames):
        im.seek(n)
        out.append(im.convert("RGB"))
    return out


@pytest.fixture(scope="module")
def frames() -> list[Image.Image]:
    data = gif.backward_gif(steps(), "en", size="projector", ms=700)
    im = Image.open(io.BytesIO(data))
    assert im.format == "GIF" and im.size == (1024, 768)
    assert im.info["duration"] == 700
    return decode(data)


def test_one_frame_per_step(frames: list[Image.Image]) -> None:
    assert len(frames) == 4


def test_frame_k_grids_equal_a_frame_drawn_from_hand_values(frames: list[Image.Image]) -> None:
    lay = gif.layout((4, 4), (2, 2), "projector")
    boxes = [lay.grid_box("x", 4, 4), lay.grid_box("gy", 2, 2), lay.grid_box("gx", 4, 4)]
    for k in range(4):
        hand = gif.Frame(X_TEXT, GY_TEXT, running(k), WINDOW[k], OUT[k], (RECEIVER[k],),
                         "", "")
        ref = gif.render_frame(hand, lay, (-4.0, 4.0), ("", "", ""), "en")
        for box in boxes:
            assert ref.crop(box).tobytes() == frames[k].crop(box).tobytes(), (k, box)
        # a frame drawn with step k+1's numbers differs (the comparison can fail)
        if k < 3:
            other = gif.Frame(X_TEXT, GY_TEXT, running(k + 1), WINDOW[k], OUT[k],
                              (RECEIVER[k],), "", "")
            wrong = gif.render_frame(other, lay, (-4.0, 4.0), ("", "", ""), "en")
            assert wrong.crop(boxes[2]).tobytes() != frames[k].crop(boxes[2]).tobytes()


def test_receiver_colour_changes_exactly_at_its_step(frames: list[Image.Image]) -> None:
    lay = gif.layout((4, 4), (2, 2), "projector")
    for k, (r, c) in enumerate(RECEIVER):
        left, top, right, bottom = lay.cell_box("gx", r, c)
        spot = (left + (right - left) * 5 // 6, top + (bottom - top) // 2)  # beside the digits
        for n, frame in enumerate(frames):
            colour = frame.getpixel(spot)
            if n < k:
                assert colour == NEUTRAL, (k, n, colour)
            else:
                assert colour != NEUTRAL and colour[0] > colour[2], (k, n, colour)  # red side
                if AMOUNT[k] in EXACT_COLOUR:
                    assert colour == EXACT_COLOUR[AMOUNT[k]], (k, n, colour)


def test_png_zip_has_the_same_frames(frames: list[Image.Image]) -> None:
    data = gif.frames_zip(steps(), "en", size="projector")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        assert names == [f"step_{k:03d}.png" for k in range(1, 5)]
        png = Image.open(io.BytesIO(zf.read(names[2]))).convert("RGB")
    lay = gif.layout((4, 4), (2, 2), "projector")
    box = lay.grid_box("gx", 4, 4)
    assert png.crop(box).tobytes() == frames[2].crop(box).tobytes()


def test_slide_size_and_every_language() -> None:
    for lang in ("en", "es", "pl", "zh-CN", "zh-TW"):
        data = gif.backward_gif(steps(), lang, size="slide", ms=100)
        im = Image.open(io.BytesIO(data))
        assert im.size == (1280, 720) and im.n_frames == 4


def test_chinese_font_found_for_chinese() -> None:
    for lang in ("zh-CN", "zh-TW"):
        font = font_for(lang)
        assert font is not None, "scripts/setup installs fonts-noto-cjk"
        f = ImageFont.truetype(str(font.path), 20, index=font.index)

        def ink(ch: str, f: ImageFont.FreeTypeFont = f) -> bytes:
            im = Image.new("L", (30, 30))
            ImageDraw.Draw(im).text((2, 2), ch, fill=255, font=f)
            return im.tobytes()
        # real glyphs, not the same empty box: "梯" and "度" draw differently
        assert ink("梯") != ink("度") and any(ink("梯"))


def test_budget_refuses_too_many_steps() -> None:
    big = scatter_steps(np.zeros((16, 16)), np.ones((15, 15)), PoolSpec(kernel_size=2, stride=1))
    assert len(big) == 225
    with pytest.raises(gif.GifRefusedError) as e:
        gif.backward_gif(big, "es")
    assert "225" in e.value.message and "81" in e.value.message  # slide: 81 frames


def test_budget_is_frames_times_pixels_checked_before_drawing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """9 x 10 = 90 windows: more than the 81 slide frames (1280 x 720 px each) the budget
    allows, within the 94 projector frames (1024 x 768: 81 * 1280 * 720 // (1024 * 768))."""
    s = scatter_steps(np.zeros((10, 11)), np.ones((9, 10)), PoolSpec(kernel_size=2, stride=1))
    assert len(s) == 90
    assert gif.frame_limit("slide") == 81 and gif.frame_limit("projector") == 94
    why = gif.refusal(s, "en", "slide")
    assert why is not None and "90" in why and "81" in why
    assert gif.refusal(s, "en", "projector") is None

    def no_drawing(*args: object) -> None:
        raise AssertionError("drew a frame")
    monkeypatch.setattr(gif._Painter, "frame", no_drawing)
    for make in (gif.backward_gif, gif.frames_zip):
        with pytest.raises(gif.GifRefusedError):
            make(s, "en", "slide")


def test_too_many_bytes_stops_the_writing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gif, "MAX_BYTES", 10_000)  # the 4 frames take more than this
    for make in (gif.backward_gif, gif.frames_zip):
        with pytest.raises(gif.GifRefusedError) as e:
            make(steps(), "en", "projector")
        assert "MB" in e.value.message


def test_frames_after_the_first_hold_only_what_changed() -> None:
    """The 24 px margins and the white below the sentence's lines never change, so each
    later frame is a rectangle inside them (the first is whole); composing the frames (seek,
    as decode does) still gives whole pictures, compared pixel by pixel above."""
    im = Image.open(io.BytesIO(gif.backward_gif(steps(), "en", size="projector")))
    lay = gif.layout((4, 4), (2, 2), "projector")
    assert im.tile[0].extents == (0, 0, 1024, 768)
    for n in range(1, 4):
        im.seek(n)
        left, top, right, bottom = im.tile[0].extents
        assert left >= 24 and top >= 24 and right <= 1024 - 24 + 1, (n, im.tile[0].extents)
        assert bottom <= lay.sentence_top + 3 * 30, (n, im.tile[0].extents)


def test_no_chinese_font_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gif, "font_for", lambda lang, bold=False: None)
    why = gif.refusal(steps(), "zh-CN")
    assert why is not None and "fonts-noto-cjk" in why
    with pytest.raises(gif.GifRefusedError):
        gif.backward_gif(steps(), "zh-TW")


def test_more_colours_than_a_palette_still_one_frame_per_step() -> None:
    """Average pooling of 324 distinct values with a seeded dL/dy: several hundred dL/dx
    values, more colours than a GIF holds; each cell then gets the nearest of 240 colours
    along the scale, so the largest value stays on the red end."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(18, 18))
    gy = np.round(rng.uniform(0.5, 4, size=(9, 9)), 3)
    big = scatter_steps(x, gy, PoolSpec(kernel_size=2, stride=2, mode="avg"))
    frames = decode(gif.backward_gif(big, "en", size="projector", ms=100))
    assert len(frames) == 81
    lay = gif.layout((18, 18), (9, 9), "projector")
    r, c = np.unravel_index(np.argmax(gy), gy.shape)  # its window's four cells get gy/4
    left, top, right, bottom = lay.cell_box("gx", 2 * int(r), 2 * int(c))
    colour = frames[-1].getpixel((left + 2 * (right - left) // 3 + 1, top + 2))
    assert all(abs(a - b) <= 12 for a, b in zip(colour, EXACT_COLOUR[4], strict=True)), colour
