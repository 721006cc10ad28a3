"""pooling_core.upstream: the next layer's backward pass that produces dL/dP.

Checked against hand-worked examples, central finite differences computed here (not with
pooling_core's own gradient check), naive loops, and PyTorch when it is importable.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from exact_compare import dot_terms, exact_in_any_order
from hypothesis import given, settings
from hypothesis import strategies as st

from pooling_core import (
    ACTIVATIONS,
    PoolingError,
    PoolSpec,
    activate,
    chain_to_input,
    conv_backward,
    conv_forward,
    conv_touching,
    dense_backward,
    dense_forward,
    pool_backward,
    pool_forward,
)

F = {
    "identity": lambda z: z,
    "relu": lambda z: np.maximum(z, 0.0),
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
}


# --------------------------------------------------------------------------- helpers
def numeric_grad(fun, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of the scalar fun at x, one cell at a time."""
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        hi = fun(x)
        x[idx] = old - eps
        lo = fun(x)
        x[idx] = old
        g[idx] = (hi - lo) / (2 * eps)
    return g


def dense_loss(P, W, b, act, delta) -> float:
    """L = delta . f(W vec(P) + b), written independently of pooling_core."""
    return float(np.dot(delta, F[act](W @ np.ravel(P) + b)))


def naive_corr(P: np.ndarray, K: np.ndarray, p: int) -> np.ndarray:
    Pp = np.pad(P, p)
    kh, kw = K.shape
    out = np.zeros((Pp.shape[0] - kh + 1, Pp.shape[1] - kw + 1))
    for u in range(out.shape[0]):
        for v in range(out.shape[1]):
            out[u, v] = np.sum(Pp[u : u + kh, v : v + kw] * K)
    return out


def naive_conv_grad(P_shape, K: np.ndarray, p: int, delta: np.ndarray) -> np.ndarray:
    """dL/dP by scattering each output's gradient over its window (no correlation)."""
    kh, kw = K.shape
    gp = np.zeros((P_shape[0] + 2 * p, P_shape[1] + 2 * p))
    for u in range(delta.shape[0]):
        for v in range(delta.shape[1]):
            gp[u : u + kh, v : v + kw] += delta[u, v] * K
    return gp[p : p + P_shape[0], p : p + P_shape[1]]


def random_dense(rng, oh=2, ow=3, m=3):
    P = rng.normal(size=(oh, ow))
    W = rng.normal(size=(m, oh * ow))
    b = rng.normal(size=m)
    delta = rng.normal(size=m)
    return P, W, b, delta


def dyadic_dense(rng, oh=2, ow=3, m=3):
    """Like `random_dense`, but every value is a multiple of 1/8 in [-2, 2].

    Products are then multiples of 1/64 no larger than 4, so every sum of a few of them is
    exact in float64 (see `exact_in_any_order`): z = W p + b, dL/dP and dL/dW come out the same
    from NumPy, PyTorch or a loop, whatever the summation order, BLAS kernel or FMA use.
    """
    def eighths(shape):
        return rng.integers(-16, 17, size=shape) / 8.0

    return eighths((oh, ow)), eighths((m, oh * ow)), eighths(m), eighths(m)


# --------------------------------------------------------------------------- dense: by hand
def test_dense_hand_worked_2x2_with_3x4_weights():
    P = np.array([[1.0, 2.0], [3.0, 4.0]])  # p = (1, 2, 3, 4)
    W = np.array([[-0.5, -0.4, -0.3, -0.2],
                  [-0.1, 0.0, 0.1, 0.2],
                  [0.3, 0.4, 0.5, 0.6]])
    b = np.array([0.0, 0.1, -0.2])
    res = dense_backward(P, W, b, "relu", [1.0, 1.0, 1.0])
    # z0 = -0.5 - 0.8 - 0.9 - 0.8 = -3; z1 = -0.1 + 0 + 0.3 + 0.8 + 0.1 = 1.1;
    # z2 = 0.3 + 0.8 + 1.5 + 2.4 - 0.2 = 4.8
    np.testing.assert_allclose(res.z, [-3.0, 1.1, 4.8])
    np.testing.assert_allclose(res.a, [0.0, 1.1, 4.8])
    np.testing.assert_array_equal(res.fprime, [0.0, 1.0, 1.0])
    # neuron 0 is off: its row of terms is 0; dL/dP = W[1] + W[2]
    np.testing.assert_allclose(res.terms[0], 0.0)
    np.testing.assert_allclose(res.grad_P, [[0.2, 0.4], [0.6, 0.8]])
    # the pooled neurons get different gradients
    assert len(np.unique(np.round(res.grad_P, 12))) == 4
    np.testing.assert_allclose(res.grad_b, [0.0, 1.0, 1.0])
    np.testing.assert_allclose(res.grad_W[2], [1.0, 2.0, 3.0, 4.0])


def test_dense_identity_is_transpose_times_delta():
    P = np.array([[2.0, -1.0]])
    W = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    res = dense_backward(P, W, np.zeros(3), "identity", [1.0, 0.0, -1.0])
    np.testing.assert_allclose(res.grad_P, [[1.0 - 5.0, 2.0 - 6.0]])
    np.testing.assert_allclose(res.grad_P.ravel(), W.T @ [1.0, 0.0, -1.0])
    np.testing.assert_allclose(res.terms, [[1, 2], [0, 0], [-5, -6]])


def test_dense_terms_sum_to_grad_and_reshape_row_major():
    rng = np.random.default_rng(3)
    P, W, b, delta = random_dense(rng, 2, 3, 4)
    res = dense_backward(P, W, b, "tanh", delta)
    assert res.terms.shape == (4, 6) and res.grad_P.shape == (2, 3)
    np.testing.assert_allclose(res.grad_P.ravel(), res.terms.sum(axis=0))
    for j in range(6):
        r, c = divmod(j, 3)
        expected = sum(delta[i] * res.fprime[i] * W[i, j] for i in range(4))
        assert res.grad_P[r, c] == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_relu_derivative_at_zero_is_zero():
    a, fp = activate(np.array([-1.0, 0.0, -0.0, 2.0]), "relu")
    np.testing.assert_array_equal(a, [0.0, 0.0, 0.0, 2.0])
    np.testing.assert_array_equal(fp, [0.0, 0.0, 0.0, 1.0])
    # z exactly 0: no gradient reaches P
    res = dense_backward([[1.0, -1.0]], [[1.0, 1.0]], [0.0], "relu", [5.0])
    assert res.z[0] == 0.0
    np.testing.assert_array_equal(res.grad_P, [[0.0, 0.0]])


def test_activation_derivatives():
    z = np.linspace(-3, 3, 13)
    for act in ACTIVATIONS:
        a, fp = activate(z, act)
        np.testing.assert_allclose(a, F[act](z), rtol=1e-12, atol=1e-15)
        if act == "relu":
            z_off = z[z != 0]
            np.testing.assert_allclose(activate(z_off, act)[1], (z_off > 0).astype(float))
        else:
            num = (F[act](z + 1e-6) - F[act](z - 1e-6)) / 2e-6
            np.testing.assert_allclose(fp, num, rtol=1e-6, atol=1e-9)
    # sigmoid stays finite far out
    a, fp = activate(np.array([-800.0, 800.0]), "sigmoid")
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(fp))
    np.testing.assert_allclose(a, [0.0, 1.0])


@pytest.mark.parametrize("act", ACTIVATIONS)
def test_dense_matches_finite_differences(act):
    rng = np.random.default_rng(11)
    P, W, b, delta = random_dense(rng, 3, 2, 3)
    res = dense_backward(P, W, b, act, delta)
    num = numeric_grad(lambda q: dense_loss(q, W, b, act, delta), P)
    np.testing.assert_allclose(res.grad_P, num, rtol=1e-6, atol=1e-8)
    num_W = numeric_grad(lambda w: dense_loss(P, w, b, act, delta), W)
    np.testing.assert_allclose(res.grad_W, num_W, rtol=1e-6, atol=1e-8)
    z, a = dense_forward(P, W, b, act)
    np.testing.assert_allclose(z, res.z)
    np.testing.assert_allclose(a, res.a)


@settings(max_examples=40, deadline=None)
@given(oh=st.integers(1, 3), ow=st.integers(1, 3), m=st.integers(1, 4),
       act=st.sampled_from(ACTIVATIONS), seed=st.integers(0, 2**16))
def test_dense_finite_differences_random_shapes(oh, ow, m, act, seed):
    rng = np.random.default_rng(seed)
    P, W, b, delta = random_dense(rng, oh, ow, m)
    if act == "relu":  # keep away from the kink
        z = W @ P.ravel() + b
        b = b + np.where(np.abs(z) < 1e-3, 0.1, 0.0)
    res = dense_backward(P, W, b, act, delta)
    num = numeric_grad(lambda q: dense_loss(q, W, b, act, delta), P)
    np.testing.assert_allclose(res.grad_P, num, rtol=1e-5, atol=1e-7)


def torch_dense(torch, P, W, b, act, delta):
    """PyTorch's z, a and the gradients of P, W and b for a = f(W vec(P) + b), float64."""
    Pt = torch.tensor(P, dtype=torch.float64, requires_grad=True)
    Wt = torch.tensor(W, dtype=torch.float64, requires_grad=True)
    bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    z = torch.nn.functional.linear(Pt.reshape(-1), Wt, bt)
    fn = {"identity": lambda t: t, "relu": torch.relu, "sigmoid": torch.sigmoid,
          "tanh": torch.tanh}[act]
    a = fn(z)
    a.backward(torch.tensor(delta, dtype=torch.float64))
    return (z.detach().numpy(), a.detach().numpy(), Pt.grad.numpy(), Wt.grad.numpy(),
            bt.grad.numpy())


@pytest.mark.parametrize("act", ACTIVATIONS)
def test_dense_matches_torch(act):
    torch = pytest.importorskip("torch")
    if act == "relu":
        check_relu_kink_matches_torch(torch)
        return
    # Random floats: NumPy's and PyTorch's BLAS sum W p in different orders, so the results
    # agree to rounding only (a few ulps), never necessarily bit for bit.
    rng = np.random.default_rng(5)
    P, W, b, delta = random_dense(rng, 3, 3, 4)
    _, a, gP, gW, _ = torch_dense(torch, P, W, b, act, delta)
    res = dense_backward(P, W, b, act, delta)
    np.testing.assert_allclose(res.a, a, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(res.grad_P, gP, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(res.grad_W, gW, rtol=1e-12, atol=1e-14)


def check_relu_kink_matches_torch(torch):
    """ReLU at the kink: neuron 0 sits at z = 0 exactly, in NumPy and in PyTorch.

    ReLU'(0) = 0 in both, so neuron 0 sends nothing back. A tie built from random floats
    (b0 = -W[0] @ p) is not exactly 0: the rounding of W[0] @ p depends on the summation
    order, which differs between BLAS kernels (OpenBLAS on Haswell gave -2.5e-16, PyTorch's
    MKL +3.3e-16), and ReLU' then flips. So the tie is built from multiples of 1/8, whose sums
    are exact in any order; all other values too, so everything is compared exactly.
    """
    rng = np.random.default_rng(5)
    P, W, b, delta = dyadic_dense(rng, 3, 3, 4)
    p = P.ravel()
    b[0] = -float(sum(Fraction(w) * Fraction(q) for w, q in zip(W[0], p, strict=True)))
    for i in range(4):  # every z_i = W[i] @ p + b_i is exact, whatever the order
        assert exact_in_any_order(dot_terms(W[i], p, b[i])), i
    z_exact = [sum(dot_terms(W[i], p, b[i])) for i in range(4)]
    assert z_exact[0] == 0
    # The kink matters: with ReLU'(0) = 1, neuron 0 would add delta_0 * W[0] to dL/dP.
    assert delta[0] != 0 and np.any(W[0] != 0)
    # The other neurons are off the kink, on both sides.
    assert any(z > 0 for z in z_exact[1:]) and any(z < 0 for z in z_exact[1:])

    z, a, gP, gW, gb = torch_dense(torch, P, W, b, "relu", delta)
    res = dense_backward(P, W, b, "relu", delta)
    assert res.z[0] == 0.0 and z[0] == 0.0
    np.testing.assert_array_equal(res.z, [float(v) for v in z_exact])
    np.testing.assert_array_equal(z, res.z)
    assert res.fprime[0] == 0.0 and gb[0] == 0.0  # ReLU'(0) = 0 in both
    np.testing.assert_array_equal(res.fprime, np.array(z_exact) > 0)
    # dL/dP_j = sum_i delta_i f'(z_i) W_ij: multiples of 1/64, exact in any order.
    for j in range(p.size):
        assert exact_in_any_order(Fraction(d) * Fraction(w) for d, w in
                                  zip(res.grad_z, W[:, j], strict=True))
    np.testing.assert_array_equal(res.a, a)
    np.testing.assert_array_equal(res.grad_b, gb)
    np.testing.assert_array_equal(res.grad_P, gP)
    np.testing.assert_array_equal(res.grad_W, gW)  # single products: exact
    np.testing.assert_array_equal(res.grad_P.ravel(), (res.grad_z[1:, None] * W[1:]).sum(axis=0))


def test_exact_tie_guard_rejects_a_rounded_tie():
    """`exact_in_any_order` refuses the old ReLU-kink construction, b0 = -W[0] @ p on random
    normals: the exact products need ~106 bits, and W[0] @ p is not even a float, so no float
    b0 makes z0 exactly 0 and the sign of the computed z0 is rounding noise (it differs
    between BLAS kernels)."""
    rng = np.random.default_rng(5)
    P, W, _, _ = random_dense(rng, 3, 3, 4)
    p = P.ravel()
    b0 = -float(W[0] @ p)
    assert not exact_in_any_order(dot_terms(W[0], p, b0))
    exact = sum(dot_terms(W[0], p))
    assert Fraction(float(exact)) != exact  # W[0] @ p is not representable: z0 != 0 exactly
    assert sum(dot_terms(W[0], p, b0)) != 0
    # and the guard accepts what it should
    assert exact_in_any_order([0.125, -3.0, 2.5, 1e6])
    assert exact_in_any_order(dot_terms([0.5, -1.25], [3.0, 0.75], -0.0625))
    assert not exact_in_any_order([0.1, 0.2])
    assert not exact_in_any_order([2.0**60, 1.0])  # 2**60 + 1 rounds
    assert not exact_in_any_order([np.inf])


# --------------------------------------------------------------------------- convolution
def test_conv_hand_worked_2x2_kernel_padding_1():
    P = np.array([[0.0, 1.0], [2.0, 3.0]])
    K = np.array([[1.0, 2.0], [3.0, 4.0]])
    res = conv_backward(P, K, 1, np.ones((3, 3)))
    # Y[0,0] reads pad(P)[0:2, 0:2] = [[0,0],[0,0]] -> 0; Y[1,1] = 0*1 + 1*2 + 2*3 + 3*4 = 20
    assert res.Y[0, 0] == 0.0 and res.Y[1, 1] == 20.0
    np.testing.assert_allclose(res.Y, naive_corr(P, K, 1))
    # every pooled cell is touched by all four kernel weights once: 1 + 2 + 3 + 4
    np.testing.assert_allclose(res.grad_P, [[10.0, 10.0], [10.0, 10.0]])
    terms = res.cell_terms(0, 0)
    assert [(t.u, t.v, t.kr, t.kc) for t in terms] == [
        (0, 0, 1, 1), (0, 1, 1, 0), (1, 0, 0, 1), (1, 1, 0, 0)]
    assert sum(t.product for t in terms) == res.grad_P[0, 0]
    np.testing.assert_array_equal(res.K_flipped, [[4.0, 3.0], [2.0, 1.0]])


def test_conv_hand_worked_no_padding():
    P = np.arange(9.0).reshape(3, 3)
    K = np.array([[1.0, 0.0], [0.0, -1.0]])
    delta = np.array([[1.0, 2.0], [3.0, 4.0]])
    res = conv_backward(P, K, 0, delta)
    np.testing.assert_allclose(res.Y, [[0 - 4, 1 - 5], [3 - 7, 4 - 8]])
    # corner P[0,0] only meets Y[0,0] via K[0,0]; centre P[1,1] meets all four
    assert [(t.u, t.v, t.kr, t.kc) for t in res.cell_terms(0, 0)] == [(0, 0, 0, 0)]
    centre = res.cell_terms(1, 1)
    assert [(t.u, t.v) for t in centre] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    # delta[0,0]*K[1,1] + delta[0,1]*K[1,0] + delta[1,0]*K[0,1] + delta[1,1]*K[0,0] = -1 + 4
    assert res.grad_P[1, 1] == pytest.approx(3.0)
    np.testing.assert_allclose(res.grad_P, naive_conv_grad(P.shape, K, 0, delta))


@settings(max_examples=60, deadline=None)
@given(oh=st.integers(1, 5), ow=st.integers(1, 5), k=st.sampled_from([2, 3]),
       pad=st.integers(0, 2), seed=st.integers(0, 2**16))
def test_conv_against_naive_loops_and_touching(oh, ow, k, pad, seed):
    if pad > k - 1 or oh + 2 * pad < k or ow + 2 * pad < k:
        return
    rng = np.random.default_rng(seed)
    P, K = rng.normal(size=(oh, ow)), rng.normal(size=(k, k))
    Y = conv_forward(P, K, pad)
    np.testing.assert_allclose(Y, naive_corr(P, K, pad), rtol=1e-12, atol=1e-12)
    delta = rng.normal(size=Y.shape)
    res = conv_backward(P, K, pad, delta)
    np.testing.assert_allclose(res.grad_P, naive_conv_grad(P.shape, K, pad, delta),
                               rtol=1e-12, atol=1e-12)
    for r in range(oh):
        for c in range(ow):
            touches = conv_touching(P.shape, K.shape, pad, r, c)
            # exactly the outputs whose window covers pad(P)[r + pad, c + pad]
            expected = [(u, v) for u in range(Y.shape[0]) for v in range(Y.shape[1])
                        if u <= r + pad < u + k and v <= c + pad < v + k]
            assert [(t.u, t.v) for t in touches] == expected
            assert all(t.kr == r - t.u + pad and t.kc == c - t.v + pad for t in touches)
            total = sum(t.product for t in res.cell_terms(r, c))
            assert total == pytest.approx(res.grad_P[r, c], rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("k,pad", [(2, 0), (2, 1), (3, 0), (3, 1), (3, 2)])
def test_conv_matches_finite_differences(k, pad):
    rng = np.random.default_rng(k * 10 + pad)
    P, K = rng.normal(size=(3, 4)), rng.normal(size=(k, k))
    delta = rng.normal(size=naive_corr(P, K, pad).shape)
    res = conv_backward(P, K, pad, delta)
    num = numeric_grad(lambda q: float(np.sum(delta * naive_corr(q, K, pad))), P)
    np.testing.assert_allclose(res.grad_P, num, rtol=1e-6, atol=1e-8)
    num_K = numeric_grad(lambda w: float(np.sum(delta * naive_corr(P, w, pad))), K)
    np.testing.assert_allclose(res.grad_K, num_K, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("k,pad", [(2, 0), (2, 1), (3, 0), (3, 1), (3, 2), ((2, 3), (1, 2))])
def test_conv_matches_torch(k, pad):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    kh, kw = (k, k) if isinstance(k, int) else k
    P, K = rng.normal(size=(4, 5)), rng.normal(size=(kh, kw))
    Pt = torch.tensor(P[None, None], requires_grad=True)
    Kt = torch.tensor(K[None, None], requires_grad=True)
    Yt = torch.nn.functional.conv2d(Pt, Kt, padding=pad)
    delta = rng.normal(size=tuple(Yt.shape[2:]))
    Yt.backward(torch.tensor(delta[None, None]))
    res = conv_backward(P, K, pad, delta)
    np.testing.assert_allclose(res.Y, Yt.detach().numpy()[0, 0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(res.grad_P, Pt.grad.numpy()[0, 0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(res.grad_K, Kt.grad.numpy()[0, 0], rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- back to x
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_chain_to_input_is_pool_backward_and_matches_finite_differences(mode):
    rng = np.random.default_rng(2)
    x = rng.permutation(16).astype(float).reshape(4, 4)  # distinct: no ties
    spec = PoolSpec(kernel_size=2, stride=2, mode=mode)
    P = pool_forward(x, spec).output
    W, b, delta = rng.normal(size=(3, P.size)), rng.normal(size=3), rng.normal(size=3)
    gP = dense_backward(P, W, b, "tanh", delta).grad_P
    gx = chain_to_input(x, spec, gP)
    np.testing.assert_array_equal(gx, pool_backward(x, gP, spec))

    def loss(q):
        return dense_loss(pool_forward(q, spec).output, W, b, "tanh", delta)

    np.testing.assert_allclose(gx, numeric_grad(loss, x, eps=1e-4), rtol=1e-5, atol=1e-7)


def test_chain_to_input_after_conv_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(9)
    x = rng.normal(size=(6, 6))
    spec = PoolSpec(kernel_size=3, stride=1, mode="max")
    P = pool_forward(x, spec).output
    K = rng.normal(size=(2, 2))
    xt = torch.tensor(x[None, None], requires_grad=True)
    Pt = torch.nn.functional.max_pool2d(xt, 3, 1)
    Yt = torch.nn.functional.conv2d(Pt, torch.tensor(K[None, None]), padding=1)
    delta = rng.normal(size=tuple(Yt.shape[2:]))
    Yt.backward(torch.tensor(delta[None, None]))
    gx = chain_to_input(x, spec, conv_backward(P, K, 1, delta).grad_P)
    np.testing.assert_allclose(gx, xt.grad.numpy()[0, 0], rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- invalid input
P2 = np.ones((2, 2))


@pytest.mark.parametrize("call,code,word", [
    (lambda: dense_backward(P2, np.ones((3, 5)), np.zeros(3), "relu", np.ones(3)),
     "upstream_shape", "W"),
    (lambda: dense_backward(P2, np.ones((3, 4)), np.zeros(2), "relu", np.ones(3)),
     "upstream_shape", "b"),
    (lambda: dense_backward(P2, np.ones((3, 4)), np.zeros(3), "relu", np.ones(4)),
     "upstream_shape", "delta"),
    (lambda: dense_backward(P2, np.ones((3, 4)), np.zeros(3), "softmax", np.ones(3)),
     "unknown_activation", "activation"),
    (lambda: dense_backward(P2, [[1, "a", 1, 1]], [0], "relu", [1]),
     "upstream_non_numeric", "W"),
    (lambda: dense_backward([[1, 2], [3]], np.ones((1, 4)), [0], "relu", [1]),
     "upstream_non_numeric", "P"),
    (lambda: dense_backward(np.ones(4), np.ones((1, 4)), [0], "relu", [1]),
     "upstream_ndim", "P"),
    (lambda: dense_backward([[1.0, np.nan]], np.ones((1, 2)), [0], "relu", [1]),
     "upstream_non_finite", "P"),
    (lambda: dense_forward(P2, np.ones((3, 4)), np.zeros(3), "ReLU"),
     "unknown_activation", "activation"),
    (lambda: conv_backward(P2, np.ones((2, 2)), 2, np.ones((5, 5))),
     "conv_padding_range", "padding"),
    (lambda: conv_backward(P2, np.ones((2, 2)), -1, np.ones((1, 1))),
     "conv_padding_range", "padding"),
    (lambda: conv_backward(P2, np.ones((2, 2)), 0.5, np.ones((1, 1))),
     "not_int_pair", "padding"),
    (lambda: conv_backward(P2, np.ones((2, 2)), 0, np.ones((2, 2))),
     "upstream_shape", "delta"),
    (lambda: conv_backward(P2, np.ones((3, 3)), 0, np.ones((1, 1))),
     "conv_output_empty", "kernel"),
    (lambda: conv_forward(P2, [["x", 1], [1, 1]], 0), "upstream_non_numeric", "K"),
    (lambda: conv_forward(P2, np.ones(3), 0), "upstream_ndim", "K"),
    (lambda: conv_touching((2, 2), (2, 2), 0, 2, 0), "cell_out_of_range", "r"),
    (lambda: conv_touching((2, 2), (2, 2), 3, 0, 0), "conv_padding_range", "padding"),
    (lambda: activate([1.0], "gelu"), "unknown_activation", "activation"),
])
def test_invalid_inputs_raise_value_error(call, code, word):
    with pytest.raises(ValueError) as info:
        call()
    assert isinstance(info.value, PoolingError)
    assert info.value.code == code
    assert word in str(info.value)


def test_upstream_module_imports_no_ui():
    from pathlib import Path

    import pooling_core.upstream as up

    source = Path(up.__file__).read_text(encoding="utf-8")
    assert "streamlit" not in source and "plotly" not in source
