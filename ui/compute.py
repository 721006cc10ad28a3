"""Cached calls into pooling_core, keyed by content only (safe for many sessions at once)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import streamlit as st

from pooling_core import (
    ForwardResult,
    GradCheck,
    PoolSpec,
    ScatterSteps,
    SumCheck,
    gradient_check,
    gradient_sum_check,
    pool_backward,
    pool_forward,
    scatter_steps,
    win_counts,
)

from .player import PlayerPage, player_page_parts


def spec_key(spec: PoolSpec) -> tuple:
    """A hashable, content-only key for a spec."""
    return tuple(sorted(asdict(spec).items()))


def _spec(key: tuple) -> PoolSpec:
    return PoolSpec(**dict(key))


@dataclass(frozen=True)
class Results:
    """Everything the Explorer shows for one (x, dL/dy, spec)."""

    forward: ForwardResult
    wins: np.ndarray
    steps: ScatterSteps
    grad_input: np.ndarray
    sums: SumCheck
    check: GradCheck


@st.cache_data(max_entries=256, show_spinner=False)
def compute(x: np.ndarray, grad_output: np.ndarray, key: tuple) -> Results:
    """All results for one configuration (cached by the arrays' bytes and the spec)."""
    spec = _spec(key)
    return Results(
        forward=pool_forward(x, spec),
        wins=win_counts(x, spec),
        steps=scatter_steps(x, grad_output, spec),
        grad_input=pool_backward(x, grad_output, spec),
        sums=gradient_sum_check(x, grad_output, spec),
        check=gradient_check(x, grad_output, spec),
    )


def player_page(x: np.ndarray, grad_output: np.ndarray, key: tuple, start: int,
                projector: bool, lang: str) -> dict:
    """The step player's data (ui.player.show_player) for one configuration, start step and
    language.

    The data without its start step is cached per configuration and language, so moving the
    jump slider only changes a number (the sentences of every step are not worded again).
    """
    return _player_parts(x, grad_output, key, projector, lang).data(start)


@st.cache_data(max_entries=64, show_spinner=False)
def _player_parts(x: np.ndarray, grad_output: np.ndarray, key: tuple, projector: bool,
                  lang: str) -> PlayerPage:
    del lang  # part of the cache key: the page's texts are in this language
    return player_page_parts(scatter_steps(x, grad_output, _spec(key)), projector=projector)
