"""A picture as an input grid: grayscale brightness 0-255, shrunk by block averaging.

Pure functions (Pillow and NumPy, no Streamlit). Untrusted files are opened defensively: only
a few formats are parsed, the file size and the declared pixel count (at most about 4
megapixels) are checked before any pixel is decoded, and Pillow's decompression-bomb error is
treated as "too big".

Memory and time: a picture of up to 5 MB costs the server some tens of MB and a fraction of a
second, not the gigabyte and seconds that a 40-megapixel canvas in a few hundred bytes of WebP
or PNG used to. Pixels stay 8-bit (16-bit for 16-bit pictures) and one band as soon as the
decoder has produced them: no full-size float copy is made (only a palette picture with
transparency is expanded to RGBA, once). JPEGs are decoded at 1/2,
1/4 or 1/8 scale straight to luma when the grid is that much smaller (``draft``); the cells are
then block means summed in integers (a JPEG decoded at a reduced scale: weighted by how much of
each cell every reduced pixel covers), and the EXIF orientation is applied to the small grid.
At most ``DECODE_SLOTS`` pictures are decoded at a time in the process; a further one waits up
to ``BUSY_WAIT_S`` seconds, then gets ``image_busy``.
"""

from __future__ import annotations

import contextlib
import io
import math
import struct
import threading

import numpy as np
from PIL import ExifTags, Image

from ui.errors import InputError
from ui.widgets.grid import MAX_SIDE

MAX_IMAGE_BYTES = 5 * 1024 * 1024  # 5 MB
MAX_IMAGE_PIXELS = 4_200_000  # about 4 megapixels, declared width x height (2048 x 2048 fits)
FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP")
UPLOAD_TYPES = ["png", "jpg", "jpeg", "gif", "bmp", "webp"]
LIMITS = {"limit_mb": MAX_IMAGE_BYTES // (1024 * 1024), "limit_mp": MAX_IMAGE_PIXELS // 10**6}
DECODE_SLOTS = 2  # pictures decoded at the same time in one process
BUSY_WAIT_S = 5.0  # how long a further picture waits for a slot before `image_busy`
# A JPEG is decoded at 1/2, 1/4 or 1/8 scale only while that keeps at least this many pixels
# per grid cell (per side).
OVERSAMPLE = 8
# PNG text chunks are inflated by Pillow when the file is opened (up to 1 MB each, 64 MB in
# all): only the first few are passed on (they are never shown; EXIF or XMP may be among them).
MAX_PNG_TEXT_CHUNKS = 8
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_TEXT = (b"tEXt", b"zTXt", b"iTXt")

# A lock, not shared data: it bounds the decoding memory of the whole process.
_decode_slots = threading.BoundedSemaphore(DECODE_SLOTS)

# EXIF orientation -> the NumPy operation that shows the stored pixels upright
# (the same as ImageOps.exif_transpose).
_UPRIGHT = {
    2: np.fliplr,
    3: lambda a: a[::-1, ::-1],
    4: np.flipud,
    5: np.transpose,
    6: lambda a: np.rot90(a, -1),
    7: lambda a: a[::-1, ::-1].T,
    8: np.rot90,
}


# Refused files raise ui.errors.InputError with one of the codes ``image_not_image`` (Pillow
# cannot read it), ``image_too_big`` (more than 5 MB or about 4 megapixels; params always hold
# ``limit_mb`` and ``limit_mp``), ``image_empty``, ``image_busy`` (the server is decoding other
# pictures; upload again a moment later).


def _too_big(**params: object) -> InputError:
    return InputError("image_too_big", **LIMITS, **params)


def _trim_png_text(data: bytes) -> bytes:
    """A PNG without its text chunks after the first MAX_PNG_TEXT_CHUNKS (other chunks copied
    as they are); anything else, or a PNG with few text chunks, unchanged."""
    if not data.startswith(_PNG_SIGNATURE):
        return data
    kept, pos, start, texts = [], len(_PNG_SIGNATURE), 0, 0
    while pos + 8 <= len(data):
        (length,) = struct.unpack_from(">I", data, pos)
        kind = data[pos + 4:pos + 8]
        end = pos + 12 + length  # length, type, data, CRC
        if kind in _PNG_TEXT:
            texts += 1
            if texts > MAX_PNG_TEXT_CHUNKS:
                kept.append(data[start:pos])
                start = end
        if kind == b"IEND" or end > len(data):
            break
        pos = end
    if not kept:
        return data
    kept.append(data[start:])
    return b"".join(kept)


def _open(data: bytes) -> Image.Image:
    """Open (header only) and check the declared size; raises InputError.

    The declared width x height is compared with MAX_IMAGE_PIXELS here, before any pixel is
    decoded; Pillow's own (process-wide, far larger) bomb limits only matter if Pillow refuses
    the header first, and are not changed.
    """
    try:
        im = Image.open(io.BytesIO(_trim_png_text(data)), formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_big() from None
    except (OSError, SyntaxError, ValueError, EOFError):  # UnidentifiedInputError is an OSError
        raise InputError("image_not_image") from None
    w, h = im.size
    if w * h > MAX_IMAGE_PIXELS:
        im.close()
        raise _too_big(width=w, height=h)
    if w < 1 or h < 1:
        im.close()
        raise InputError("image_empty")
    return im


def _orientation(im: Image.Image) -> int:
    """The EXIF orientation (1-8); 1 when there is none or the EXIF block is malformed."""
    with contextlib.suppress(Exception):
        value = im.getexif().get(ExifTags.Base.Orientation, 1)
        if value in _UPRIGHT:
            return int(value)
    return 1


def _target(width: int, height: int, orientation: int, max_side: int) -> tuple[int, int]:
    """(width, height) of the grid in the stored (not yet turned upright) orientation."""
    turned = orientation in (5, 6, 7, 8)
    rows, cols = grid_shape(*((height, width) if turned else (width, height)), max_side)
    return (rows, cols) if turned else (cols, rows)


def _over_white(im: Image.Image) -> Image.Image:
    """Brightness ("L") of a picture with transparency, laid over white; 8-bit throughout."""
    rgba = im if im.mode in ("RGBA", "LA") else im.convert("RGBA")
    alpha = rgba.getchannel("A")
    lum = rgba.convert("L")
    if rgba is not im:
        rgba.close()
    im.close()  # the decoded picture is no longer needed: free it before the next copy
    out = Image.new("L", lum.size, 255)
    out.paste(lum, None, alpha)  # lum * a + 255 * (1 - a), rounded
    return out


def _box_cells(n: int, m: int, reverse: bool = False) -> list[tuple[int, int]]:
    """The pixels [lo, hi) that each of `m` cells averages when `n` pixels (n >= m) are shrunk
    with Pillow's BOX filter: those whose centre falls in the cell (the same bounds and the
    same floating-point test as Pillow's resampling). `reverse`: for the mirrored axis, in the
    mirrored order (cell 0 at the far end)."""
    scale = n / m
    ss = 1.0 / scale
    cells = []
    for k in range(m):
        center = (k + 0.5) * scale
        lo = max(int(center - 0.5 * scale + 0.5), 0)
        hi = min(int(center + 0.5 * scale + 0.5), n)
        while hi - lo > 1 and not -0.5 < (lo - center + 0.5) * ss <= 0.5:
            lo += 1
        while hi - lo > 1 and not -0.5 < (hi - 1 - center + 0.5) * ss <= 0.5:
            hi -= 1
        cells.append((lo, hi))
    if reverse:
        cells = [(n - hi, n - lo) for lo, hi in reversed(cells)]
    return cells


def _block_means(arr: np.ndarray, row_cells: list[tuple[int, int]],
                 col_cells: list[tuple[int, int]]) -> np.ndarray:
    """Mean of each (row cell, column cell) block of a full-size integer array, summed in
    64-bit integers a block of rows at a time (no full-size copy)."""
    out = np.empty((len(row_cells), len(col_cells)))
    for i, (r0, r1) in enumerate(row_cells):
        sums = arr[r0:r1].sum(axis=0, dtype=np.uint64)
        for j, (c0, c1) in enumerate(col_cells):
            out[i, j] = int(sums[c0:c1].sum()) / ((r1 - r0) * (c1 - c0))
    return out


def _coverage(cells: list[tuple[int, int]], n: int, step: int) -> np.ndarray:
    """(cells, ceil(n / step)) weights: how much of each cell's pixel range [lo, hi) each
    pixel of a picture decoded at 1/step scale covers (rows sum to 1)."""
    starts = np.arange(0, n, step)
    ends = np.minimum(starts + step, n)
    lo = np.array([c[0] for c in cells])[:, None]
    hi = np.array([c[1] for c in cells])[:, None]
    cover = np.clip(np.minimum(hi, ends) - np.maximum(lo, starts), 0, None).astype(np.float64)
    return cover / (hi - lo)


# EXIF orientation -> are the stored rows the upright columns, are the stored rows reversed,
# are the stored columns reversed (how _UPRIGHT moves the stored axes).
_AXES = {1: (False, False, False), 2: (False, False, True), 3: (False, True, True),
         4: (False, True, False), 5: (True, False, False), 6: (True, True, False),
         7: (True, True, True), 8: (True, False, True)}


def _small_gray(im: Image.Image, max_side: int) -> tuple[np.ndarray, tuple[int, int]]:
    """Decode the first frame and shrink it: float64 brightness 0-255 of the final grid (not
    rounded, upright) and the picture's upright (width, height).

    Brightness is ITU-R 601 luma, as Pillow's "L"; transparent pixels are laid over white;
    16-bit pictures are scaled down to 0-255. Each cell is the mean of the pixels that Pillow's
    BOX filter gives it when the upright picture is resized to the grid. The caller closes
    `im`; it may be closed here.
    """
    im.seek(0)
    width, height = im.size
    jpeg = im.format in ("JPEG", "MPO")  # Pillow opens a multi-picture JPEG as MPO
    orientation = _orientation(im) if jpeg else 1  # a JPEG's EXIF needs no decoding
    step = 1  # pixels are decoded at 1/step scale (JPEG only)
    if jpeg:
        tw, th = _target(width, height, orientation, max_side)
        # Decode at 1/2, 1/4 or 1/8 scale (libjpeg's scaled IDCT) straight to luma while the
        # result keeps at least OVERSAMPLE pixels per cell.
        drafted = im.draft("L", (tw * OVERSAMPLE, th * OVERSAMPLE))
        if drafted is not None:
            step = round(width / drafted[1][2])
    im.load()
    if not jpeg:  # a PNG may carry its EXIF after the pixels
        orientation = _orientation(im)
    turned, rev_rows, rev_cols = _AXES[orientation]
    upright = (height, width) if turned else (width, height)
    rows, cols = grid_shape(*upright, max_side)
    row_cells = _box_cells(height, cols if turned else rows, rev_rows)
    col_cells = _box_cells(width, rows if turned else cols, rev_cols)

    scale = 1.0
    if im.mode.startswith("I;16"):
        gray, scale = im, 257.0
    elif "A" in im.getbands() or "transparency" in im.info:
        gray = _over_white(im)
    elif im.mode == "L":
        gray = im
    elif im.mode in ("RGB", "P", "1", "I"):
        gray = im.convert("L")
    else:  # CMYK and the like: through RGB, as before
        gray = im.convert("RGB").convert("L")
    if gray is not im:
        im.close()
    arr = np.asarray(gray)  # 8-bit (16-bit for I;16), full size or 1/step
    gray.close()
    if step == 1:
        means = _block_means(arr, row_cells, col_cells)
    else:
        means = (_coverage(row_cells, height, step) @ arr.astype(np.float64)
                 @ _coverage(col_cells, width, step).T)
    if scale != 1.0:
        means = means / scale
    return _UPRIGHT.get(orientation, lambda a: a)(means), upright


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
        raise InputError("image_empty")
    if len(data) > MAX_IMAGE_BYTES:
        raise _too_big(size=len(data))
    if not _decode_slots.acquire(timeout=BUSY_WAIT_S):
        raise InputError("image_busy")
    try:
        im = _open(data)
        try:
            gray, size = _small_gray(im, max_side)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_big() from None
        except (OSError, SyntaxError, ValueError, EOFError):  # truncated or corrupt data
            raise InputError("image_not_image") from None
        finally:
            im.close()
    finally:
        _decode_slots.release()
    if gray.ndim != 2 or gray.size == 0:
        raise InputError("image_empty")
    return np.clip(np.rint(gray), 0, 255), size


def image_to_grid(data: bytes, max_side: int = MAX_SIDE) -> np.ndarray:
    """Picture bytes -> float64 (rows, cols) grid of whole numbers 0-255 (grayscale brightness).

    The first frame is converted to brightness (ITU-R 601 luma; transparent pixels over white;
    16-bit pictures scaled to 0-255; the EXIF orientation honoured), then shrunk with area
    averaging so that its longer side is at most `max_side` cells, keeping the aspect ratio; a
    smaller picture keeps its size. Each cell is rounded to the nearest integer (halves to
    even). Large pictures are first reduced by whole blocks in 8 bits (and JPEGs decoded at a
    reduced scale), which can move a cell by one grey level from the exact block mean.

    Raises
    ------
    InputError
        ``image_empty`` for no bytes or no pixels, ``image_too_big`` for more than 5 MB or more
        than about 4 megapixels (MAX_IMAGE_PIXELS, decompression bombs included),
        ``image_not_image`` for anything Pillow cannot decode as PNG, JPEG, GIF, BMP or WebP,
        ``image_busy`` when the server is already decoding DECODE_SLOTS pictures and none
        finishes within BUSY_WAIT_S seconds.
    ValueError
        `max_side` below 1.
    """
    return load_image(data, max_side)[0]
