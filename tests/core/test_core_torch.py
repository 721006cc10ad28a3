"""pooling_core against PyTorch CPU, bit for bit.

(a) Golden cases in fixtures/torch_pooling.npz (made by fixtures/generate_torch_fixtures.py
    with PyTorch): run without torch.
(b) A live, seeded, randomized comparison with torch when it is importable.

Only configurations PyTorch accepts are compared (padding <= kernel // 2, no dilation in
average pooling, every window holding a real cell); PyTorch's tie rule is ties="first".

Why bit-for-bit holds even for average pooling of arbitrary floats (a sum, whose rounding
depends on its order): no BLAS and no order-dependent reduction is involved on either side.
PyTorch's CPU avg_pool2d kernel sums each window with a plain scalar loop over its real
cells, row-major, from 0, then divides once by the divisor; its backward adds
grad_output / divisor into dL/dx one output cell at a time, row-major (its threads split
planes or output cells, and its channels-last variant vectorises across channels, never
inside one sum). pooling_core does the same IEEE operations in the same order: it adds the
kernel's taps one by one, row-major, elementwise (a padding tap adds +0.0, which changes
nothing: a sum that starts at +0.0 is never -0.0), and scatters the taps in reverse order,
which is row-major output order for every input cell (see pooling_core/pooling.py). Max
pooling selects values; its backward adds into each winner in row-major output order on
both sides (np.add.at). So these tests depend on PyTorch's kernels keeping that order, not
on the CPU or BLAS: they pass under any OPENBLAS_CORETYPE, thread count or
ATEN_CPU_CAPABILITY. The dense and convolution layers of tests/core/test_upstream.py do go
through BLAS and are compared with a tolerance (or on exactly summable inputs).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from exact_compare import assert_exact
from loop_reference import (
    loop_avg_pool_forward_backward,
    loop_max_pool_forward_backward,
    loop_pool_backward,
    loop_pool_forward,
    spec_problem,
)

from pooling_core import PoolSpec, pool_backward, pool_forward

# pooling_core warns about inf - inf = NaN in average pooling; that NaN is the expected value.
pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "torch_pooling.npz"


def _load_golden() -> tuple[dict, dict[str, np.ndarray]]:
    with np.load(FIXTURES, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    meta = json.loads(str(arrays.pop("index")))
    return meta, arrays


GOLDEN_META, GOLDEN = _load_golden()
CASES = {case["name"]: case["params"] for case in GOLDEN_META["cases"]}


def _pair(v) -> tuple[int, int]:
    return (int(v[0]), int(v[1])) if isinstance(v, (tuple, list)) else (int(v), int(v))


def _spec_kwargs(params: dict) -> dict:
    """JSON parameters (pairs stored as lists) as keyword arguments for PoolSpec."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}


# --------------------------------------------------------------------------- (a) golden cases
def test_golden_file_is_substantial():
    names = list(CASES)
    assert len(names) >= 100
    modes = {CASES[n]["mode"] for n in names}
    assert modes == {"max", "avg"}
    dtypes = {GOLDEN[f"{n}__x"].dtype for n in names}
    assert dtypes == {np.dtype(np.float32), np.dtype(np.float64)}
    assert any(np.isnan(GOLDEN[f"{n}__x"]).any() for n in names)
    assert any(np.isinf(GOLDEN[f"{n}__x"]).any() for n in names)
    assert any(CASES[n].get("divisor_override") for n in names)
    assert any(CASES[n].get("count_include_pad") is False for n in names)
    assert any(CASES[n].get("ceil_mode") for n in names)
    assert any(max(_pair(CASES[n].get("dilation", 1))) > 1 for n in names)
    assert any(max(_pair(CASES[n].get("padding", 0))) > 0 for n in names)
    assert {GOLDEN[f"{n}__x"].ndim for n in names} == {2, 3, 4}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_case(name):
    params = CASES[name]
    x = GOLDEN[f"{name}__x"]
    g = GOLDEN[f"{name}__grad_output"]
    spec = PoolSpec(**_spec_kwargs(params))
    fwd = pool_forward(x, spec)
    assert_exact(fwd.output, GOLDEN[f"{name}__output"], "output")
    if params["mode"] == "max":
        assert_exact(fwd.indices, GOLDEN[f"{name}__indices"], "indices")
    else:
        assert fwd.indices is None
    assert_exact(pool_backward(x, g, spec), GOLDEN[f"{name}__grad_input"], "grad_input")


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_case_loop_reference(name):
    """The loop reference itself agrees with PyTorch (it is the oracle of the other tests),
    through its general functions and its course-style entry points."""
    params = CASES[name]
    x = GOLDEN[f"{name}__x"]
    g = GOLDEN[f"{name}__grad_output"]
    out, idx = loop_pool_forward(x, **params)
    assert_exact(out, GOLDEN[f"{name}__output"], "output")
    if params["mode"] == "max":
        assert_exact(idx, GOLDEN[f"{name}__indices"], "indices")
    assert_exact(loop_pool_backward(x, g, **params), GOLDEN[f"{name}__grad_input"], "grad")
    geometry = dict(
        kernel=params["kernel_size"], stride=params.get("stride"),
        padding=params.get("padding", 0), ceil_mode=params.get("ceil_mode", False),
    )
    if params["mode"] == "max":
        out, idx, grad = loop_max_pool_forward_backward(
            x, g, dilation=params.get("dilation", 1), **geometry
        )
        assert_exact(idx, GOLDEN[f"{name}__indices"], "indices")
    else:
        out, grad = loop_avg_pool_forward_backward(
            x, g, count_include_pad=params.get("count_include_pad", True),
            divisor_override=params.get("divisor_override"), **geometry,
        )
    assert_exact(out, GOLDEN[f"{name}__output"], "output")
    assert_exact(grad, GOLDEN[f"{name}__grad_input"], "grad_input")


def test_golden_hand_values():
    """Spot values of the golden file worked out by hand (guards the file itself)."""
    out = GOLDEN["avg_arange7_k2_s3_ceil_f64__output"]
    np.testing.assert_array_equal(out, [[4, 7, 9.5], [25, 28, 30.5], [42.5, 45.5, 48]])
    # 5x5, k=2, s=2, p=1, ceil: ceil(5/2) + 1 = 4 windows, the last would start in the
    # right padding ((4 - 1) * 2 = 6 >= 5 + 1), so 3.
    assert GOLDEN["max_arange5_k2_s2_p1_ceil_drop_f64__output"].shape == (3, 3)
    # The course example: the 9 at (2, 2) is the maximum of windows (0, 0) and (0, 1).
    idx = GOLDEN["max_course_6x6_k3_s1_f64__indices"]
    assert idx[0, 0] == idx[0, 1] == 2 * 6 + 2


# --------------------------------------------------------------------------- (b) live torch
LIVE_CHUNKS = 8
LIVE_PER_CHUNK = 50


def _random_config(rng: np.random.Generator) -> tuple[tuple[int, ...], dict]:
    """A random (shape, params) PyTorch accepts."""
    while True:
        mode = "max" if rng.random() < 0.55 else "avg"
        lead = [(1,), (2,), (3,), (1, 1), (2, 3), (3, 2), ()][int(rng.integers(7))]
        H, W = (int(v) for v in rng.integers(1, 10, 2))
        k = tuple(int(v) for v in rng.integers(1, 6, 2))
        params = {
            "mode": mode,
            "kernel_size": k if k[0] != k[1] or rng.random() < 0.5 else k[0],
            "stride": None if rng.random() < 0.2 else tuple(int(v) for v in rng.integers(1, 5, 2)),
            "padding": tuple(int(rng.integers(0, kk // 2 + 1)) for kk in k),
            "ceil_mode": bool(rng.integers(2)),
        }
        if mode == "max":
            params["dilation"] = tuple(int(v) for v in rng.integers(1, 4, 2))
        else:
            params["count_include_pad"] = bool(rng.integers(2))
            params["divisor_override"] = None if rng.random() < 0.75 else int(rng.integers(1, 10))
        if spec_problem((H, W), **params) is None:
            return lead + (H, W), params


def _random_values(rng: np.random.Generator, shape: tuple[int, ...], dtype) -> np.ndarray:
    kind = int(rng.integers(4))
    if kind == 0:  # small integers: many ties
        return rng.integers(-2, 3, shape).astype(dtype)
    if kind == 1:
        return (rng.standard_normal(shape) * 100).astype(dtype)
    if kind == 2:  # awkward magnitudes: float32 sums round differently by order
        return (rng.standard_normal(shape) * 10.0 ** rng.integers(-8, 9, shape)).astype(dtype)
    x = rng.standard_normal(shape).astype(dtype)
    u = rng.random(shape)
    x[u < 0.1] = np.nan
    x[(u >= 0.1) & (u < 0.2)] = np.inf
    x[(u >= 0.2) & (u < 0.3)] = -np.inf
    x[(u >= 0.3) & (u < 0.35)] = -0.0
    return x


def _torch_pool(torch, x: np.ndarray, g: np.ndarray, params: dict):
    """(output, indices or None, grad_input) from PyTorch; 2-D inputs get a channel axis."""
    functional = torch.nn.functional
    squeeze = x.ndim == 2
    t = torch.from_numpy(x[None] if squeeze else x).clone().requires_grad_(True)
    k = _pair(params["kernel_size"])
    s = k if params["stride"] is None else _pair(params["stride"])
    p = _pair(params["padding"])
    if params["mode"] == "max":
        out, idx = functional.max_pool2d(
            t, k, s, p, _pair(params["dilation"]), params["ceil_mode"], return_indices=True
        )
        idx = idx.numpy()
    else:
        out = functional.avg_pool2d(
            t, k, s, p, params["ceil_mode"], params["count_include_pad"],
            params["divisor_override"],
        )
        idx = None
    out.backward(torch.from_numpy(g[None] if squeeze else g))
    out_np, grad = out.detach().numpy(), t.grad.numpy()
    if squeeze:
        out_np, grad = out_np[0], grad[0]
        idx = None if idx is None else idx[0]
    return out_np, idx, grad


@pytest.mark.parametrize("chunk", range(LIVE_CHUNKS))
def test_live_randomized_against_torch(chunk):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1000 + chunk)
    for case in range(LIVE_PER_CHUNK):
        shape, params = _random_config(rng)
        dtype = (np.float32, np.float64)[case % 2]
        x = _random_values(rng, shape, dtype)
        spec = PoolSpec(**params)
        fwd = pool_forward(x, spec)
        g = (rng.standard_normal(fwd.output.shape) * 3).astype(dtype)
        if rng.random() < 0.3:
            g = rng.integers(-3, 4, fwd.output.shape).astype(dtype)
        t_out, t_idx, t_grad = _torch_pool(torch, x, g, params)
        where = f"chunk {chunk} case {case}: shape {shape} {np.dtype(dtype)} {params}"
        assert_exact(fwd.output, t_out, f"output, {where}")
        if params["mode"] == "max":
            assert_exact(fwd.indices, t_idx, f"indices, {where}")
        else:
            assert fwd.indices is None
        assert_exact(pool_backward(x, g, spec), t_grad, f"grad_input, {where}")


def test_live_ceil_drop_rule_against_torch():
    """The ceil_mode drop rule, across sizes, against torch's own output shapes."""
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    from pooling_core import output_size

    for n in range(1, 12):
        for k in range(1, 5):
            for s in range(1, 5):
                for p in range(0, k // 2 + 1):
                    for ceil in (False, True):
                        if spec_problem((n, n), kernel_size=k, stride=s, padding=p, ceil_mode=ceil):
                            continue
                        t = torch.zeros(1, 1, n, n)
                        shape = tuple(functional.max_pool2d(t, k, s, p, 1, ceil).shape[-2:])
                        spec = PoolSpec(k, s, p, ceil_mode=ceil)
                        sizes = output_size((n, n), spec)
                        assert (sizes[0].size, sizes[1].size) == shape, (n, k, s, p, ceil)


@pytest.mark.parametrize(
    "shape, params",
    [
        ((8, 300, 9, 9), dict(mode="max", kernel_size=3, stride=2, padding=1, dilation=1,
                              ceil_mode=True)),
        ((2, 16, 64, 48), dict(mode="max", kernel_size=(3, 2), stride=(2, 1), padding=(1, 0),
                               dilation=(1, 2), ceil_mode=False)),
        ((1, 3, 97, 83), dict(mode="max", kernel_size=5, stride=3, padding=2, dilation=2,
                              ceil_mode=True)),
        ((8, 300, 9, 9), dict(mode="avg", kernel_size=3, stride=2, padding=1, ceil_mode=True,
                              count_include_pad=True, divisor_override=None)),
        ((2, 16, 64, 48), dict(mode="avg", kernel_size=(4, 3), stride=(3, 2), padding=(2, 1),
                               ceil_mode=True, count_include_pad=False, divisor_override=None)),
        ((64, 33, 33), dict(mode="avg", kernel_size=2, stride=None, padding=0, ceil_mode=True,
                            count_include_pad=True, divisor_override=3)),
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_live_large_inputs_against_torch(shape, params, dtype):
    """Large batches and planes (an implementation may work on blocks of planes)."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(sum(shape))
    x = rng.integers(-20, 21, shape).astype(dtype)
    frac = rng.random(shape) < 0.3  # the rest stays integer: many exact ties
    x[frac] += rng.standard_normal(int(frac.sum())).astype(dtype)
    x[rng.random(shape) < 0.01] = np.nan
    spec = PoolSpec(**params)
    fwd = pool_forward(x, spec)
    g = rng.standard_normal(fwd.output.shape).astype(dtype)
    t_out, t_idx, t_grad = _torch_pool(torch, x, g, {"dilation": 1, **params})
    assert_exact(fwd.output, t_out, "output")
    if params["mode"] == "max":
        assert_exact(fwd.indices, t_idx, "indices")
    assert_exact(pool_backward(x, g, spec), t_grad, "grad_input")
