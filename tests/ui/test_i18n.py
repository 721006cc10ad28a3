"""Translations: every language has exactly the English keys, the same placeholders and math,
real (not copied) texts, and the language chosen by ?lang= reaches the page.

A counted text is an object of CLDR plural forms ({"one": ..., "other": ...}); every check below
holds for each of its forms (compared with English's "other" form). Which forms each language
has, and which one `t` picks, is tested in tests/ui/test_plurals.py.

The catalogues are read as JSON files here, independently of `ui.i18n.catalogue`, so that a key
present in the wrong file (or twice) is caught too.
"""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.i18n import LANG_KEY, LANGUAGES, LOCALES_DIR, normalise_language

ROOT = Path(__file__).resolve().parents[2]
OTHERS = [lang for lang in LANGUAGES if lang != "en"]
AREAS = sorted(p.stem for p in (LOCALES_DIR / "en").glob("*.json"))

# Keys whose text may legitimately equal the English one. Keep this short: every entry is text
# that is not language (code identifiers, option values, formulas) or a word that is spelled the
# same in that language. "*" = every language.
SAME_AS_ENGLISH: dict[str, set[str] | str] = {
    "param.ceil_mode": "*",  # PyTorch argument name, shown as is
    "param.count_include_pad": "*",  # PyTorch argument name, shown as is
    "policy.split.who": "*",  # "tf.reduce_max, jnp.max, torch.amax": only code names
    "next.dense.j_rule": "*",  # "r·{ow} + c": a formula, the same in every language
    "next_base.j_rule": "*",  # "(r − 1)·{ow} + c"
    "gy.mode": "*",  # "dL/dy"
    "theory.size.case": "*",  # "n = {n}, k = {k}, ... ceil_mode = {ceil}:"
    "ties.policy.heading": "*",  # "{policy}": the option value first/last/split/all
    "ties.fd.row.policy": "*",  # "{policy}"
    "ties.fd.col": "*",  # "dL/dx[{r},{c}]"
    "ties.table.total.first": "*",  # "dL/dy"
    "ties.table.total.last": "*",  # "dL/dy"
    "ties.table.total.split": "*",  # "dL/dy"
    "ties.table.total.all": "*",  # "k · dL/dy"
    # Next-layer page: symbols and formulas (figure titles, table columns, worked sums)
    "next.cell_option": "*",  # "P[{r},{c}]  (j = {j})"
    "next.act.relu": {"es", "pl"},  # "ReLU: f(z) = max(z, 0)" (Chinese: the full-width colon)
    "next.act.tanh": "*",  # "tanh"
    "next.dense.col_z": "*",
    "next.dense.col_a": "*",
    "next.dense.col_fprime": "*",
    "next.dense.col_delta": "*",
    "next.dense.col_grad_z": "*",
    "next.dense.term_product": "*",  # "{d} · {f} · {w}"
    "next.dense.sum": "*",
    "next.conv.dy": "*",  # "dL/dY"
    "next.conv.term_name": "*",  # "δ[{u},{v}] · K[{kr},{kc}]"
    "next.conv.term_product": "*",
    "next.conv.sum": "*",
    "next.fig.x": "*",
    "next.fig.P": "*",
    "next.fig.grad_P": "*",
    "next.fig.pad_P": "*",  # "pad(P)", the notation of next.conv.explain
    "next.fig.K": "*",
    "next.fig.Y": "*",
    "next.fig.dY": "*",
    "next.fig.full": "*",  # "pad(dL/dY)"
    "next.fig.flip": "*",  # "flip(K)"
    "next.fig.grad_x": "*",
    # Exercise page: a figure title and the worked terms of a sum
    "exercise.fig.gy": "*",  # "dL/dy ({oh}×{ow})"
    "exercise.term.whole": "*",  # "dL/dy[{i},{j}] = {g}"
    "exercise.term.shared": "*",  # "dL/dy[{i},{j}] ÷ {share} = {g} ÷ {share} = {amount}"
    # Frameworks page: a framework's name, its verdict and its numbers joined by punctuation
    "frameworks.panel.line": {"es", "pl"},  # "**{name}**: {verdict}; {numbers}"
    # Words spelled the same in that language
    "forward.divisor_name": {"es"},  # Spanish for "divisor" is "divisor"
}

# Whole words that are English only (not Spanish or Polish: "gradient" is Polish, "to" and "do"
# are Polish words, so they are not listed). Any of them in an es/pl text means a leftover.
ENGLISH_ONLY = re.compile(
    r"\b(the|which|window|windows|cell|cells|step|steps|with|and|of|is|are|gets|goes|only|"
    r"from|this|that|when|every|each|its|not|click)\b",
    re.IGNORECASE,
)

_FORMATTER = string.Formatter()
_MATH = re.compile(r"\$\$.+?\$\$|\$.+?\$", re.DOTALL)
_LATEX_TEXT = re.compile(r"\\text\{[^{}]*\}")
_FIELD = re.compile(r"\{\w*\}")  # {cells}, {i}: placeholder names are English by design


CATEGORIES = {"zero", "one", "two", "few", "many", "other"}  # CLDR plural categories


def _valid(value: object) -> bool:
    """A non-empty text, or an object of non-empty texts keyed by CLDR category (with other)."""
    if isinstance(value, str):
        return bool(value.strip())
    return (isinstance(value, list) and bool(value) and "other" in dict(value)
            and all(k in CATEGORIES and isinstance(v, str) and v.strip() for k, v in value))


def _load(lang: str, area: str) -> dict[str, str | dict[str, str]]:
    path = LOCALES_DIR / lang / f"{area}.json"
    assert path.is_file(), f"missing catalogue {path.relative_to(ROOT)}"
    pairs = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=list)
    keys = [k for k, _ in pairs]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    assert not dupes, f"{lang}/{area}.json repeats keys {dupes}"
    bad = [k for k, v in pairs if not _valid(v)]
    assert not bad, f"{lang}/{area}: empty value or bad plural forms in {bad}"
    return {k: v if isinstance(v, str) else dict(v) for k, v in pairs}


def _forms(value: str | dict[str, str]) -> dict[str, str]:
    """The texts of an entry by plural category (a plain text is its own 'other' form)."""
    return {"other": value} if isinstance(value, str) else value


def _fields(text: str) -> list[str] | None:
    """The str.format field names of `text`, or None when it is not a valid format string
    (LaTeX such as `\\Big\\{ ... \\}`; such texts are never formatted with arguments)."""
    try:
        return sorted({name for _, name, _, _ in _FORMATTER.parse(text) if name is not None})
    except ValueError:
        return None


def _math(text: str) -> list[str]:
    """The $...$ and $$...$$ formulas of `text`, without the words inside \\text{...}."""
    return sorted(re.sub(r"\s+", "", _LATEX_TEXT.sub("", m)) for m in _MATH.findall(text))


def _pairs():
    for area in AREAS:
        en = _load("en", area)
        for lang in OTHERS:
            yield area, en, lang, _load(lang, area)


# ---------------------------------------------------------------- (a) same files, same keys
@pytest.mark.parametrize("lang", OTHERS)
def test_same_files_and_keys_as_english(lang: str) -> None:
    files = sorted(p.stem for p in (LOCALES_DIR / lang).glob("*.json"))
    assert files == AREAS, f"{lang} has files {files}, English has {AREAS}"
    for area in AREAS:
        en, tr = _load("en", area), _load(lang, area)
        missing = [k for k in en if k not in tr]
        extra = [k for k in tr if k not in en]
        assert not missing, f"{lang}/{area}.json lacks {missing}"
        assert not extra, f"{lang}/{area}.json has keys English does not: {extra}"


# ---------------------------------------------------------------- (b) placeholders and markup
def test_placeholders_math_and_markup_match_english() -> None:
    """Every form of every entry against English's 'other' form (and English's own forms)."""
    problems = []
    for area in AREAS:
        en = _load("en", area)
        for lang in LANGUAGES:
            tr = _load(lang, area)
            for key, value in en.items():
                if key not in tr:
                    continue  # reported by test_same_files_and_keys_as_english
                text = _forms(value)["other"]
                want = _fields(text)
                for cat, form in _forms(tr[key]).items():
                    where = f"{lang}/{area} {key} [{cat}]"
                    if want is not None and _fields(form) != want:
                        problems.append(f"{where}: fields {_fields(form)} != {want}")
                    if _math(form) != _math(text):
                        problems.append(f"{where}: formulas differ from English")
                    if form.count("**") != text.count("**") or form.count("`") != text.count("`"):
                        problems.append(f"{where}: ** or ` markup differs from English")
                    if form.count("\n") != text.count("\n"):  # paragraphs, list items, $$
                        problems.append(f"{where}: line breaks differ from English")
    assert not problems, "\n".join(problems)


def test_counted_in_every_language_or_none() -> None:
    """A key is counted (plural forms) in all five languages or in none: Chinese has the one
    form 'other', but a plain text there would hide a key that lost its forms elsewhere."""
    mixed = []
    for area, en, lang, tr in _pairs():
        for key, value in en.items():
            if key in tr and isinstance(value, str) != isinstance(tr[key], str):
                mixed.append(f"{lang}/{area} {key}")
    assert not mixed, "counted in English but not here, or the reverse:\n" + "\n".join(mixed)


# ---------------------------------------------------------------- (c) really translated
def test_no_text_left_in_english() -> None:
    same = []
    for area, en, lang, tr in _pairs():
        for key, value in en.items():
            allowed = SAME_AS_ENGLISH.get(key, set())
            if key not in tr or allowed == "*" or lang in allowed:
                continue
            english = _forms(value)
            for cat, form in _forms(tr[key]).items():
                if form == english.get(cat):
                    same.append(f"{lang}/{area} {key} [{cat}]: {form!r}")
    assert not same, "texts identical to English:\n" + "\n".join(same)


def test_allowlist_is_needed() -> None:
    """Every allowlisted key exists in English (a stale entry would hide nothing but clutter)."""
    english = {k for area in AREAS for k in _load("en", area)}
    assert set(SAME_AS_ENGLISH) <= english, set(SAME_AS_ENGLISH) - english


@pytest.mark.parametrize("lang", ["es", "pl"])
def test_no_english_words_in_latin_script_languages(lang: str) -> None:
    hits = []
    for area in AREAS:
        for key, value in _load(lang, area).items():
            for text in _forms(value).values():
                words = sorted({m.group(0) for m in ENGLISH_ONLY.finditer(_FIELD.sub(" ", text))})
                if words:
                    hits.append(f"{area} {key}: {words} in {text!r}")
    assert not hits, f"English words in {lang}:\n" + "\n".join(hits)


# ---------------------------------------------------------------- (d) language codes
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("es-ES", "es"),
        ("pl-PL", "pl"),
        ("zh-Hant-TW", "zh-TW"),
        ("zh-TW", "zh-TW"),
        ("zh-HK", "zh-TW"),
        ("zh-CN", "zh-CN"),
        ("zh", "zh-CN"),
        ("fr", None),
        ("", None),
    ],
)
def test_normalise_language(value: str, expected: str | None) -> None:
    assert normalise_language(value) == expected


# ---------------------------------------------------------------- (e) the app in each language
def _run(lang_param: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params[LANG_KEY] = lang_param
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_app_opens_in_language(lang: str) -> None:
    at = _run(lang)
    assert at.session_state[LANG_KEY] == lang
    assert at.title[0].value == _load(lang, "page")["explorer.title"]


def test_hostile_lang_falls_back_to_english() -> None:
    at = _run("<script>alert(1)</script>")
    assert at.session_state[LANG_KEY] == "en"
    assert at.title[0].value == _load("en", "page")["explorer.title"]
