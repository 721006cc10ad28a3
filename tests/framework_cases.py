"""Random layers and inputs for the framework lens' tests and fixture generators.

Values are small integers (sums and the average's quotients by small divisors stay exact or
nearly so), with many ties and, when asked, NaN and -inf cells. `random_case` retries until
pooling_core accepts the layer (the app's own limits)."""

from __future__ import annotations

import numpy as np

from pooling_core import PoolingError, PoolSpec, output_size


def _padding(rng: np.random.Generator, k: tuple[int, int], d: tuple[int, int]):
    form = rng.choice(["symmetric", "symmetric", "asymmetric", "same", "same_lower", "valid"])
    if form == "symmetric":
        return tuple(int(rng.integers(0, ((kk - 1) * dd + 1) // 2 + 1))
                     for kk, dd in zip(k, d, strict=True))
    if form == "asymmetric":
        return tuple(tuple(int(rng.integers(0, (kk - 1) * dd + 1)) for _ in range(2))
                     for kk, dd in zip(k, d, strict=True))
    return str(form)


def random_spec(rng: np.random.Generator, hw: tuple[int, int]) -> dict:
    """Keyword arguments of a PoolSpec valid on an (H, W) input."""
    while True:
        mode = str(rng.choice(["max", "avg"]))
        k = tuple(int(v) for v in rng.integers(1, 5, size=2))
        s = tuple(int(v) for v in rng.integers(1, 4, size=2))
        d = (1, 1) if mode == "avg" or rng.random() < 0.7 else tuple(
            int(v) for v in rng.integers(1, 3, size=2))
        kw = dict(kernel_size=k, stride=s, padding=_padding(rng, k, d), dilation=d,
                  ceil_mode=bool(rng.random() < 0.4), mode=mode,
                  count_include_pad=bool(rng.random() < 0.5),
                  divisor_override=int(rng.integers(1, 10)) if mode == "avg"
                  and rng.random() < 0.1 else None)
        try:
            output_size(hw, PoolSpec(**kw))
        except PoolingError:
            continue
        return kw


def random_input(rng: np.random.Generator, hw: tuple[int, int], special: bool) -> np.ndarray:
    x = rng.integers(-3, 4, size=hw).astype(np.float64)
    if special:
        x[rng.random(hw) < 0.12] = np.nan
        x[rng.random(hw) < 0.12] = -np.inf
    return x


def random_case(rng: np.random.Generator) -> tuple[dict, np.ndarray, np.ndarray]:
    """(PoolSpec kwargs, x (H, W), the app's dL/dy (OH, OW))."""
    hw = tuple(int(v) for v in rng.integers(1, 8, size=2))
    kw = random_spec(rng, hw)
    x = random_input(rng, hw, special=bool(rng.random() < 0.4))
    a, b = output_size(hw, PoolSpec(**kw))
    gy = rng.integers(-2, 4, size=(a.size, b.size)).astype(np.float64)
    return kw, x, gy


def spec_json(kw: dict) -> dict:
    """PoolSpec kwargs as JSON values (tuples become lists)."""
    def conv(v):
        return [conv(u) for u in v] if isinstance(v, tuple) else v
    return {k: conv(v) for k, v in kw.items()}


def spec_from_json(d: dict) -> dict:
    def conv(v):
        return tuple(conv(u) for u in v) if isinstance(v, list) else v
    return {k: conv(v) for k, v in d.items()}
