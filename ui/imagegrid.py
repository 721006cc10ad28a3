"""A picture as an input grid: grayscale brightness 0-255, shrunk by block averaging.

Pure functions (Pillow and NumPy, no Streamlit). Untrusted files are opened defensively: only
a few formats are parsed, the file size and the declared pixel count are checked before any
pixel is decoded, and Pillow's decompression-bomb warning is treated as an error.
"""

from __future__ import annotations

import contextlib
import io
import math
import warnings

import numpy as np
from PIL import Image, ImageOps

from .grid import MAX_SIDE

MAX_IMAGE_BYTES = 5 * 1024 * 1024  # 5 MB
MAX_IMAGE_PIXELS = 40_000_000  # 40 megapixels, declared width x height
FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP")
UPLOAD_TYPES = ["png", "jpg", "jpeg", "gif", "bmp", "webp"]
LIMITS = {"limit_mb": MAX_IMAGE_BYTES // (1024 * 1024), "limit_mp": MAX_IMAGE_PIXELS // 10**6}


class ImageError(ValueError):
    """A file that cannot become a grid; `code` and `params` name the problem for translation.

    Codes: ``image_not_image`` (Pillow cannot read it), ``image_too_big`` (more than 5 MB or
    40 megapixels; params always hold ``limit_mb`` and ``limit_mp``), ``image_empty``.
    """

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def _too_big(**params: object) -> ImageError:
    return ImageError("image_too_big", **LIMITS, **params)


def _open(data: bytes) -> Image.Image:
    """Open (header only) and check the declared size; raises ImageError."""
    try:
        im = Image.open(io.BytesIO(data), formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_big() from None
    except (OSError, SyntaxError, ValueError, EOFError):  # UnidentifiedImageError is an OSError
        raise ImageError("image_not_image") from None
    w, h = im.size
    if w * h > MAX_IMAGE_PIXELS:
        raise _too_big(width=w, height=h)
    if w < 1 or h < 1:
        raise ImageError("image_empty")
    return im


def _gray(im: Image.Image) -> np.ndarray:
    """Decode the first frame as float64 brightness 0-255 (ITU-R 601 luma, as Pillow's "L").

    Transparent pixels are laid over white; 16-bit images are scaled down to 0-255.
    """
    im.seek(0)
    # Phone photos: honour the orientation tag; a malformed EXIF block keeps the stored picture.
    with contextlib.suppress(Exception):
        im = ImageOps.exif_transpose(im) or im
    if im.mode.startswith("I;16"):
        return np.asarray(im, dtype=np.float64) / 257.0
    if im.mode == "L":
        return np.asarray(im, dtype=np.float64)
    if "A" in im.getbands() or "transparency" in im.info:
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        im = Image.alpha_composite(white, rgba)
    return np.asarray(im.convert("RGB").convert("L"), dtype=np.float64)


def grid_shape(width: int, height: int, max_side: int = MAX_SIDE) -> tuple[int, int]:
    """(rows, cols) of the grid for a width x height picture: the longer side at most
    `max_side`, the aspect ratio kept (rounded), never below 1, never enlarged."""
    scale = min(1.0, max_side / max(width, height))
    cols = max(1, min(max_side, math.floor(width * scale + 0.5)))
    rows = max(1, min(max_side, math.floor(height * scale + 0.5)))
    return rows, cols


def load_image(data: bytes, max_side: int = MAX_SIDE) -> tuple[np.ndarray, tuple[int, int]]:
    """`image_to_grid`, plus the picture's (width, height) in pixels as shown (after the EXIF
    orientation), for messages such as "640 x 480 pixels became a 32 x 24 grid"."""
    if max_side < 1:
        raise ValueError(f"max_side must be at least 1, got {max_side}")
    if not data:
        raise ImageError("image_empty")
    if len(data) > MAX_IMAGE_BYTES:
        raise _too_big(size=len(data))
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        im = _open(data)
        try:
            with im:
                gray = _gray(im)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_big() from None
        except (OSError, SyntaxError, ValueError, EOFError):  # truncated or corrupt data
            raise ImageError("image_not_image") from None
    if gray.ndim != 2 or gray.size == 0:
        raise ImageError("image_empty")
    height, width = gray.shape
    rows, cols = grid_shape(width, height, max_side)
    if (rows, cols) != (height, width):
        small = Image.fromarray(gray.astype(np.float32))  # mode "F"
        gray = np.asarray(small.resize((cols, rows), Image.Resampling.BOX), dtype=np.float64)
    return np.clip(np.rint(gray), 0, 255), (width, height)


def image_to_grid(data: bytes, max_side: int = MAX_SIDE) -> np.ndarray:
    """Picture bytes -> float64 (rows, cols) grid of whole numbers 0-255 (grayscale brightness).

    The first frame is converted to brightness (ITU-R 601 luma; transparent pixels over white;
    16-bit pictures scaled to 0-255), then shrunk with area averaging (Pillow's BOX filter on
    float pixels) so that its longer side is at most `max_side` cells, keeping the aspect ratio;
    a smaller picture keeps its size. Each cell is rounded to the nearest integer (halves to
    even).

    Raises
    ------
    ImageError
        ``image_empty`` for no bytes or no pixels, ``image_too_big`` for more than 5 MB or more
        than 40 megapixels (decompression bombs included), ``image_not_image`` for anything
        Pillow cannot decode as PNG, JPEG, GIF, BMP or WebP.
    ValueError
        `max_side` below 1.
    """
    return load_image(data, max_side)[0]
