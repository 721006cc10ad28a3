"""Pictures become grids: block means, aspect ratio, colour and alpha, and hostile files."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from ui.exports_view import _convert
from ui.imagegrid import (
    MAX_IMAGE_BYTES,
    MAX_IMAGE_PIXELS,
    ImageError,
    grid_shape,
    image_to_grid,
    load_image,
)


def _png(arr: np.ndarray, mode: str | None = None) -> bytes:
    buf = io.BytesIO()
    im = Image.fromarray(arr) if mode is None else Image.fromarray(arr).convert(mode)
    im.save(buf, format="PNG")
    return buf.getvalue()


def _encoded(im: Image.Image, fmt: str) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format=fmt)
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
    with pytest.raises(ImageError) as e:
        image_to_grid(data)
    assert e.value.code == "image_not_image"


def test_truncated_png_is_not_an_image() -> None:
    arr = np.random.default_rng(1).integers(0, 256, size=(40, 40), dtype=np.uint8)
    png = _png(arr)
    with pytest.raises(ImageError) as e:
        image_to_grid(png[: len(png) // 2])
    assert e.value.code == "image_not_image"


def test_formats_outside_the_list_are_refused() -> None:
    tiff = _encoded(Image.new("L", (4, 4), 9), "TIFF")
    with pytest.raises(ImageError) as e:
        image_to_grid(tiff)
    assert e.value.code == "image_not_image"


@pytest.mark.parametrize(
    ("width", "height"),
    [(7000, 7000),  # 49 MP: over our 40 MP, under Pillow's own bomb warning
     (20_000, 20_000)],  # 400 MP: Pillow's DecompressionBombError
)
def test_huge_declared_size_is_too_big(width: int, height: int) -> None:
    assert width * height > MAX_IMAGE_PIXELS
    bomb = _with_declared_size(_png(np.zeros((8, 8), dtype=np.uint8)), width, height)
    with pytest.raises(ImageError) as e:
        image_to_grid(bomb)
    assert e.value.code == "image_too_big"
    assert e.value.params["limit_mb"] == 5 and e.value.params["limit_mp"] == 40


def test_large_file_is_too_big_before_decoding() -> None:
    with pytest.raises(ImageError) as e:
        image_to_grid(b"\x89PNG\r\n\x1a\n" + b"\0" * MAX_IMAGE_BYTES)
    assert e.value.code == "image_too_big" and e.value.params["size"] > MAX_IMAGE_BYTES


def test_empty() -> None:
    with pytest.raises(ImageError) as e:
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

        from ui.exports_view import image_input

        st.session_state["got"] = image_input(on_load=lambda grid: None)

    at = AppTest.from_function(page, default_timeout=30).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["got"] is None and not at.error
