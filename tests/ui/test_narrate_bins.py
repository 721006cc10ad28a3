"""An adaptive (or global) layer's steps say "bin" where a kernel's say "window", in every
language (ui.views.narrate.worded; texts in ui/locales/<lang>/step_bins.json).

The example: x = 1 4 2 / 4 4 3 / 0 3 3 pooled to 2 × 2 (the Explorer's adaptive_ties_3x3).
Its bins, rows and columns [0, 1] and [1, 2] (⌊i·3/2⌋ to ⌈(i+1)·3/2⌉ − 1), are exactly the
windows of kernel 2, stride 1, so both layers take the same steps with the same numbers:
their sentences differ by the word alone.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from pooling_core import AdaptiveSpec, PoolSpec, scatter_steps
from ui.views.narrate import step_sentences
from ui.views.player import _payload

X = np.array([[1, 4, 2], [4, 4, 3], [0, 3, 3]], dtype=np.float64)
GY = np.ones((2, 2))
# (bin word, window word) as each language writes them in these texts, any inflection.
WORDS = {"en": (r"\bbins?\b", r"\bwindows?\b"), "es": (r"regi[óo]n", r"ventana"),
         "pl": (r"obszar", r"okn|okien"), "zh-CN": ("区间", "窗口"), "zh-TW": ("區間", "視窗")}


def as_bins(text: str) -> str:
    """The English text with the word window(s) (not reduce_window) written bin(s)."""
    return re.sub(r"\b([Ww])indow(s?)\b", lambda m: ("B" if m[1] == "W" else "b") + "in" + m[2],
                  text)


def sentences(spec: AdaptiveSpec | PoolSpec, lang: str) -> list[str]:
    return step_sentences(scatter_steps(X, GY, spec), lang=lang, base=0)


def test_adaptive_steps_in_english_hand_worked() -> None:
    s = sentences(AdaptiveSpec(2, mode="max", ties="first"), "en")
    # Bin (0,0) = 1 4 / 4 4: maximum 4 three times, "first" sends dL/dy to (0,1).
    assert s[0].startswith("Bin (0,0) covers rows 0–1, columns 0–1; its maximum 4 occurs 3 "
                           "times, at (0,1), (1,0), (1,1)")
    assert s[0].endswith("dL/dy[0,0] = 1 goes to dL/dx[0,1], which held 0 → 1.")
    # Bin (0,1) = 4 2 / 4 3: its first maximum is (0,1) again, which bin (0,0) fed.
    assert s[1].startswith("Bin (0,1) covers rows 0–1, columns 1–2;")
    assert s[1].endswith("dL/dy[0,1] = 1 goes to dL/dx[0,1], which already held 1 from bin "
                         "(0,0) → 2.")


@pytest.mark.parametrize("ties", ["first", "last", "split", "all"])
def test_adaptive_says_bin_where_the_kernel_says_window(ties: str) -> None:
    # "last" feeds (1,1) from all four bins (earlier bins counted); "split" and "all" share
    # among the tied cells and name the overlap.
    adaptive = sentences(AdaptiveSpec(2, mode="max", ties=ties), "en")
    kernel = sentences(PoolSpec(kernel_size=2, stride=1, ties=ties), "en")
    assert len(adaptive) == len(kernel) == 4
    for a, k in zip(adaptive, kernel, strict=True):
        assert k.startswith("Window") and a != k
        assert a == as_bins(k)


def test_average_bins_too() -> None:
    a = sentences(AdaptiveSpec(2, mode="avg"), "en")
    k = sentences(PoolSpec(kernel_size=2, stride=1, mode="avg"), "en")
    assert a == [as_bins(s) for s in k] and a != k
    assert "from earlier bins (overlap)" in a[1]


@pytest.mark.parametrize("lang", list(WORDS))
def test_every_language_names_the_bin(lang: str) -> None:
    bin_word, window_word = WORDS[lang]
    for ties in ("last", "all"):  # each text that names one: head, earlier ones, overlap
        adaptive = " ".join(sentences(AdaptiveSpec(2, mode="max", ties=ties), lang)).lower()
        kernel = " ".join(sentences(PoolSpec(kernel_size=2, stride=1, ties=ties), lang)).lower()
        assert re.search(bin_word, adaptive) and not re.search(window_word, adaptive)
        assert re.search(window_word, kernel) and not re.search(bin_word, kernel)


@pytest.mark.parametrize("lang", ["en", "pl"])
def test_player_labels_name_the_bin(lang: str) -> None:
    bin_word, window_word = WORDS[lang]
    for spec, word, other in ((AdaptiveSpec(2), bin_word, window_word),
                              (PoolSpec(kernel_size=2, stride=1), window_word, bin_word)):
        labels = _payload(scatter_steps(X, GY, spec), False, lang)["labels"]
        for key in ("x", "from", "legend"):
            text = labels[key].lower()
            assert re.search(word, text) and not re.search(other, text), key
