"""What every export writes: the arrays of one configuration and the spec in PyTorch's words.

Pure functions; no Streamlit import. Each export (`ui.exports.tables`, `ui.exports.torch_script`)
takes the input ``x`` of shape (H, W), the upstream gradient ``grad_output`` (dL/dy) of shape
(OH, OW), a `PoolSpec` and, where it helps, the Explorer's `ui.compute.Results` (any object with
``forward``, ``wins`` and ``grad_input``). When ``results`` is None every array is computed here
by pooling_core, which is the only place numbers come from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from pooling_core import AdaptiveSpec, PoolSpec, pool_backward, pool_forward, win_counts
from ui.i18n import t

if TYPE_CHECKING:
    from ui.compute import Results


@dataclass(frozen=True)
class ExportArrays:
    """Every array an export writes, all two-dimensional.

    Attributes
    ----------
    x : float64 (H, W)            the input
    output : float64 (OH, OW)     y = pool(x)
    win_counts : int64 (H, W)     the mask: how many windows send gradient to each input cell
    grad_output : float64 (OH, OW) dL/dy
    grad_input : float64 (H, W)   dL/dx under ``spec.ties``
    indices : int64 (OH, OW) or None   max mode: PyTorch's ``return_indices`` (r * W + c)
    divisor : int64 (OH, OW) or None   average mode: what each window's sum is divided by
    """

    x: np.ndarray
    output: np.ndarray
    win_counts: np.ndarray
    grad_output: np.ndarray
    grad_input: np.ndarray
    indices: np.ndarray | None
    divisor: np.ndarray | None


def as_2d(a: object, name: str) -> np.ndarray:
    """`a` as a float64 (H, W) array; ValueError naming `name` for any other shape."""
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim != 2 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty (H, W) array, got shape {arr.shape}")
    return arr


def export_arrays(
    x: np.ndarray, grad_output: np.ndarray, spec: PoolSpec, results: Results | None = None
) -> ExportArrays:
    """Collect the arrays of one configuration, from `results` or computed by pooling_core.

    Raises ValueError when `x` or `grad_output` is not a 2-D array, or (through pooling_core's
    `PoolingError`) when they do not fit `spec`.
    """
    xs = as_2d(x, "x")
    gy = as_2d(grad_output, "grad_output")
    if results is None:
        fwd = pool_forward(xs, spec)
        wins = win_counts(xs, spec)
        gx = pool_backward(xs, gy, spec)
    else:
        fwd, wins, gx = results.forward, results.wins, results.grad_input
    out = np.asarray(fwd.output, dtype=np.float64)
    if out.shape != gy.shape:
        raise ValueError(f"grad_output must have the output's shape {out.shape}, got {gy.shape}")
    return ExportArrays(
        x=xs,
        output=out,
        win_counts=np.asarray(wins, dtype=np.int64),
        grad_output=gy,
        grad_input=np.asarray(gx, dtype=np.float64),
        indices=None if fwd.indices is None else np.asarray(fwd.indices, dtype=np.int64),
        divisor=None if fwd.divisor is None else np.asarray(fwd.divisor, dtype=np.int64),
    )


# --------------------------------------------------------------------------- the spec
def torch_function(spec: PoolSpec | AdaptiveSpec) -> str:
    """``"max_pool2d"``, ``"avg_pool2d"``, ``"adaptive_max_pool2d"`` or
    ``"adaptive_avg_pool2d"`` (in ``torch.nn.functional``)."""
    name = "max_pool2d" if spec.mode == "max" else "avg_pool2d"
    return f"adaptive_{name}" if isinstance(spec, AdaptiveSpec) else name


def torch_padding(spec: PoolSpec) -> tuple[int, int] | None:
    """The spec's padding as PyTorch's (ph, pw), or None when PyTorch has no such padding
    ('same', 'same_lower' or different sides: the script pads by hand)."""
    if spec.padding_kind in ("symmetric", "valid"):
        return spec.p
    return None


def torch_padding_missing(spec: PoolSpec | AdaptiveSpec) -> bool:
    """True for a padding PyTorch's pooling has not ('same', 'same_lower', per side)."""
    return isinstance(spec, PoolSpec) and torch_padding(spec) is None


def torch_kwargs(spec: PoolSpec | AdaptiveSpec) -> dict[str, Any]:
    """The spec as the keyword arguments of the PyTorch function, in PyTorch's order (a
    padding PyTorch has not: the pads by side, as a comment's words, under "padding")."""
    if isinstance(spec, AdaptiveSpec):
        return {"output_size": spec.out}
    pad = torch_padding(spec)
    kw: dict[str, Any] = {"kernel_size": spec.k, "stride": spec.s,
                          "padding": pad if pad is not None else spec.padding}
    if spec.mode == "max":
        kw["dilation"] = spec.d
        kw["ceil_mode"] = spec.ceil_mode
    else:
        kw["ceil_mode"] = spec.ceil_mode
        kw["count_include_pad"] = spec.count_include_pad
        kw["divisor_override"] = spec.divisor_override
    return kw


def torch_accepts(spec: PoolSpec | AdaptiveSpec) -> bool:
    """Whether PyTorch accepts the spec as it is: max_pool2d wants padding <= kernel_size // 2
    whatever the dilation (pooling_core allows up to half the dilated kernel), and PyTorch's
    padding is symmetric (no 'same')."""
    if isinstance(spec, AdaptiveSpec):
        return True
    pad = torch_padding(spec)
    if pad is None:
        return False
    return spec.mode == "avg" or all(p <= k // 2 for p, k in zip(pad, spec.k, strict=True))


def torch_call(spec: PoolSpec | AdaptiveSpec, arg: str = "x") -> str:
    """The PyTorch call as one line, e.g. ``F.max_pool2d(x, kernel_size=(2, 2), ...)``."""
    kw = ", ".join(f"{k}={v!r}" for k, v in torch_kwargs(spec).items())
    extra = ", return_indices=True" if spec.mode == "max" else ""
    return f"F.{torch_function(spec)}({arg}, {kw}{extra})"


def spec_note(spec: PoolSpec | AdaptiveSpec) -> str:
    """The call, and in max mode the tie policy: ``F.max_pool2d(...); ties = "first"``."""
    call = torch_call(spec)
    return f'{call}; ties = "{spec.ties}"' if spec.mode == "max" else call


# --------------------------------------------------------------------------- blocks
def blocks(a: ExportArrays, spec: PoolSpec, lang: str | None) -> list[tuple[str, str, np.ndarray]]:
    """(identifier, translated description, array) in the order of every export."""
    mask_key = "export.array.mask_max" if spec.mode == "max" else "export.array.mask_avg"
    out = [
        ("x", t("export.array.x", lang=lang), a.x),
        ("y", t("export.array.y", lang=lang), a.output),
        ("mask", t(mask_key, lang=lang, ties=spec.ties), a.win_counts),
        ("dL/dy", t("export.array.grad_output", lang=lang), a.grad_output),
        ("dL/dx", t("export.array.grad_input", lang=lang, ties=spec.ties)
         if spec.mode == "max" else t("export.array.grad_input_avg", lang=lang), a.grad_input),
    ]
    if a.indices is not None:
        out.append(("indices", t("export.array.indices", lang=lang), a.indices))
    if a.divisor is not None:
        out.append(("divisor", t("export.array.divisor", lang=lang), a.divisor))
    return out


_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def file_stem(spec: PoolSpec) -> str:
    """A file-name stem naming the configuration, e.g. ``pooling_max_k2x2_s2x2``."""
    if isinstance(spec, AdaptiveSpec):
        stem = f"pooling_adaptive_{spec.mode}_o{spec.out[0]}x{spec.out[1]}"
    else:
        stem = f"pooling_{spec.mode}_k{spec.k[0]}x{spec.k[1]}_s{spec.s[0]}x{spec.s[1]}"
        if spec.padding_kind != "symmetric":
            stem += f"_{spec.padding_kind}"
    return _SAFE_NAME.sub("_", stem)
