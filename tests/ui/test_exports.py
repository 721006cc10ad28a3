"""Exports: CSV and JSON read back to pooling_core's arrays, LaTeX on hand examples, and the
PyTorch script run for real (when torch is installed) prints pooling_core's numbers."""

from __future__ import annotations

import csv
import io
import json
import math
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from framework_runners import SCRIPT_DRIVER, printed_blocks

from pooling_core import TIE_POLICIES, PoolSpec, pool_backward, pool_forward, win_counts
from ui.exports.arrays import export_arrays, torch_accepts, torch_call
from ui.exports.tables import arrays_csv, arrays_json, latex_all, latex_bmatrix
from ui.exports.torch_script import TIE_GRADIENT, pytorch_snippet
from ui.i18n import t

NAN, INF = math.nan, math.inf
X_SPECIAL = np.array([[1, 2, NAN, 4], [5, 5, 1, 0], [0, 1.5, INF, -INF], [1, 1, 1, 1 / 3]])
GY_2X2 = np.array([[1, 0.5], [2, -1.0]])
PLATEAU = np.array([[5, 5, 1, 2], [5, 5, 3, 3], [0, 1, 4, 4], [2, 0, 4, 4]], dtype=float)


def _rng_grid(shape: tuple[int, int], seed: int, high: int = 4) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, high, size=shape).astype(np.float64)


def _gy(x: np.ndarray, spec: PoolSpec, seed: int = 7) -> np.ndarray:
    shape = pool_forward(x, spec).output.shape
    return np.round(np.random.default_rng(seed).uniform(-2, 2, size=shape), 3)


def _expected(x: np.ndarray, gy: np.ndarray, spec: PoolSpec) -> dict[str, np.ndarray]:
    fwd = pool_forward(x, spec)
    out = {"x": x, "y": fwd.output, "mask": win_counts(x, spec), "dL/dy": gy,
           "dL/dx": pool_backward(x, gy, spec)}
    if fwd.indices is not None:
        out["indices"] = fwd.indices
    if fwd.divisor is not None:
        out["divisor"] = fwd.divisor
    return out


# ---------------------------------------------------------------------------------- CSV
def _csv_blocks(data: bytes) -> dict[str, list[list[str]]]:
    text = data.decode("utf-8-sig")
    blocks: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for row in csv.reader(io.StringIO(text, newline="")):
        if not row:
            current = None
        elif current is None:
            current = blocks.setdefault(row[0], [])
            assert len(row) == 2 and row[1], f"title row {row} needs an id and a description"
        else:
            current.append(row)
    return blocks


@pytest.mark.parametrize(
    ("x", "spec"),
    [
        (X_SPECIAL, PoolSpec(kernel_size=2, ties="split")),
        (PLATEAU, PoolSpec(kernel_size=3, stride=1, padding=1, ties="all")),
        (_rng_grid((5, 7), 1), PoolSpec(kernel_size=3, stride=2, padding=1, mode="avg",
                                        ceil_mode=True, count_include_pad=False)),
    ],
)
def test_csv_reads_back_to_the_arrays(x: np.ndarray, spec: PoolSpec) -> None:
    gy = _gy(x, spec)
    data = arrays_csv(x, gy, spec, lang="en")
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: spreadsheets read UTF-8 right
    blocks = _csv_blocks(data)
    want = _expected(x, gy, spec)
    assert list(blocks) == ["spec", *want]
    for name, arr in want.items():
        got = np.array([[float(c) for c in row] for row in blocks[name]])
        np.testing.assert_array_equal(got, arr, err_msg=name)  # exact, NaN == NaN
    spec_rows = {row[0]: row[1:] for row in blocks["spec"]}
    assert spec_rows["kernel_size"] == [str(v) for v in spec.k]
    assert spec_rows["padding"] == [str(v) for v in spec.p]
    assert spec_rows["ceil_mode"] == [str(spec.ceil_mode)]
    if spec.mode == "max":
        assert spec_rows["function"] == ["max_pool2d"] and spec_rows["ties"] == [spec.ties]
    else:
        assert spec_rows["function"] == ["avg_pool2d"]
        assert spec_rows["count_include_pad"] == ["False"]
        assert spec_rows["divisor_override"] == ["None"]


def test_csv_uses_the_results_it_is_given() -> None:
    """With Results, nothing is recomputed: the arrays in the file are the ones passed."""
    spec = PoolSpec(kernel_size=2)
    gy = _gy(PLATEAU, spec)

    class Fake:
        forward = pool_forward(PLATEAU, spec)
        wins = np.full(PLATEAU.shape, 7)
        grad_input = np.full(PLATEAU.shape, 0.25)

    blocks = _csv_blocks(arrays_csv(PLATEAU, gy, spec, Fake(), lang="en"))
    assert {c for row in blocks["mask"] for c in row} == {"7"}
    assert {c for row in blocks["dL/dx"] for c in row} == {"0.25"}


def test_wrong_shapes_are_refused() -> None:
    spec = PoolSpec(kernel_size=2)
    with pytest.raises(ValueError, match="shape"):
        arrays_csv(PLATEAU, np.ones((3, 3)), spec)
    with pytest.raises(ValueError, match=r"\(H, W\)"):
        export_arrays(np.ones((1, 4, 4)), np.ones((1, 2, 2)), spec)


# ---------------------------------------------------------------------------------- JSON
def _no_bare_constants(name: str) -> None:
    raise AssertionError(f"bare {name} in JSON")


def _decode(v: object) -> float:
    return {"nan": NAN, "inf": INF, "-inf": -INF}[v] if isinstance(v, str) else float(v)


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # inf + -inf in a window
@pytest.mark.parametrize(
    "spec",
    [
        PoolSpec(kernel_size=2, ties="split"),
        PoolSpec(kernel_size=2, stride=1, padding=1, mode="avg", divisor_override=3),
    ],
)
def test_json_reads_back_to_the_arrays_and_spec(spec: PoolSpec) -> None:
    gy = _gy(X_SPECIAL, spec)
    text = arrays_json(X_SPECIAL, gy, spec)
    doc = json.loads(text, parse_constant=_no_bare_constants)
    want = _expected(X_SPECIAL, gy, spec)
    names = {"x": "input", "y": "output", "mask": "win_counts", "dL/dy": "grad_output",
             "dL/dx": "grad_input", "indices": "indices", "divisor": "divisor"}
    assert set(doc["arrays"]) == {names[k] for k in want}
    for key, arr in want.items():
        got = np.array([[_decode(v) for v in row] for row in doc["arrays"][names[key]]])
        np.testing.assert_array_equal(got, arr, err_msg=key)
    s = doc["spec"]
    assert s["kernel_size"] == list(spec.k) and s["stride"] == list(spec.s)
    assert s["padding"] == list(spec.p) and s["ceil_mode"] is spec.ceil_mode
    assert doc["torch_call"] == torch_call(spec)
    assert doc["shapes"] == {"input": [4, 4], "output": list(want["y"].shape)}
    if spec.mode == "max":
        assert s["function"] == "max_pool2d" and s["dilation"] == [1, 1]
        assert s["ties"] == "split" and "count_include_pad" not in s
        assert doc["arrays"]["output"][0][1] == "nan" and doc["arrays"]["output"][1][1] == "inf"
    else:
        assert s["function"] == "avg_pool2d" and "dilation" not in s and "ties" not in s
        assert s["count_include_pad"] is True and s["divisor_override"] == 3
    assert doc["arrays"]["input"][2][3] == "-inf"


# ---------------------------------------------------------------------------------- LaTeX
@pytest.mark.parametrize(
    ("a", "digits", "expected"),
    [
        ([[1, 2], [3, 4]], 4, r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}"),
        (np.array([[1.0, -2.0]]), 4, r"\begin{bmatrix} 1 & -2 \end{bmatrix}"),
        ([[NAN, INF], [-INF, -0.0]], 4,
         r"\begin{bmatrix} \mathrm{NaN} & \infty \\ -\infty & 0 \end{bmatrix}"),
        ([[1 / 3, 2.5], [0.125, -7 / 3]], 4,
         r"\begin{bmatrix} 0.3333 & 2.5 \\ 0.125 & -2.333 \end{bmatrix}"),
        ([[1 / 3, 1.5e-5]], 2, r"\begin{bmatrix} 0.33 & 1.5 \times 10^{-5} \end{bmatrix}"),
        ([5, 6, 7], 4, r"\begin{bmatrix} 5 & 6 & 7 \end{bmatrix}"),
        (np.float64(2.0), 4, r"\begin{bmatrix} 2 \end{bmatrix}"),
        (np.array([[3]], dtype=np.int64), 4, r"\begin{bmatrix} 3 \end{bmatrix}"),
    ],
)
def test_latex_bmatrix(a: object, digits: int, expected: str) -> None:
    assert latex_bmatrix(np.asarray(a), digits=digits) == expected


def test_latex_all_labelled_equations() -> None:
    x = np.array([[1.0, 3.0], [2.0, 0.5]])
    spec = PoolSpec(kernel_size=2, stride=1, padding=1, mode="avg")
    gy = np.ones((3, 3))
    tex = latex_all(x, gy, spec, lang="en")
    lines = tex.splitlines()
    assert lines[0] == f"% {torch_call(spec)}"
    label = t("export.array.x", lang="en")
    assert (rf"  \text{{{label}}}\quad x = \begin{{bmatrix}} 1 & 3 \\ 2 & 0.5 \end{{bmatrix}}"
            in lines)
    assert r"\quad y = \begin{bmatrix} 0.25 & 1 & 0.75 \\ 0.75 & 1.625 & 0.875 \\ " \
        r"0.5 & 0.625 & 0.125 \end{bmatrix}" in tex
    assert r"\quad M = \begin{bmatrix} 4 & 4 \\ 4 & 4 \end{bmatrix}" in tex
    assert r"\quad \frac{\partial L}{\partial y} = \begin{bmatrix} 1 & 1 & 1 \\ " in tex
    assert r"\quad \frac{\partial L}{\partial x} = \begin{bmatrix} 1 & 1 \\ 1 & 1 \end{bmatrix}" \
        in tex
    assert tex.count(r"\begin{equation*}") == tex.count(r"\end{equation*}") == 5
    assert "MaxMatrixCols" not in tex and r"\documentclass" not in tex
    doc = latex_all(x, gy, spec, lang="en", standalone=True)
    assert doc.startswith("\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n")
    assert doc.endswith("\\end{document}\n") and tex in doc


def test_latex_all_wide_matrices_and_escaped_labels() -> None:
    x = _rng_grid((3, 12), 2)
    spec = PoolSpec(kernel_size=(1, 2), ties="split")
    tex = latex_all(x, _gy(x, spec), spec, lang="en")
    assert tex.splitlines()[1] == r"\setcounter{MaxMatrixCols}{12}"
    assert r'; ties = "split"' in tex.splitlines()[0]
    # the mask's label names the policy; LaTeX specials in labels would be escaped
    assert "(ties = split)" in tex
    from ui.exports.tables import latex_escape

    assert latex_escape("a_b & 50% {x}") == r"a\_b \& 50\% \{x\}"


# ---------------------------------------------------------------------------------- PyTorch
def _run_snippet(code: str, tmp_path: Path) -> str:
    path = tmp_path / "snippet.py"
    path.write_text(code, encoding="utf-8")
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr + "\n" + code
    return done.stdout


SNIPPET_CASES = {
    "max_first_overlap": (_rng_grid((6, 6), 3), PoolSpec(kernel_size=3, stride=1)),
    "max_split_plateau": (PLATEAU, PoolSpec(kernel_size=2, ties="split")),
    # padding, ceil_mode and an input the floor rule crops (7 rows: last one unused)
    "max_split_pad_ceil": (_rng_grid((7, 6), 4), PoolSpec(kernel_size=3, stride=2, padding=1,
                                                         ceil_mode=True, ties="split")),
    "max_split_crop": (_rng_grid((7, 7), 5), PoolSpec(kernel_size=2, stride=(2, 3),
                                                     dilation=(1, 2), ties="split")),
    "max_ceil_5x5": (_rng_grid((5, 5), 6, high=9), PoolSpec(kernel_size=2, ceil_mode=True)),
    "avg_pad_no_count_ceil": (_rng_grid((5, 6), 7, high=9),
                              PoolSpec(kernel_size=3, stride=2, padding=1, mode="avg",
                                       ceil_mode=True, count_include_pad=False)),
    "avg_divisor_override": (_rng_grid((4, 5), 8, high=9),
                             PoolSpec(kernel_size=(2, 3), stride=1, padding=(1, 1), mode="avg",
                                      divisor_override=4)),
    # PyTorch refuses padding 2 > kernel_size // 2 = 1 (the dilated kernel spans 4 cells)
    "max_refused_all": (_rng_grid((6, 7), 9), PoolSpec(kernel_size=2, stride=2, padding=2,
                                                      dilation=3, ceil_mode=True, ties="all")),
    "max_refused_split": (_rng_grid((5, 6), 10), PoolSpec(kernel_size=2, stride=1, padding=2,
                                                         dilation=3, ties="split")),
    "max_last": (PLATEAU, PoolSpec(kernel_size=2, stride=1, ties="last")),
}


@pytest.fixture(scope="module")
def snippet_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, str]]:
    """Every case's script and what it printed. One subprocess runs them all as __main__, one
    after the other, so torch is imported once (a few seconds each time)."""
    pytest.importorskip("torch")
    folder = tmp_path_factory.mktemp("snippets")
    codes = {}
    for case, (x, spec) in SNIPPET_CASES.items():
        codes[case] = pytorch_snippet(x, _gy(x, spec), spec, lang="en")
        (folder / f"{case}.py").write_text(codes[case], encoding="utf-8")
    paths = [str(folder / f"{case}.py") for case in SNIPPET_CASES]
    done = subprocess.run([sys.executable, "-c", SCRIPT_DRIVER, *paths], capture_output=True,
                          text=True, timeout=60, cwd=folder)
    assert done.returncode == 0, done.stderr
    parts = done.stdout.split("@@@@ ")[1:]
    assert len(parts) == len(paths)
    return {case: (codes[case], part) for case, part in zip(SNIPPET_CASES, parts, strict=True)}


@pytest.mark.parametrize("case", list(SNIPPET_CASES))
def test_pytorch_snippet_prints_pooling_core_numbers(
    case: str, snippet_runs: dict[str, tuple[str, str]]
) -> None:
    x, spec = SNIPPET_CASES[case]
    gy = _gy(x, spec)
    code, stdout = snippet_runs[case]
    assert ("refuses" in code) is (not torch_accepts(spec))
    printed = printed_blocks(stdout)
    fwd = pool_forward(x, spec)
    np.testing.assert_array_equal(printed["y"], fwd.output)
    if spec.mode == "avg":
        assert set(printed) == {"y", "dL/dx"}
        np.testing.assert_allclose(printed["dL/dx"], pool_backward(x, gy, spec), rtol=1e-12)
        return
    np.testing.assert_array_equal(printed["indices"], fwd.indices)
    first = replace(spec, ties="first")
    if spec.ties == "first":
        assert set(printed) == {"y", "indices", "dL/dx"}
        np.testing.assert_array_equal(printed["dL/dx"], pool_backward(x, gy, spec))
        return
    np.testing.assert_array_equal(printed["dL/dx (ties=first)"], pool_backward(x, gy, first))
    assert t("export.py.first_note", lang="en", ties=spec.ties) in stdout  # printed unbroken
    if spec.ties == "split":
        np.testing.assert_allclose(printed["dL/dx"], pool_backward(x, gy, spec), rtol=1e-12,
                                   atol=1e-15)
        assert "torch.amax" in code and "F.unfold" in code
    else:
        assert "dL/dx" not in printed  # no built-in torch op follows "last" / "all"
        assert t("export.py.no_builtin", lang="en", ties=spec.ties) in stdout


def test_every_tie_policy_has_its_part_of_the_script() -> None:
    """The script's dL/dx is looked up per policy (no branch on a policy's name)."""
    assert set(TIE_GRADIENT) == set(TIE_POLICIES)


def test_snippet_runs_alone(tmp_path: Path) -> None:
    """A script run on its own, as a user would (python file.py), prints the tie notes."""
    pytest.importorskip("torch")
    spec = PoolSpec(kernel_size=2, stride=1, ties="all")
    out = _run_snippet(pytorch_snippet(PLATEAU, _gy(PLATEAU, spec), spec, lang="en"), tmp_path)
    assert t("export.py.first_note", lang="en", ties="all") in out
    assert t("export.py.no_builtin", lang="en", ties="all") in out


def test_snippet_without_torch_is_still_python() -> None:
    """Specials in x become the script's names nan/inf; the script compiles."""
    spec = PoolSpec(kernel_size=2)
    code = pytorch_snippet(X_SPECIAL, GY_2X2, spec, lang="en")
    compile(code, "snippet.py", "exec")
    assert "nan, inf = math.nan, math.inf" in code
    rows = [line.replace(" ", "") for line in code.splitlines()]
    assert "[1,2,nan,4]," in rows and "[0,1.5,inf,-inf]," in rows
    assert "return_indices=True" in code and "ties=first" not in code
    with pytest.raises(ValueError, match="shape"):
        pytorch_snippet(X_SPECIAL, np.ones((3, 3)), spec)


# ---------------------------------------------------------------------------------- view
def test_export_section_draws_buttons_and_code() -> None:
    from streamlit.testing.v1 import AppTest

    def page() -> None:
        import numpy as np

        from pooling_core import PoolSpec, pool_forward
        from ui.exports.view import export_section

        x = np.arange(16.0).reshape(4, 4) % 3
        spec = PoolSpec(kernel_size=2, stride=1, padding=2, dilation=3, ties="split")
        gy = np.ones(pool_forward(x, spec).output.shape)
        export_section(x, gy, spec, None)

    at = AppTest.from_function(page, default_timeout=30).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.expander[0].label == t("export.header", lang="en")
    assert not at.code and not at.get("download_button")  # closed: nothing built
    at.session_state["export_open"] = True  # the user opens it
    at.run()
    codes = [c.value for c in at.code]
    assert len(codes) == 2 and codes[0].startswith("% F.max_pool2d(")
    assert "torch.amax" in codes[1]
    assert at.info[0].value == t("export.py_refused", lang="en")
