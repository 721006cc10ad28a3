"""How many threads a large max pooling uses, and the thread pools that run its plane blocks.

Max pooling splits its planes into blocks (`maxscan._plane_blocks`); every block is computed
on its own and writes only its own slice of the results, so the blocks can run on several
threads (NumPy releases the GIL inside its ufunc loops) with results bit for bit those of
one thread: no sum ever crosses a block.

Thread count: the `threads` argument, else the environment variable `POOLING_THREADS`, else
min(2, os.cpu_count()). Small inputs (below `PARALLEL_MIN_BYTES` of input, as every input the
app draws) always run on the calling thread: a thread hand-off costs more than they take.

State: none at module level except `_executor`'s cache, one `ThreadPoolExecutor` per thread
count, created on first use. `functools.cache` is safe to call from many threads (two
threads that miss at once may each build a pool; one is kept, the other is dropped and its
idle workers exit with it), and an executor accepts work from any number of callers at once,
so the students of one server share at most a few pools of worker threads, and a
computation never waits on state another student changed.
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, wait
from functools import cache
from typing import TypeVar

ENV_VAR = "POOLING_THREADS"
# Inputs smaller than this many bytes run on one thread (a 32 x 32 float64 input is 8 KiB;
# the benchmark's (8, 64, 112, 112) float32 input is 25 MiB).
PARALLEL_MIN_BYTES = 4 << 20
MAX_THREADS = 64

T = TypeVar("T")


def thread_count(threads: int | None = None) -> int:
    """Threads to use: `threads` if given, else `$POOLING_THREADS` if it is a whole number,
    else min(2, os.cpu_count()); clipped to 1..`MAX_THREADS`."""
    if threads is None:
        raw = os.environ.get(ENV_VAR, "").strip()
        threads = int(raw) if raw.isdigit() else min(2, os.cpu_count() or 1)
    return max(1, min(int(threads), MAX_THREADS))


def threads_for(nbytes: int, threads: int | None = None) -> int:
    """Threads for an input of `nbytes` bytes: 1 below `PARALLEL_MIN_BYTES`, else
    `thread_count(threads)`."""
    return 1 if nbytes < PARALLEL_MIN_BYTES else thread_count(threads)


@cache
def _executor(threads: int) -> ThreadPoolExecutor:
    """The shared pool of `threads` worker threads (created on first use; see the module
    docstring for why a cache is safe here)."""
    return ThreadPoolExecutor(max_workers=threads, thread_name_prefix="pooling_core")


def run_blocks(work: Callable[[T], object], blocks: Iterable[T], threads: int) -> None:
    """Call `work(block)` for every block: in order on this thread when `threads` is 1, else
    on `threads` worker threads. Each call must write only its own block's results. Each
    runs in a copy of the caller's context, so `np.errstate` (a context variable, e.g.
    `ieee.quiet_overflow`) holds in the workers as well. An exception in any call is raised
    here (after every call has finished)."""
    blocks = list(blocks)
    if threads <= 1 or len(blocks) <= 1:
        for block in blocks:
            work(block)
        return
    pool = _executor(threads)
    futures = [pool.submit(contextvars.copy_context().run, work, block) for block in blocks]
    wait(futures)
    for future in futures:
        future.result()
