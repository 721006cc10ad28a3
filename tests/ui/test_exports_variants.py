"""The PyTorch script for adaptive/global pooling and for paddings PyTorch has not ('same',
'same_lower', per side): it runs under torch (when installed) and prints pooling_core's y
and dL/dx; without torch, its text is checked."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest
from framework_runners import SCRIPT_DRIVER

from pooling_core import AdaptiveSpec, PoolSpec, pool_backward, pool_forward
from ui.exports.arrays import file_stem, torch_call, torch_padding_missing
from ui.exports.standalone import config_rows
from ui.exports.torch_script import pytorch_snippet

X5 = np.array([[1, 4, 2, 0, 3], [6, 2, 8, 1, 5], [3, 7, 0, 9, 2], [4, 1, 5, 2, 6],
               [8, 3, 2, 7, 1]], dtype=np.float64)
X7 = np.arange(49.0).reshape(7, 7) % 5
CASES = [
    (X5, PoolSpec(2, 2, padding="same")),
    (X5, PoolSpec(2, 2, padding="same", mode="avg", count_include_pad=False)),
    (X5, PoolSpec(3, 2, padding="same_lower", mode="avg")),
    (X5, PoolSpec(3, 2, padding=((0, 2), (1, 0)), mode="avg", divisor_override=2)),
    (X5, PoolSpec(3, 2, padding=((0, 2), (1, 0)))),
    (X5, PoolSpec(2, 2, padding="valid")),
    (X7, AdaptiveSpec(3, mode="avg")),
    (np.array([[1, 4, 2], [4, 4, 3], [0, 3, 3.0]]), AdaptiveSpec(2)),
    (X7, AdaptiveSpec(1)),
]


def _blocks(stdout: str) -> dict[str, np.ndarray]:
    found = re.findall(r"(\S+(?: \(ties=first\))?) =\n((?:  .*\n)+)", stdout)
    return {name: np.array([[float(v) for v in line.split()] for line in body.strip("\n")
                            .split("\n")]) for name, body in found}


def _gy(x: np.ndarray, spec: PoolSpec | AdaptiveSpec) -> np.ndarray:
    y = pool_forward(x, spec).output
    return np.arange(1.0, y.size + 1).reshape(y.shape)


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """What each case's script printed. One subprocess runs them all as __main__, one after
    the other (tests/framework_runners.py's driver), so torch is imported once, not per case."""
    pytest.importorskip("torch")
    folder = tmp_path_factory.mktemp("variant_scripts")
    paths = []
    for n, (x, spec) in enumerate(CASES):
        path = folder / f"case_{n}.py"
        path.write_text(pytorch_snippet(x, _gy(x, spec), spec, lang="en"), encoding="utf-8")
        paths.append(str(path))
    done = subprocess.run([sys.executable, "-c", SCRIPT_DRIVER, *paths], capture_output=True,
                          text=True, timeout=300, cwd=folder)
    assert done.returncode == 0, done.stderr[-2000:]
    parts = done.stdout.split("@@@@ ")[1:]
    assert len(parts) == len(CASES)
    return parts


@pytest.mark.parametrize("n", range(len(CASES)), ids=[repr(s) for _, s in CASES])
def test_the_script_reproduces_the_variant_under_torch(n: int, printed: list[str]) -> None:
    x, spec = CASES[n]
    y, gy = pool_forward(x, spec).output, _gy(x, spec)
    got = _blocks(printed[n])
    np.testing.assert_allclose(got["y"], y, rtol=1e-12)
    np.testing.assert_allclose(got["dL/dx"], pool_backward(x, gy, spec), rtol=1e-12)


def test_the_script_says_why_it_pads_by_hand():
    text = pytorch_snippet(X5, np.ones((3, 3)), PoolSpec(2, 2, padding="same"), lang="en")
    assert "has no 'same' padding" in text
    assert "top 0, bottom 1, left 0, right 1" in text
    assert "F.pad(x, (0, 1, 0, 1), value=-inf)" in text
    assert torch_padding_missing(PoolSpec(2, 2, padding="same"))
    assert not torch_padding_missing(PoolSpec(2, 2, padding="valid"))


def test_adaptive_calls_and_names():
    spec = AdaptiveSpec((3, 2), mode="avg")
    assert torch_call(spec) == "F.adaptive_avg_pool2d(x, output_size=(3, 2))"
    assert file_stem(spec) == "pooling_adaptive_avg_o3x2"
    assert file_stem(PoolSpec(2, 2, padding="same")) == "pooling_max_k2x2_s2x2_same"
    text = pytorch_snippet(X7, np.ones((1, 1)), AdaptiveSpec(1, ties="split"), lang="en")
    assert "adaptive_max_pool2d(x, output_size=(1, 1), return_indices=True)" in text
    assert 'show("dL/dx (ties=first)", x.grad)' in text


def test_standalone_rows_name_the_padding_form():
    rows = dict(config_rows(PoolSpec(2, 2, padding="same"), (5, 5), "en"))
    assert "top 0, bottom 1, left 0, right 1" in rows["Padding"]
