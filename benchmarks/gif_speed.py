"""Speed of the animation for slides (ui.exports.gif): milliseconds per frame, GIF and zip.

Run from the repository root:

    .venv/bin/python benchmarks/gif_speed.py [--repeats 3] [--size projector]

For max pooling with stride 1 on n x n inputs of small integers (6 x 6 kernel 3: 16 frames;
10 x 10 kernel 2: 81; 15 x 15 kernel 2: 196, when the budget allows it) and for the costly
kind at the budget's limit (average pooling, kernel 3, stride 1, three-decimal dL/dy: nine
new dL/dx texts a frame), it prints the median
wall time (time.perf_counter) of `backward_gif` and `frames_zip` over --repeats runs, per
frame and in all, with the file size, the budget's frame limit for the size and the load
average (the machine is shared: read the figures with it). Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pooling_core import PoolSpec, scatter_steps  # noqa: E402
from ui.exports import gif  # noqa: E402

CASES = ((6, 3), (10, 2), (15, 2))


def median_seconds(make: object, repeats: int) -> tuple[float, float, int]:
    """Median wall time and CPU time of make() over `repeats` runs, and the size of what it
    returned (on a busy machine the CPU time is what the wall time would be when idle)."""
    walls, cpus, size = [], [], 0
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        size = len(make())  # type: ignore[operator]
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return statistics.median(walls), statistics.median(cpus), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--size", choices=tuple(gif.SIZES), default="projector")
    parser.add_argument("--lang", default="en")
    args = parser.parse_args()
    limit = gif.frame_limit(args.size)
    print(f"size {args.size} {gif.SIZES[args.size]}, frame limit {limit}, "
          f"load average {os.getloadavg()[0]:.2f}, median of {args.repeats}")
    rng = np.random.default_rng(0)
    rows = int(limit ** 0.5)  # rows x cols windows: the most the budget allows, about square
    cols = limit // rows
    for n, k in CASES:
        m = n - k + 1
        x = rng.integers(0, 10, size=(n, n)).astype(float)
        gy = rng.integers(1, 5, size=(m, m)).astype(float)
        steps = scatter_steps(x, gy, PoolSpec(kernel_size=k, stride=1))
        frames = len(steps)
        if frames > limit:
            print(f"{n:>3} x {n:<3} k{k} s1 {frames:>4} frames: refused (limit {limit})")
            continue
        for kind, make in (("gif", lambda s=steps: gif.backward_gif(s, args.lang, args.size)),
                           ("zip", lambda s=steps: gif.frames_zip(s, args.lang, args.size))):
            wall, cpu, size = median_seconds(make, args.repeats)
            print(f"{n:>3} x {n:<3} k{k} s1 {frames:>4} frames {kind}: wall {wall:5.2f} s "
                  f"({1000 * wall / frames:5.1f} ms/frame), CPU {cpu:5.2f} s "
                  f"({1000 * cpu / frames:5.1f} ms/frame), {size / 1024:5.0f} KB")
    # The costly kind at the limit: average pooling, kernel 3, stride 1, dL/dy with three
    # decimals (every step changes 9 dL/dx cells to new values: 9 new cell texts a frame).
    x = rng.normal(size=(rows + 2, cols + 2))
    gy = np.round(rng.uniform(0.5, 4, size=(rows, cols)), 3)
    steps = scatter_steps(x, gy, PoolSpec(kernel_size=3, stride=1, mode="avg"))
    for kind, make in (("gif", lambda: gif.backward_gif(steps, args.lang, args.size)),
                       ("zip", lambda: gif.frames_zip(steps, args.lang, args.size))):
        wall, cpu, size = median_seconds(make, args.repeats)
        print(f"avg {rows + 2} x {cols + 2} k3 s1 {len(steps):>4} frames {kind}: "
              f"wall {wall:5.2f} s "
              f"({1000 * wall / len(steps):5.1f} ms/frame), CPU {cpu:5.2f} s "
              f"({1000 * cpu / len(steps):5.1f} ms/frame), {size / 1024:5.0f} KB")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
