"""The runnable PyTorch script of one configuration: it rebuilds x and dL/dy as float64 tensors,
runs torch's pooling and backward, and prints y, the indices and dL/dx in the CSV's exact
number format, so a student can check our numbers against PyTorch.

Pure functions; no Streamlit import. The script's comments and printed notes go through `t` in
``lang`` (None: the session's language, English outside a running app). How the script gets
dL/dx under the tie policy is one small function per policy, looked up in `TIE_GRADIENT`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from pooling_core import (
    AdaptiveSpec,
    AxisSize,
    PoolSpec,
    last_window_end,
    output_size,
    unpool_output_size,
)
from ui.exports.arrays import (
    as_2d,
    spec_note,
    torch_accepts,
    torch_kwargs,
    torch_padding_missing,
)
from ui.exports.script_text import FMT_HELPER, SHOW_ROWS, comment, print_source, rows_source
from ui.i18n import t

SNIPPET_FILE = "pooling_torch.py"

_SNIPPET_HELPERS = '''\
import math

import torch
import torch.nn.functional as F

''' + FMT_HELPER + '''\
def show(name, tensor):
    rows = [[fmt(v) for v in row] for row in tensor.reshape(tensor.shape[-2:]).tolist()]
''' + SHOW_ROWS


def _tensor_source(name: str, arr: np.ndarray) -> list[str]:
    H, W = arr.shape
    return [f"{name} = torch.tensor([", *rows_source(arr),
            f"], dtype=torch.float64).reshape(1, 1, {H}, {W})"]


def _kw_lines(kw: dict[str, Any]) -> list[str]:
    return [f"    {k}={v!r}," for k, v in kw.items()]


@dataclass(frozen=True)
class _ExplicitPad:
    """Padding done by hand: F.pad(src, (left, right, top, bottom), value=-inf)[..., :L_h, :L_w]
    gives a plane on which pooling WITHOUT padding and with floor sizes has the same windows."""

    left: int
    right: int
    top: int
    bottom: int
    length: tuple[int, int]
    crop: bool

    def source(self, src: str) -> str:
        text = (f"F.pad({src}, ({self.left}, {self.right}, {self.top}, {self.bottom}), "
                f"value=-inf)")
        if self.crop:
            text += f"[..., :{self.length[0]}, :{self.length[1]}]"
        return text


def _explicit_pad(sizes: tuple[AxisSize, AxisSize]) -> _ExplicitPad:
    """The hand padding for the output sizes `sizes` (pooling_core.output_size's axes): the
    windows span the padded axis up to where the last one ends (`last_window_end`)."""
    lengths, after, crop = [], [], False
    for axis in sizes:
        reach = last_window_end(axis)  # one past the last window's last tap, in x's indices
        lengths.append(reach + axis.p)  # the same, counted from the padded plane's start
        after.append(max(0, reach - axis.n))
        crop = crop or axis.n > reach
    return _ExplicitPad(sizes[1].p, after[1], sizes[0].p, after[0], (lengths[0], lengths[1]),
                        crop)


@dataclass(frozen=True)
class _Script:
    """What a tie policy's part of the script needs: the spec, the output size, the hand
    padding and the translated texts (``tr(key, **kw)`` = ``t("export.py." + key, ...)``)."""

    spec: PoolSpec
    out_hw: tuple[int, int]
    pad: _ExplicitPad
    tr: Callable[..., str]
    input_hw: tuple[int, int] = (0, 0)


def _first_note(s: _Script) -> list[str]:
    """Comment and print: max_pool2d's gradient follows "first"; then that gradient."""
    note = s.tr("first_note", ties=s.spec.ties)
    return ["", *comment(note), *print_source(note), "print()",
            'show("dL/dx (ties=first)", x.grad)', ""]


def _builtin_gradient(s: _Script) -> list[str]:
    """first: max_pool2d's own gradient is the policy's."""
    return ['show("dL/dx", x.grad)']


def _amax_gradient(s: _Script) -> list[str]:
    """split: torch.amax over the windows cut out by F.unfold divides a tie's gradient."""
    spec, (oh, ow) = s.spec, s.out_hw
    return [
        *_first_note(s),
        *comment(s.tr("split_how")),
        *comment(s.tr("split_edge")),
        "x_split = x.detach().clone().requires_grad_(True)",
        f"windows = F.unfold(  # (1, {spec.k[0]} * {spec.k[1]}, {oh} * {ow}): "
        "one column per window",
        f"    {s.pad.source('x_split')},",
        *_kw_lines({"kernel_size": spec.k, "dilation": spec.d, "stride": spec.s}),
        ")",
        "y_split = torch.amax(windows, dim=1)  # the max of each window",
        "y_split.backward(grad_output.reshape(1, -1))",
        'show("dL/dx", x_split.grad)',
    ]


def _no_builtin_gradient(s: _Script) -> list[str]:
    """last, all: no built-in torch operation follows them; the script says so."""
    note = s.tr("no_builtin", ties=s.spec.ties)
    return [*_first_note(s), *comment(note), *print_source(note)]


# How the script gets dL/dx under each tie policy (pooling_core.TIE_POLICIES), after
# max_pool2d's forward and backward.
TIE_GRADIENT: Mapping[str, Callable[[_Script], list[str]]] = MappingProxyType({
    "first": _builtin_gradient,
    "last": _no_builtin_gradient,
    "split": _amax_gradient,
    "all": _no_builtin_gradient,
})


def _adaptive_pool(spec: AdaptiveSpec, tr: Callable[..., str]) -> list[str]:
    """adaptive_max_pool2d / adaptive_avg_pool2d, its backward and the printed arrays (max
    with ties other than "first": PyTorch's gradient, with the note that it is "first"'s)."""
    if spec.mode == "avg":
        return [f"y = F.adaptive_avg_pool2d(x, output_size={spec.out!r})",
                "y.backward(grad_output)", 'show("y", y)', 'show("dL/dx", x.grad)']
    return [f"y, indices = F.adaptive_max_pool2d(x, output_size={spec.out!r}, "
            "return_indices=True)",
            "y.backward(grad_output)", 'show("y", y)', 'show("indices", indices)',
            *ADAPTIVE_TIE_GRADIENT[spec.ties](spec, tr)]


def _adaptive_builtin(spec: AdaptiveSpec, tr: Callable[..., str]) -> list[str]:
    """first: adaptive_max_pool2d's own gradient is the policy's."""
    return ['show("dL/dx", x.grad)']


def _adaptive_other(spec: AdaptiveSpec, tr: Callable[..., str]) -> list[str]:
    """last, split, all: PyTorch's gradient, with the note that it follows "first"."""
    note = tr("no_builtin_adaptive", ties=spec.ties)
    return ["", *comment(note), *print_source(note), "print()",
            'show("dL/dx (ties=first)", x.grad)']


# How the script gets dL/dx of an adaptive max layer under each tie policy.
ADAPTIVE_TIE_GRADIENT: Mapping[str, Callable[[AdaptiveSpec, Callable[..., str]], list[str]]] = (
    MappingProxyType({"first": _adaptive_builtin, "last": _adaptive_other,
                      "split": _adaptive_other, "all": _adaptive_other}))


def _pad_note(s: _Script) -> list[str]:
    """Why the script pads by hand: PyTorch's pooling padding is one number per axis."""
    (top, bottom), (left, right) = s.spec.pads(s.input_hw)
    return comment(s.tr("same_pad", form=s.spec.padding_kind, top=top, bottom=bottom,
                         left=left, right=right))


def _avg_by_hand(s: _Script) -> list[str]:
    """Average pooling with a padding PyTorch has not: pad with zeros by hand, pool without
    padding, and divide as the spec says (all window cells, the real ones, or the override)."""
    spec, pad = s.spec, s.pad
    kh, kw = spec.k
    kw_ = _kw_lines({"kernel_size": spec.k, "stride": spec.s})
    zeros = pad.source("x").replace("value=-inf", "value=0.0")
    L = [*_pad_note(s), "sums = F.avg_pool2d(", f"    {zeros},", *kw_, f") * {kh * kw}"]
    if spec.divisor_override:
        L.append(f"y = sums / {spec.divisor_override}")
    elif spec.count_include_pad:
        L.append(f"y = sums / {kh * kw}")
    else:
        ones = pad.source("torch.ones_like(x.detach())").replace("value=-inf", "value=0.0")
        L += ["counts = F.avg_pool2d(", f"    {ones},", *kw_, f") * {kh * kw}",
              "y = sums / counts  # the real cells of each window"]
    return [*L, "y.backward(grad_output)", 'show("y", y)', 'show("dL/dx", x.grad)']


def _avg_pool(spec: PoolSpec) -> list[str]:
    """avg_pool2d, its backward and the printed y and dL/dx."""
    return ["y = F.avg_pool2d(", "    x,", *_kw_lines(torch_kwargs(spec)), ")",
            "y.backward(grad_output)", 'show("y", y)', 'show("dL/dx", x.grad)']


def _max_pool(s: _Script, width: int) -> list[str]:
    """max_pool2d with return_indices, its backward and the printed y and indices; a spec
    PyTorch refuses is padded by hand (indices mapped back to x, `width` W columns)."""
    spec, pad = s.spec, s.pad
    if torch_accepts(spec):
        L = ["y, indices = F.max_pool2d(", "    x,", *_kw_lines(torch_kwargs(spec)),
             "    return_indices=True,", ")"]
    else:
        why = (_pad_note(s) if torch_padding_missing(spec) else
               comment(s.tr("refused", kh2=spec.k[0] // 2, kw2=spec.k[1] // 2,
                             ph=spec.p[0], pw=spec.p[1])))
        L = [*why,
             *comment(s.tr("refused_how")),
             *comment(s.tr("refused_edge")),
             f"padded = {pad.source('x')}",
             "y, indices_padded = F.max_pool2d(", "    padded,",
             *_kw_lines({"kernel_size": spec.k, "stride": spec.s, "dilation": spec.d}),
             "    return_indices=True,", ")",
             f"indices = (indices_padded // {pad.length[1]} - {pad.top}) * {width} "
             f"+ (indices_padded % {pad.length[1]} - {pad.left})"]
    return [*L, "y.backward(grad_output)", 'show("y", y)', 'show("indices", indices)']


def pytorch_snippet(
    x: np.ndarray, grad_output: np.ndarray, spec: PoolSpec | AdaptiveSpec, *,
    lang: str | None = None,
    file_name: str = SNIPPET_FILE,
    unpool: tuple[int, int] | None = None,
) -> str:
    """A self-contained Python script reproducing the configuration with torch (float64).

    It builds ``x`` (requires_grad) and ``grad_output`` as (1, 1, H, W) tensors, runs
    ``F.max_pool2d(..., return_indices=True)`` or ``F.avg_pool2d(..., count_include_pad=...,
    divisor_override=...)``, calls ``y.backward(grad_output)`` and prints blocks::

        y =
          <rows>
        <empty line>

    named ``y``, ``indices`` (max mode), ``dL/dx``: numbers in the CSV's exact format.

    Max mode with ties other than "first": a comment and a printed note say that max_pool2d
    uses "first"; its gradient is printed as ``dL/dx (ties=first)``. For "split" the script
    then computes the Explorer's gradient with torch.amax over the windows cut out by F.unfold
    (input padded with -inf) and prints it as ``dL/dx``; for "last" and "all" it explains that no
    built-in operation follows them (no ``dL/dx`` block). A spec PyTorch refuses (max mode,
    padding > kernel_size // 2) is said so in a comment, and reproduced by padding with -inf
    by hand and pooling without padding (indices mapped back to x).
    """
    xs = as_2d(x, "x")
    gy = as_2d(grad_output, "grad_output")
    sizes = output_size(xs.shape, spec)
    out_hw = (sizes[0].size, sizes[1].size)
    if gy.shape != out_hw:
        raise ValueError(f"grad_output must have the output's shape {out_hw}, got {gy.shape}")
    H, W = xs.shape

    def tr(key: str, **kw: Any) -> str:
        return t(f"export.py.{key}", lang=lang, **kw)

    L: list[str] = []
    L += comment(tr("title"))
    L += comment(tr("run", file=file_name))
    L += comment(tr("format"))
    L.append("#")
    L += [f"# {spec_note(spec)}"]
    L += _SNIPPET_HELPERS.splitlines()
    L += ["", ""]
    L += comment(tr("x", h=H, w=W))
    L += _tensor_source("x", xs)
    L.append("x.requires_grad_(True)")
    L += comment(tr("grad_output", oh=out_hw[0], ow=out_hw[1]))
    L += _tensor_source("grad_output", gy)
    L.append("")
    if isinstance(spec, AdaptiveSpec):
        return "\n".join(L + _adaptive_pool(spec, tr)) + "\n"
    script = _Script(spec, out_hw, _explicit_pad(sizes), tr, (H, W))
    if spec.mode == "avg":
        body = _avg_by_hand(script) if torch_padding_missing(spec) else _avg_pool(spec)
        return "\n".join(L + body) + "\n"
    L += _max_pool(script, W)
    L += TIE_GRADIENT[spec.ties](script)
    if unpool is not None:
        L += _max_unpool(script, unpool)
    return "\n".join(L) + "\n"


def _max_unpool(s: _Script, size: tuple[int, int]) -> list[str]:
    """The round trip's F.max_unpool2d of y at its indices to `size` (H, W) and its
    backward, a gather, with dL/dout = the unpooled plane (as the Explorer shows)."""
    spec = s.spec
    (pt, _), (pl, _) = spec.pads()
    size = unpool_output_size(s.out_hw, spec, size)
    return ["", *comment(s.tr("unpool", h=size[0], w=size[1])),
            "y_pooled = y.detach().requires_grad_(True)",
            "unpooled = F.max_unpool2d(", "    y_pooled,", "    indices,",
            *_kw_lines({"kernel_size": spec.k, "stride": spec.s, "padding": (pt, pl),
                        "output_size": size}), ")",
            "unpooled.backward(unpooled.detach())",
            'show("unpooled", unpooled)', 'show("dL/dy (unpool)", y_pooled.grad)']
