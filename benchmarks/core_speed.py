"""Speed of pooling_core's max pooling forward + backward, against PyTorch CPU and a course loop.

Run from the repository root:

    .venv/bin/python benchmarks/core_speed.py [--repeats 7] [--own-loop] [--json PATH]

What it measures (median wall time, repeats interleaved because shared machines are noisy):

* pooling_core: `pool_forward` then `pool_backward(..., indices=forward.indices)`, max mode,
  ties "first", on x of shape (8, 64, 112, 112) float32, kernel 3, stride 2, padding 1, random
  grad_output; with `threads=THREADS` (default 2, its plane blocks on a thread pool) and with
  `threads=1`. The backward reads the forward's indices, as torch's autograd does (its
  max_pool2d saves the indices and its backward scatters through them); `--rescan` times the
  backward without them instead (it scans x again).
* PyTorch CPU (if importable): `F.max_pool2d` on a leaf tensor with requires_grad, then
  `.backward(grad_output)`, with `torch.set_num_threads(THREADS)` and with one thread.
  The goal (README, issue #19): ours / torch <= 1.0 at 2 threads each, <= 1.1 at 1 thread.
* A one-output-cell-at-a-time Python loop (tests/loop_reference.py when it provides a max
  forward + backward loop, else the small loop in this file), run on a few planes and scaled
  linearly to the full number of planes.
* `scatter_steps` on a 32 x 32 float64 input (kernel 3, stride 1): building it, calling
  `accumulated(k)` for every k, and `list(steps)` (every ScatterStep object).

Results are printed and written as JSON to benchmarks/results/core_speed.json (git-ignored).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from pooling_core import PoolSpec, pool_backward, pool_forward, scatter_steps  # noqa: E402

try:
    import torch
except ImportError:  # torch is optional here
    torch = None

SHAPE = (8, 64, 112, 112)
KERNEL, STRIDE, PADDING = 3, 2, 1
LOOP_SLICE = (slice(0, 1), slice(0, 2))  # x[:1, :2]: 2 planes
STEPS_HW = (32, 32)
STEPS_TARGET_MS = 100.0


# --------------------------------------------------------------------------- timing
def timed(fn: Callable[[], object], cpu: list[float] | None = None) -> float:
    """Wall time of one call in seconds, garbage collector off during the call; the process's
    CPU time (all threads) is appended to `cpu` if given."""
    gc.collect()
    gc.disable()
    try:
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall = time.perf_counter() - start
        if cpu is not None:
            cpu.append(time.process_time() - start_cpu)
        return wall
    finally:
        gc.enable()


def interleaved(
    fns: dict[str, Callable[[], object]],
    repeats: int,
    setups: dict[str, Callable[[], object]] | None = None,
    cpu: dict[str, list[float]] | None = None,
) -> dict[str, list[float]]:
    """Time each function `repeats` times, one of each per round, rotating the order per round.
    `setups[name]`, if given, runs untimed just before each call of `fns[name]`; `cpu`, if
    given, gets each call's process CPU time under its name."""
    names = list(fns)
    setups = setups or {}
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(repeats):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            if name in setups:
                setups[name]()
            times[name].append(
                timed(fns[name], None if cpu is None else cpu.setdefault(name, []))
            )
    return times


def bits_equal(a: np.ndarray, b: np.ndarray) -> bool:
    """Same shape, dtype and bytes (so -0.0 differs from 0.0, and NaN payloads count)."""
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:10.2f} ms"


# --------------------------------------------------------------------------- the loop
def _own_loop_max_fwd_bwd(x: np.ndarray, grad_output: np.ndarray, k: int, s: int, p: int):
    """The course loop: for each output cell, slice the window, argmax, write the output;
    backward: add the upstream gradient to the argmax cell. (x: (..., H, W), -inf padding.)"""
    lead, (H, W) = x.shape[:-2], x.shape[-2:]
    OH, OW = (H + 2 * p - k) // s + 1, (W + 2 * p - k) // s + 1
    out = np.empty(lead + (OH, OW), dtype=x.dtype)
    idx = np.empty(lead + (OH, OW), dtype=np.int64)
    grad = np.zeros_like(x)
    for li in np.ndindex(*lead):
        plane = np.pad(x[li], p, constant_values=-np.inf)
        for i in range(OH):
            for j in range(OW):
                window = plane[i * s : i * s + k, j * s : j * s + k]
                a = int(np.argmax(window))  # first maximum in row-major order
                r, c = i * s - p + a // k, j * s - p + a % k
                out[li + (i, j)] = window.flat[a]
                idx[li + (i, j)] = r * W + c
        for i in range(OH):
            for j in range(OW):
                f = int(idx[li + (i, j)])
                grad[li + (f // W, f % W)] += grad_output[li + (i, j)]
    return out, idx, grad


def loop_function(own: bool = False) -> tuple[Callable, str]:
    """tests/loop_reference.py's max forward+backward loop if usable (and not `own`), else
    the one above."""
    if own:
        return _own_loop_max_fwd_bwd, "own loop in benchmarks/core_speed.py (--own-loop)"
    try:
        from tests.loop_reference import loop_max_pool_forward_backward as ref
    except Exception as exc:  # missing, half-written or renamed
        return _own_loop_max_fwd_bwd, f"own loop in benchmarks/core_speed.py ({exc!r})"

    def run(x, grad_output, k, s, p):
        return ref(x, grad_output, kernel=k, stride=s, padding=p, ties="first")

    return run, "tests/loop_reference.py: loop_max_pool_forward_backward"


# --------------------------------------------------------------------------- benchmarks
def bench_pooling(
    repeats: int, own_loop: bool = False, threads: int = 2, rescan: bool = False
) -> dict:
    rng = np.random.default_rng(0)
    x = rng.standard_normal(SHAPE).astype(np.float32)
    spec = PoolSpec(kernel_size=KERNEL, stride=STRIDE, padding=PADDING, mode="max", ties="first")
    out_shape = pool_forward(x[:1, :1], spec).output.shape[-2:]
    grad_output = rng.standard_normal(SHAPE[:2] + out_shape).astype(np.float32)
    planes = SHAPE[0] * SHAPE[1]

    def core(n: int = threads):
        fwd = pool_forward(x, spec, threads=n)
        indices = None if rescan else fwd.indices  # as torch's autograd: the forward's
        return fwd, pool_backward(x, grad_output, spec, threads=n, indices=indices)

    loop, loop_source = loop_function(own_loop)
    xs, gs = x[LOOP_SLICE], grad_output[LOOP_SLICE]
    loop_planes = xs.shape[0] * xs.shape[1]

    def looped():
        return loop(xs, gs, KERNEL, STRIDE, PADDING)

    fns: dict[str, Callable[[], object]] = {
        "pooling_core": core, "pooling_core_1_thread": lambda: core(1), "loop_slice": looped,
    }
    setups: dict[str, Callable[[], object]] = {}
    torch_info: dict = {"available": torch is not None}
    if torch is not None:
        default_threads = torch.get_num_threads()
        g_t = torch.from_numpy(grad_output)

        def torch_run():
            xt = torch.from_numpy(x).requires_grad_(True)
            y = torch.nn.functional.max_pool2d(xt, KERNEL, STRIDE, PADDING)
            y.backward(g_t)
            return y, xt.grad

        fns["torch"] = torch_run
        setups["torch"] = lambda: torch.set_num_threads(threads)
        torch_info.update(version=torch.__version__, num_threads=threads)
        fns["torch_1_thread"] = torch_run
        setups["torch_1_thread"] = lambda: torch.set_num_threads(1)

    # Warm-up (first-touch allocations, imports, torch's thread pool) and a bit-for-bit check.
    fwd, grad = core()
    fwd_1, grad_1 = core(1)
    checks = {
        "threads_bits_equal_1_thread": bits_equal(fwd.output, fwd_1.output)
        and bits_equal(fwd.indices, fwd_1.indices) and bits_equal(grad, grad_1),
    }
    if torch is not None:
        torch_run()
        xt = torch.from_numpy(x).requires_grad_(True)
        y_t, i_t = torch.nn.functional.max_pool2d(
            xt, KERNEL, STRIDE, PADDING, return_indices=True
        )
        y_t.backward(g_t)
        checks["pooling_core_bits_equal_torch"] = (
            bits_equal(fwd.output, y_t.detach().numpy())
            and bits_equal(fwd.indices, i_t.numpy())
            and bits_equal(grad, xt.grad.numpy())
        )
    checks["backward_from_indices_bits_equal_rescan"] = bits_equal(
        pool_backward(x, grad_output, spec, threads=threads, indices=fwd.indices),
        pool_backward(x, grad_output, spec, threads=threads),
    )
    out_l, idx_l, grad_l = looped()
    fwd_s = pool_forward(xs, spec)
    checks["loop_bits_equal_pooling_core_on_slice"] = (
        bits_equal(out_l, fwd_s.output)
        and bits_equal(idx_l, fwd_s.indices)
        and bits_equal(grad_l, pool_backward(xs, gs, spec))
    )

    load_before = os.getloadavg()
    cpu: dict[str, list[float]] = {}
    try:
        times = interleaved(fns, repeats, setups, cpu)
    finally:
        if torch is not None:
            torch.set_num_threads(default_threads)
    med = {name: statistics.median(t) for name, t in times.items()}
    result = {
        "shape": list(SHAPE),
        "dtype": "float32",
        "kernel": KERNEL, "stride": STRIDE, "padding": PADDING, "mode": "max", "ties": "first",
        "repeats": repeats,
        "threads": threads,
        "backward_reads_forward_indices": not rescan,
        "pooling_core_s": {"median": med["pooling_core"], "all": times["pooling_core"]},
        "pooling_core_1_thread_s": {
            "median": med["pooling_core_1_thread"], "all": times["pooling_core_1_thread"],
        },
        "loop": {
            "source": loop_source,
            "slice_shape": list(xs.shape),
            "planes_timed": loop_planes,
            "scale": planes / loop_planes,
            "slice_median_s": med["loop_slice"],
            "scaled_median_s": med["loop_slice"] * planes / loop_planes,
            "all_slice_s": times["loop_slice"],
        },
        "torch": torch_info,
        "checks": checks,
        # Process CPU time (all threads; torch's idle OpenMP threads may spin): on a machine
        # shared with other jobs the 1-thread CPU times vary far less than wall times.
        "cpu_median_s": {name: statistics.median(t) for name, t in cpu.items()},
        "load_average_before": list(load_before),
        "load_average_after": list(os.getloadavg()),
    }
    if torch is not None:
        result["torch"].update(median_s=med["torch"], all_s=times["torch"])
        result["ratio_pooling_core_over_torch"] = med["pooling_core"] / med["torch"]
        if "torch_1_thread" in med:
            result["torch"].update(
                one_thread_median_s=med["torch_1_thread"], one_thread_all_s=times["torch_1_thread"]
            )
            result["ratio_1_thread_over_torch_1_thread"] = (
                med["pooling_core_1_thread"] / med["torch_1_thread"]
            )
    result["ratio_loop_over_pooling_core"] = result["loop"]["scaled_median_s"] / med["pooling_core"]
    return result


def bench_steps(repeats: int) -> dict:
    rng = np.random.default_rng(1)
    x = rng.standard_normal(STEPS_HW)
    spec = PoolSpec(kernel_size=3, stride=1)
    oh, ow = (n - 3 + 1 for n in STEPS_HW)
    grad_output = rng.standard_normal((oh, ow))
    steps = scatter_steps(x, grad_output, spec)
    n = len(steps)

    def all_accumulated():
        for k in range(n):
            steps.accumulated(k)

    times = interleaved(
        {
            "build": lambda: scatter_steps(x, grad_output, spec),
            "accumulated_all_k": all_accumulated,
            "list_steps": lambda: list(steps),
        },
        repeats,
    )
    med = {name: statistics.median(t) for name, t in times.items()}
    return {
        "input_shape": list(STEPS_HW), "dtype": "float64", "kernel": 3, "stride": 1,
        "steps": n, "repeats": repeats,
        "build_median_s": med["build"],
        "build_target_s": STEPS_TARGET_MS / 1e3,
        "accumulated_all_k_median_s": med["accumulated_all_k"],
        "list_steps_median_s": med["list_steps"],
        "all_s": times,
    }


def machine() -> dict:
    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "numpy": np.__version__,
        "torch": None if torch is None else torch.__version__,
        "torch_num_threads": None if torch is None else torch.get_num_threads(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="repeats of the big shape (>= 5)")
    parser.add_argument("--steps-repeats", type=int, default=15)
    parser.add_argument("--threads", type=int, default=2, help="threads of each side (default 2)")
    parser.add_argument(
        "--own-loop", action="store_true",
        help="time the small loop in this file instead of tests/loop_reference.py's",
    )
    parser.add_argument(
        "--rescan", action="store_true",
        help="backward without the forward's indices (scans x again; torch never does)",
    )
    parser.add_argument(
        "--json", type=Path, default=ROOT / "benchmarks" / "results" / "core_speed.json"
    )
    args = parser.parse_args(argv)
    repeats = max(args.repeats, 5)

    info = machine()
    print("machine")
    print(f"  os.cpu_count()        {info['cpu_count']}")
    print(f"  python                {info['python']}  ({info['platform']})")
    print(f"  numpy                 {info['numpy']}")
    if torch is None:
        print("  torch                 not importable: the PyTorch comparison is skipped")
    else:
        print(f"  torch                 {info['torch']}")
        print(f"  torch.get_num_threads {info['torch_num_threads']}")

    pool = bench_pooling(repeats, own_loop=args.own_loop, threads=args.threads,
                         rescan=args.rescan)
    loop = pool["loop"]
    print()
    print(
        f"max pooling forward + backward: x {tuple(pool['shape'])} float32, kernel {KERNEL}, "
        f"stride {STRIDE}, padding {PADDING}, ties first"
    )
    print(f"  medians of {repeats} interleaved repeats; load average (1, 5, 15 min) before: "
          f"{', '.join(f'{v:.1f}' for v in pool['load_average_before'])}")
    if pool["backward_reads_forward_indices"]:
        print("  pooling_core's backward reads the forward's indices (as torch's autograd does)")
    else:
        print("  pooling_core's backward scans x again (--rescan; torch reads its indices)")
    print(
        f"  pooling_core          {ms(pool['pooling_core_s']['median'])}"
        f"   ({pool['threads']} threads)"
    )
    print(f"  pooling_core, 1 thread{ms(pool['pooling_core_1_thread_s']['median'])}")
    if torch is None:
        print("  torch                 skipped (torch not importable)")
    else:
        print(
            f"  torch (CPU)           {ms(pool['torch']['median_s'])}"
            f"   ({pool['torch']['num_threads']} threads)"
        )
        if "one_thread_median_s" in pool["torch"]:
            print(f"  torch (CPU), 1 thread {ms(pool['torch']['one_thread_median_s'])}")
    print(
        f"  loop, scaled          {ms(loop['scaled_median_s'])}   (timed on x[:1, :2], "
        f"{loop['planes_timed']} planes: {ms(loop['slice_median_s']).strip()}, "
        f"x {loop['scale']:.0f} to {SHAPE[0] * SHAPE[1]} planes, linear scaling)"
    )
    print(f"    loop source: {loop['source']}")
    print("  ratios (of medians)")
    if torch is not None:
        print(
            f"    pooling_core / torch, {pool['threads']} threads each "
            f"{pool['ratio_pooling_core_over_torch']:6.2f} x   (goal <= 1.0)"
        )
        print(
            f"    pooling_core / torch, 1 thread each  "
            f"{pool['ratio_1_thread_over_torch_1_thread']:6.2f} x   (goal <= 1.1)"
        )
    print(f"    loop / pooling_core    {pool['ratio_loop_over_pooling_core']:8.1f} x")
    for name, ok in pool["checks"].items():
        print(f"  check {name}: {ok}")
    cpu_ms = {name: t * 1e3 for name, t in pool["cpu_median_s"].items()}
    if "torch_1_thread" in cpu_ms:
        print(
            f"  process CPU time, 1 thread each: pooling_core {cpu_ms['pooling_core_1_thread']:.1f}"
            f" ms, torch {cpu_ms['torch_1_thread']:.1f} ms (ratio "
            f"{cpu_ms['pooling_core_1_thread'] / cpu_ms['torch_1_thread']:.2f}; less load-bound"
            " than wall time)"
        )
    print(f"  load average after: {', '.join(f'{v:.1f}' for v in pool['load_average_after'])}")

    steps = bench_steps(max(args.steps_repeats, 1))
    print()
    print(
        f"scatter_steps: {tuple(steps['input_shape'])} float64, kernel 3, stride 1, "
        f"{steps['steps']} steps; medians of {steps['repeats']} interleaved repeats"
    )
    status = "OK" if steps["build_median_s"] * 1e3 < STEPS_TARGET_MS else "OVER TARGET"
    print(
        f"  scatter_steps(...)        {ms(steps['build_median_s'])}   "
        f"(target < {STEPS_TARGET_MS:.0f} ms: {status})"
    )
    print(f"  accumulated(k), all k     {ms(steps['accumulated_all_k_median_s'])}")
    print(f"  list(steps)               {ms(steps['list_steps_median_s'])}")

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps({"machine": info, "pooling": pool, "scatter_steps": steps}, indent=2) + "\n"
    )
    print()
    print(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
