"""Calls into pooling_core for the Explorer: each result computed once per configuration and
kept in a cache bounded by bytes, keyed by content only (safe for many sessions at once).

Why not `st.cache_data`: it bounds a cache by its number of entries only (one 32 x 32 input
with a 32 x 32 kernel holds tens of megabytes of steps, so 256 entries could hold gigabytes),
and it unpickles a copy of the value on every hit. `ContentCache` counts bytes, forgets
entries after `CACHE_TTL_S`, and hands out the same read-only object to every session.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass
from typing import Any, TypeVar

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
    pool_forward,
    scatter_steps,
)
from ui.views.player import PlayerPage, block_of, player_page_parts

CACHE_BYTES = 48 * 1024 * 1024  # every Explorer result and player page of the process
CACHE_TTL_S = 15 * 60
# At most this many Explorer computations at once in one server process: a burst of heavy
# links waits its turn instead of holding every result's memory at the same time.
MAX_CONCURRENT = 2

T = TypeVar("T")


def nbytes(value: object, _depth: int = 0) -> int:
    """About how many bytes `value` holds: its NumPy arrays and strings, through dataclasses,
    plain objects, lists, tuples and dicts (three levels deep)."""
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, str | bytes):
        return len(value)
    if _depth > 3:
        return 0
    if isinstance(value, dict):
        return sum(nbytes(v, _depth + 1) for v in value.values())
    if isinstance(value, list | tuple):
        return sum(nbytes(v, _depth + 1) for v in value)
    if is_dataclass(value):
        return sum(nbytes(getattr(value, f.name), _depth + 1) for f in fields(value))
    if hasattr(value, "__dict__"):
        return sum(nbytes(v, _depth + 1) for v in vars(value).values())
    return 0


class ContentCache:
    """A thread-safe least-recently-used cache bounded by bytes, with a time to live.

    Values are shared between sessions as they are: callers never modify them.
    """

    def __init__(self, max_bytes: int, ttl_s: float, max_concurrent: int) -> None:
        self.max_bytes = max_bytes
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._items: OrderedDict[Any, tuple[Any, int, float]] = OrderedDict()
        self._bytes = 0
        self._work = threading.BoundedSemaphore(max_concurrent)

    @property
    def size_bytes(self) -> int:
        with self._lock:
            return self._bytes

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def _drop(self, key: Any) -> None:
        _, size, _ = self._items.pop(key)
        self._bytes -= size

    def get(self, key: Any) -> Any | None:
        now = time.monotonic()
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            if now - item[2] > self.ttl_s:
                self._drop(key)
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: Any, value: Any) -> None:
        size = nbytes(value)
        if size > self.max_bytes:
            return  # larger than the whole cache: computed again next time
        now = time.monotonic()
        with self._lock:
            if key in self._items:
                self._drop(key)
            for old in [k for k, (_, _, t0) in self._items.items() if now - t0 > self.ttl_s]:
                self._drop(old)
            while self._items and self._bytes + size > self.max_bytes:
                self._drop(next(iter(self._items)))
            self._items[key] = (value, size, now)
            self._bytes += size

    def get_or_compute(self, key: Any, compute: Callable[[], T]) -> T:
        """The cached value for `key`, or `compute()` (at most `max_concurrent` at once)."""
        value = self.get(key)
        if value is not None:
            return value
        with self._work:
            value = self.get(key)  # computed by another session while this one waited
            if value is None:
                value = compute()
                self.put(key, value)
        return value


@st.cache_resource(show_spinner=False)
def results_cache() -> ContentCache:
    """The process's one cache of Explorer results (shared by every session)."""
    return ContentCache(CACHE_BYTES, CACHE_TTL_S, MAX_CONCURRENT)


def content_key(x: np.ndarray, grad_output: np.ndarray, spec: PoolSpec) -> tuple:
    """What a result depends on, by content: a digest of both arrays' bytes, shapes and dtypes,
    and the spec itself (a frozen, hashable PoolSpec)."""
    h = hashlib.blake2b(digest_size=20)
    for a in (np.ascontiguousarray(x), np.ascontiguousarray(grad_output)):
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
    return (h.hexdigest(), spec)


@dataclass(frozen=True)
class Results:
    """Everything the Explorer shows for one (x (H, W), dL/dy (OH, OW), spec).

    The backward pass runs once, as its steps; dL/dx, the sums and the win counts are read from
    them. Attributes: forward (pool_forward), steps (scatter_steps), grad_input (H, W, dL/dx,
    read-only), wins (H, W int64: how many windows send gradient to each cell), sums
    (gradient_sum_check), check (gradient_check: its analytic side is one more backward pass,
    its numerical side forward passes only).
    """

    forward: ForwardResult
    wins: np.ndarray
    steps: ScatterSteps
    grad_input: np.ndarray
    sums: SumCheck
    check: GradCheck

    def cover(self) -> np.ndarray:
        """(H, W) int64: how many windows read each cell (overlap as numbers)."""
        taps = self.steps.window_flat[self.steps.window_flat >= 0]
        h, w = self.grad_input.shape
        return np.bincount(taps, minlength=h * w).reshape(h, w)


def _results(x: np.ndarray, grad_output: np.ndarray, spec: PoolSpec) -> Results:
    steps = scatter_steps(x, grad_output, spec)
    grad_input = steps.accumulated(len(steps) - 1)  # equals pool_backward (same order)
    grad_input.setflags(write=False)
    return Results(
        forward=pool_forward(x, spec),
        wins=steps.win_counts,  # the receivers per cell: no other backward pass
        steps=steps,
        grad_input=grad_input,
        sums=gradient_sum_check(x, grad_output, spec, steps=steps),
        check=gradient_check(x, grad_output, spec),
    )


def compute(x: np.ndarray, grad_output: np.ndarray, spec: PoolSpec) -> Results:
    """All results for one configuration (cached by the arrays' bytes and the spec).

    Never modify what it returns: other sessions share it.
    """
    return results_cache().get_or_compute(
        ("results", *content_key(x, grad_output, spec)),
        lambda: _results(x, grad_output, spec))


def player_page(x: np.ndarray, grad_output: np.ndarray, spec: PoolSpec, start: int,
                projector: bool, lang: str, base: int = 0, symbols: bool = False) -> dict:
    """The step player's data (ui.views.player.show_player) for one configuration, start step and
    language (index `base`, symbols or numbers), read from the configuration's `Results` steps.

    The data without its start step is cached per block of steps, configuration and language,
    so moving the jump slider within a block only changes a number (the sentences of every
    step are not worded again).
    """
    steps = compute(x, grad_output, spec).steps
    first, _ = block_of(steps, start)
    page: PlayerPage = results_cache().get_or_compute(
        ("player", *content_key(x, grad_output, spec), first, projector, lang, base, symbols),
        lambda: player_page_parts(steps, projector=projector, start=first, base=base,
                                  symbols=symbols))
    return page.data(start)
