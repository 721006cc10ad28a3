"""Input validation: the one home of every check on arrays given to pooling_core.

Each check returns the array in the form the computation needs, or raises `PoolingError`
(a ValueError) with a code, a plain English message that names the argument, and the numbers
(see `pooling_core.errors`). The checks of a layer's parameters live with the parameters:
`PoolSpec.__post_init__` (pooling) and `output_size` (a window that fits the input).
"""

from __future__ import annotations

import numbers

import numpy as np

from .errors import PoolingError


def is_int(value: object) -> bool:
    """A whole number (Python or NumPy integer), not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


# --------------------------------------------------------------------------- pooling's arrays
def real_array(obj: object, name: str, code: str) -> np.ndarray:
    """`obj` as a NumPy array of real numbers (bool, int, uint or float dtype).

    An object array must hold only real numbers (None, strings and complex are refused, not
    silently converted); ragged nested lists are refused. Raises `PoolingError(code)`.
    """
    try:
        arr = np.asarray(obj)
    except (ValueError, TypeError) as exc:  # ragged nested lists
        raise PoolingError(
            code, f"{name} must be a rectangular array of numbers ({exc})", name=name
        ) from None
    if arr.dtype.kind == "O":
        bad = [v for v in arr.ravel().tolist() if not isinstance(v, numbers.Real)]
        if bad:
            raise PoolingError(
                code, f"{name} must hold only real numbers, found {bad[0]!r}",
                name=name, value=repr(bad[0]),
            )
        arr = arr.astype(np.float64)
    if arr.dtype.kind not in "fiub":
        raise PoolingError(
            code, f"{name} must hold real numbers, got data of type {arr.dtype}",
            name=name, value=str(arr.dtype),
        )
    return arr


def as_input(x: object) -> np.ndarray:
    """Validate `x` and return it as a float array of shape (H, W), (C, H, W) or (N, C, H, W).

    float32 stays float32, float64 stays float64, integers, booleans and other floats become
    float64. Raises `PoolingError` for non-numeric data, a wrong number of axes or an empty array.
    """
    arr = real_array(x, "x", "non_numeric")
    if arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float64)
    if arr.ndim not in (2, 3, 4):
        raise PoolingError(
            "wrong_ndim",
            f"x must have 2, 3 or 4 axes ((H, W), (C, H, W) or (N, C, H, W)), got {arr.ndim} "
            f"with shape {arr.shape}",
            name="x", value=arr.ndim, shape=str(arr.shape),
        )
    if arr.size == 0:
        raise PoolingError(
            "empty_input", f"x must not be empty, got shape {arr.shape}",
            name="x", shape=str(arr.shape),
        )
    return arr


def check_grad_output(
    grad_output: object, out_shape: tuple[int, ...], dtype: np.dtype
) -> np.ndarray:
    """Validate dL/dy: real numbers, exactly the output's shape; returned in `dtype`."""
    arr = real_array(grad_output, "grad_output", "grad_non_numeric")
    if arr.shape != tuple(out_shape):
        raise PoolingError(
            "grad_shape",
            f"grad_output must have the output's shape {tuple(out_shape)}, got {arr.shape}",
            name="grad_output", expected=str(tuple(out_shape)), value=str(arr.shape),
        )
    return arr.astype(dtype, copy=False)


# Words of the index errors, by who checks the indices: (error code prefix, whose shape they
# must have, the plane they point into).
_INDEX_USES = {
    "backward": ("backward", "the output's shape", "its input plane"),
    "unpool": ("unpool", "the pooled values' shape", "the unpooled plane"),
}


def check_indices(indices: object, shape: tuple[int, ...], plane_size: int,
                  use: str = "backward") -> np.ndarray:
    """Validate flat indices r * W + c into planes of `plane_size` cells: whole numbers, exactly
    `shape`, each in 0..plane_size - 1; returned as int64 (not copied when int64 already).

    use: "backward" (the forward's indices given to `pool_backward`; codes
    ``backward_indices_not_int``, ``backward_indices_shape``, ``backward_index_out_of_range``)
    or "unpool" (max unpooling's indices; the same codes with ``unpool_``). One reduction
    checks the range."""
    prefix, whose, plane = _INDEX_USES[use]
    arr = real_array(indices, "indices", f"{prefix}_indices_not_int")
    if arr.dtype.kind not in "iu":
        raise PoolingError(
            f"{prefix}_indices_not_int",
            f"indices must hold whole numbers (flat indices r·W + c), got data of type "
            f"{arr.dtype}", name="indices", value=str(arr.dtype),
        )
    if arr.shape != tuple(shape):
        raise PoolingError(
            f"{prefix}_indices_shape",
            f"indices must have {whose} {tuple(shape)}, got {arr.shape}",
            name="indices", expected=str(tuple(shape)), value=str(arr.shape),
        )
    arr = arr.astype(np.int64, copy=False)
    if arr.size and arr.view(np.uint64).max() >= plane_size:  # a negative one is >= 2**63
        pos = tuple(int(v) for v in np.argwhere((arr < 0) | (arr >= plane_size))[0])
        raise PoolingError(
            f"{prefix}_index_out_of_range",
            f"indices{list(pos)} = {arr[pos]} is outside {plane} of {plane_size} cells "
            f"(0 to {plane_size - 1})",
            name="indices", value=int(arr[pos]), cell=str(pos), minimum=0,
            maximum=plane_size - 1,
        )
    return arr


# --------------------------------------------------------------------------- next-layer arrays
def finite_array(name: str, value: object, ndim: int, what: str) -> np.ndarray:
    """`value` as a float64 array with `ndim` axes of finite numbers, not empty.

    `what` describes the expected shape in messages, e.g. "(m, n)".
    """
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError):  # ragged nested lists
        raise PoolingError(
            "upstream_non_numeric", f"{name} must be a rectangular array of numbers",
            name=name,
        ) from None
    if arr.dtype.kind == "O":
        bad = next((v for v in arr.ravel().tolist() if not isinstance(v, numbers.Real)), None)
        if bad is not None:
            raise PoolingError(
                "upstream_non_numeric", f"{name} must hold only real numbers, found {bad!r}",
                name=name, value=repr(bad),
            )
    elif arr.dtype.kind not in "fiub":
        raise PoolingError(
            "upstream_non_numeric", f"{name} must hold real numbers, got data of type {arr.dtype}",
            name=name, value=str(arr.dtype),
        )
    arr = arr.astype(np.float64)
    if arr.ndim != ndim:
        raise PoolingError(
            "upstream_ndim",
            f"{name} must have {ndim} {'axis' if ndim == 1 else 'axes'} {what}, "
            f"got shape {arr.shape}",
            name=name, expected=what, value=str(arr.shape), ndim=ndim,
        )
    if arr.size == 0:
        raise PoolingError(
            "upstream_empty", f"{name} must not be empty, got shape {arr.shape}",
            name=name, value=str(arr.shape),
        )
    if not np.isfinite(arr).all():
        idx = tuple(int(v) for v in np.argwhere(~np.isfinite(arr))[0])
        raise PoolingError(
            "upstream_non_finite",
            f"{name} must hold finite numbers, found {arr[idx]} at {idx}",
            name=name, value=str(arr[idx]), cell=str(idx),
        )
    return arr


def check_shape(name: str, arr: np.ndarray, expected: tuple[int, ...], why: str) -> None:
    """Raise `PoolingError("upstream_shape")` unless `arr.shape == expected` (`why` says why)."""
    if arr.shape != expected:
        raise PoolingError(
            "upstream_shape",
            f"{name} must have shape {expected} ({why}), got {arr.shape}",
            name=name, expected=str(expected), value=str(arr.shape), why=why,
        )
