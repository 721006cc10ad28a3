"""Plural forms: `t(key, count=n)` picks the CLDR form of each language.

The expected categories are written out by hand from the CLDR rules (not read from Babel):
English and Spanish: 1 -> one, otherwise other (Spanish 'many' is for millions only);
Polish: 1 -> one; n % 10 in 2..4 and n % 100 not in 12..14 -> few; other integers -> many;
Chinese: other for every number.
"""
from __future__ import annotations

import json
import re
import string
from types import MappingProxyType

import numpy as np
import pytest

import ui.i18n
from pooling_core import PoolSpec, scatter_steps
from ui.i18n import LANGUAGES, LOCALES_DIR, plural_category, shape_words, t
from ui.views.narrate import step_sentences

COUNTS = (0, 1, 2, 5, 12, 22, 25, 1024)
EXPECTED = {
    "en": ("other", "one", "other", "other", "other", "other", "other", "other"),
    "es": ("other", "one", "other", "other", "other", "other", "other", "other"),
    "pl": ("many", "one", "few", "many", "many", "few", "many", "few"),
    "zh-CN": ("other",) * 8,
    "zh-TW": ("other",) * 8,
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_plural_category_follows_cldr(lang: str) -> None:
    assert tuple(plural_category(lang, n) for n in COUNTS) == EXPECTED[lang]


def test_polish_teens_are_many() -> None:
    assert [plural_category("pl", n) for n in (12, 13, 14, 112, 113, 114)] == ["many"] * 6
    assert [plural_category("pl", n) for n in (32, 33, 34, 102, 104)] == ["few"] * 5


@pytest.fixture
def fake_catalogue(monkeypatch: pytest.MonkeyPatch) -> None:
    forms = {
        "en": {"w": {"one": "{n} window", "other": "{n} windows"}, "plain": "x = {v}"},
        "pl": {"w": {"one": "{n} okno", "few": "{n} okna", "many": "{n} okien",
                     "other": "{n} okna"}},
        "zh-CN": {"w": {"other": "{n} 个窗口"}},
    }
    monkeypatch.setattr(ui.i18n, "catalogue",
                        lambda lang: MappingProxyType(forms.get(lang, {})))


def test_t_picks_the_form(fake_catalogue: None) -> None:
    assert [t("w", "en", n=n) for n in (0, 1, 2)] == ["0 windows", "1 window", "2 windows"]
    assert [t("w", "pl", n=n) for n in (1, 2, 5, 22, 25, 1024)] == [
        "1 okno", "2 okna", "5 okien", "22 okna", "25 okien", "1024 okna"]
    assert t("w", "zh-CN", n=1) == "1 个窗口"


def test_count_argument_wins_over_n(fake_catalogue: None) -> None:
    assert t("w", "pl", count=5, n="pięć") == "pięć okien"


def test_missing_language_falls_back_to_english_forms(fake_catalogue: None) -> None:
    # Spanish has no entry here: English's rule and forms, not a Polish form or the key.
    assert t("w", "es", n=1) == "1 window"
    assert t("plain", "pl", v=3) == "x = 3"


# ------------------------------------------------------------------ the catalogues' counted texts
# Every counted key and the parameter that counts (what its callers pass as `count=`, or `n`).
# Written out by hand from the callers; a new counted key must be added here.
COUNTED_BY: dict[str, str] = {
    # exercise
    "exercise.alt.yours": "n", "exercise.score.part": "total", "exercise.score.total": "total",
    "exercise.solved": "total", "exercise.blank_count": "n", "exercise.why.more": "n",
    "exercise.why.y_max_pad": "n", "exercise.why.y_avg": "real", "exercise.why.y_avg_pad_in": "n",
    "exercise.why.y_avg_pad_out": "real", "exercise.why.mask_max": "n",
    "exercise.why.mask_avg": "n", "exercise.why.grad_many": "n",
    # explorer's step sentences
    "step.tie": "n", "step.goes_acc_many": "n", "step.split_share": "n", "step.all_share": "n",
    "step.avg": "real", "step.avg_share": "real", "step.avg_lost": "lost", "step.overlap": "n",
    # the same sentences for an adaptive layer's bins (ui.views.narrate.worded)
    "step_bins.step.goes_acc_many": "n", "step_bins.step.all_share": "n",
    "step_bins.step.overlap": "n",
    "step.avg_override": "real",
    "explorer.bin_size": "n",
    # exports, next layer
    "image.help": "side", "next.dense.explain": "n", "next.dense.off": "count",
    "next.conv.touching": "count", "next.conv.full_explain": "p", "next.back.sentence_avg": "kk",
    "next.alt.conv_P": "p", "next.error.conv_output_empty": "n", "next.conv.figs": "p",
    # page: grids, CSV, links, result, errors
    "grid.too_long": "limit", "csv.csv_ragged": "got", "csv.csv_not_number": "count",
    "csv.csv_field_too_long": "limit", "url.url_cell_too_long": "limit",
    "result.sums_ties_all": "n", "result.gradcheck_ok": "n", "result.gradcheck_ties": "n",
    "result.gradcheck_bad": "n", "result.gradcheck_sampled": "n", "result.gradcheck_skipped": "n",
    "result.sums_avg_divisor_lost": "n", "result.sums_avg_divisor_grew": "n",
    "error.output_empty": "span", "error.bins_too_large": "value",
    # ties page
    "ties.upstream": "n", "ties.tied_some": "n", "ties.sum.grows": "n", "ties.alt.grad": "n",
    "ties.fd.example": "n",
    # frameworks page
    "frameworks.alt.y": "n", "frameworks.alt.dx": "n", "frameworks.differs": "n",
    "frameworks.reason_line": "n", "frameworks.port.cells": "n", "frameworks.panel.differ": "n",
    # counted words for a grid's shape (ui.i18n.shape_words)
    "count.rows": "n", "count.columns": "n",
    # slides: the animation's and the worksheet's budgets and sizes
    "slides.gif.too_many": "n", "slides.gif.made": "n", "slides.ws.too_many": "n",
    "slides.ws.made": "n",
}
# The categories each language's entries must have, exactly (CLDR, integers and decimals).
# Spanish 'many' (1000000 de celdas) is optional: without it, `t` falls back to 'other'.
NEEDED = {
    "en": [{"one", "other"}],
    "es": [{"one", "other"}, {"one", "many", "other"}],
    "pl": [{"one", "few", "many", "other"}],
    "zh-CN": [{"other"}],
    "zh-TW": [{"other"}],
}
_FORMATTER = string.Formatter()


def _raw(lang: str) -> dict[str, object]:
    """A language's catalogue read from the JSON files (not through ui.i18n)."""
    merged: dict[str, object] = {}
    for path in sorted((LOCALES_DIR / lang).glob("*.json")):
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in _FORMATTER.parse(text) if name}


def test_counted_keys_are_the_listed_ones() -> None:
    for lang in LANGUAGES:
        counted = {k for k, v in _raw(lang).items() if isinstance(v, dict)}
        assert counted == set(COUNTED_BY), (lang, counted ^ set(COUNTED_BY))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_entry_has_exactly_the_categories_of_its_language(lang: str) -> None:
    cat = _raw(lang)
    wrong = {k: sorted(cat[k]) for k in COUNTED_BY if set(cat[k]) not in NEEDED[lang]}
    assert not wrong, wrong


@pytest.mark.parametrize("lang", LANGUAGES)
def test_forms_use_the_placeholders_of_english(lang: str) -> None:
    en, cat = _raw("en"), _raw(lang)
    problems = []
    for key, param in COUNTED_BY.items():
        want = set().union(*(_fields(f) for f in en[key].values()))
        for category, form in cat[key].items():
            if _fields(form) != want:
                problems.append(f"{key} [{category}]: {sorted(_fields(form))} != {sorted(want)}")
            if param in want and "{" + param + "}" not in form:
                problems.append(f"{key} [{category}] does not show its count {{{param}}}")
    assert not problems, "\n".join(problems)


def _params(key: str, n: int) -> dict[str, object]:
    """Every placeholder of `key` filled with a marker, its counting parameter with `n`."""
    fields = set().union(*(_fields(f) for f in _raw("en")[key].values()))
    params: dict[str, object] = {f: f"<{f}>" for f in fields}
    params[COUNTED_BY[key]] = n
    return params


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_counted_text_renders_the_form_of_its_cldr_category(lang: str) -> None:
    """0, 1, 2, 5, 12, 22, 25 and 1024 of everything: the form of EXPECTED's category, as the
    callers call `t` (the counting parameter itself, or `count=` beside it)."""
    cat = _raw(lang)
    wrong = []
    for key, param in COUNTED_BY.items():
        for n, category in zip(COUNTS, EXPECTED[lang], strict=True):
            params = _params(key, n)
            shown = t(key, lang, **params) if param in ("n", "count") else t(
                key, lang, count=n, **params)
            want = cat[key][category].format(**{**params, "count": n})
            if shown != want:
                wrong.append(f"{key} n={n}: {shown!r} != {want!r}")
    assert not wrong, "\n".join(wrong)


def test_no_dodged_counts_left() -> None:
    """No "window(s)" in any language, no Polish "(liczba: n)" instead of a declined noun."""
    for path in sorted(LOCALES_DIR.glob("*/*.json")):
        text = path.read_text(encoding="utf-8")
        assert "(s)" not in text, path
        assert "(liczba" not in text and "(limit znaków" not in text, path


def test_polish_by_hand() -> None:
    rows = [t("count.rows", "pl", n=n) for n in (1, 2, 5, 12, 22, 25, 1024)]
    assert rows == ["1 wiersz", "2 wiersze", "5 wierszy", "12 wierszy", "22 wiersze",
                    "25 wierszy", "1024 wiersze"]
    assert [t("count.columns", "pl", n=n) for n in (1, 3, 14, 24)] == [
        "1 kolumna", "3 kolumny", "14 kolumn", "24 kolumny"]
    assert [t("exercise.blank_count", "pl", n=n) for n in (1, 2, 5)] == [
        "1 komórka jest wciąż pusta; na razie liczy się jako niepoprawna.",
        "2 komórki są wciąż puste; na razie liczą się jako niepoprawne.",
        "5 komórek jest wciąż pustych; na razie liczą się jako niepoprawne."]
    assert [t("ties.sum.grows", "pl", diff="1", gy="4", n=n) for n in (1, 3, 5)] == [
        "O 1 więcej niż suma(dL/dy) = 4: 1 okno z remisem oddało swój gradient więcej niż raz.",
        "O 1 więcej niż suma(dL/dy) = 4: 3 okna z remisem oddały swój gradient więcej niż raz.",
        "O 1 więcej niż suma(dL/dy) = 4: 5 okien z remisem oddało swój gradient więcej niż raz."]
    # the issue's slips: "32 komórek", "z 1 rzeczywistych komórek", "1 wartości"
    assert "najwyżej 32 komórki;" in t("image.help", "pl", side=32, count=32, limit_mb=5,
                                       limit_mp=4)
    assert "najwyżej 25 komórek;" in t("image.help", "pl", side=25, count=25, limit_mb=5,
                                       limit_mp=4)
    assert "(suma z 1 rzeczywistej komórki podzielona" in t("step.avg", "pl", value="1", real=1,
                                                            divisor=4, count=1)
    assert "(suma z 4 rzeczywistych komórek podzielona" in t("step.avg", "pl", value="1", real=4,
                                                             divisor=4, count=4)
    assert "ma 1 wartość, a linia" in t("csv.csv_ragged", "pl", line=3, got=1, first=1,
                                        expected=2, count=1)
    assert "dostaje gradient z 1 okna:" in t("exercise.why.mask_max", "pl", r=0, c=0, n=1,
                                              windows="(0,0)", expected=1, given=0)
    assert "dostaje gradient z 2 okien:" in t("exercise.why.mask_max", "pl", r=0, c=0, n=2,
                                               windows="(0,0), (0,1)", expected=2, given=0)


def test_english_and_spanish_by_hand() -> None:
    assert "(sum of 1 real cell divided by 4)" in t("step.avg", "en", value="1", real=1,
                                                    divisor=4, count=1)
    assert "(la suma de 1 celda real dividida entre 4)" in t("step.avg", "es", value="1",
                                                             real=1, divisor=4, count=1)
    assert t("ties.alt.grad", "es", policy="all", n=1).endswith(
        "1 celda empatada recuadrada.")
    assert t("ties.alt.grad", "es", policy="all", n=3).endswith(
        "3 celdas empatadas recuadradas.")
    assert t("exercise.alt.yours", "en", part="y", n=1) == (
        "Heatmap of your answer for y, 1 wrong cell outlined.")
    assert shape_words(1, 3, "en") == {"rows": "1 row", "cols": "3 columns"}
    assert shape_words(2, 5, "pl") == {"rows": "2 wiersze", "cols": "5 kolumn"}
    assert shape_words(2, 5, "zh-TW") == {"rows": "2 列", "cols": "5 行"}


def test_the_issue_example_in_every_language() -> None:
    """4×4 average, kernel 2, padding 1: the first window has one real cell (issue 20)."""
    x = np.arange(16, dtype=np.float64).reshape(4, 4)
    steps = scatter_steps(x, np.ones((3, 3)), PoolSpec(kernel_size=2, padding=1, mode="avg"))
    first = {lang: step_sentences(steps, limit=1, lang=lang)[0] for lang in LANGUAGES}
    assert "(sum of 1 real cell divided by 4)" in first["en"]
    assert "The divisor counts 3 cells that are not in the input" in first["en"]
    assert "(la suma de 1 celda real dividida entre 4)" in first["es"]
    assert "(suma z 1 rzeczywistej komórki podzielona przez 4)" in first["pl"]
    assert "Dzielnik liczy też 3 komórki spoza wejścia" in first["pl"]
    assert "1 个真实单元格" in first["zh-CN"]


def _call_text(source: str, start: int) -> str:
    """The text of the call whose argument list contains `start` (up to its closing paren)."""
    depth, i = 0, start
    while i < len(source):
        depth += {"(": 1, ")": -1}.get(source[i], 0)
        if depth < 0:
            return source[start:i]
        i += 1
    return source[start:]


def test_callers_pass_the_count() -> None:
    """Every call of a key counted by another parameter than `n` (or `count`) passes `count=`;
    messages built from an error's parameters get it from ui.errors._COUNTED_BY."""
    from ui.errors import _COUNTED_BY

    root = LOCALES_DIR.parents[1]
    sources = {p: p.read_text(encoding="utf-8")
               for p in [*(root / "ui").rglob("*.py"), *(root / "app_pages").glob("*.py")]}
    missing, unseen = [], []
    for key, param in COUNTED_BY.items():
        if param in ("n", "count"):
            continue
        if key in _COUNTED_BY:
            assert _COUNTED_BY[key] == param, key
            continue
        pattern = re.compile(f"[\"']{re.escape(key)}[\"']")
        calls = [_call_text(src, m.start()) for src in sources.values()
                 for m in pattern.finditer(src)]
        if not calls:
            unseen.append(key)
        missing += [f"{key}: {c.strip()}" for c in calls if "count=" not in c]
    assert not missing, "\n".join(missing)
    # Only the average backward sentence is chosen by an f-string (next.back.sentence_{mode});
    # ui/views/layer_chain.py passes count=kk to both sentences.
    assert unseen == ["next.back.sentence_avg"], unseen
