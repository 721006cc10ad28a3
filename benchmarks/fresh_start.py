"""Fresh clone -> serving app: how long `bash scripts/start` takes, and where the time goes.

Run from the repository root (it clones HEAD, so commit first):

    .venv/bin/python benchmarks/fresh_start.py [--runs 3] [--keep]

Each run clones the repository's HEAD into a new temporary directory (no .venv), then times:

* setup     `bash scripts/setup requirements.txt` in clone A (venv, uv, the app's lock),
  split into its steps by timing them one by one in clone B: `python3 -m venv --without-pip`,
  putting uv into the venv (scripts/setup's fetch_uv), `uv pip install --require-hashes -r
  requirements.txt`;
* start     the whole `bash scripts/start` in clone C, from the command to Streamlit's
  `/_stcore/health` answering "ok", and to the app's page being served.

Package caches (uv's, pip's) are whatever this machine has: a first run on a new machine
also downloads every wheel. The goal (README, issue #19): fresh clone to serving <= 30 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))
from appserver import free_port, healthy  # noqa: E402


def clone(dest: Path) -> None:
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(dest)], check=True)


def timed(cmd: list[str] | str, cwd: Path, shell: bool = False) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, shell=shell, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def setup_steps(work: Path) -> dict[str, float]:
    """scripts/setup's steps, one by one, in a fresh clone."""
    d = work / "b"
    clone(d)
    py = shutil.which("python3") or sys.executable
    steps = {"venv --without-pip": timed([py, "-m", "venv", "--without-pip", ".venv"], d)}
    # scripts/setup's own fetch_uv (uv's wheel from PyPI, checked against the lock's hashes)
    steps["uv into .venv (fetch_uv)"] = timed(
        ["bash", "-c", 'source <(sed -n "/^fetch_uv() {/,/^}/p" scripts/setup); '
         f'py="{py}"; fetch_uv'], d)
    steps["uv pip install requirements.txt"] = timed(
        [".venv/bin/uv", "pip", "install", "--quiet", "--python", ".venv/bin/python",
         "--require-hashes", "-r", "requirements.txt"], d)
    return steps


def fetch_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            r.read()
            return r.status == 200
    except OSError:
        return False


def start_run(work: Path) -> dict[str, float]:
    """`bash scripts/start` in a fresh clone: seconds to health ok and to the app served."""
    d = work / "c"
    clone(d)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    t0 = time.perf_counter()
    with open(work / "start.log", "wb") as log:
        proc = subprocess.Popen(
            ["bash", "scripts/start", "--server.port", str(port), "--server.address",
             "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none"],
            cwd=d, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        out: dict[str, float] = {}
        while not healthy(url):
            if proc.poll() is not None or time.perf_counter() - t0 > 300:
                raise RuntimeError(f"scripts/start did not serve; see {work / 'start.log'}")
            time.sleep(0.05)
        out["start: health ok"] = time.perf_counter() - t0
        if not fetch_ok(url + "/"):
            raise RuntimeError("the app's page was not served")
        out["start: page served"] = time.perf_counter() - t0
        return out
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=20)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the temporary clones")
    args = parser.parse_args(argv)
    results: dict[str, list[float]] = {}
    for i in range(args.runs):
        work = Path(tempfile.mkdtemp(prefix="fresh_start_"))
        try:
            a = work / "a"
            clone(a)
            row = {"setup (scripts/setup requirements.txt)":
                   timed(["bash", "scripts/setup", "requirements.txt"], a)}
            row.update(setup_steps(work))
            row.update(start_run(work))
        finally:
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
        for k, v in row.items():
            results.setdefault(k, []).append(v)
        print(f"run {i + 1}: " + ", ".join(f"{k} {v:.1f} s" for k, v in row.items()), flush=True)
    print(f"\nmedians of {args.runs} runs (seconds), fresh clones of HEAD; goal <= 30 s to serving")
    for k, v in results.items():
        print(f"  {k:40s} {statistics.median(v):7.1f}   (all: {', '.join(f'{x:.1f}' for x in v)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
