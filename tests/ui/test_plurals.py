"""Plural forms: `t(key, count=n)` picks the CLDR form of each language.

The expected categories are written out by hand from the CLDR rules (not read from Babel):
English and Spanish: 1 -> one, otherwise other (Spanish 'many' is for millions only);
Polish: 1 -> one; n % 10 in 2..4 and n % 100 not in 12..14 -> few; other integers -> many;
Chinese: other for every number.
"""
from __future__ import annotations

from types import MappingProxyType

import pytest

import ui.i18n
from ui.i18n import LANGUAGES, plural_category, t

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
