"""Adaptive/global pooling, max unpooling and the padding forms against the frameworks
(issue 16): committed fixtures made by PyTorch, JAX and ONNX Runtime (run without them), and
live comparisons when those packages are importable.

Max pooling and unpooling select values, so they are compared bit for bit (float32 and
float64). Averages are sums, whose rounding depends on the order: compared to 1e-12
relative in float64 (1e-5 in float32), relative to the size of the summed terms
(`exact_compare.assert_avg_close`). PyTorch's adaptive average kernel sums a bin row-major
from 0 and divides by kh then kw, as pooling_core does, so those agree exactly too — except
global average pooling, which PyTorch computes with `mean`.

Generators: tests/fixtures/generate_torch_adaptive_unpool.py, generate_jax_fixtures.py,
generate_onnx_fixtures.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from exact_compare import assert_avg_close, assert_exact
from loop_reference import (
    loop_adaptive_pool,
    loop_max_unpool,
    loop_max_unpool_backward,
    loop_pool_backward,
    loop_pool_forward,
    spec_problem,
)

from pooling_core import (
    AdaptiveSpec,
    PoolSpec,
    max_unpool,
    max_unpool_backward,
    pool_backward,
    pool_forward,
)

pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _load(name: str) -> tuple[dict, dict[str, np.ndarray]]:
    with np.load(FIXTURES / name, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    return json.loads(str(arrays.pop("index"))), arrays


TORCH_META, TORCH = _load("torch_adaptive_unpool.npz")
JAX_META, JAX = _load("jax_padding.npz")
ONNX_META, ONNX = _load("onnx_auto_pad.npz")
TORCH_CASES = {c["name"]: c for c in TORCH_META["cases"]}
JAX_CASES = {c["name"]: c["params"] for c in JAX_META["cases"]}
ONNX_CASES = {c["name"]: c["params"] for c in ONNX_META["cases"]}


def _scale(a: np.ndarray) -> float:
    finite = np.abs(a[np.isfinite(a)])
    return float(finite.max(initial=0.0))


def _padding(value):
    """A JSON padding (lists) as PoolSpec takes it."""
    if isinstance(value, list) and isinstance(value[0], list):
        return tuple(tuple(v) for v in value)
    return tuple(value) if isinstance(value, list) else value


def _pool_spec(params: dict) -> PoolSpec:
    kw = {k: _padding(v) for k, v in params.items()}
    return PoolSpec(**kw)


def _check_avg_or_exact(mode, actual, expected, scale, what):
    if mode == "max":
        assert_exact(actual, expected, what)
    else:
        assert_avg_close(actual, expected, scale, what)


# --------------------------------------------------------------------------- PyTorch fixtures
def test_torch_fixture_covers_the_issue():
    names = set(TORCH_CASES)
    for must in ("adaptive_avg_7to3", "adaptive_max_7to3", "adaptive_max_3x3to2x2_ties",
                 "global_avg_5x6", "global_max_plateau", "adaptive_max_larger_3to5",
                 "adaptive_max_nan_inf", "unpool_k2_default", "unpool_k2_explicit_5x5",
                 "unpool_k3_s1_duplicates"):
        assert {f"{must}_f64", f"{must}_f32"} <= names, must
    kinds = [c["kind"] for c in TORCH_CASES.values()]
    assert kinds.count("adaptive") >= 100 and kinds.count("unpool") >= 50
    assert any(c["params"].get("output_size") for c in TORCH_CASES.values()
               if c["kind"] == "unpool")


@pytest.mark.parametrize("name", sorted(TORCH_CASES))
def test_torch_fixture(name):
    case = TORCH_CASES[name]
    p = case["params"]
    get = lambda key: TORCH[f"{name}__{key}"]  # noqa: E731
    if case["kind"] == "adaptive":
        spec = AdaptiveSpec(tuple(p["output_size"]), mode=p["mode"])
        x, g = get("x"), get("grad_output")
        fwd = pool_forward(x, spec)
        _check_avg_or_exact(p["mode"], fwd.output, get("output"), _scale(x), "output")
        if p["mode"] == "max":
            assert_exact(fwd.indices, get("indices"), "indices")
        _check_avg_or_exact(p["mode"], pool_backward(x, g, spec), get("grad_input"),
                            _scale(g), "grad_input")
    else:
        spec = PoolSpec(tuple(p["kernel_size"]), tuple(p["stride"]), tuple(p["padding"]))
        out = max_unpool(get("y"), get("indices"), spec, p.get("output_size"))
        assert_exact(out, get("output"), "unpool")
        assert_exact(max_unpool_backward(get("grad_output"), get("indices")),
                     get("grad_input"), "unpool backward")


@pytest.mark.parametrize("name", sorted(TORCH_CASES))
def test_torch_fixture_loop_reference(name):
    """The loop reference agrees with PyTorch too (it is the oracle of the hypothesis tests)."""
    case = TORCH_CASES[name]
    p = case["params"]
    get = lambda key: TORCH[f"{name}__{key}"]  # noqa: E731
    if case["kind"] == "adaptive":
        x, g = get("x"), get("grad_output")
        out, idx, grad = loop_adaptive_pool(x, g, p["output_size"], p["mode"])
        _check_avg_or_exact(p["mode"], out, get("output"), _scale(x), "output")
        if p["mode"] == "max":
            assert_exact(idx, get("indices"), "indices")
        _check_avg_or_exact(p["mode"], grad, get("grad_input"), _scale(g), "grad")
    else:
        H, W = get("output").shape[-2:]
        assert_exact(loop_max_unpool(get("y"), get("indices"), (H, W)), get("output"))
        assert_exact(loop_max_unpool_backward(get("grad_output"), get("indices")),
                     get("grad_input"))


def test_torch_fixture_hand_values():
    """Spot values worked out by hand (guard the file itself)."""
    # 7 -> 3: bins [0, 3), [2, 5), [4, 7) per axis; arange(49) 7x7: the mean of a 3x3 block
    # is its centre, rows/columns 1, 3, 5.
    np.testing.assert_array_equal(TORCH["adaptive_avg_7to3_f64__output"],
                                  [[8, 10, 12], [22, 24, 26], [36, 38, 40]])
    # 3x3 -> 2x2 on [[5,5,1],[5,9,9],[0,9,2]]: bins rows/cols [0, 2) and [1, 3), so all
    # four bins hold the centre (1, 1) = 9, the first 9 of each in row-major order (bins
    # (0, 1), (1, 0) and (1, 1) tie it with (1, 2), (2, 1) and both): index 1 * 3 + 1 = 4.
    np.testing.assert_array_equal(TORCH["adaptive_max_3x3to2x2_ties_f64__indices"],
                                  [[4, 4], [4, 4]])
    assert TORCH["unpool_k2_explicit_5x5_f64__output"].shape == (5, 5)
    assert TORCH["unpool_k2_default_f64__output"].shape == (4, 4)


# --------------------------------------------------------------------------- JAX fixtures
def test_jax_fixture_covers_the_forms():
    forms = {p["padding"] if isinstance(p["padding"], str) else "per side"
             for p in JAX_CASES.values()}
    assert forms == {"same", "same_lower", "valid", "per side"}
    assert sum(f"{n}__grad_input" in JAX for n in JAX_CASES) >= 60
    # JAX's split of TF's example: 5 wide, k 2, s 2 -> 1 padding cell, after the input.
    assert JAX["same_max_5x5_k2_s2_f64__pads"].tolist() == [[0, 1], [0, 1]]
    assert JAX["same_lower_max_5x5_k2_s2_f64__pads"].tolist() == [[1, 0], [1, 0]]


@pytest.mark.parametrize("name", sorted(JAX_CASES))
def test_jax_fixture(name):
    params = JAX_CASES[name]
    get = lambda key: JAX[f"{name}__{key}"]  # noqa: E731
    x, g = get("x"), get("grad_output")
    spec = _pool_spec(params)
    assert spec.pads(x.shape[-2:]) == tuple(tuple(v) for v in get("pads").tolist())
    _check_avg_or_exact(params["mode"], pool_forward(x, spec).output, get("output"),
                        _scale(x), "output")
    if f"{name}__grad_input" in JAX:
        _check_avg_or_exact(params["mode"], pool_backward(x, g, spec), get("grad_input"),
                            _scale(g), "grad_input")


@pytest.mark.parametrize("name", sorted(JAX_CASES))
def test_jax_fixture_loop_reference(name):
    params = JAX_CASES[name]
    get = lambda key: JAX[f"{name}__{key}"]  # noqa: E731
    x, g = get("x"), get("grad_output")
    kw = {k: _padding(v) for k, v in params.items()}
    out, _ = loop_pool_forward(x, **kw)
    _check_avg_or_exact(params["mode"], out, get("output"), _scale(x), "output")
    if f"{name}__grad_input" in JAX:
        _check_avg_or_exact(params["mode"], loop_pool_backward(x, g, **kw), get("grad_input"),
                            _scale(g), "grad")


# --------------------------------------------------------------------------- ONNX fixtures
def test_onnx_fixture_covers_the_forms():
    forms = {str(p["padding"]) for p in ONNX_CASES.values()}
    assert {"same", "same_lower"} <= forms and len(forms) > 3
    modes = {(p["mode"], p.get("count_include_pad")) for p in ONNX_CASES.values()}
    assert {("max", None), ("avg", True), ("avg", False)} <= modes
    # ONNX's SAME_UPPER on TF's example puts the extra column after, SAME_LOWER before.
    np.testing.assert_array_equal(ONNX["same_upper_max_5x5_k2_s2_f64__output"][0, 0],
                                  [[6, 8, 9], [16, 18, 19], [21, 23, 24]])
    np.testing.assert_array_equal(ONNX["same_lower_max_5x5_k2_s2_f64__output"][0, 0],
                                  [[0, 2, 4], [10, 12, 14], [20, 22, 24]])


@pytest.mark.parametrize("name", sorted(ONNX_CASES))
def test_onnx_fixture(name):
    params = ONNX_CASES[name]
    x = ONNX[f"{name}__x"]
    out = pool_forward(x, _pool_spec(params)).output
    _check_avg_or_exact(params["mode"], out, ONNX[f"{name}__output"], _scale(x), "output")


# --------------------------------------------------------------------------- live comparisons
def _random_adaptive(rng, n):
    mode = ("max", "avg")[n % 2]
    dtype = (np.float64, np.float32)[(n // 2) % 2]
    lead = [(1,), (2,), (1, 3)][n % 3]
    H, W = (int(v) for v in rng.integers(1, 12, 2))
    out = (int(rng.integers(1, 9)), int(rng.integers(1, 9)))
    if n % 3 == 0:
        x = rng.integers(-2, 3, lead + (H, W)).astype(dtype)
    else:
        x = (rng.standard_normal(lead + (H, W)) * 5).astype(dtype)
        x[rng.random(x.shape) < 0.05] = np.nan
    return mode, x, out


def test_live_torch_adaptive_and_unpool():
    torch = pytest.importorskip("torch")
    from torch.nn import functional

    rng = np.random.default_rng(1604)
    for n in range(100):
        mode, x, out_size = _random_adaptive(rng, n)
        t = torch.from_numpy(x).clone().requires_grad_(True)
        if mode == "max":
            y, idx = functional.adaptive_max_pool2d(t, out_size, return_indices=True)
        else:
            y, idx = functional.adaptive_avg_pool2d(t, out_size), None
        g = rng.standard_normal(tuple(y.shape)).astype(x.dtype)
        y.backward(torch.from_numpy(g))
        spec = AdaptiveSpec(out_size, mode=mode)
        fwd = pool_forward(x, spec)
        _check_avg_or_exact(mode, fwd.output, y.detach().numpy(), _scale(x), f"case {n}")
        if idx is not None:
            assert_exact(fwd.indices, idx.numpy().astype(np.int64), f"case {n} indices")
        _check_avg_or_exact(mode, pool_backward(x, g, spec), t.grad.numpy(), _scale(g),
                            f"case {n} grad")
    for n in range(60):
        k = [int(v) for v in rng.integers(1, 4, 2)]
        s = [int(v) for v in rng.integers(1, 4, 2)]
        p = [int(rng.integers(0, kk // 2 + 1)) for kk in k]
        H, W = (int(kk + rng.integers(0, 6)) for kk in k)
        x = rng.integers(-3, 4, (2, H, W)).astype(np.float64)
        with torch.no_grad():
            y, idx = functional.max_pool2d(torch.from_numpy(x), k, s, p, return_indices=True)
        yy = y.clone().requires_grad_(True)
        unpooled = functional.max_unpool2d(yy, idx, k, s, p, output_size=[H, W])
        g = rng.standard_normal(tuple(unpooled.shape))
        unpooled.backward(torch.from_numpy(g))
        spec = PoolSpec(tuple(k), tuple(s), tuple(p))
        ours = max_unpool(y.numpy(), idx.numpy(), spec, (H, W))
        assert_exact(ours, unpooled.detach().numpy(), f"unpool {n}")
        assert_exact(max_unpool_backward(g, idx.numpy()), yy.grad.numpy(), f"unpool grad {n}")


def _random_padded(rng, n):
    """A (mode, x, PoolSpec kwargs) with 'same', 'same_lower' or per-side padding."""
    while True:
        mode = ("max", "avg")[n % 2]
        form = ("same", "same_lower", "side")[(n // 2) % 3]
        H, W = (int(v) for v in rng.integers(1, 10, 2))
        k = tuple(int(v) for v in rng.integers(1, 5, 2))
        params = {"mode": mode, "kernel_size": k,
                  "stride": tuple(int(v) for v in rng.integers(1, 4, 2))}
        if mode == "avg":
            params["count_include_pad"] = bool(rng.integers(2))
        params["padding"] = form if form != "side" else tuple(
            tuple(int(rng.integers(0, kk)) for _ in range(2)) for kk in k)
        if spec_problem((H, W), **params) is None:
            x = rng.integers(-3, 4, (2, H, W)).astype(np.float64) + rng.random((2, H, W))
            return mode, x, params


def test_live_jax_padding():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    from jax import lax

    rng = np.random.default_rng(1605)
    for n in range(8):  # JAX compiles every shape (~1.7 s a case); 118 committed cases cover more
        mode, x, params = _random_padded(rng, n)
        spec = PoolSpec(**params)
        k, s = params["kernel_size"], params["stride"]
        pads = params["padding"]
        if isinstance(pads, str):
            pads = lax.padtype_to_pads(x.shape[-2:], k, s, pads.upper())
        full = [(0, 0)] + [tuple(p) for p in pads]

        def f(v, mode=mode, k=k, s=s, full=full, params=params):
            if mode == "max":
                return lax.reduce_window(v, -np.inf, lax.max, (1,) + k, (1,) + s, full)
            total = lax.reduce_window(v, 0.0, lax.add, (1,) + k, (1,) + s, full)
            if params["count_include_pad"]:
                return total / (k[0] * k[1])
            ones = np.ones(v.shape)
            return total / lax.reduce_window(ones, 0.0, lax.add, (1,) + k, (1,) + s, full)

        y, vjp = jax.vjp(f, x)
        g = rng.integers(-4, 5, y.shape) / 4
        (grad,) = vjp(g)
        _check_avg_or_exact(mode, pool_forward(x, spec).output, np.asarray(y), _scale(x),
                            f"case {n} {params}")
        _check_avg_or_exact(mode, pool_backward(x, g, spec), np.asarray(grad), _scale(g),
                            f"case {n} grad {params}")


def test_live_onnxruntime_auto_pad():
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    rng = np.random.default_rng(1606)
    options = ort.SessionOptions()
    options.log_severity_level = 3
    for n in range(60):
        mode, x, params = _random_padded(rng, n)
        if isinstance(params["padding"], str) and any(
                (-(-m // s) - 1) * s + k - m < 0
                for m, s, k in zip(x.shape[-2:], params["stride"], params["kernel_size"],
                                   strict=True)):
            continue  # a negative total padding: ONNX Runtime does not clamp it at 0
        x4 = x[None].astype(np.float32)
        attrs = {"kernel_shape": list(params["kernel_size"]), "strides": list(params["stride"])}
        if isinstance(params["padding"], str):
            attrs["auto_pad"] = {"same": "SAME_UPPER", "same_lower": "SAME_LOWER"}[
                params["padding"]]
        else:
            (t, b), (left, r) = params["padding"]
            attrs["pads"] = [t, left, b, r]
        if mode == "avg":
            attrs["count_include_pad"] = int(params["count_include_pad"])
        node = helper.make_node("MaxPool" if mode == "max" else "AveragePool", ["x"], ["y"],
                                **attrs)
        graph = helper.make_graph(
            [node], "pool",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x4.shape))],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None] * 4)])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
        model.ir_version = 9
        session = ort.InferenceSession(model.SerializeToString(), options,
                                       providers=["CPUExecutionProvider"])
        y = session.run(None, {"x": x4})[0]
        _check_avg_or_exact(mode, pool_forward(x4, PoolSpec(**params)).output, y, _scale(x4),
                            f"case {n} {params}")
