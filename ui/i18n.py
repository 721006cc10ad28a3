"""The one translation function, `t`, and the language catalogues.

Catalogues live in `ui/locales/<lang>/*.json` (one file per page or area, merged); each maps
a dotted key to a text with `str.format` placeholders. A key missing in a language falls back
to English; a key missing in English is shown as the key itself (tests catch both).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

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


@cache
def catalogue(lang: str) -> Mapping[str, str]:
    """All texts of one language, read once per process (read-only; keyed by language)."""
    merged: dict[str, str] = {}
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


def t(key: str, /, lang: str | None = None, **kwargs: Any) -> str:
    """The text for `key` in the current (or given) language, with `kwargs` filled in."""
    lang = lang or current_language()
    text = catalogue(lang).get(key)
    if text is None:
        text = catalogue(DEFAULT_LANGUAGE).get(key, key)
    if kwargs:
        try:
            return text.format(**kwargs)
        except (KeyError, IndexError, ValueError):
            return text
    return text
