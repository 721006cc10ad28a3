"""The one translation function, `t`, and the language catalogues.

Catalogues live in `ui/locales/<lang>/*.json` (one file per page or area, merged); each maps
a dotted key to a text with `str.format` placeholders. A key missing in a language falls back
to English; a key missing in English is shown as the key itself (tests catch both).

A counted text is an object of plural forms keyed by CLDR category, e.g. English
``{"one": "{n} window", "other": "{n} windows"}``, Polish ``one`` / ``few`` / ``many`` /
``other``, Chinese ``other`` alone. `t(key, count=n)` picks the form by the language's CLDR
rule (Babel's data, not rules written here); without `count`, the placeholder ``n`` counts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from babel import Locale

LOCALES_DIR = Path(__file__).parent / "locales"
LANGUAGES: dict[str, str] = {
    "en": "English",
    "es": "Español",
    "pl": "Polski",
    "zh-CN": "简体中文",
    "zh-TW": "繁體中文",
}
DEFAULT_LANGUAGE = "en"
LANG_KEY = "lang"  # session_state key and URL query parameter


Entry = str | Mapping[str, str]  # a text, or a counted text's forms by CLDR plural category


@cache
def catalogue(lang: str) -> Mapping[str, Entry]:
    """All texts of one language, read once per process (read-only; keyed by language)."""
    merged: dict[str, Entry] = {}
    folder = LOCALES_DIR / lang
    if folder.is_dir():
        for path in sorted(folder.glob("*.json")):
            merged.update(json.loads(path.read_text(encoding="utf-8")))
    return MappingProxyType(merged)


def normalise_language(value: str | None) -> str | None:
    """Map a URL value or browser locale ('es-ES', 'zh-Hant-TW', 'pl') to a supported code."""
    if not value or not isinstance(value, str):
        return None
    v = value.strip().replace("_", "-").lower()
    if v in ("zh-tw", "zh-hk", "zh-mo", "zh-hant") or v.startswith("zh-hant"):
        return "zh-TW"
    if v.startswith("zh"):
        return "zh-CN"
    base = v.split("-")[0]
    return base if base in LANGUAGES else None


def current_language() -> str:
    """The session's language: st.session_state['lang'] when inside a running app, else English."""
    lang = None
    try:
        import streamlit as st
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        if get_script_run_ctx(suppress_warning=True) is not None:
            lang = st.session_state.get(LANG_KEY)
    except Exception:  # no Streamlit session (notebook, unit test)
        lang = None
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


@cache
def _plural_rule(lang: str) -> Any:
    """The CLDR plural rule of a language (Babel's `PluralRule`; cached, read-only)."""
    return Locale.parse(lang.replace("-", "_")).plural_form


def plural_category(lang: str, count: int | float) -> str:
    """CLDR plural category of `count` in `lang`: 'zero', 'one', 'two', 'few', 'many', 'other'.

    Polish: 1 -> one; 2-4, 22-24, 1024 -> few; 0, 5-21, 25 -> many. Chinese: always other.
    """
    return _plural_rule(lang)(abs(count))


def t(key: str, /, lang: str | None = None, count: int | float | None = None,
      **kwargs: Any) -> str:
    """The text for `key` in the current (or given) language, with `kwargs` filled in.

    For a counted text, `count` (or else ``kwargs["n"]``) chooses the plural form.
    """
    lang = lang or current_language()
    entry = catalogue(lang).get(key)
    if entry is None:
        lang = DEFAULT_LANGUAGE
        entry = catalogue(DEFAULT_LANGUAGE).get(key, key)
    if isinstance(entry, Mapping):
        n = count if count is not None else kwargs.get("n", 0)
        try:
            category = plural_category(lang, n)
        except (TypeError, ValueError):
            category = "other"
        text = entry.get(category, entry.get("other", key))
    else:
        text = entry
    if count is not None:  # a text may also show its count ("{count} such values")
        kwargs["count"] = count
    if kwargs:
        try:
            return text.format(**kwargs)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def shape_words(rows: int, cols: int, lang: str | None = None) -> dict[str, str]:
    """`rows` and `cols` as counted words ("1 row", "3 columns"; Polish "2 wiersze", "5 kolumn"),
    for a text that names a grid's shape: ``t("next.alt.x", **shape_words(h, w))``."""
    return {"rows": t("count.rows", lang, n=rows), "cols": t("count.columns", lang, n=cols)}
