"""The printable worksheet (ui.exports.worksheet), read back with pypdf: each problem's answers
(from the independent loop reference, tests/loop_reference.py) are on the answer-key pages and
not on the problem pages; each problem page's QR code holds its classroom link (written by hand
below; segno's matrix of that link is compared module by module with the picture in the PDF);
a Chinese worksheet's text extracts as Chinese; the budget holds.
"""

from __future__ import annotations

import io
import re
from fractions import Fraction

import numpy as np
import pytest
import segno
from loop_reference import loop_pool, loop_scatter_steps
from pypdf import PdfReader

from pooling_core import generate
from ui.exports.worksheet import MAX_PROBLEMS, WorksheetRefusedError, worksheet_pdf

LEVEL, SEED, COUNT, POLICY = "ties", 10, 3, "split"
BASE = "http://localhost:8501"
LINKS = [f"{BASE}/exercise?level=ties&seed={s}&policy=split&lang=en" for s in (10, 11, 12)]


def params(ex) -> dict:
    s = ex.spec
    padding = s.p if s.padding_kind == "symmetric" else s.padding
    return dict(kernel_size=s.k, stride=s.s, padding=padding, dilation=s.d, ceil_mode=s.ceil_mode,
                mode=s.mode, ties=s.ties, count_include_pad=s.count_include_pad,
                divisor_override=s.divisor_override)


def frac(v: float) -> str:
    f = Fraction(float(v)).limit_denominator(1000)
    return str(f.numerator) if f.denominator == 1 else f"{f.numerator}/{f.denominator}"


def expected_answers(seed: int) -> dict[str, list[str]]:
    """y, mask and dL/dx of exercise `seed` by the loop reference, as row-major tokens."""
    ex = generate(LEVEL, seed, POLICY)  # its x, dL/dy and layer: the problem, not the answers
    out, _, grad = loop_pool(ex.x, ex.grad_output, **params(ex))
    mask = np.zeros(ex.x.shape, dtype=int)
    for step in loop_scatter_steps(ex.x, ex.grad_output, **params(ex)):
        for (r, c), _ in step.receivers:
            mask[r, c] += 1
    return {"y": [frac(v) for v in out.ravel()], "mask": [str(v) for v in mask.ravel()],
            "grad_input": [frac(v) for v in grad.ravel()]}


def contains(tokens: list[str], seq: list[str]) -> bool:
    n = len(seq)
    return any(tokens[i:i + n] == seq for i in range(len(tokens) - n + 1))


@pytest.fixture(scope="module")
def reader() -> PdfReader:
    return PdfReader(io.BytesIO(worksheet_pdf(LEVEL, SEED, COUNT, POLICY, "en", BASE)))


def test_answers_on_the_key_pages_only(reader: PdfReader) -> None:
    pages = [p.extract_text().split() for p in reader.pages]
    problems, key = pages[:COUNT], [tok for p in pages[COUNT:] for tok in p]
    assert "Answer" in key and len(reader.pages) > COUNT
    for n, seed in enumerate((10, 11, 12)):
        answers = expected_answers(seed)
        for part in ("y", "mask", "grad_input"):
            assert contains(key, answers[part]), (seed, part)
        for part in ("mask", "grad_input"):  # long enough not to occur by chance
            assert not any(contains(p, answers[part]) for p in problems), (seed, part)
        ex = generate(LEVEL, seed, POLICY)
        assert contains(problems[n], [frac(v) for v in ex.x.ravel()])  # the problem itself
        assert LINKS[n] in reader.pages[n].extract_text().replace("\n", "")


def test_qr_code_holds_the_problem_link(reader: PdfReader) -> None:
    for n, link in enumerate(LINKS):
        images = reader.pages[n].images
        assert len(images) == 1
        img = images[0].image.convert("L")
        expected = segno.make(link, error="m")
        size = expected.symbol_size(scale=1, border=0)[0]
        scale = img.size[0] // (size + 4)  # border 2 modules each side
        assert img.size[0] == (size + 4) * scale
        read = [[img.getpixel(((c + 2) * scale + scale // 2, (r + 2) * scale + scale // 2)) < 128
                 for c in range(size)] for r in range(size)]
        assert read == [[bool(v) for v in row] for row in expected.matrix], n
        other = segno.make(LINKS[(n + 1) % 3], error="m")
        assert read != [[bool(v) for v in row] for row in other.matrix]


@pytest.mark.parametrize("lang", ["zh-CN", "zh-TW"])
def test_chinese_worksheet_extracts_as_chinese(lang: str) -> None:
    from ui.i18n import t

    pdf = PdfReader(io.BytesIO(worksheet_pdf("overlap", 3, 1, None, lang, BASE)))
    # pypdf reads the CJK font's two-byte codes with a NUL before each character (the
    # content stream holds the same two-byte codes as the Latin font's): NULs are dropped.
    text = re.sub(r"[\s\x00]+", "", "".join(p.extract_text() for p in pdf.pages))
    assert len(re.findall(r"[\u4e00-\u9fff]", text)) > 30
    assert re.sub(r"\s+", "", t("slides.ws.key", lang)) in text
    assert re.sub(r"\s+", "", t("exercise.answers.grad_input", lang)) in text


def test_polish_letters_extract() -> None:
    pdf = PdfReader(io.BytesIO(worksheet_pdf("average", 3, 1, None, "pl", BASE)))
    text = "".join(p.extract_text() for p in pdf.pages)
    assert re.search(r"[ąęłśżźćńó]", text)
    assert "jądro" in text and "kernel" not in text and "Problem 1" not in text  # in Polish


def test_budget() -> None:
    with pytest.raises(WorksheetRefusedError) as e:
        worksheet_pdf(LEVEL, SEED, MAX_PROBLEMS + 1, None, "en", BASE)
    assert str(MAX_PROBLEMS) in e.value.message
    with pytest.raises(WorksheetRefusedError):
        worksheet_pdf(LEVEL, SEED, 0, None, "en", BASE)


def test_script_writes_the_worksheet(tmp_path) -> None:
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "scripts" / "make_worksheet.py"
    spec = importlib.util.spec_from_file_location("make_worksheet", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "w.pdf"
    assert module.main(["--level", "nonoverlap", "--seed", "7", "--count", "2", "--out",
                        str(out)]) == 0
    pages = PdfReader(out).pages
    assert len(pages) >= 3  # two problems, then the key
    assert "exercise number 8" in pages[1].extract_text()
    assert module.main(["--count", "31", "--out", str(tmp_path / "x.pdf")]) == 1
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.parametrize(("lang", "cjk"), [("en", False), ("es", False), ("pl", False),
                                           ("zh-CN", True), ("zh-TW", True)])
def test_the_cjk_font_is_read_for_chinese_only(lang: str, cjk: bool) -> None:
    # Reading the CJK collection is most of a short worksheet's time; Latin text never uses it.
    from ui.exports.worksheet import _Sheet

    assert ("cjk" in _Sheet(lang).fonts) is cjk
