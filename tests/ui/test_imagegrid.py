"""Pictures become grids: block means, aspect ratio, colour and alpha, and hostile files."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from ui.errors import InputError
from ui.i18n import LANGUAGES, t
from ui.widgets import imagegrid
from ui.widgets.imagegrid import (
    MAX_IMAGE_BYTES,
    MAX_IMAGE_PIXELS,
    grid_shape,
    image_to_grid,
    load_image,
)
from ui.widgets.picture import _convert

ROOT = Path(__file__).resolve().parents[2]


def _png(arr: np.ndarray, mode: str | None = None) -> bytes:
    buf = io.BytesIO()
    im = Image.fromarray(arr) if mode is None else Image.fromarray(arr).convert(mode)
    im.save(buf, format="PNG")
    return buf.getvalue()


def _encoded(im: Image.Image, fmt: str, **options: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format=fmt, **options)
    return buf.getvalue()


def _block_means(arr: np.ndarray, f: int) -> np.ndarray:
    h, w = arr.shape
    return arr.astype(np.float64).reshape(h // f, f, w // f, f).mean(axis=(1, 3))


def _with_declared_size(png: bytes, width: int, height: int) -> bytes:
    """The same PNG whose IHDR claims width x height (CRC fixed, pixel data unchanged)."""
    assert png[12:16] == b"IHDR"
    ihdr = png[16:20 + 13 - 4]  # width, height and the 5 bytes after them
    new = struct.pack(">II", width, height) + ihdr[8:]
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + new) & 0xFFFFFFFF)
    return png[:16] + new + crc + png[33:]


def test_gradient_64x48_becomes_32x24_block_means() -> None:
    r, c = np.mgrid[0:48, 0:64]
    arr = (2 * c + 2 * r).astype(np.uint8)  # 0..220; every 2x2 mean is a whole number
    grid, size = load_image(_png(arr))
    assert size == (64, 48)
    assert grid.shape == (24, 32) and grid.dtype == np.float64
    np.testing.assert_array_equal(grid, _block_means(arr, 2))
    assert grid[0, 0] == 2 and grid[23, 31] == 4 * 31 + 4 * 23 + 2


def test_random_picture_is_averaged_then_rounded() -> None:
    arr = np.random.default_rng(0).integers(0, 256, size=(48, 64), dtype=np.uint8)
    grid = image_to_grid(_png(arr))
    means = _block_means(arr, 2)
    assert np.all(np.abs(grid - means) <= 0.5)
    clear = np.abs(means - np.floor(means) - 0.5) > 1e-9  # not exactly halfway
    np.testing.assert_array_equal(grid[clear], np.round(means[clear]))
    assert np.all(grid == np.round(grid)) and grid.min() >= 0 and grid.max() <= 255


@pytest.mark.parametrize(
    ("size", "max_side", "shape"),
    [((100, 30), 32, (10, 32)), ((30, 100), 32, (32, 10)), ((10, 5), 32, (5, 10)),
     ((64, 64), 8, (8, 8)), ((1000, 1), 32, (1, 32))],
)
def test_shape_keeps_aspect_and_never_enlarges(size: tuple[int, int], max_side: int,
                                               shape: tuple[int, int]) -> None:
    assert grid_shape(*size, max_side=max_side) == shape
    im = Image.new("L", size, 100)
    grid = image_to_grid(_encoded(im, "PNG"), max_side=max_side)
    assert grid.shape == shape and np.all(grid == 100)


def test_small_picture_is_kept_pixel_for_pixel() -> None:
    arr = np.arange(50, dtype=np.uint8).reshape(5, 10) * 5
    np.testing.assert_array_equal(image_to_grid(_png(arr)), arr)


def test_one_pixel() -> None:
    grid = image_to_grid(_png(np.array([[123]], dtype=np.uint8)))
    assert grid.shape == (1, 1) and grid[0, 0] == 123


def test_colour_alpha_and_other_formats() -> None:
    red = Image.new("RGB", (4, 2), (255, 0, 0))
    assert np.all(image_to_grid(_encoded(red, "PNG")) == 76)  # ITU-R 601: 0.299 * 255
    clear = Image.new("RGBA", (3, 3), (0, 0, 0, 0))
    assert np.all(image_to_grid(_encoded(clear, "PNG")) == 255)  # transparent over white
    gray = Image.new("L", (6, 4), 200)
    for fmt in ("GIF", "BMP", "JPEG", "WEBP"):
        grid = image_to_grid(_encoded(gray, fmt))
        assert grid.shape == (4, 6), fmt
        assert np.all(np.abs(grid - 200) <= 2), fmt  # JPEG/WebP may be off by a little
    deep = Image.fromarray(np.full((2, 2), 65535, dtype=np.uint16))
    assert np.all(image_to_grid(_encoded(deep, "PNG")) == 255)  # 16-bit scaled, not clipped


@pytest.mark.parametrize(
    "data",
    [b"not a picture at all", b"a,b\n1,2\n", b"\x89PNG\r\n\x1a\n" + b"\0" * 40],
)
def test_non_image_bytes(data: bytes) -> None:
    with pytest.raises(InputError) as e:
        image_to_grid(data)
    assert e.value.code == "image_not_image"


def test_truncated_png_is_not_an_image() -> None:
    arr = np.random.default_rng(1).integers(0, 256, size=(40, 40), dtype=np.uint8)
    png = _png(arr)
    with pytest.raises(InputError) as e:
        image_to_grid(png[: len(png) // 2])
    assert e.value.code == "image_not_image"


def test_formats_outside_the_list_are_refused() -> None:
    tiff = _encoded(Image.new("L", (4, 4), 9), "TIFF")
    with pytest.raises(InputError) as e:
        image_to_grid(tiff)
    assert e.value.code == "image_not_image"


@pytest.mark.parametrize(
    ("width", "height"),
    [(2050, 2050),  # 4.2025 MP: just over our cap (2048 x 2048 fits)
     (7000, 7000),  # 49 MP: over our 4.2 MP, under Pillow's own bomb warning
     (20_000, 20_000)],  # 400 MP: Pillow's DecompressionBombError
)
def test_huge_declared_size_is_too_big(width: int, height: int) -> None:
    assert width * height > MAX_IMAGE_PIXELS
    bomb = _with_declared_size(_png(np.zeros((8, 8), dtype=np.uint8)), width, height)
    with pytest.raises(InputError) as e:
        image_to_grid(bomb)
    assert e.value.code == "image_too_big"
    assert e.value.params["limit_mb"] == 5 and e.value.params["limit_mp"] == 4
    text = t("image.image_too_big", lang="en", **e.value.params)
    assert text == "This picture is too big: at most 5 MB and 4 megapixels."


def test_large_file_is_too_big_before_decoding() -> None:
    with pytest.raises(InputError) as e:
        image_to_grid(b"\x89PNG\r\n\x1a\n" + b"\0" * MAX_IMAGE_BYTES)
    assert e.value.code == "image_too_big" and e.value.params["size"] > MAX_IMAGE_BYTES


def test_empty() -> None:
    with pytest.raises(InputError) as e:
        image_to_grid(b"")
    assert e.value.code == "image_empty"
    assert isinstance(e.value, ValueError)


def test_upload_conversion_for_the_view() -> None:
    """What the uploader callback stores: the grid, or the error's code and params."""

    class Upload:
        def __init__(self, data: bytes) -> None:
            self.data, self.file_id, self.name = data, "id-1", "pic.png"

        def getvalue(self) -> bytes:
            return self.data

    ok = _convert(Upload(_png(np.full((2, 3), 7, dtype=np.uint8))), 32)
    assert ok["file_id"] == "id-1" and ok["name"] == "pic.png"
    assert (ok["width"], ok["height"]) == (3, 2)
    np.testing.assert_array_equal(ok["grid"], np.full((2, 3), 7.0))
    bad = _convert(Upload(b"nope"), 32)
    assert bad["error"] == ("image_not_image", {})


def test_image_input_renders_without_a_file() -> None:
    from streamlit.testing.v1 import AppTest

    def page() -> None:
        import streamlit as st

        from ui.widgets.picture import image_input

        st.session_state["got"] = image_input(on_load=lambda grid: None)

    at = AppTest.from_function(page, default_timeout=30).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["got"] is None and not at.error


# ======================================================================= memory and time
# Issue 13: a 186-byte lossless WebP of 6000 x 6000 (or a 155 kB PNG of 6324 x 6324) took 2.5 s
# and about 1 GB of server memory, and a replica has 512 MB. Each picture below is loaded in a
# fresh Python process whose peak resident memory (VmHWM, reset to the current size first) is
# read before and after the one load_image call; no timing is asserted (machines are noisy).
# Not ru_maxrss: Linux carries it over from the parent (this test process) through exec.
BOMB_GROWTH_MB = 100  # the bound for any upload of at most 5 MB
PICTURE_GROWTH_MB = 40  # a 4-megapixel picture (the code before: 60-120 MB for these)

_MEASURE = r"""
import json, sys
from ui.errors import InputError
from ui.widgets.imagegrid import load_image

def peak_mb():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024

with open(sys.argv[1], "rb") as f:
    warm = f.read()
with open(sys.argv[2], "rb") as f:
    data = f.read()
load_image(warm)  # Pillow's plugins and NumPy's first allocations, not the picture
try:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # the peak so far (imports) becomes the current size
except OSError:
    pass
before = peak_mb()
try:
    grid, size = load_image(data)
    out = {"grid": grid.tolist(), "size": list(size)}
except InputError as e:
    out = {"code": e.code, "params": e.params}
out["growth_mb"] = peak_mb() - before
print(json.dumps(out))
"""


def _load_in_fresh_process(tmp_path: Path, data: bytes, fmt: str) -> dict:
    """load_image(data) in a new interpreter: {"grid", "size"} or {"code", "params"}, and
    "growth_mb", how much the load raised the process's peak resident memory."""
    if not Path("/proc/self/status").exists():
        pytest.skip("peak memory is read from /proc (Linux)")
    warm, picture = tmp_path / f"warm.{fmt.lower()}", tmp_path / f"picture.{fmt.lower()}"
    warm.write_bytes(_encoded(Image.new("RGB", (64, 48), (10, 20, 30)), fmt))
    picture.write_bytes(data)
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(warm), str(picture)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _smooth_rgb(width: int, height: int) -> np.ndarray:
    """A photo-like smooth colour picture (no two channels alike), uint8 (height, width, 3)."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    r = 128 + 100 * np.sin(x / 310) * np.cos(y / 270)
    g = 40 + 200 * (x + y) / (width + height)
    b = 128 + 90 * np.cos((x - 2 * y) / 450)
    return np.clip(np.rint(np.dstack([r, g, b])), 0, 255).astype(np.uint8)


def _luma(rgb: np.ndarray) -> np.ndarray:
    """ITU-R 601 luma in floating point, computed here rather than by Pillow."""
    return rgb[..., :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114])


def _cover(n: int, m: int) -> np.ndarray:
    """(m, n): share of cell i's area that pixel j covers, cells of n / m pixels (area means)."""
    edges = np.arange(m + 1) * n / m
    px = np.arange(n)
    cover = np.clip(np.minimum(edges[1:, None], px + 1) - np.maximum(edges[:-1, None], px), 0,
                    None)
    return cover / cover.sum(axis=1, keepdims=True)


def _area_means(arr: np.ndarray, rows: int, cols: int) -> np.ndarray:
    h, w = arr.shape
    return _cover(h, rows) @ arr.astype(np.float64) @ _cover(w, cols).T


def test_tiny_lossless_webp_of_6000x6000_is_refused_before_decoding(tmp_path: Path) -> None:
    """The issue's picture: 36 megapixels in a few dozen bytes of WebP."""
    data = _encoded(Image.new("RGB", (6000, 6000), (200, 100, 50)), "WEBP", lossless=True,
                    method=0)
    assert len(data) < 1000
    out = _load_in_fresh_process(tmp_path, data, "WEBP")
    assert out.get("code") == "image_too_big", out.get("size")
    assert out["params"]["limit_mp"] == 4
    assert (out["params"]["width"], out["params"]["height"]) == (6000, 6000)
    assert out["growth_mb"] < BOMB_GROWTH_MB


def test_flat_png_of_6324x6324_is_refused_before_decoding(tmp_path: Path) -> None:
    """The issue's other picture: 40 megapixels (just under the old limit) in a small PNG."""
    data = _encoded(Image.new("RGB", (6324, 6324), (90, 120, 30)), "PNG", compress_level=1)
    assert len(data) < MAX_IMAGE_BYTES
    out = _load_in_fresh_process(tmp_path, data, "PNG")
    assert out.get("code") == "image_too_big", out.get("size")
    assert out["growth_mb"] < BOMB_GROWTH_MB


def test_4_megapixel_png_is_block_means_in_little_memory(tmp_path: Path) -> None:
    """2048 x 2048 (the largest square allowed): 64 x 64 pixels per cell."""
    rgb = _smooth_rgb(2048, 2048)
    out = _load_in_fresh_process(tmp_path, _png(rgb), "PNG")
    assert out.get("size") == [2048, 2048], out
    expected = _block_means(np.rint(_luma(rgb)), 64)  # Pillow's "L" rounds each pixel
    assert np.max(np.abs(np.array(out["grid"]) - expected)) <= 1
    assert out["growth_mb"] < PICTURE_GROWTH_MB


def test_4_megapixel_jpeg_is_area_means_in_little_memory(tmp_path: Path) -> None:
    """2040 x 1530 (63.75 pixels per cell: cells end inside pixels), decoded at a reduced
    scale straight to luma; JPEG is lossy, hence the grey level either way."""
    rgb = _smooth_rgb(2040, 1530)
    data = _encoded(Image.fromarray(rgb), "JPEG", quality=95)
    out = _load_in_fresh_process(tmp_path, data, "JPEG")
    assert out.get("size") == [2040, 1530], out
    grid = np.array(out["grid"])
    assert grid.shape == (24, 32)
    assert np.max(np.abs(grid - _area_means(_luma(rgb), 24, 32))) <= 1
    assert out["growth_mb"] < PICTURE_GROWTH_MB


def test_4_megapixel_rgba_png_over_white_in_little_memory(tmp_path: Path) -> None:
    rgb = _smooth_rgb(2048, 2048)
    alpha = np.broadcast_to(np.linspace(255, 0, 2048).round().astype(np.uint8), (2048, 2048))
    out = _load_in_fresh_process(tmp_path, _png(np.dstack([rgb, alpha])), "PNG")
    a = alpha / 255.0
    expected = _block_means(_luma(rgb) * a + 255 * (1 - a), 64)
    assert np.max(np.abs(np.array(out["grid"]) - expected)) <= 1
    assert out["growth_mb"] < PICTURE_GROWTH_MB


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def test_png_text_chunks_are_not_all_inflated(tmp_path: Path) -> None:
    """80 zTXt chunks of 1 MB each (a few kB compressed): Pillow would inflate 64 MB of text
    when opening the file, then give up."""
    png = _png(np.full((300, 400), 77, dtype=np.uint8))
    text = b"".join(_chunk(b"zTXt", b"k%d\0\0" % i + zlib.compress(b"a" * 1_000_000, 9))
                    for i in range(80))
    data = png[:33] + text + png[33:]  # after the signature and IHDR
    assert len(data) < 1_000_000
    out = _load_in_fresh_process(tmp_path, data, "PNG")
    assert out.get("size") == [400, 300], out
    assert np.all(np.array(out["grid"]) == 77)
    assert out["growth_mb"] < PICTURE_GROWTH_MB


# ============================================================ the same grid as before
def _reference(data: bytes, max_side: int = 32) -> np.ndarray:
    """The grid as the code before issue 13 made it: the whole picture upright and in float,
    then Pillow's BOX filter, then rounding."""
    with Image.open(io.BytesIO(data)) as im:
        up = ImageOps.exif_transpose(im)
        gray = np.asarray(up.convert("L"), dtype=np.float64)
    rows, cols = grid_shape(gray.shape[1], gray.shape[0], max_side)
    small = Image.fromarray(gray.astype(np.float32)).resize((cols, rows), Image.Resampling.BOX)
    return np.rint(np.asarray(small, dtype=np.float64))


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_on_a_shrunk_picture(orientation: int) -> None:
    """Turned upright after shrinking, each cell still holds exactly the pixels it held when
    the whole picture was turned first (PNG); a JPEG may differ by a grey level."""
    rng = np.random.default_rng(orientation)
    gray = np.clip(_luma(_smooth_rgb(347, 221)) + rng.normal(0, 25, (221, 347)), 0, 255)
    im = Image.fromarray(gray.round().astype(np.uint8))
    exif = Image.Exif()
    exif[0x0112] = orientation
    turned = orientation in (5, 6, 7, 8)
    for fmt, tolerance in (("PNG", 0), ("JPEG", 1)):
        data = _encoded(im, fmt, exif=exif.tobytes())
        grid, size = load_image(data)
        assert size == ((221, 347) if turned else (347, 221)), fmt
        expected = _reference(data)
        assert grid.shape == expected.shape, fmt
        assert np.max(np.abs(grid - expected)) <= tolerance, fmt


@pytest.mark.parametrize(("width", "height"), [(1000, 700), (333, 1999), (2098, 69)])
def test_shrunk_grey_picture_equals_the_old_grid(width: int, height: int) -> None:
    """Noisy 8-bit pictures of awkward sizes: the cells are block sums in integers now, and
    equal to the float BOX resize of the old code."""
    rng = np.random.default_rng(width)
    arr = rng.integers(0, 256, size=(height, width), dtype=np.uint8)
    for data in (_png(arr), _encoded(Image.fromarray(arr), "GIF"),
                 _encoded(Image.fromarray(arr), "BMP")):
        np.testing.assert_array_equal(image_to_grid(data), _reference(data))


def test_shrunk_16_bit_and_transparent_pictures() -> None:
    y, x = np.mgrid[0:480, 0:640]
    deep = (x * 100 + y * 3).astype(np.uint16)  # 0..65337
    grid = image_to_grid(_encoded(Image.fromarray(deep), "PNG"))
    np.testing.assert_array_equal(grid, np.rint(_block_means(deep, 20) / 257))
    rgb = _smooth_rgb(640, 480)
    alpha = np.random.default_rng(2).integers(0, 256, size=(480, 640), dtype=np.uint8)
    grid = image_to_grid(_png(np.dstack([rgb, alpha])))
    a = alpha / 255.0
    assert np.max(np.abs(grid - _block_means(_luma(rgb) * a + 255 * (1 - a), 20))) <= 1
    palette = Image.fromarray(rgb).quantize(16)
    data = _encoded(palette, "PNG", transparency=0)
    lum = np.asarray(palette.convert("L"), dtype=np.float64)
    expected = _block_means(np.where(np.asarray(palette) == 0, 255.0, lum), 20)
    assert np.max(np.abs(image_to_grid(data) - expected)) <= 1


# =========================================================== at most two decodes at once
def test_a_third_picture_waits_then_is_told_the_server_is_busy(monkeypatch) -> None:
    monkeypatch.setattr(imagegrid, "BUSY_WAIT_S", 0.2)
    data = _png(np.full((4, 4), 9, dtype=np.uint8))
    slots = imagegrid._decode_slots
    assert slots.acquire(timeout=5) and slots.acquire(timeout=5)  # two decodes under way
    try:
        start = time.monotonic()
        with pytest.raises(InputError) as e:
            image_to_grid(data)
        assert e.value.code == "image_busy"
        assert time.monotonic() - start >= 0.15  # it did wait for a slot
    finally:
        slots.release()
        slots.release()
    assert np.all(image_to_grid(data) == 9)  # the slots are free again
    for lang in LANGUAGES:
        text = t("image.image_busy", lang=lang)
        assert text and text != "image.image_busy", lang


def test_at_most_two_pictures_are_decoded_at_the_same_time(monkeypatch) -> None:
    inside, most, lock = 0, 0, threading.Lock()
    real = imagegrid._small_gray

    def slow(im: Image.Image, max_side: int):
        nonlocal inside, most
        with lock:
            inside += 1
            most = max(most, inside)
        time.sleep(0.1)
        try:
            return real(im, max_side)
        finally:
            with lock:
                inside -= 1

    monkeypatch.setattr(imagegrid, "_small_gray", slow)
    data = _png(np.full((40, 40), 50, dtype=np.uint8))
    results: list[object] = []
    threads = [threading.Thread(target=lambda: results.append(image_to_grid(data)))
               for _ in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=30)
    assert len(results) == 6 and all(np.all(g == 50) for g in results)
    assert most == 2
