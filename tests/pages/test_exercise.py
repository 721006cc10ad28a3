"""The Exercise: generator (reproducible, each level as promised, answers right by pooling_core
and by the independent loop reference), checker (exactly the wrong cells, scores, explanations
with the right numbers), fraction parsing, and the page driven through AppTest.

Answers are typed into the page by seeding the grid editors' session-state keys
(`ex_<part>_<level>_<seed>`), since AppTest cannot type into a grid editor.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from loop_reference import (
    adaptive_plane_steps,
    loop_adaptive_pool,
    loop_pool,
    loop_scatter_steps,
)
from page_helpers import charts
from streamlit.testing.v1 import AppTest

from pooling_core import (
    ANSWER_PARTS,
    EXERCISE_LEVELS,
    TIE_POLICIES,
    AdaptiveSpec,
    PoolingError,
    PoolSpec,
    check,
    generate,
    output_size,
    pool_backward,
    pool_forward,
    win_counts,
)
from ui.format import fmt
from ui.i18n import t
from ui.widgets.fractions import answer_text, frac_text, parse_answer, parse_answers

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "app_pages" / "exercise.py"
SEEDS = range(40)
LOOP_SEEDS = (0, 1, 2, 3, 7, 11)


def params(ex) -> dict:
    """The exercise's spec as loop_reference keyword arguments."""
    s = ex.spec
    padding = s.p if s.padding_kind == "symmetric" else s.padding  # 'same': by its name
    return dict(kernel_size=s.k, stride=s.s, padding=padding, dilation=s.d, ceil_mode=s.ceil_mode,
                mode=s.mode, ties=s.ties, count_include_pad=s.count_include_pad,
                divisor_override=s.divisor_override)


def loop_answers(ex) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(y, mask, dL/dx) of an exercise by the loop reference (tests/loop_reference.py)."""
    if isinstance(ex.spec, AdaptiveSpec):
        s = ex.spec
        out, _, grad = loop_adaptive_pool(ex.x, ex.grad_output, s.out, s.mode, s.ties)
        steps = adaptive_plane_steps(ex.x, ex.grad_output, s.out, s.mode, s.ties)
    else:
        out, _, grad = loop_pool(ex.x, ex.grad_output, **params(ex))
        steps = loop_scatter_steps(ex.x, ex.grad_output, **params(ex))
    mask = np.zeros(ex.x.shape, dtype=np.int64)
    for step in steps:
        for (r, c), _ in step.receivers:
            mask[r, c] += 1
    return out, mask, grad


def coverage(ex) -> np.ndarray:
    """How many windows cover each input cell (whatever the mode)."""
    return win_counts(ex.x, replace(ex.spec, mode="avg", dilation=1))


# --------------------------------------------------------------------------- generator
@pytest.mark.parametrize("level", EXERCISE_LEVELS)
def test_reproducible_per_seed(level: str) -> None:
    for seed in (0, 5, 123456):
        a, b = generate(level, seed), generate(level, seed)
        assert a.spec == b.spec and a.level == level and a.seed == seed
        for name in ("x", "grad_output", "output", "mask", "grad_input"):
            assert np.array_equal(getattr(a, name), getattr(b, name)), name
    xs = {generate(level, s).x.tobytes() for s in range(10)}
    assert len(xs) >= 8  # different seeds give different exercises


@pytest.mark.parametrize("level", EXERCISE_LEVELS)
def test_small_integer_problems(level: str) -> None:
    for seed in SEEDS:
        ex = generate(level, seed)
        H, W = ex.x.shape
        most = 7 if level == "adaptive" else 6  # 7 -> 3 and 7 -> 4 bins
        assert 4 <= H <= most and 4 <= W <= most
        assert np.array_equal(ex.x, np.round(ex.x)) and np.abs(ex.x).max() < 100
        g = ex.grad_output
        assert g.shape == ex.output.shape
        assert np.array_equal(g, np.round(g)) and np.abs(g).max() <= 3 and (g != 0).all()
        assert ex.mask.dtype == np.int64 and ex.mask.shape == ex.x.shape
        assert ex.output.size <= 16


def test_unknown_level_and_bad_seed() -> None:
    with pytest.raises(PoolingError) as e:
        generate("hard", 1)
    assert e.value.code == "unknown_level"
    for seed in (-1, 1.5, True):
        with pytest.raises(PoolingError):
            generate("ties", seed)  # type: ignore[arg-type]


def test_level_nonoverlap() -> None:
    for seed in SEEDS:
        ex = generate("nonoverlap", seed)
        s = ex.spec
        assert (s.k, s.s, s.p, s.ceil_mode, s.mode) == ((2, 2), (2, 2), (0, 0), False, "max")
        assert len(np.unique(ex.x)) == ex.x.size  # distinct values
        assert coverage(ex).max() == 1  # no cell lies in two windows
        assert ex.mask.sum() == ex.output.size  # one winner per window


def test_level_overlap() -> None:
    kernels = set()
    for seed in SEEDS:
        ex = generate("overlap", seed)
        s = ex.spec
        kernels.add(s.k)
        assert s.mode == "max" and s.s == (1, 1) and s.k in ((2, 2), (3, 3)) and s.p == (0, 0)
        assert len(np.unique(ex.x)) == ex.x.size
        assert coverage(ex).max() >= 2  # windows overlap
        assert ex.mask.max() >= 2  # some cell's gradients add up
    assert kernels == {(2, 2), (3, 3)}


def _tied_blocks(x: np.ndarray) -> int:
    H, W = x.shape
    return sum(
        int((x[r:r + 2, c:c + 2] == x[r:r + 2, c:c + 2].max()).sum()) > 1
        for r in range(0, H - 1, 2) for c in range(0, W - 1, 2)
    )


def test_level_ties() -> None:
    policies = set()
    for seed in SEEDS:
        ex = generate("ties", seed)
        s = ex.spec
        policies.add(s.ties)
        assert s.mode == "max" and (s.k, s.s, s.p) == ((2, 2), (2, 2), (0, 0))
        assert ex.x.min() >= 0 and ex.x.max() <= 4
        assert _tied_blocks(ex.x) >= 2  # counted here by hand, independently of the core
        assert len(ex.tied_windows) == _tied_blocks(ex.x)
        # the tie matters: "first" and "all" send gradient to different cells
        firsts = win_counts(ex.x, replace(s, ties="first"))
        alls = win_counts(ex.x, replace(s, ties="all"))
        assert alls.sum() > firsts.sum()
    assert policies == set(TIE_POLICIES)


def test_level_padding() -> None:
    seen = set()
    for seed in SEEDS:
        ex = generate("padding", seed)
        s = ex.spec
        seen.add((s.p[0] > 0, s.ceil_mode))
        assert s.mode == "max" and len(np.unique(ex.x)) == ex.x.size
        assert s.p != (0, 0) or s.ceil_mode
        if s.ceil_mode:  # ceil_mode keeps at least one more window than floor would
            floor = output_size(ex.x.shape, replace(s, ceil_mode=False))
            assert ex.output.size > floor[0].size * floor[1].size
    assert seen == {(True, False), (False, True), (True, True)}


def test_level_average() -> None:
    seen = set()
    for seed in SEEDS:
        ex = generate("average", seed)
        s = ex.spec
        assert s.mode == "avg" and s.divisor_override is None
        seen.add((s.p[0], s.count_include_pad))
        assert ex.mask.max() >= 1
    assert seen == {(0, True), (1, True), (1, False)}


@pytest.mark.parametrize("level", EXERCISE_LEVELS)
def test_answers_are_pooling_core(level: str) -> None:
    for seed in SEEDS:
        ex = generate(level, seed)
        assert np.array_equal(ex.output, pool_forward(ex.x, ex.spec).output)
        assert np.array_equal(ex.mask, win_counts(ex.x, ex.spec))
        assert np.array_equal(ex.grad_input, pool_backward(ex.x, ex.grad_output, ex.spec))
        assert np.array_equal(ex.answers["y"], ex.output)


@pytest.mark.parametrize("level", EXERCISE_LEVELS)
def test_answers_match_loop_reference(level: str) -> None:
    for seed in LOOP_SEEDS:
        ex = generate(level, seed)
        out, mask, grad = loop_answers(ex)
        np.testing.assert_allclose(ex.output, out, rtol=0, atol=1e-12)
        np.testing.assert_allclose(ex.grad_input, grad, rtol=0, atol=1e-12)
        assert np.array_equal(ex.mask, mask)


def test_nonoverlap_by_hand() -> None:
    """Kernel 2, stride 2, distinct values: each 2x2 block's maximum, and its cell gets dL/dy."""
    for seed in LOOP_SEEDS:
        ex = generate("nonoverlap", seed)
        OH, OW = ex.output.shape
        grad = np.zeros_like(ex.x)
        mask = np.zeros(ex.x.shape, dtype=int)
        for i in range(OH):
            for j in range(OW):
                block = ex.x[2 * i:2 * i + 2, 2 * j:2 * j + 2]
                assert ex.output[i, j] == block.max()
                a, b = np.unravel_index(np.argmax(block), (2, 2))
                grad[2 * i + a, 2 * j + b] = ex.grad_output[i, j]
                mask[2 * i + a, 2 * j + b] = 1
        assert np.array_equal(ex.grad_input, grad) and np.array_equal(ex.mask, mask)


def test_average_by_hand() -> None:
    """Average pooling, kernel 2, stride 2, no padding: block mean; each cell gets dL/dy / 4."""
    seeds = [s for s in SEEDS if generate("average", s).spec.p == (0, 0)
             and generate("average", s).spec.k == (2, 2)]
    assert seeds
    ex = generate("average", seeds[0])
    OH, OW = ex.output.shape
    for i in range(OH):
        for j in range(OW):
            block = ex.x[2 * i:2 * i + 2, 2 * j:2 * j + 2]
            assert ex.output[i, j] == pytest.approx(block.sum() / 4)
            assert (ex.grad_input[2 * i:2 * i + 2, 2 * j:2 * j + 2]
                    == pytest.approx(ex.grad_output[i, j] / 4))
    assert (ex.mask == 1).all()


# --------------------------------------------------------------------------- checker
@pytest.mark.parametrize("level", EXERCISE_LEVELS)
def test_right_answers_score_full(level: str) -> None:
    for seed in (0, 1, 2):
        ex = generate(level, seed)
        res = check(ex, {p: a.astype(float) for p, a in ex.answers.items()})
        assert res.solved and res.score == 1.0 and not res.explanations
        assert res.total == ex.output.size + 2 * ex.x.size
        for part in ANSWER_PARTS:
            assert res.parts[part].correct == res.parts[part].total
            assert not res.parts[part].wrong.any()


def test_checker_marks_exactly_the_wrong_cells() -> None:
    ex = generate("overlap", 4)
    y, mask, grad = (a.astype(float) for a in (ex.output, ex.mask, ex.grad_input))
    y[0, 1] += 1
    mask[2, 2] += 1
    mask[0, 0] = np.nan  # blank
    grad[1, 3] -= 2
    res = check(ex, {"y": y, "mask": mask, "grad_input": grad})
    want = {"y": {(0, 1)}, "mask": {(2, 2), (0, 0)}, "grad_input": {(1, 3)}}
    for part, cells in want.items():
        got = {tuple(map(int, rc)) for rc in np.argwhere(res.parts[part].wrong)}
        assert got == cells, part
        assert res.parts[part].correct == res.parts[part].total - len(cells)
    assert {tuple(map(int, rc)) for rc in np.argwhere(res.parts["mask"].blank)} == {(0, 0)}
    total = ex.output.size + 2 * ex.x.size
    assert (res.correct, res.total) == (total - 4, total)
    assert res.score == pytest.approx((total - 4) / total)
    assert [(e.part, e.cell, e.blank) for e in res.explanations] == [
        ("y", (0, 1), False), ("mask", (0, 0), True), ("mask", (2, 2), False),
        ("grad_input", (1, 3), False),
    ]


def test_missing_parts_count_as_blank_and_shapes_are_checked() -> None:
    ex = generate("nonoverlap", 1)
    res = check(ex, {"y": ex.output})
    assert res.parts["y"].correct == ex.output.size
    assert res.parts["mask"].blank.all() and res.parts["grad_input"].correct == 0
    assert res.correct == ex.output.size
    with pytest.raises(PoolingError) as e:
        check(ex, {"y": np.zeros((1, 1))})
    assert e.value.code == "answer_shape"


def test_tolerance_accepts_fractions_typed_as_decimals() -> None:
    # average level, kernel 3 stride 1: ninths everywhere
    ex = next(e for e in (generate("average", s) for s in SEEDS) if e.spec.k == (3, 3))
    y = np.round(ex.output, 2)  # 4.444... typed as 4.44
    res = check(ex, {"y": y})
    assert res.parts["y"].correct == ex.output.size
    y_bad = np.round(ex.output, 0) + 0.5 * (np.round(ex.output, 0) == ex.output)
    res = check(ex, {"y": y_bad})
    assert res.parts["y"].wrong.all()


def test_explanations_of_max_y_mask_and_grad() -> None:
    ex = generate("overlap", 4)
    wrong = {p: np.full(a.shape, 99.0) for p, a in ex.answers.items()}
    res = check(ex, wrong)
    assert len(res.explanations) == res.total  # every cell is wrong, none blank
    kh, kw = ex.spec.k
    for e in res.explanations:
        p = e.params
        assert p["given"] == 99.0 and not e.blank
        if e.part == "y":
            i, j = e.cell
            assert e.code == "y_max"
            assert p["rows"] == list(range(i, i + kh)) and p["cols"] == list(range(j, j + kw))
            block = ex.x[i:i + kh, j:j + kw]
            assert p["value"] == p["expected"] == block.max() == ex.output[i, j]
            (r, c), = p["cells"]
            assert ex.x[r, c] == block.max() and p["pad_cells"] == 0
        elif e.part == "mask":
            r, c = e.cell
            assert e.code == "mask_max" and p["expected"] == ex.mask[r, c]
            assert len(p["windows"]) == ex.mask[r, c]
            for i, j in p["windows"]:  # the cell is the maximum of each window it names
                block = ex.x[i:i + kh, j:j + kw]
                assert i <= r < i + kh and j <= c < j + kw and ex.x[r, c] == block.max()
        else:
            r, c = e.cell
            assert p["expected"] == ex.grad_input[r, c]
            if e.code == "grad_none":
                assert ex.mask[r, c] == 0 and p["terms"] == []
                continue
            assert e.code == "grad"
            assert sum(term["amount"] for term in p["terms"]) == pytest.approx(p["expected"])
            for term in p["terms"]:
                assert term["share"] == 1
                assert term["amount"] == term["upstream"] == ex.grad_output[term["i"], term["j"]]
            assert [(term["i"], term["j"]) for term in p["terms"]] == sorted(
                (term["i"], term["j"]) for term in p["terms"])


def test_explanations_of_ties() -> None:
    split = next(e for e in (generate("ties", s) for s in SEEDS) if e.spec.ties == "split")
    res = check(split, {})
    for e in res.explanations:
        if e.part == "grad_input" and e.code == "grad":
            for term in e.params["terms"]:
                i, j = term["i"], term["j"]
                block = split.x[2 * i:2 * i + 2, 2 * j:2 * j + 2]
                k = int((block == block.max()).sum())
                assert term["share"] == k
                assert term["amount"] == pytest.approx(split.grad_output[i, j] / k)
    first = next(e for e in (generate("ties", s) for s in SEEDS) if e.spec.ties == "first")
    res = check(first, {})
    passed = [e for e in res.explanations if e.part == "mask" and e.params["passed_over"]]
    assert passed
    for e in passed:
        r, c = e.cell
        for i, j, wr, wc in e.params["passed_over"]:
            block = first.x[2 * i:2 * i + 2, 2 * j:2 * j + 2]
            assert first.x[r, c] == block.max() == first.x[wr, wc]
            assert (wr, wc) < (r, c)  # "first" gave it to an earlier cell, row-major
            assert (i, j) not in e.params["windows"]


def test_explanations_of_average_and_padding() -> None:
    for seed in SEEDS:
        ex = generate("average", seed)
        if ex.spec.p == (1, 1):
            break
    res = check(ex, {})
    divisor = pool_forward(ex.x, ex.spec).divisor
    for e in res.explanations:
        p = e.params
        if e.part == "y":
            i, j = e.cell
            assert e.code == "y_avg" and p["divisor"] == divisor[i, j]
            cells = [(r, c) for r in p["rows"] for c in p["cols"]]
            assert p["real"] == len(cells)
            assert p["total"] == sum(ex.x[rc] for rc in cells)
            assert p["total"] / p["divisor"] == pytest.approx(p["expected"])
            assert p["count_include_pad"] == ex.spec.count_include_pad
        elif e.part == "mask":
            assert e.code == "mask_avg" and len(p["windows"]) == p["expected"]
        elif e.code == "grad":
            for term in p["terms"]:
                assert term["share"] == divisor[term["i"], term["j"]]
    corner = next(e for e in res.explanations if e.part == "y" and e.cell == (0, 0))
    kh, kw = ex.spec.k
    assert corner.params["pad_cells"] == kh * kw - corner.params["real"] > 0

    pad = next(e for e in (generate("padding", s) for s in SEEDS) if e.spec.p == (1, 1))
    y0 = next(e for e in check(pad, {}).explanations if e.cell == (0, 0))
    assert y0.params["rows"][0] == 0 and y0.params["pad_cells"] > 0
    window = pad.x[np.ix_(y0.params["rows"], y0.params["cols"])]
    assert y0.params["value"] == window.max() == pad.output[0, 0]


# --------------------------------------------------------------------------- fractions (ui)
@pytest.mark.parametrize(
    ("text", "value"),
    [("3", 3.0), ("-0.5", -0.5), ("2,5", 2.5), ("1/3", 1 / 3), (" -3/4 ", -0.75),
     ("3 ÷ 4", 0.75), ("1 1/2", 1.5), ("-2 1/4", -2.25), ("0.5/2", 0.25), ("−1/2", -0.5)],
)
def test_parse_answer_numbers(text: str, value: float) -> None:
    assert parse_answer(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["abc", "1/0", "1/2/3", "nan", "inf", "1/x", "--1"])
def test_parse_answer_rejects(text: str) -> None:
    assert parse_answer(text) is None


def test_parse_answers_grid() -> None:
    grid, errors = parse_answers([["1", "", None], ["x", "2/3", "7"]])
    assert np.isnan(grid[0, 1]) and np.isnan(grid[0, 2]) and np.isnan(grid[1, 0])
    assert grid[1, 1] == pytest.approx(2 / 3) and grid[1, 2] == 7
    assert [(e.row, e.col, e.text) for e in errors] == [(1, 0, "x")]


def test_fraction_texts() -> None:
    assert [frac_text(v) for v in (3.0, -0.75, 40 / 9, 0.0, math.pi)] == [
        "3", "-3/4", "40/9", "0", fmt(math.pi)]
    assert answer_text(3.75) == "15/4 = 3.75"
    assert answer_text(1 / 3) == "1/3 ≈ 0.3333"
    assert answer_text(-2.0) == "-2"


# --------------------------------------------------------------------------- the page
def run_page(level: str, seed: int, hide=None) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    at.session_state["ex_level"] = level
    at.session_state["ex_seed"] = seed
    if hide is not None:
        at.session_state["hide"] = hide
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def type_answers(at: AppTest, ex, texts: dict[str, list[list[str]]]) -> None:
    """Seed the three editors with these texts (one edit per cell)."""
    for part, rows in texts.items():
        at.session_state[f"ex_{part}_{ex.level}_{ex.seed}"] = {
            "edited_rows": {r: {str(c): v for c, v in enumerate(row)}
                            for r, row in enumerate(rows)},
        }


def right_texts(ex) -> dict[str, list[list[str]]]:
    return {p: [[frac_text(v) for v in row] for row in a] for p, a in ex.answers.items()}


def marked_cells(fig: dict) -> set[tuple[int, int]]:
    """Cells outlined by `marked` (inset rectangles) in a heatmap dict."""
    out = set()
    for s in fig["layout"].get("shapes", []):
        c, r = s["x0"] + 0.5 - 0.08, s["y0"] + 0.5 - 0.08
        out.add((round(r), round(c)))
    return out


def markdown(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown]


def test_page_solved_with_fractions_gets_full_score() -> None:
    ex = next(e for e in (generate("ties", s) for s in SEEDS)
              if e.spec.ties == "split" and (e.grad_input % 1 != 0).any())
    at = run_page("ties", ex.seed)
    assert t("exercise.spec.policy", policy="split", rule=t("exercise.rule.split")) in markdown(at)
    type_answers(at, ex, right_texts(ex))
    at.run()
    at.button(key="ex_check").click().run()
    assert not at.exception
    total = ex.output.size + 2 * ex.x.size
    assert t("exercise.score.total", correct=total, total=total, percent=100) in markdown(at)
    assert [s.value for s in at.success] == [t("exercise.solved", total=total)]
    figs = charts(at)
    for part in ANSWER_PARTS:
        assert marked_cells(figs[f"ex_fig_yours_{part}"]) == set()
    assert t("exercise.why.header") not in " ".join(markdown(at))


def test_page_two_wrong_cells_marked_and_explained() -> None:
    ex = generate("nonoverlap", 3)
    texts = right_texts(ex)
    texts["y"][0][1] = "5"
    r, c = map(int, np.argwhere(ex.mask == 1)[0])  # a winning cell
    texts["grad_input"][r][c] = "0"
    at = run_page("nonoverlap", 3)
    type_answers(at, ex, texts)
    at.run()
    at.button(key="ex_check").click().run()
    assert not at.exception
    figs = charts(at)
    assert marked_cells(figs["ex_fig_yours_y"]) == {(0, 1)}
    assert marked_cells(figs["ex_fig_yours_mask"]) == set()
    assert marked_cells(figs["ex_fig_yours_grad_input"]) == {(r, c)}
    md = markdown(at)
    total = ex.output.size + 2 * ex.x.size
    assert t("exercise.score.total", correct=total - 2, total=total,
             percent=round(100 * (total - 2) / total)) in md
    assert t("exercise.score.part", correct=ex.output.size - 1, total=ex.output.size,
             part="y") in md
    # the window (0,1) covers rows 0-1, columns 2-3; its maximum is read off x here
    block = ex.x[0:2, 2:4]
    a, b = np.unravel_index(np.argmax(block), (2, 2))
    y_line = t("exercise.why.y_max", i=0, j=1, rows="0–1", cols="2–3",
               value=fmt(block.max()), cells=f"({a},{b + 2})", given="5")
    i, j = r // 2, c // 2
    g = ex.grad_output[i, j]
    grad_line = t("exercise.why.grad_one", r=r, c=c, i=i, j=j,
                  term=t("exercise.term.whole", i=i, j=j, g=fmt(g)), expected=fmt(g), given="0")
    assert f"- {y_line}\n- {grad_line}" in md


def test_page_answers_hidden_until_asked() -> None:
    ex = generate("average", 2)
    at = run_page("average", 2)
    assert not any(k.startswith("ex_fig_answer") for k in charts(at))
    at.button(key="ex_show").click().run()
    figs = charts(at)
    for part in ANSWER_PARTS:
        fig = figs[f"ex_fig_answer_{part}"]
        assert fig["data"][0]["text"] == [[frac_text(v) for v in row] for row in ex.answers[part]]
    assert "ex_show" not in [b.key for b in at.button]  # shown: the button is gone
    # another exercise: its answers are hidden again
    at.session_state["ex_seed"] = 3
    at.run()
    assert not any(k.startswith("ex_fig_answer") for k in charts(at))
    assert "ex_show" in [b.key for b in at.button]


@pytest.mark.parametrize("hide", [("answers",), ["controls", "answers"], "answers"])
def test_page_classroom_hides_show_answers(hide) -> None:
    at = run_page("overlap", 1, hide=hide)
    assert "ex_show" not in [b.key for b in at.button]
    assert t("exercise.answers_hidden") in [c.value for c in at.caption]


def test_page_bad_input_names_the_cells() -> None:
    ex = generate("padding", 6)
    at = run_page("padding", 6)
    at.session_state["ex_mask_padding_6"] = {
        "edited_rows": {0: {"1": "abc"}, 2: {"0": "1//2"}}}
    at.run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "(0,1) “abc”" in errors[0] and "(2,0) “1//2”" in errors[0]
    at.button(key="ex_check").click().run()
    assert not at.exception
    total = ex.output.size + 2 * ex.x.size
    assert t("exercise.score.total", correct=0, total=total, percent=0) in markdown(at)


def test_page_keeps_exercise_and_answers_across_pages(tmp_path: Path) -> None:
    (tmp_path / "app_pages").symlink_to(ROOT / "app_pages", target_is_directory=True)
    (tmp_path / "nav.py").write_text(
        "import streamlit as st\n"
        'st.navigation([st.Page("app_pages/exercise.py", default=True), '
        'st.Page("app_pages/theory.py")]).run()\n')
    at = AppTest.from_file(str(tmp_path / "nav.py"), default_timeout=60)
    at.run()
    at.selectbox(key="ex_level").set_value("overlap").run()
    at.number_input(key="ex_seed").set_value(9).run()
    ex = generate("overlap", 9)
    type_answers(at, ex, {"y": right_texts(ex)["y"]})
    at.run()
    at.switch_page("app_pages/theory.py").run()
    at.switch_page("app_pages/exercise.py").run()
    assert not at.exception
    assert at.selectbox(key="ex_level").value == "overlap"
    assert at.number_input(key="ex_seed").value == 9
    at.button(key="ex_check").click().run()
    assert t("exercise.score.part", correct=ex.output.size, total=ex.output.size,
             part="y") in markdown(at)


def test_page_new_exercise_button() -> None:
    at = run_page("ties", 5)
    at.button(key="ex_new").click().run()
    assert not at.exception
    seed = at.session_state["ex_seed"]
    assert 0 <= seed <= 999_999
    assert at.number_input(key="ex_seed").value == seed


# --------------------------------------------------------------------------- 'same' level
def test_same_level_seed_0_by_hand():
    ex = generate("same", 0)
    assert ex.spec == PoolSpec(3, 3, padding="same")
    np.testing.assert_array_equal(ex.x, [[8, -8, 32, 25, 7], [-4, 14, 19, 39, 30],
                                         [28, 27, 12, 36, 2], [20, 24, 11, -7, 17],
                                         [-2, 34, -9, 15, 37]])
    # Output ⌈5/3⌉ = 2; P = max((2 − 1)·3 + 3 − 5, 0) = 1, all of it after: windows rows/cols
    # 0–2 and 3–4 (+ one −∞ row/column). Maxima: 32 at (0,2), 39 at (1,3), 34 at (4,1),
    # 37 at (4,4).
    np.testing.assert_array_equal(ex.output, [[32, 39], [34, 37]])
    assert ex.spec.pads((5, 5)) == ((0, 1), (0, 1))
    expected = np.zeros((5, 5))
    for (r, c), g in zip(((0, 2), (1, 3), (4, 1), (4, 4)), ex.grad_output.ravel(), strict=True):
        expected[r, c] = g
    np.testing.assert_array_equal(ex.grad_input, expected)
    assert check(ex, ex.answers).score == 1.0


def test_same_level_page_names_the_rule():
    at = run_page("same", 0)
    assert ("**Max pooling**, kernel 3×3, stride 3×3, padding 'same' as TensorFlow" in
            "\n".join(markdown(at)))
    assert "ex_fig_x" in charts(at) and "ex_fig_gy" in charts(at)
