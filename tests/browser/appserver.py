"""Start and stop `streamlit run app.py` on a free loopback port, and how to launch Debian's
chromium against it (browser tests, benchmarks)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
# Headless Chromium as the browser tests and the benchmarks launch it.
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def healthy(url: str) -> bool:
    """Whether Streamlit answers "ok" on its health endpoint."""
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
            return r.status == 200 and r.read().decode().strip() == "ok"
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def start_server(log_path: Path, app_root: Path = REPO_ROOT, timeout_s: float = 60,
                 ) -> tuple[subprocess.Popen, str, float]:
    """Spawn the app and wait until it is healthy.

    Returns (process, base URL, spawn time as epoch seconds). Raises RuntimeError with the end
    of the server log when it exits or is not healthy within `timeout_s`.
    """
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
           "--server.address", HOST, "--server.headless", "true",
           "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    url = f"http://{HOST}:{port}"
    spawned = time.time()
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(cmd, cwd=app_root, stdout=log, stderr=subprocess.STDOUT,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + timeout_s
    while not healthy(url):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_server(proc)
            tail = log_path.read_text(errors="replace")[-4000:]
            raise RuntimeError(f"streamlit was not healthy at {url} (exit code "
                               f"{proc.returncode}); log:\n{tail}")
        time.sleep(0.05)
    return proc, url, spawned


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
