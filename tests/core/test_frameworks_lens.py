"""The framework lens (issue 17) against the frameworks themselves.

* Committed fixtures (`tests/fixtures/lens_frameworks.npz`, made by
  `tests/fixtures/generate_lens_fixtures.py` with PyTorch, JAX and ONNX Runtime): for 200
  random layers and inputs, every framework's y and dL/dx computed by
  `pooling_core.frameworks` equal the framework's own, and `differences` marks exactly the
  cells where that framework's numbers differ from PyTorch's (every framework pair with
  PyTorch; the other pairs follow from these).
* The same live, on other seeds, when the packages are importable (skipped otherwise).

Max pooling selects values: compared exactly. Averages: ONNX Runtime runs in float32, so
its numbers (and any pair with them) are compared to 1e-5 of the values' scale.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from framework_cases import random_case, spec_from_json
from framework_runners import MODULES, RUNNERS, close, differing_cells

from pooling_core import PoolSpec
from pooling_core.frameworks import FRAMEWORKS, differences, framework_result

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "lens_frameworks.npz"


def _load() -> tuple[list[dict], dict[str, np.ndarray]]:
    with np.load(FIXTURE, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    return json.loads(str(arrays.pop("index")))["cases"], arrays


CASES, ARRAYS = _load()


def _check_case(spec: PoolSpec, x: np.ndarray, gy: np.ndarray,
                theirs: dict[str, tuple[np.ndarray, np.ndarray | None]], what: str) -> None:
    """Our numbers equal each framework's (`theirs`: fw -> (y, dL/dx)), and the cells marked
    by `differences` are exactly those where the framework's own numbers differ from
    PyTorch's own."""
    avg = spec.mode == "avg"
    torch_y, torch_dx = theirs["pytorch"]
    for fw, (y, dx) in theirs.items():
        res = framework_result(fw, x, gy, spec)
        assert close(res.output, y, avg), f"{what}: {fw} y {res.output} != {y}"
        assert close(res.grad_input, dx, avg), f"{what}: {fw} dL/dx {res.grad_input} != {dx}"
        if fw == "pytorch":
            continue
        d = differences(x, gy, spec, fw)
        shape = tuple(max(a.shape[i] for a in (y, torch_y)) for i in range(2))
        want_y = differing_cells(y, torch_y, shape, avg)
        want_dx = (set(np.ndindex(x.shape)) if dx is None
                   else differing_cells(dx, torch_dx, x.shape, avg))
        got_y = {c.cell for c in d.cells if c.array == "y"}
        got_dx = {c.cell for c in d.cells if c.array == "dx"}
        if dx is None:  # no gradient: every cell is marked, whatever PyTorch's value
            assert got_dx == want_dx, f"{what}: {fw} no-gradient cells"
        else:
            assert got_dx == want_dx, f"{what}: {fw} marked dL/dx {got_dx} != {want_dx}"
        assert got_y == want_y, f"{what}: {fw} marked y {got_y} != {want_y}"
        assert all(c.reason for c in d.cells)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("n", range(len(CASES)))
def test_fixture_case(n: int) -> None:
    case = CASES[n]
    spec = PoolSpec(**spec_from_json(case["spec"]))
    x, gy = ARRAYS[f"c{n}_x"], ARRAYS[f"c{n}_gy"]
    theirs = {fw: (ARRAYS[f"c{n}_{fw}_y"], ARRAYS.get(f"c{n}_{fw}_dx"))
              for fw in case["layers"]}
    assert set(theirs) == {"pytorch", "jax", "onnx"}
    _check_case(spec, x, gy, theirs, f"case {n} {case['spec']}")


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("n", range(len(CASES)))
def test_fixture_pair_without_pytorch(n: int) -> None:
    """The pair (JAX, ONNX Runtime): `differences(..., base="jax")` marks exactly the cells
    where ONNX Runtime's own numbers differ from JAX's own."""
    case = CASES[n]
    spec = PoolSpec(**spec_from_json(case["spec"]))
    x, gy = ARRAYS[f"c{n}_x"], ARRAYS[f"c{n}_gy"]
    (jy, jdx), (oy, odx) = ((ARRAYS[f"c{n}_{fw}_y"], ARRAYS.get(f"c{n}_{fw}_dx"))
                            for fw in ("jax", "onnx"))
    avg = spec.mode == "avg"
    d = differences(x, gy, spec, "onnx", base="jax")
    shape = tuple(max(a.shape[i] for a in (jy, oy)) for i in range(2))
    assert {c.cell for c in d.cells if c.array == "y"} == differing_cells(oy, jy, shape, avg)
    want_dx = (set(np.ndindex(x.shape)) if jdx is None or odx is None
               else differing_cells(odx, jdx, x.shape, avg))
    marked_dx = {c.cell: c.reason for c in d.cells if c.array == "dx"}
    assert set(marked_dx) == want_dx
    if jdx is None:  # JAX has no gradient here (a dilated max): every cell, one reason
        assert set(marked_dx.values()) == {"no_gradient"}


def test_fixture_covers_the_rules() -> None:
    """The 200 cases hold what the rules are about: NaN, -inf, every padding form, ceil_mode,
    both modes, dilation; and differences of several reasons are marked."""
    forms = {str(c["spec"]["padding"]) if isinstance(c["spec"]["padding"], str)
             else ("asym" if isinstance(c["spec"]["padding"][0], list) else "sym")
             for c in CASES}
    assert forms == {"same", "same_lower", "valid", "asym", "sym"}
    assert sum(bool(np.isnan(ARRAYS[f"c{n}_x"]).any()) for n in range(len(CASES))) >= 40
    assert sum(c["spec"]["ceil_mode"] for c in CASES) >= 40
    assert sum(c["spec"]["dilation"] != [1, 1] for c in CASES) >= 20


def _live(fw: str, cases: int) -> None:
    pytest.importorskip("torch")
    pytest.importorskip(MODULES[fw])
    warnings.simplefilter("ignore")
    rng = np.random.default_rng(1717 + FRAMEWORKS.index(fw))
    for n in range(cases):
        kw, x, gy = random_case(rng)
        spec = PoolSpec(**kw)
        theirs = {}
        for name in ("pytorch", fw):
            res = framework_result(name, x, gy, spec)
            theirs[name] = RUNNERS[name](res.expression.layer, x, res.grad_output)
        _check_case(spec, x, gy, theirs, f"live {n} {kw}")


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("fw", ["jax", "onnx"])
def test_live_sample(fw: str) -> None:
    """8 fresh random cases (another seed) run live in PyTorch and `fw` (JAX compiles each
    new shape: a few seconds per case on a busy machine)."""
    _live(fw, 8)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("fw", ["jax", "onnx"])
def test_live_200(fw: str) -> None:
    """The same, 200 cases (slow: minutes)."""
    _live(fw, 200)
