"""Fresh clone -> serving app: how long `bash scripts/start` takes, cold and warm, and where.

Run from the repository root (it clones HEAD, so commit first):

    .venv/bin/python benchmarks/fresh_start.py [--runs 3] [--keep] [--sizes] [--no-steps]
        [--ref COMMIT ...]

--ref clones that commit instead of HEAD; given several, each run times each of them in turn
(an A/B on the same machine at the same time; --no-steps is then needed for older commits).

Each run makes new, empty caches (XDG_CACHE_HOME in a temporary directory: uv's package cache
and scripts/setup's copy of uv; nothing from this machine's own caches is used) and clones the
repository's HEAD (no .venv):

* cold     `bash scripts/start` in clone A with the empty cache: every wheel is downloaded;
           seconds from the command to Streamlit's `/_stcore/health` answering "ok";
* warm     `bash scripts/start` in clone B with the cache clone A filled (a second clone on
           a machine that already installed the app once);
* steps    scripts/setup's steps one by one in clone C with another empty cache: finding
           Python, `venv --without-pip`, uv into the venv (scripts/setup's get_uv: fetched
           from PyPI, then again from its cache), `uv pip install --require-hashes -r
           requirements.txt` (cold), the same again into a second venv (warm cache), then
           Streamlit's start alone, to health "ok" (skipped with --no-steps).

scripts/setup makes the venv and gets uv at the same time, so its steps overlap in the runs.
--sizes also lists the wheels this machine downloads for requirements.txt, biggest first
(from PyPI's index: the file whose sha256 the lock holds, for this Python and platform).
The goal (README, issue #19): fresh clone to serving <= 30 s, cold and warm.
"""

from __future__ import annotations

import argparse
import json
import os
import re
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

STREAMLIT_ARGS = ["--server.address", "127.0.0.1", "--server.headless", "true",
                  "--server.fileWatcherType", "none"]


REF = "HEAD"


def clone(dest: Path) -> None:
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(ROOT), str(dest)],
                   check=True)
    commit = subprocess.run(["git", "rev-parse", REF], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout.strip()
    subprocess.run(["git", "checkout", "--quiet", commit], cwd=dest, check=True)


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def until_healthy(cmd: list[str], cwd: Path, env: dict[str, str], log: Path) -> float:
    """Start cmd (a Streamlit server on a free port) and return the seconds to health ok."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    t0 = time.perf_counter()
    with open(log, "wb") as out:
        proc = subprocess.Popen([*cmd, "--server.port", str(port), *STREAMLIT_ARGS], cwd=cwd,
                                env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        while not healthy(url):
            if proc.poll() is not None or time.perf_counter() - t0 > 300:
                raise RuntimeError(f"{cmd[0]} did not serve; see {log}")
            time.sleep(0.05)
        seconds = time.perf_counter() - t0
        with urllib.request.urlopen(url + "/", timeout=10) as r:
            if r.status != 200:
                raise RuntimeError("the app's page was not served")
        return seconds
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=20)


def setup_fn(name: str) -> str:
    """A shell function's definition, copied out of scripts/setup."""
    return f'source <(sed -n "/^{name}() {{/,/^}}/p" scripts/setup)'


def setup_steps(d: Path, env: dict[str, str]) -> dict[str, float]:
    """scripts/setup's steps one by one in clone d (caches in env empty), then Streamlit."""
    clone(d)
    t0 = time.perf_counter()
    py = subprocess.run(["bash", "-c", f'{setup_fn("find_python")}; find_python; echo "$py"'],
                        cwd=d, env=env, check=True, capture_output=True,
                        text=True).stdout.strip().splitlines()[-1]
    steps = {"find Python": time.perf_counter() - t0}
    steps["venv --without-pip"] = timed([py, "-m", "venv", "--without-pip", ".venv"], d, env)
    get_uv = (f'{setup_fn("fetch_uv")}; {setup_fn("uv_ok")}; {setup_fn("get_uv")}; '
              f'py="{py}"; get_uv .venv/bin/uv')
    steps["uv, fetched (get_uv, cold)"] = timed(["bash", "-c", get_uv], d, env)
    steps["uv, cached (get_uv, warm)"] = timed(["bash", "-c", get_uv], d, env)
    install = [".venv/bin/uv", "pip", "install", "--quiet", "--require-hashes", "--no-deps", "-r",
               "requirements.txt"]
    steps["uv pip install, cold cache"] = timed([*install, "--python", ".venv/bin/python"],
                                                d, env)
    subprocess.run([py, "-m", "venv", "--without-pip", "warm"], cwd=d, check=True)
    steps["uv pip install, warm cache"] = timed([*install, "--python", "warm/bin/python"],
                                                d, env)
    steps["streamlit start (installed)"] = until_healthy(
        [".venv/bin/python", "-m", "streamlit", "run", "app.py"], d, env, d.parent / "st.log")
    return steps


def wheel_sizes() -> list[tuple[str, int]]:
    """(wheel file name, bytes) of each wheel requirements.txt brings to this machine."""
    from packaging.markers import default_environment
    from packaging.requirements import Requirement
    from packaging.tags import sys_tags
    from packaging.utils import parse_wheel_filename

    tags = {str(t): i for i, t in enumerate(sys_tags())}
    text = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    out = []
    for entry in re.split(r"\n(?=[A-Za-z0-9])", text):
        head = entry.split("\\", 1)[0].strip()
        if not head or head.startswith("#"):
            continue
        req = Requirement(head)
        if req.marker is not None and not req.marker.evaluate(default_environment()):
            continue
        hashes = set(re.findall(r"sha256:([0-9a-f]{64})", entry))
        index = urllib.request.Request(f"https://pypi.org/simple/{req.name}/",
                                       headers={"Accept": "application/vnd.pypi.simple.v1+json"})
        with urllib.request.urlopen(index, timeout=30) as r:
            files = json.load(r)["files"]
        best: tuple[int, str, int] | None = None
        for f in files:
            if not f["filename"].endswith(".whl") or f["hashes"].get("sha256") not in hashes:
                continue
            ranks = [tags[str(t)] for t in parse_wheel_filename(f["filename"])[3]
                     if str(t) in tags]
            if ranks and (best is None or min(ranks) < best[0]):
                best = (min(ranks), f["filename"], f["size"])
        if best is not None:
            out.append((best[1], best[2]))
    return sorted(out, key=lambda x: -x[1])


def one_run(work: Path, steps: bool) -> dict[str, float]:
    # XDG_CACHE_HOME holds uv's package cache and scripts/setup's copy of uv itself.
    base = {k: v for k, v in os.environ.items() if not k.startswith("UV_")}
    env_a = {**base, "XDG_CACHE_HOME": str(work / "cache-a")}
    row = {}
    for key, d in (("cold: scripts/start to health ok", work / "a"),
                   ("warm: scripts/start to health ok", work / "b")):
        clone(d)
        row[key] = until_healthy(["bash", "scripts/start"], d, env_a, work / f"{d.name}.log")
    if steps:
        row.update(setup_steps(work / "c", {**base, "XDG_CACHE_HOME": str(work / "cache-c")}))
    if not (work / "cache-a" / "uv").is_dir():
        raise RuntimeError("uv did not use XDG_CACHE_HOME: the cold runs were not cold")
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the temporary clones")
    parser.add_argument("--sizes", action="store_true", help="list the wheels' sizes")
    parser.add_argument("--no-steps", action="store_true", help="only cold and warm starts")
    parser.add_argument("--ref", nargs="+", default=["HEAD"], help="commits to time")
    args = parser.parse_args(argv)
    global REF
    if args.sizes:
        sizes = wheel_sizes()
        print(f"requirements.txt on this machine: {len(sizes)} wheels, "
              f"{sum(s for _, s in sizes) / 1e6:.1f} MB to download")
        for name, size in sizes:
            print(f"  {size / 1e6:6.1f} MB  {name}")
    results: dict[str, list[float]] = {}
    loads = []
    for i in range(args.runs):
        for REF in args.ref:
            work = Path(tempfile.mkdtemp(prefix="fresh_start_"))
            loads.append(os.getloadavg()[0])
            try:
                row = one_run(work, not args.no_steps)
            finally:
                if not args.keep:
                    shutil.rmtree(work, ignore_errors=True)
            tag = f"{REF}: " if len(args.ref) > 1 else ""
            for k, v in row.items():
                results.setdefault(tag + k, []).append(v)
            print(f"run {i + 1} {tag}(load {loads[-1]:.1f}): "
                  + ", ".join(f"{k} {v:.1f} s" for k, v in row.items()), flush=True)
    print(f"\nmedians of {args.runs} runs (seconds), fresh clones, load average "
          f"{min(loads):.1f}-{max(loads):.1f} at the runs' starts; goal <= 30 s to serving")
    width = max(len(k) for k in results)
    for k, v in results.items():
        print(f"  {k:{width}s} {statistics.median(v):6.1f}   "
              f"(all: {', '.join(f'{x:.1f}' for x in v)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
