"""A printable worksheet: N generated exercises (pooling_core.exercise.generate) as a PDF, one
problem per page with empty grids to fill in and its classroom link as a QR code and as text,
then the answer key on separate pages. Made with fpdf2; the fonts are embedded (subset), so
Chinese prints on any printer.

    pdf = worksheet_pdf("ties", seed=10, count=5, policy="split", lang="pl",
                        base_url="https://school.example/pool")     # bytes

Exercise n is `generate(level, seed + n, policy)`, the same one the Exercise page opens with
`/exercise?level=...&seed=...&policy=...`. Work budget: at most MAX_PROBLEMS problems.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

import segno
from fpdf import FPDF

from pooling_core import Exercise, generate
from ui.exports.gif_fonts import CJK_LANGUAGES, cjk_font, font_for, latin_font
from ui.format import fmt
from ui.i18n import t
from ui.views.exercise import answer_kind, spec_sentence
from ui.widgets.fractions import frac_text

MAX_PROBLEMS = 30
MAX_SEED = 999_999
CELL_MM, QR_MM = 8.0, 32.0
PARTS = ("y", "mask", "grad_input")


class WorksheetRefusedError(Exception):
    """A worksheet that cannot be made (too many problems, no font for the language);
    `message` is the translated reason."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def plain(text: str) -> str:
    """A catalogue text without its Markdown emphasis (the PDF prints it as it reads)."""
    return text.replace("**", "").replace("`", "")


def exercise_link(base_url: str, ex: Exercise, policy: str | None, lang: str) -> str:
    """The Exercise page's classroom link of `ex` (ui.links.urlstate.EXERCISE_FIELDS)."""
    q = {"level": ex.level, "seed": str(ex.seed)}
    if policy and ex.spec.mode == "max":
        q["policy"] = policy
    q["lang"] = lang
    return f"{base_url.rstrip('/')}/exercise?{urlencode(q)}"


def exercises(level: str, seed: int, count: int, policy: str | None) -> list[Exercise]:
    """Exercises seed, seed + 1, ... (count of them, wrapping past MAX_SEED)."""
    return [generate(level, (seed + n) % (MAX_SEED + 1), policy) for n in range(count)]


def refusal(count: int, lang: str) -> str | None:
    """Why no worksheet of `count` problems can be made here, or None."""
    if not 1 <= count <= MAX_PROBLEMS:
        return t("slides.ws.too_many", lang, n=count, limit=MAX_PROBLEMS)
    if font_for(lang) is None:
        return t("slides.ws.no_font", lang)
    return None


class _Sheet(FPDF):
    """An A4 page with the app's fonts: a Latin font, and a CJK one as fallback (Chinese)."""

    def __init__(self, lang: str) -> None:
        super().__init__(format="A4")
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, 15)
        # A Latin font first even for Chinese (its text extracts cleanly from the PDF), the
        # CJK font as the fallback for the characters it lacks: only for Chinese (reading the
        # 19 MB CJK collection takes about half a second; Latin text never needs it).
        main = latin_font() or font_for(lang)
        assert main is not None  # refusal() said so first
        self.add_font("main", fname=str(main.path), collection_font_number=main.index)
        fallback = cjk_font(lang) if lang in CJK_LANGUAGES else None
        if fallback is not None and fallback != main:
            self.add_font("cjk", fname=str(fallback.path),
                          collection_font_number=fallback.index)
            self.set_fallback_fonts(["cjk"])
        self.set_font("main", size=11)

    def para(self, text: str, size: float = 11) -> None:
        self.set_font("main", size=size)
        self.multi_cell(0, size * 0.5, plain(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def grid(self, x: float, y: float, label: str, rows: list[list[str]]) -> float:
        """A labelled grid of cells at (x, y) mm; its height in mm (label included)."""
        self.set_font("main", size=9)
        self.set_xy(x, y)
        self.cell(0, 5, plain(label))
        self.set_font("main", size=10)
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.set_xy(x + c * CELL_MM, y + 6 + r * CELL_MM)
                self.cell(CELL_MM, CELL_MM, text, border=1, align="C")
        return 6 + len(rows) * CELL_MM


def _grids(pdf: _Sheet, y: float, grids: list[tuple[str, list[list[str]]]]) -> float:
    """Grids side by side from the left margin (a new row when the width is used up); the y
    below them."""
    x, row_h = pdf.l_margin, 0.0
    for label, rows in grids:
        pdf.set_font("main", size=9)  # the label's size: a long label widens its column
        width = max(len(rows[0]) * CELL_MM, pdf.get_string_width(plain(label)) + 2)
        if x + width > pdf.w - pdf.r_margin:
            x, y, row_h = pdf.l_margin, y + row_h + 4, 0.0
        row_h = max(row_h, pdf.grid(x, y, label, rows))
        x += width + 8
    return y + row_h + 4


def _titles(ex: Exercise, lang: str) -> dict[str, str]:
    return {"y": t("exercise.answers.y", lang),
            "mask": t(f"exercise.answers.mask_{answer_kind(ex)}", lang, policy=ex.spec.ties),
            "grad_input": t("exercise.answers.grad_input", lang)}


def _problem_page(pdf: _Sheet, n: int, ex: Exercise, link: str, lang: str) -> None:
    pdf.add_page()
    pdf.set_font("main", size=9)
    pdf.cell(0, 5, plain(t("slides.ws.title", lang, level=t(f"exercise.level.{ex.level}",
                                                              lang))),
             new_x="LMARGIN", new_y="NEXT")
    qr = io.BytesIO()
    segno.make(link, error="m").save(qr, kind="png", scale=8, border=2)
    pdf.image(qr, x=pdf.w - pdf.r_margin - QR_MM, y=pdf.t_margin, w=QR_MM, h=QR_MM)
    pdf.set_font("main", size=14)
    pdf.cell(pdf.w - pdf.l_margin - pdf.r_margin - QR_MM - 4, 8,
             plain(t("slides.ws.problem", lang, n=n, seed=ex.seed)), new_x="LMARGIN",
             new_y="NEXT")
    pdf.set_right_margin(15 + QR_MM + 4)
    pdf.para(spec_sentence(ex.spec, lang))
    if ex.spec.mode == "max":
        pdf.para(t("exercise.spec.policy", lang, policy=ex.spec.ties,
                   rule=t(f"exercise.rule.{ex.spec.ties}", lang)), size=10)
    pdf.set_right_margin(15)
    pdf.set_y(max(pdf.get_y(), pdf.t_margin + QR_MM + 2))
    H, W = ex.x.shape
    OH, OW = ex.output.shape
    y = _grids(pdf, pdf.get_y() + 2, [
        (t("exercise.fig.x", lang, h=H, w=W), [[fmt(v) for v in row] for row in ex.x]),
        (t("exercise.fig.gy", lang, oh=OH, ow=OW),
         [[fmt(v) for v in row] for row in ex.grad_output])])
    pdf.set_y(y)
    pdf.para(t("slides.ws.task", lang), size=10)
    titles = _titles(ex, lang)
    blank = {"y": (OH, OW), "mask": (H, W), "grad_input": (H, W)}
    y = _grids(pdf, pdf.get_y() + 2, [(titles[p], [[""] * blank[p][1]] * blank[p][0])
                                      for p in PARTS])
    pdf.set_xy(pdf.l_margin, max(y, pdf.h - pdf.b_margin - 12))
    pdf.set_font("main", size=8)
    pdf.multi_cell(0, 4, plain(t("slides.ws.link", lang, link=link)), new_x="LMARGIN",
                   new_y="NEXT")


def _answer_pages(pdf: _Sheet, items: list[tuple[int, Exercise]], lang: str) -> None:
    pdf.add_page()
    pdf.set_font("main", size=16)
    pdf.cell(0, 10, plain(t("slides.ws.key", lang)), new_x="LMARGIN", new_y="NEXT")
    for n, ex in items:
        H = ex.x.shape[0]
        need = 14 + 2 * (6 + H * CELL_MM + 4)  # heading and at most two rows of grids
        if pdf.get_y() + need > pdf.h - pdf.b_margin:
            pdf.add_page()
        pdf.set_font("main", size=12)
        pdf.cell(0, 8, plain(t("slides.ws.problem", lang, n=n, seed=ex.seed)),
                 new_x="LMARGIN", new_y="NEXT")
        titles = _titles(ex, lang)
        y = _grids(pdf, pdf.get_y(), [
            (titles[p], [[frac_text(v) for v in row] for row in ex.answers[p]])
            for p in PARTS])
        pdf.set_y(y + 2)


def worksheet_pdf(level: str, seed: int, count: int, policy: str | None, lang: str,
                  base_url: str) -> bytes:
    """The worksheet's PDF: `count` problems (level, first seed, tie policy or None for each
    exercise's own), in `lang`, each with its link under `base_url`; then the answer key.
    Raises WorksheetRefusedError past the budget or without a font for the language."""
    why = refusal(count, lang)
    if why is not None:
        raise WorksheetRefusedError(why)
    pdf = _Sheet(lang)
    pdf.set_title(plain(t("slides.ws.title", lang, level=t(f"exercise.level.{level}", lang))))
    items = list(enumerate(exercises(level, seed, count, policy), start=1))
    for n, ex in items:
        _problem_page(pdf, n, ex, exercise_link(base_url, ex, policy, lang), lang)
    _answer_pages(pdf, items, lang)
    return bytes(pdf.output())
