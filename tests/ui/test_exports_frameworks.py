"""The JAX, ONNX and Keras scripts (issue 17): each is run in a subprocess (all of one
framework's cases in one process, so the framework is imported once) and must print the
app's numbers for that framework: `pooling_core.frameworks.framework_result` (max exactly;
averages to 1e-6 of their scale: ONNX Runtime's AveragePool runs in float32). The Keras
script needs TensorFlow, which is not in the project's environment: that test (marked slow)
runs it with the interpreter in $POOLING_TF_PYTHON (default /work/tfvenv/bin/python) and is
skipped when there is none.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from framework_runners import SCRIPT_DRIVER, close, printed_blocks

from pooling_core import AdaptiveSpec, PoolSpec, output_size
from pooling_core.frameworks import framework_result
from ui.exports.jax_script import jax_script
from ui.exports.keras_script import keras_script
from ui.exports.onnx_script import onnx_script

NAN, INF = np.nan, np.inf
GRID = np.array([[1, 2, NAN, 0, 4], [3, 3, 1, -INF, 2], [0, 5, 5, 2, 1], [2, -1, 0, 0, 3],
                 [1, 1, 4, 4, -2]], dtype=np.float64)
PLAIN = np.array([[1, 2, 0, 0, 4, 1], [3, 3, 1, 2, 2, 0], [0, 5, 5, 2, 1, 1],
                  [2, -1, 0, 0, 3, 3], [1, 1, 4, 4, -2, 0]], dtype=np.float64)

CASES = {
    "max_same_nan": (GRID, PoolSpec(kernel_size=2, stride=2, padding="same")),
    "max_pad_ceil": (GRID, PoolSpec(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    "max_asymmetric": (GRID, PoolSpec(kernel_size=3, stride=1, padding=((0, 2), (1, 0)))),
    "max_dilated": (PLAIN, PoolSpec(kernel_size=3, stride=1, padding=2, dilation=2)),
    "max_pad_over_kernel": (PLAIN, PoolSpec(kernel_size=2, stride=2, padding=2, dilation=3)),
    "max_negative_same": (GRID, PoolSpec(kernel_size=1, stride=3, padding="same")),
    "avg_same_lower": (PLAIN, PoolSpec(kernel_size=3, stride=2, padding="same_lower",
                                       mode="avg", count_include_pad=False)),
    "avg_pad_ceil": (PLAIN, PoolSpec(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                     mode="avg")),
    "avg_override": (PLAIN, PoolSpec(kernel_size=2, stride=1, padding=1, mode="avg",
                                     divisor_override=3)),
    "global_max": (GRID, AdaptiveSpec(output_size=1, mode="max")),
    "global_max_tie": (np.array([[1, 5, 5], [5, 0, 2.0]]), AdaptiveSpec(output_size=1)),
    "global_avg": (PLAIN, AdaptiveSpec(output_size=1, mode="avg")),
    "adaptive_5_to_3": (PLAIN, AdaptiveSpec(output_size=3, mode="avg")),
}
SCRIPTS = {"jax": (jax_script, "jax"), "onnx": (onnx_script, "onnxruntime"),
           "tensorflow": (keras_script, "tensorflow")}


def _gy(x: np.ndarray, spec) -> np.ndarray:
    a, b = output_size(x.shape, spec)
    return (np.arange(a.size * b.size).reshape(a.size, b.size) % 3 + 1).astype(np.float64)


def _run_all(framework: str, python: str, folder: Path) -> dict[str, tuple[str, str]]:
    make, _ = SCRIPTS[framework]
    codes, paths = {}, []
    for case, (x, spec) in CASES.items():
        codes[case] = make(x, _gy(x, spec), spec, lang="en")
        path = folder / f"{framework}_{case}.py"
        path.write_text(codes[case], encoding="utf-8")
        paths.append(str(path))
    done = subprocess.run([python, "-c", SCRIPT_DRIVER, *paths], capture_output=True,
                          text=True, timeout=600, cwd=folder)
    assert done.returncode == 0, done.stderr[-3000:]
    parts = done.stdout.split("@@@@ ")[1:]
    assert len(parts) == len(paths)
    return {case: (codes[case], part) for case, part in zip(CASES, parts, strict=True)}


def _check(framework: str, runs: dict[str, tuple[str, str]]) -> None:
    warnings.simplefilter("ignore")
    for case, (_code, out) in runs.items():
        x, spec = CASES[case]
        res = framework_result(framework, x, _gy(x, spec), spec)
        blocks = printed_blocks(out)
        if res.output is None:
            assert blocks == {}, f"{case}: a layer {framework} cannot write printed numbers"
            assert "cannot write this layer" in out
            continue
        avg = spec.mode == "avg"
        assert close(blocks["y"], res.output, avg), f"{case}: y\n{out}\n{res.output}"
        if res.grad_input is None:
            assert "dL/dx" not in blocks and "no gradient" in out, case
        else:
            assert close(blocks["dL/dx"], res.grad_input, avg), \
                f"{case}: dL/dx\n{out}\n{res.grad_input}"


@pytest.mark.parametrize("framework", ["jax", "onnx"])
def test_script_prints_the_apps_numbers(framework: str, tmp_path: Path) -> None:
    pytest.importorskip(SCRIPTS[framework][1])
    _check(framework, _run_all(framework, sys.executable, tmp_path))


@pytest.mark.slow
def test_keras_script_prints_the_apps_numbers(tmp_path: Path) -> None:
    python = os.environ.get("POOLING_TF_PYTHON", "/work/tfvenv/bin/python")
    if not Path(python).exists():
        pytest.skip(f"no TensorFlow interpreter at {python} (set POOLING_TF_PYTHON)")
    _check("tensorflow", _run_all("tensorflow", python, tmp_path))


def test_scripts_show_the_layer_and_say_what_they_cannot() -> None:
    x, spec = CASES["max_dilated"]
    code = jax_script(x, _gy(x, spec), spec, lang="en")
    assert "window_dilation=(2, 2)" in code and "vjp(jnp.asarray(grad_output))" not in code
    x, spec = CASES["max_pad_over_kernel"]
    code = onnx_script(x, _gy(x, spec), spec, lang="en")
    # ONNX Runtime refuses pads >= kernel: a Pad node, 2 before; after, up to the last
    # window's last tap: rows 2·2 − 2 + 3 = 5 (one past x's 0..4), columns 3·2 − 2 + 3 = 7
    # (two past x's 0..5)
    assert '"Pad"' in code and "[0, 0, 2, 2, 0, 0, 1, 2]" in code
    x, spec = CASES["adaptive_5_to_3"]
    for make, _ in SCRIPTS.values():
        code = make(x, _gy(x, spec), spec, lang="es")
        assert "no puede escribir esta capa" in code and "show(" not in code
